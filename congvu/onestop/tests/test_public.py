"""Public lookup and rating, no login: masking, nothing personal leaked, a guessed code answered like a
missing one, per-client rate limits (hashed address), the rating's once-only and returned-only rules."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, NotFound, ValidationFailed
from congvu.onestop import public
from congvu.onestop.models import DossierEvent, PublicLookupAttempt, Rating
from congvu.onestop.tests.conftest import make_procedure
from congvu.onestop.tests.factories_o3 import make_dossier
from congvu.org.models import Role

pytestmark = pytest.mark.django_db

GOOD_ANSWERS = {"time": "2", "contacts": "2", "bodies": "1", "attitude": "2", "ease": "1", "overall": "2"}


@pytest.fixture
def clerk_o(agency):
    return make_official(agency, Role.ONESTOP, username="motcua_pub", full_name="Phạm Quốc Bảo")


@pytest.fixture
def version(db):
    return make_procedure()


@pytest.fixture
def open_dossier(agency, version, clerk_o):
    return make_dossier(agency=agency, version=version, received_by=clerk_o)


@pytest.fixture
def returned_dossier(agency, version, clerk_o):
    return make_dossier(agency=agency, version=version, received_by=clerk_o, returned=True,
                        applicant_name="Trần Thị Mai Hương", id_number="046189001234", phone="0935 667 788")


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


@pytest.mark.parametrize("name, masked", [
    ("Nguyễn Văn An", "Nguyễn V** A*"),
    ("Trần Thị Mai Hương", "Trần T** M** H****"),
    ("  Lê   Bình ", "Lê B***"),
    ("An", "A*"),
    ("", ""),
    # Decomposed input (NFD) is counted by letters, not by code points.
    ("Nguye\u0302\u0303n Va\u0306n An", "Nguyễn V** A*"),
])
def test_mask_name(name, masked):
    assert public.mask_name(name) == masked


def test_lookup_shows_status_and_timeline_and_nothing_personal(open_dossier, clerk_o):
    response = client_from("10.0.0.1").get(reverse("onestop:public_lookup"), {"ma": open_dossier.code})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nguyễn V** A*" in html
    assert "Đang xử lý" in html and "Tiếp nhận hồ sơ" in html and "Chuyển xử lý" in html
    assert "Được tiếp nhận" in html  # the status recorded with the first event
    assert "Đăng ký khai sinh" in html and "UBND huyện Nông Sơn" in html
    assert "09/03/2026" in html  # the appointment
    for secret in ("Nguyễn Văn An", "001203004567", "0912345678", "an.nguyen@example.vn", "Phú Thượng",
                   "Ghi chú nội bộ", "Phạm Quốc Bảo", "Đăng ký khai sinh cho con"):
        assert secret not in html, secret
    assert PublicLookupAttempt.objects.filter(kind="lookup").count() == 0  # a successful look-up is not a failure
    assert PublicLookupAttempt.objects.filter(kind="lookup_any").count() == 1  # but counts against LOOKUP_ANY


def test_the_qr_link_and_a_sloppily_typed_code_find_the_dossier(open_dossier):
    c = client_from("10.0.0.2")
    response = c.get(reverse("onestop:public_dossier", args=[open_dossier.code]))
    assert response.status_code == 200 and "Nguyễn V** A*" in response.content.decode()
    response = c.get(reverse("onestop:public_lookup"), {"ma": f"  {open_dossier.code.lower()} "})
    assert response.status_code == 200 and open_dossier.code in response.content.decode()


def test_a_guessed_code_gets_the_not_found_answer_and_counts(open_dossier):
    c = client_from("10.0.0.3")
    guessed = open_dossier.code[:-4] + "9999"
    answers = [c.get(reverse("onestop:public_lookup"), {"ma": code})
               for code in (guessed, "không-có-mã-này", "x" * 200, "' OR 1=1 --")]
    for response in answers:
        assert response.status_code == 404
        assert public.NOT_FOUND in response.content.decode()
        assert "Nguyễn" not in response.content.decode()
    assert PublicLookupAttempt.objects.filter(kind="lookup").count() == 4
    with pytest.raises(NotFound) as exc:
        public.public_lookup(client="k", code=guessed)
    assert exc.value.message == public.NOT_FOUND


def test_too_many_failures_block_the_client_even_for_a_real_code(open_dossier):
    c = client_from("203.0.113.7")
    for n in range(public.LOOKUP.attempts):
        assert c.get(reverse("onestop:public_lookup"), {"ma": f"SAI-{n}"}).status_code == 404
    blocked = c.get(reverse("onestop:public_dossier", args=[open_dossier.code]))
    assert blocked.status_code == 429
    html = blocked.content.decode()
    assert "Bạn đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau 15 phút." in html
    assert "Nguyễn V** A*" not in html
    # The address is kept only as a keyed hash.
    clients = set(PublicLookupAttempt.objects.values_list("client", flat=True))
    assert len(clients) == 1
    (key,) = clients
    assert len(key) == 64 and "203.0.113.7" not in key
    # Another client is not affected.
    assert client_from("203.0.113.8").get(
        reverse("onestop:public_dossier", args=[open_dossier.code])).status_code == 200


def test_failures_older_than_the_window_do_not_count(open_dossier):
    key = "a" * 64
    old = timezone.now() - public.LOOKUP.window - dt.timedelta(seconds=1)
    PublicLookupAttempt.objects.bulk_create(
        [PublicLookupAttempt(client=key, kind="lookup", at=old) for _ in range(public.LOOKUP.attempts)])
    assert public.public_lookup(client=key, code=open_dossier.code).code == open_dossier.code
    PublicLookupAttempt.objects.create(client=key, kind="lookup", at=timezone.now())
    PublicLookupAttempt.objects.bulk_create(
        [PublicLookupAttempt(client=key, kind="lookup", at=timezone.now()) for _ in range(public.LOOKUP.attempts)])
    with pytest.raises(public.TooManyAttempts):
        public.public_lookup(client=key, code=open_dossier.code)


# --- rating ---------------------------------------------------------------------------------------------------

def rate(client, code, proof, answers=GOOD_ANSWERS, comment=""):
    return client.post(reverse("onestop:public_rate", args=[code]), {**answers, "proof": proof, "comment": comment})


def test_the_rating_link_shows_only_once_returned(open_dossier, returned_dossier):
    c = client_from("10.0.1.1")
    assert "Đánh giá mức độ hài lòng" not in c.get(
        reverse("onestop:public_dossier", args=[open_dossier.code])).content.decode()
    assert "Đánh giá mức độ hài lòng" in c.get(
        reverse("onestop:public_dossier", args=[returned_dossier.code])).content.decode()


def test_the_applicant_rates_a_returned_dossier_once(returned_dossier):
    c = client_from("10.0.1.2")
    page = c.get(reverse("onestop:public_rate", args=[returned_dossier.code]))
    assert page.status_code == 200 and "Trần" not in page.content.decode()  # nothing before the proof
    response = rate(c, returned_dossier.code, "7788", comment="Cán bộ hướng dẫn tận tình")
    assert response.status_code == 200
    assert "Cảm ơn ông/bà đã đánh giá" in response.content.decode()
    rating = Rating.objects.get(dossier=returned_dossier)
    assert rating.overall == 2
    assert rating.scores == {"time": 2, "contacts": 2, "bodies": 1, "attitude": 2, "ease": 1}
    assert rating.comment == "Cán bộ hướng dẫn tận tình"
    assert DossierEvent.objects.filter(dossier=returned_dossier, kind="rated").count() == 1
    entry = JournalEntry.objects.get(action="onestop.dossier_rate")
    assert entry.object_id == str(rating.pk) and entry.after["overall"] == 2
    # Twice: a clear message and nothing changed.
    again = rate(c, returned_dossier.code, "1234", answers={**GOOD_ANSWERS, "overall": "0"})
    assert again.status_code == 409
    assert public.ALREADY_RATED in again.content.decode()
    rating.refresh_from_db()
    assert rating.overall == 2 and Rating.objects.count() == 1
    assert DossierEvent.objects.filter(dossier=returned_dossier, kind="rated").count() == 1
    # The lookup now says it was rated, and offers no second rating.
    html = c.get(reverse("onestop:public_dossier", args=[returned_dossier.code])).content.decode()
    assert "Hồ sơ đã được đánh giá" in html and "danh-gia" not in html


def test_the_last_four_digits_of_the_id_number_are_a_proof_too(returned_dossier):
    rating = public.rating_submit(client="k1", code=returned_dossier.code, proof="1234", answers=GOOD_ANSWERS)
    assert rating.dossier_id == returned_dossier.pk


def test_a_dossier_not_yet_returned_cannot_be_rated(open_dossier):
    response = rate(client_from("10.0.1.3"), open_dossier.code, "5678")
    assert response.status_code == 400
    assert public.NOT_RETURNED in response.content.decode()
    assert Rating.objects.count() == 0
    assert not DossierEvent.objects.filter(kind="rated").exists()


def test_a_wrong_proof_or_code_gets_one_message_and_counts(returned_dossier):
    c = client_from("10.0.1.4")
    wrong_proof = rate(c, returned_dossier.code, "0000")
    wrong_code = rate(c, returned_dossier.code[:-4] + "9999", "7788")
    for response in (wrong_proof, wrong_code):
        assert response.status_code == 400
        assert public.BAD_PROOF in response.content.decode()
    assert Rating.objects.count() == 0
    assert PublicLookupAttempt.objects.filter(kind="rating").count() == 2


def test_bad_answers_are_refused_without_counting(returned_dossier):
    response = rate(client_from("10.0.1.5"), returned_dossier.code, "7788", answers={**GOOD_ANSWERS, "ease": "5"})
    assert response.status_code == 400
    assert "Chọn một mức cho “Mức độ thuận tiện khi thực hiện thủ tục”." in response.content.decode()
    with pytest.raises(ValidationFailed) as exc:
        public.rating_submit(client="k2", code=returned_dossier.code, proof="77", answers=GOOD_ANSWERS)
    assert exc.value.fields == {"proof": "Cần đúng 4 chữ số."}
    assert Rating.objects.count() == 0 and PublicLookupAttempt.objects.count() == 0


def test_too_many_wrong_proofs_block_rating(returned_dossier):
    c = client_from("10.0.1.6")
    for _ in range(public.RATING.attempts):
        assert rate(c, returned_dossier.code, "0000").status_code == 400
    blocked = rate(c, returned_dossier.code, "7788")
    assert blocked.status_code == 429
    assert "Bạn đã nhập sai thông tin xác minh quá nhiều lần" in blocked.content.decode()
    assert Rating.objects.count() == 0


def test_rating_twice_through_the_service_is_a_conflict(returned_dossier):
    public.rating_submit(client="k3", code=returned_dossier.code, proof="7788", answers=GOOD_ANSWERS)
    with pytest.raises(Conflict):
        public.rating_submit(client="k3", code=returned_dossier.code, proof="7788", answers=GOOD_ANSWERS)
    assert Rating.objects.count() == 1


def test_the_rating_form_needs_the_csrf_token(returned_dossier):
    c = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.1.7")
    response = rate(c, returned_dossier.code, "7788")
    assert response.status_code == 403
    assert Rating.objects.count() == 0


def test_an_ipv6_client_is_counted_by_its_64_prefix():
    from django.test import RequestFactory

    rf = RequestFactory()
    key = public.client_key(rf.get("/", REMOTE_ADDR="2001:db8:1:2::1"))
    assert key == public.client_key(rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9"))
    assert key != public.client_key(rf.get("/", REMOTE_ADDR="2001:db8:1:3::1"))
    assert public.client_key(rf.get("/", REMOTE_ADDR="::ffff:192.0.2.1")) == public.client_key(
        rf.get("/", REMOTE_ADDR="192.0.2.1"))
    assert public.client_key(rf.get("/", REMOTE_ADDR="192.0.2.1")) != public.client_key(
        rf.get("/", REMOTE_ADDR="192.0.2.2"))
