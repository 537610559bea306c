"""The peers page (/exchange/peers/): the system admin lists the other systems with how the exchange with each
is going, adds and edits them; the shared secret is typed (or generated) once and never shown again."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.documents.models import StoredFile
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import peers, services
from congvu.exchange.models import Nonce, OutboxItem, Peer, PullPackage, Transmission, TransmissionState

pytestmark = pytest.mark.django_db

SECRET = "bi-mat-chung-0123456789-abcdef"


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_user("quantri_ht", password="x", is_superuser=True, is_staff=True)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _form(**changes):
    data = {"name": "Trục tỉnh Quảng Nam", "transport": "http", "url": "https://vpdt.quangnam.gov.vn/", "folder": "",
            "organ_ids": "000.00.00.H49, H49.1\n000.00.00.H49", "key_id": "congvu-ninh-phuoc", "secret": SECRET,
            "active": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _state():
    return (list(Peer.objects.order_by("pk").values_list("name", "transport", "base_url", "folder", "organ_ids",
                                                        "key_id", "secret", "active")),
            JournalEntry.objects.count())


def test_only_the_system_admin(clerk, agency_admin, admin):
    Peer.objects.create(name="tinh", base_url="https://x/", organ_ids=["000.00.00.H49"], key_id="k", secret=SECRET)
    before = _state()
    for user in (clerk, agency_admin):
        c = _client(user)
        assert c.get(reverse("exchange:peers")).status_code == 403
        assert c.get(reverse("exchange:peer_new")).status_code == 403
        assert c.post(reverse("exchange:peer_new"), _form()).status_code == 403
        assert c.post(reverse("exchange:peer_edit", args=[Peer.objects.get().pk]),
                      _form(name="doi-ten")).status_code == 403
    anonymous = Client().get(reverse("exchange:peers"))
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    with pytest.raises(PermissionDenied):
        peers.peer_save(actor=clerk, name="x", url="https://x/", organ_ids="000.00.00.H49", key_id="k2")
    assert _state() == before
    assert _client(admin).get(reverse("exchange:peer_edit", args=[999999])).status_code == 404


def test_admin_adds_a_peer_with_a_typed_secret(admin):
    c = _client(admin)
    r = c.get(reverse("exchange:peers"))
    assert r.status_code == 200 and "Chưa khai báo hệ thống liên thông nào." in r.text
    r = c.post(reverse("exchange:peer_new"), _form())
    assert (r.status_code, r["Location"]) == (302, reverse("exchange:peers"))
    peer = Peer.objects.get()
    assert (peer.name, peer.transport, peer.base_url, peer.folder, peer.organ_ids, peer.key_id, peer.secret,
            peer.active) == ("Trục tỉnh Quảng Nam", "http", "https://vpdt.quangnam.gov.vn/", "",
                             ["000.00.00.H49", "H49.1"], "congvu-ninh-phuoc", SECRET, True)
    entry = JournalEntry.objects.get(action="exchange.peer_save")
    assert (entry.actor_id, entry.object_id, entry.before) == (admin.pk, str(peer.pk), None)
    assert entry.after == {"name": "Trục tỉnh Quảng Nam", "transport": "http", "fetch": False,
                           "base_url": "https://vpdt.quangnam.gov.vn/", "folder": "",
                           "organ_ids": ["000.00.00.H49", "H49.1"], "key_id": "congvu-ninh-phuoc", "active": True,
                           "secret_changed": True}
    page = c.get(reverse("exchange:peers")).text
    assert "Đã thêm hệ thống liên thông Trục tỉnh Quảng Nam." in page
    assert "https://vpdt.quangnam.gov.vn/" in page and "000.00.00.H49, H49.1" in page
    assert 'data-active="1">Đang hoạt động<' in page and 'data-pending="0">0<' in page
    assert "Chưa liên lạc" in page
    assert SECRET not in page
    assert SECRET not in c.get(reverse("exchange:peer_edit", args=[peer.pk])).text


def test_a_generated_secret_is_shown_once(admin):
    c = _client(admin)
    r = c.post(reverse("exchange:peer_new"), _form(name="thu-muc", transport="folder", url="", folder="/srv/trao-doi",
                                                           secret=""))
    assert r.status_code == 200
    peer = Peer.objects.get()
    assert (peer.transport, peer.folder, len(peer.secret) >= 40) == ("folder", "/srv/trao-doi", True)
    assert f'<code id="peer-secret" class="secret">{peer.secret}</code>' in r.text
    assert "chỉ hiện <strong>một lần</strong>" in r.text
    assert r["Cache-Control"] == "no-store"
    assert peer.secret not in c.get(reverse("exchange:peers")).text
    assert peer.secret not in c.get(reverse("exchange:peer_edit", args=[peer.pk])).text
    assert peer.secret not in str(JournalEntry.objects.get(action="exchange.peer_save").after)


def test_edit_keeps_the_secret_unless_a_new_one_is_typed(admin):
    c = _client(admin)
    c.post(reverse("exchange:peer_new"), _form())
    peer = Peer.objects.get()
    url = reverse("exchange:peer_edit", args=[peer.pk])
    r = c.get(url)
    assert r.status_code == 200
    assert 'value="congvu-ninh-phuoc"' in r.text and 'name="secret"' in r.text and "Để trống: giữ khóa" in r.text

    r = c.post(url, _form(name="Trục tỉnh", secret="", active=None, organ_ids="000.00.00.H49"))
    assert (r.status_code, r["Location"]) == (302, reverse("exchange:peers"))
    peer.refresh_from_db()
    assert (peer.name, peer.secret, peer.active, peer.organ_ids) == ("Trục tỉnh", SECRET, False, ["000.00.00.H49"])
    entry = JournalEntry.objects.filter(action="exchange.peer_save").latest("seq")
    assert (entry.before["name"], entry.before["active"], entry.after["name"], entry.after["active"],
            entry.after["secret_changed"]) == ("Trục tỉnh Quảng Nam", True, "Trục tỉnh", False, False)
    assert 'data-active="0">Tạm dừng<' in c.get(reverse("exchange:peers")).text

    c.post(url, _form(name="Trục tỉnh", secret="khoa-moi-sau-khi-doi-0123"))
    peer.refresh_from_db()
    assert peer.secret == "khoa-moi-sau-khi-doi-0123"
    assert JournalEntry.objects.filter(action="exchange.peer_save").latest("seq").after["secret_changed"] is True


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"folder": "/srv/x"}, "url", "Kết nối HTTP(S): nhập địa chỉ, để trống thư mục trao đổi."),
    ({"url": ""}, "url", "Kết nối HTTP(S): nhập địa chỉ, để trống thư mục trao đổi."),
    ({"transport": "folder"}, "folder", "Kết nối qua thư mục: nhập thư mục trao đổi, để trống địa chỉ HTTP."),
    ({"transport": "pull", "folder": "/srv/x"}, "folder", "Hệ thống tự lấy gói về không dùng thư mục trao đổi."),
    ({"transport": "pull", "url": "", "fetch": "on"}, "url", "Lấy gói từ hệ thống này cần địa chỉ HTTP(S) của nó."),
    ({"url": "ftp://x"}, "url", "Địa chỉ phải bắt đầu bằng http:// hoặc https://."),
    ({"organ_ids": "000.00.00.H49, xx"}, "organ_ids", "Mã định danh không đúng cấu trúc: xx."),
    ({"organ_ids": " , "}, "organ_ids", "Mã định danh không đúng cấu trúc: (trống)."),
    ({"secret": "ngan"}, "secret", "Khóa bí mật chung cần ít nhất 16 ký tự."),
    ({"key_id": "k-da-dung"}, "key_id", "Mã khóa “k-da-dung” đã dùng cho hệ thống khác."),
    ({"name": "da-co"}, "name", "Đã có hệ thống liên thông tên “da-co”."),
])
def test_bad_input_changes_nothing(admin, changes, field, message):
    other = Peer.objects.create(name="da-co", base_url="https://x/", organ_ids=["000.00.00.H40"], key_id="k-da-dung",
                                secret=SECRET)
    c = _client(admin)
    c.post(reverse("exchange:peer_new"), _form(name="moi", key_id="k-moi"))
    mine = Peer.objects.get(name="moi")
    before = _state()
    r = c.post(reverse("exchange:peer_edit", args=[mine.pk]), _form(**{"name": "moi", "key_id": "k-moi", **changes}))
    assert r.status_code == 400
    assert r.context["form"].errors[field] == [message]
    assert "Chưa lưu được." in r.text
    assert _state() == before
    assert other.pk != mine.pk


def test_the_list_shows_how_the_exchange_is_going(agency, other_agency, clerk, admin, django_assert_num_queries):
    doc = outgoing_register(actor=clerk, agency=agency, uploads=[pdf_upload("cv.pdf", "Cong van")],
                            data=outgoing_data(doc_type="cong_van", subject="V/v họp",
                                               drafting_department_id=agency.departments.get(code="VP").pk,
                                               recipient_names=["Sở Nội vụ tỉnh Quảng Nam", "Sở Tài chính"]))
    services.document_dispatch(actor=clerk, document=doc)
    first, second = OutboxItem.objects.order_by("pk")
    peer = Peer.objects.create(name="tinh", base_url="https://tinh.example/", organ_ids=["000.00.00.H49"],
                               key_id="k-tinh", secret=SECRET)
    idle = Peer.objects.create(name="khac", folder="/srv/x", transport="folder", organ_ids=["000.00.00.H40"],
                               key_id="k-khac", secret=SECRET, active=False)
    at = timezone.make_aware(dt.datetime(2026, 11, 27, 9, 30))
    Transmission.objects.create(outbox_item=first, organ_id="000.00.00.H49", peer=peer, document_id="d1",
                                state=TransmissionState.SENT, sent_at=at, next_attempt_at=at, attempts=1)
    Transmission.objects.create(outbox_item=second, organ_id="000.00.00.H49", peer=peer, document_id="d2",
                                attempts=2, next_attempt_at=at + dt.timedelta(minutes=5),
                                last_error="Không kết nối được tinh: Connection refused")
    Nonce.objects.create(peer=peer, value="n1", seen_at=at + dt.timedelta(minutes=40))

    with django_assert_num_queries(1):  # counts, last contact and last error in one query, however many peers
        rows = {r.peer.name: r for r in peers.peer_rows(user=admin)}
    assert (rows["tinh"].pending, rows["tinh"].failed, rows["tinh"].last_sent_at, rows["tinh"].last_request_at,
            rows["tinh"].last_error) == (1, 0, at, at + dt.timedelta(minutes=40),
                                         "Không kết nối được tinh: Connection refused")
    assert (rows["khac"].pending, rows["khac"].last_sent_at, rows["khac"].last_error) == (0, None, "")
    page = _client(admin).get(reverse("exchange:peers")).text
    assert page.index(">khac<") < page.index(">tinh<")  # by name
    assert "Gửi thành công: 27/11/2026 09:30" in page and "Nhận yêu cầu: 27/11/2026 10:10" in page
    assert "Lỗi gần nhất: Không kết nối được tinh: Connection refused" in page
    assert 'data-pending="1">1' in page and f'id="peer-{idle.pk}"' in page
    assert 'data-active="0">Tạm dừng<' in page and "/srv/x" in page


def test_the_command_line_upserts_by_name_through_the_same_service(admin):
    saved = peers.peer_save(actor=None, as_system=True, name="tinh", url="https://x/", organ_ids="000.00.00.H49",
                            key_id="k1")
    assert saved.created and len(saved.generated_secret) >= 40 and saved.peer.secret == saved.generated_secret
    again = peers.peer_save(actor=None, as_system=True, name="tinh", url="https://y/", organ_ids=["000.00.00.H49"],
                            key_id="k1", secret="s1")
    assert (again.created, again.generated_secret, again.peer.pk, again.peer.base_url, again.peer.secret) == (
        False, "", saved.peer.pk, "https://y/", "s1")
    assert list(JournalEntry.objects.filter(action="exchange.peer_save").values_list("actor_name", flat=True)) == [
        "hệ thống", "hệ thống"]
    with pytest.raises(ValidationFailed) as exc:
        peers.peer_save(actor=None, as_system=True, name="tinh", url="https://x", organ_ids="xx", key_id="k1")
    assert exc.value.fields == {"organ_ids": "Mã định danh không đúng cấu trúc: xx."}
    with pytest.raises(PermissionDenied):
        peers.peer_save(actor=None, name="tinh", url="https://x/", organ_ids="000.00.00.H49", key_id="k1")


def test_a_peer_that_fetches_from_us_and_one_we_fetch_from(admin):
    c = _client(admin)
    r = c.post(reverse("exchange:peer_new"), _form(name="trung-tam", transport="pull", url="", key_id="k-tt"))
    assert r.status_code == 302
    r = c.post(reverse("exchange:peer_new"), _form(name="tinh", transport="pull", fetch="on", key_id="k-tinh",
                                                   organ_ids="000.00.00.H40"))
    assert r.status_code == 302
    assert list(Peer.objects.order_by("name").values_list("name", "transport", "fetch", "base_url")) == [
        ("tinh", "pull", True, "https://vpdt.quangnam.gov.vn/"), ("trung-tam", "pull", False, "")]
    hub = Peer.objects.get(name="trung-tam")
    raw = StoredFile.objects.create(sha256="a" * 64, size=10, content_type="application/xml", path="aa/raw")
    now = timezone.now()
    PullPackage.objects.create(peer=hub, name="doc-1", file=raw, queued_at=now)
    PullPackage.objects.create(peer=hub, name="doc-2", file=raw, queued_at=now, fetched_at=now)  # taken
    PullPackage.objects.create(peer=hub, name="doc-3", file=raw, queued_at=now, error="Từ chối")  # refused
    rows = {r.peer.name: r for r in peers.peer_rows(user=admin)}
    assert (rows["trung-tam"].mailbox, rows["tinh"].mailbox) == (1, 0)
    page = c.get(reverse("exchange:peers")).text
    assert 'data-mailbox="1">1 gói chờ hệ thống kia lấy về<' in page
    assert page.count('data-fetch="1"') == 1 and page.count('data-transport="pull"') == 2
    edit = c.get(reverse("exchange:peer_edit", args=[hub.pk])).text
    assert re.search(r'<input type="radio" name="transport" value="pull"[^>]* checked', edit)
    assert not re.search(r'<input type="radio" name="transport" value="http"[^>]* checked', edit)
    assert re.search(r'<input type="checkbox" name="fetch"[^>]*>', edit).group(0).count("checked") == 0
