"""Search: the same queries give the same documents on SQLite (FTS5) and PostgreSQL (tsvector)."""

import datetime as dt
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from conftest import make_official
from congvu.core.errors import ValidationFailed
from congvu.documents import search
from congvu.documents.models import Document, DocumentStatus, SearchEntry, Secrecy, Urgency
from congvu.documents.search import parse_query, raw_engine_search, search_documents
from congvu.documents.services import document_update, incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data, pdf_upload
from congvu.org.models import Role

pytestmark = pytest.mark.django_db


def ids(page) -> set[int]:
    return {d.pk for d in page.items}


def found(user, query="", **filters) -> set[int]:
    return ids(search_documents(user=user, query=query, limit=200, **filters))


@pytest.fixture
def register_in(agency, clerk):
    def register(subject, **kw):
        kw.setdefault("number", "")
        return incoming_register(actor=clerk, agency=agency, data=incoming_data(subject=subject, **kw),
                                 allow_duplicate=True)
    return register


@pytest.fixture
def corpus(register_in):
    """Subjects written with both tone-placement conventions, đ and no đ."""
    return {
        "hoa_new": register_in("Về việc hòa giải tranh chấp đất đai tại xã Quế Phước"),
        "hoa_old": register_in("Báo cáo công tác hoà giải ở cơ sở năm 2025"),
        "thuy_new": register_in("Kế hoạch phòng chống thiên tai và thủy lợi"),
        "thuy_old": register_in("Tăng cường quản lý khai thác thuỷ sản ven biển"),
        "dai": register_in("Thông báo lịch tiếp công dân của Chủ tịch"),
    }


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("query, expected", [
    ("hòa giải", {"hoa_new", "hoa_old"}),
    ("hoà giải", {"hoa_new", "hoa_old"}),
    ("hoa giai", {"hoa_new", "hoa_old"}),
    ("HÒA GIẢI", {"hoa_new", "hoa_old"}),
    (nfd("hoà giải"), {"hoa_new", "hoa_old"}),
    ("thủy", {"thuy_new", "thuy_old"}),
    ("thuỷ", {"thuy_new", "thuy_old"}),
    ("THUY", {"thuy_new", "thuy_old"}),
    (nfd("Thuỷ sản"), {"thuy_old"}),
    ("đất đai", {"hoa_new"}),
    ("dat dai", {"hoa_new"}),
    ("ĐẤT ĐAI", {"hoa_new"}),
    (nfd("đất đai"), {"hoa_new"}),
    ("dân", {"dai"}),
    ("hòa giải đất", {"hoa_new"}),  # words are ANDed
    ("hòa thủy", set()),
    ("hoa*", {"hoa_new", "hoa_old", "thuy_new"}),  # prefix: hòa, hoà, hoạch
    ("thu*", {"thuy_new", "thuy_old"}),
])
def test_folding_makes_spellings_equal(corpus, clerk, query, expected):
    assert found(clerk, query) == {corpus[k].pk for k in expected}


def test_raw_engine_returns_the_same_documents_newest_first(corpus, clerk):
    assert raw_engine_search("hoà giải", 10) == [corpus["hoa_old"].pk, corpus["hoa_new"].pk]
    assert raw_engine_search(nfd("hòa giải"), 1) == [corpus["hoa_old"].pk]
    page = search_documents(user=clerk, query="hoa giai")
    assert [d.pk for d in page.items] == [corpus["hoa_old"].pk, corpus["hoa_new"].pk]


def test_phrases_match_words_in_order(register_in, clerk):
    plan = register_in("Kế hoạch phát triển kinh tế - xã hội năm 2026")
    reverse = register_in("Phát triển kinh tế theo kế hoạch của tỉnh")
    assert found(clerk, '"kế hoạch phát triển"') == {plan.pk}
    assert found(clerk, "“ke hoach phat trien”") == {plan.pk}  # typographic quotes
    assert found(clerk, "kế hoạch phát triển") == {plan.pk, reverse.pk}
    assert found(clerk, '"phát triển kế hoạch"') == set()
    assert found(clerk, '"phát triển kinh tế"') == {plan.pk, reverse.pk}
    assert found(clerk, '"kinh tế xã hội" 2026') == {plan.pk}
    assert found(clerk, '"kinh tế xã hội" 2025') == set()


def test_number_and_notation(register_in, clerk, agency):
    n12 = register_in("Về việc thành lập tổ công tác", number="12", notation="QĐ-UBND")
    kh12 = register_in("Về việc tổ chức hội nghị", number="12", notation="KH-UBND")
    n125 = register_in("Về việc điều chỉnh dự toán", number="125", notation="QĐ-UBND")
    assert found(clerk, "12/QĐ-UBND") == {n12.pk}
    assert found(clerk, "12/QD-UBND") == {n12.pk}
    assert found(clerk, "QD-UBND 12") == {n12.pk}
    assert found(clerk, "qđ-ubnd") == {n12.pk, n125.pk}
    assert found(clerk, "12") == {n12.pk, kh12.pk}
    out = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(subject="Về việc bổ nhiệm cán bộ"))
    assert out.number_notation == "01/QĐ-UBND"
    assert found(clerk, "01/QĐ-UBND") == {out.pk}
    assert found(clerk, "1/QĐ-UBND") == {out.pk}


def test_metadata_fields_are_searchable(register_in, clerk, agency):
    doc = register_in("Về việc cấp kinh phí", issuer="Sở Tài chính tỉnh Quảng Nam", signer="Trần Thị Đào",
                      signer_title="GIÁM ĐỐC", notes="Chuyển phòng Kế toán xử lý", doc_type="cong_van")
    out = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        subject="Về việc báo cáo số liệu", recipient_names=["Ban Quản lý rừng phòng hộ Sông Thanh"]))
    assert found(clerk, "tai chinh") == {doc.pk}
    assert found(clerk, "Đào") == {doc.pk}
    assert found(clerk, "giám đốc") == {doc.pk}
    assert found(clerk, "kế toán") == {doc.pk}
    assert found(clerk, "công văn") == {doc.pk}  # the type's name
    assert found(clerk, "sông thanh") == {out.pk}  # a recipient


def test_attachment_text_is_searchable(register_in, clerk, agency):
    with_pdf = incoming_register(
        actor=clerk, agency=agency,
        data=incoming_data(subject="Về việc nghiệm thu", number="7"),
        uploads=[pdf_upload(text="Bien ban ban giao cong trinh thuy loi Song Bung")],
    )
    register_in("Về việc nghiệm thu công trình giao thông")
    assert found(clerk, "công trình thủy lợi") == {with_pdf.pk}
    assert found(clerk, '"ban giao cong trinh"') == {with_pdf.pk}
    assert found(clerk, "sông bung") == {with_pdf.pk}


def test_update_reindexes(register_in, clerk):
    doc = register_in("Về việc sửa chữa trụ sở")
    document_update(actor=clerk, document=doc, changes={"subject": "Về việc xây mới nhà văn hóa thôn"})
    assert found(clerk, "sửa chữa trụ sở") == set()
    assert found(clerk, "nhà văn hoá") == {doc.pk}
    assert SearchEntry.objects.filter(document=doc).count() == 1
    assert SearchEntry.objects.count() == 1


def test_removing_a_document_removes_its_row(register_in, clerk):
    doc = register_in("Về việc sửa chữa trụ sở")
    search.remove_document(doc)
    assert found(clerk, "trụ sở") == set()
    search.index_document(doc)
    assert found(clerk, "trụ sở") == {doc.pk}


# --- filters ------------------------------------------------------------------------------------


def test_filters_with_and_without_query(register_in, clerk, agency):
    today = timezone.localdate()
    flood_flash = register_in("Về việc ứng phó lũ lụt", urgency=Urgency.FLASH, doc_type="cong_dien",
                              issuer="Ban Chỉ huy phòng chống thiên tai tỉnh")
    flood_old = register_in("Về việc khắc phục hậu quả lũ lụt", issued_date=today - dt.timedelta(days=40),
                            received_at=timezone.now() - dt.timedelta(days=30))
    other = register_in("Về việc tuyển dụng viên chức")
    out_issued = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(subject="Về việc lũ lụt"))
    out_sent = outgoing_register(actor=clerk, agency=agency,
                                 data=outgoing_data(subject="Về việc tuyển dụng", dispatched_on=today))
    assert out_sent.status == DocumentStatus.DISPATCHED and out_issued.status == DocumentStatus.ISSUED

    assert found(clerk, "lũ lụt") == {flood_flash.pk, flood_old.pk, out_issued.pk}
    assert found(clerk, "lũ lụt", direction="in") == {flood_flash.pk, flood_old.pk}
    assert found(clerk, "", direction="out") == {out_issued.pk, out_sent.pk}
    assert found(clerk, "lũ lụt", urgency=Urgency.FLASH) == {flood_flash.pk}
    assert found(clerk, "", urgency=[Urgency.FLASH, Urgency.URGENT]) == {flood_flash.pk}
    assert found(clerk, "", doc_type="cong_dien") == {flood_flash.pk}
    assert found(clerk, "", doc_type=flood_flash.doc_type_id) == {flood_flash.pk}
    assert found(clerk, "", issuer="ban chi huy phong chong") == {flood_flash.pk}
    month_ago = today - dt.timedelta(days=30)
    assert found(clerk, "lũ lụt", date_to=month_ago) == {flood_old.pk}
    assert found(clerk, "lũ lụt", date_from=month_ago.strftime("%d/%m/%Y"), date_to=month_ago) == {flood_old.pk}
    assert found(clerk, "lũ lụt", date_from=month_ago + dt.timedelta(days=1)) == {flood_flash.pk, out_issued.pk}
    assert found(clerk, "", status=DocumentStatus.DISPATCHED) == {out_sent.pk}
    assert found(clerk, "", register_id=out_sent.register_id) == {out_issued.pk, out_sent.pk}
    assert found(clerk, "", agency_id=agency.pk) == {flood_flash.pk, flood_old.pk, other.pk, out_issued.pk,
                                                     out_sent.pk}
    assert found(clerk, "", agency_id=agency.pk + 1000) == set()


@pytest.mark.parametrize("filters, field", [
    ({"urgency": "rất khẩn"}, "urgency"),
    ({"direction": "sideways"}, "direction"),
    ({"status": "lost"}, "status"),
    ({"date_from": "31/02/2026"}, "date_from"),
    ({"date_to": "hôm qua"}, "date_to"),
    ({"register_id": "abc"}, "register_id"),
    ({"agency_id": "1; drop"}, "agency_id"),
])
def test_impossible_filters_are_refused_in_vietnamese(register_in, clerk, filters, field):
    register_in("Về việc lũ lụt")
    with pytest.raises(ValidationFailed) as err:
        search_documents(user=clerk, query="lũ lụt", **filters)
    assert list(err.value.fields) == [field]


# --- visibility ---------------------------------------------------------------------------------


def test_results_only_show_what_the_user_may_see(register_in, clerk, leader, officer, other_clerk, agency,
                                                 other_agency):
    nv = agency.departments.get(code="NV")
    second_leader = make_official(agency, Role.LEADER, username="lanhdao2").user
    plain = register_in("Về việc kiểm tra an toàn thực phẩm")
    to_dept = register_in("Về việc kiểm tra an toàn thực phẩm Tết", receiving_department_id=nv.pk)
    to_officer = register_in("Về việc kiểm tra an toàn thực phẩm quý I",
                             receiving_official_id=officer.official.pk)
    secret = register_in("Về việc kiểm tra an toàn thực phẩm (mật)", secrecy=Secrecy.CONFIDENTIAL,
                         access_official_ids=[leader.official.pk])
    elsewhere = incoming_register(actor=other_clerk, agency=other_agency,
                                  data=incoming_data(subject="Về việc kiểm tra an toàn thực phẩm xã"))
    query = "kiem tra an toan thuc pham"
    assert found(clerk, query) == {plain.pk, to_dept.pk, to_officer.pk, secret.pk}  # named as registrar
    assert found(leader, query) == {plain.pk, to_dept.pk, to_officer.pk, secret.pk}  # named on it
    assert found(second_leader, query) == {plain.pk, to_dept.pk, to_officer.pk}
    assert found(officer, query) == {to_dept.pk, to_officer.pk}
    assert found(other_clerk, query) == {elsewhere.pk}
    assert found(officer, "mật") == set()
    assert found(second_leader, "mật") == set()
    assert found(AnonymousUser(), query) == set()
    nobody = get_user_model().objects.create_user(username="khach", password="matkhau-123")
    assert found(nobody, query) == set()
    # The engine itself knows all of them; only the service filters.
    assert set(raw_engine_search(query, 100)) == {plain.pk, to_dept.pk, to_officer.pk, secret.pk, elsewhere.pk}


def test_an_officer_not_addressed_finds_nothing(register_in, officer):
    register_in("Về việc kiểm tra an toàn thực phẩm")
    assert found(officer, "thực phẩm") == set()
    assert found(officer, "") == set()


# --- pages --------------------------------------------------------------------------------------


def test_keyset_pages_newest_first(register_in, clerk):
    docs = [register_in(f"Về việc cải cách hành chính đợt {i}") for i in range(5)]
    first = search_documents(user=clerk, query="cải cách", limit=2)
    assert [d.pk for d in first.items] == [docs[4].pk, docs[3].pk]
    assert first.prev_before is None
    second = search_documents(user=clerk, query="cải cách", limit=2, after=first.next_after)
    assert [d.pk for d in second.items] == [docs[2].pk, docs[1].pk]
    assert second.prev_before == docs[2].pk
    third = search_documents(user=clerk, query="cải cách", limit=2, after=second.next_after)
    assert [d.pk for d in third.items] == [docs[0].pk]
    assert third.next_after is None
    back = search_documents(user=clerk, query="cải cách", limit=2, before=third.prev_before)
    assert [d.pk for d in back.items] == [docs[2].pk, docs[1].pk]
    assert back.prev_before == docs[2].pk
    newest = search_documents(user=clerk, query="cải cách", limit=2, before=back.prev_before)
    assert [d.pk for d in newest.items] == [docs[4].pk, docs[3].pk]
    assert newest.prev_before is None


@pytest.mark.parametrize("window", [None, 1, 2, 5])
def test_sparse_visible_matches_page_correctly(register_in, clerk, other_clerk, other_agency, monkeypatch,
                                               window):
    # Matches of another agency sit between the clerk's own: the scan skips them and keeps going,
    # also when the engine is asked in id windows (PostgreSQL's way; forced here on both engines).
    if window:
        monkeypatch.setattr(search, "FIRST_WINDOW", window)
        monkeypatch.setattr(search._Fts5, "windowed", True)
        monkeypatch.setattr(search._Tsvector, "windowed", True)
    mine = []
    for i in range(3):
        mine.append(register_in(f"Về việc chuyển đổi số lần {i}"))
        for j in range(4):
            incoming_register(actor=other_clerk, agency=other_agency,
                              data=incoming_data(subject=f"Chuyển đổi số ở xã {i}-{j}", number=""),
                              allow_duplicate=True)
    pages, after = [], None
    while True:
        page = search_documents(user=clerk, query="chuyển đổi số", limit=1, after=after)
        pages.append([d.pk for d in page.items])
        if page.next_after is None:
            break
        after = page.next_after
    assert pages == [[mine[2].pk], [mine[1].pk], [mine[0].pk]]
    back = search_documents(user=clerk, query="chuyển đổi số", limit=1, before=mine[0].pk)
    assert [d.pk for d in back.items] == [mine[1].pk]
    back = search_documents(user=clerk, query="chuyển đổi số", limit=5, before=mine[0].pk)
    assert [d.pk for d in back.items] == [mine[2].pk, mine[1].pk]
    every = Document.objects.filter(subject__icontains="chuyển đổi số").order_by("-pk").values_list("pk", flat=True)
    assert raw_engine_search("chuyen doi so", 100) == list(every)
    assert [d.pk for d in search_documents(user=clerk, query="chuyển đổi số", limit=5).items] == \
        [mine[2].pk, mine[1].pk, mine[0].pk]


# --- hostile input ------------------------------------------------------------------------------


HOSTILE_WITH_WORDS = [
    ('"hòa giải', {"hoa_new", "hoa_old"}),  # unclosed quote
    ('hòa giải"', {"hoa_new", "hoa_old"}),
    ("-hòa giải", {"hoa_new", "hoa_old"}),
    ("(hòa) ^giải", {"hoa_new", "hoa_old"}),
    ("hòa* giải*", {"hoa_new", "hoa_old"}),
    ("NEAR(hòa giải)", set()),  # "near" is just a word
    ("NEAR(", set()),
    ("hòa AND giải", set()),  # so is "and"
    ("hòa OR thủy", set()),
    ("NOT thủy", set()),
    ("body:hòa", set()),
    ("hòa:* & giải", {"hoa_new", "hoa_old"}),
    ("hòa <-> giải", {"hoa_new", "hoa_old"}),
    ("'; DROP TABLE documents_document; --", set()),
    ("hòa\x00giải", {"hoa_new", "hoa_old"}),
    ("hòa 😀 giải \ud800", {"hoa_new", "hoa_old"}),
    ("hòa " + "giải " * 500, {"hoa_new", "hoa_old"}),
    ("x" * 5000, set()),
    ("a* b* c*", set()),
]
NO_WORDS = ['"', '""', "*", "***", "^", ":", "()", "-", "\x00", "😀", "   ", "%", "\\", "'", "\ud800"]


@pytest.mark.parametrize("query, expected", HOSTILE_WITH_WORDS)
def test_hostile_queries_are_plain_text(corpus, clerk, query, expected):
    assert found(clerk, query) == {corpus[k].pk for k in expected}
    assert set(raw_engine_search(query, 50)) == {corpus[k].pk for k in expected}


@pytest.mark.parametrize("query", NO_WORDS)
def test_queries_without_words_list_everything_visible(corpus, clerk, query):
    assert parse_query(query) == []
    assert found(clerk, query) == {d.pk for d in corpus.values()}
    assert raw_engine_search(query, 50) == []


def test_silly_paging_values_do_not_fail(corpus, clerk):
    assert len(search_documents(user=clerk, query="hoa", limit="abc").items) == 2
    assert len(search_documents(user=clerk, query="hoa", limit=0).items) == 1
    assert len(search_documents(user=clerk, query="hoa", limit=-5).items) == 2
    assert len(search_documents(user=clerk, query="hoa", limit=10**30).items) == 2
    assert len(search_documents(user=clerk, query="hoa", after="xyz").items) == 2
    assert len(search_documents(user=clerk, query="hoa", after=10**30).items) == 2
    assert len(search_documents(user=clerk, query="hoa", before=-1).items) == 2
    assert len(search_documents(user=clerk, query="", after=10**30).items) == 5


@pytest.mark.parametrize("filters", [{"register_id": 10**30}, {"agency_id": -1}, {"doc_type": "9" * 40}])
def test_out_of_range_ids_are_refused(corpus, clerk, filters):
    with pytest.raises(ValidationFailed):
        search_documents(user=clerk, query="hoa", **filters)


def test_parse_query_builds_words_phrases_and_prefixes():
    terms = parse_query('Đất đai "Hoà giải cơ sở" 12/QĐ-UBND thủ*')
    assert [(t.words, t.prefix) for t in terms] == [
        (("dat",), False), (("dai",), False), (("hoa", "giai", "co", "so"), False),
        (("12", "qd", "ubnd"), False), (("thu",), True),
    ]


# --- rebuilding ---------------------------------------------------------------------------------


def test_reindex_all_restores_missing_and_stale_rows(corpus, clerk):
    SearchEntry.objects.filter(document=corpus["hoa_new"]).delete()
    SearchEntry.objects.filter(document=corpus["thuy_old"]).update(body="sai lech")
    assert found(clerk, "hoa giai") == {corpus["hoa_old"].pk}
    assert search.reindex_all(chunk_size=2) == 2
    assert found(clerk, "hoa giai") == {corpus["hoa_new"].pk, corpus["hoa_old"].pk}
    assert found(clerk, "thuy san") == {corpus["thuy_old"].pk}
    assert found(clerk, "sai lech") == set()
    assert search.reindex_all() == 0
    assert SearchEntry.objects.count() == Document.objects.count() == 5


def test_reindex_command(corpus, clerk, capsys):
    SearchEntry.objects.all().delete()
    call_command("search", "reindex")
    assert "5 văn bản" in capsys.readouterr().out
    assert found(clerk, "thuy") == {corpus["thuy_new"].pk, corpus["thuy_old"].pk}


def test_engine_index_agrees_with_stored_text(corpus):
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            # Raises if the FTS5 index differs from documents_searchentry in any way.
            cur.execute("INSERT INTO documents_search(documents_search, rank) VALUES ('integrity-check', 1)")
    else:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM documents_searchentry WHERE tsv = to_tsvector('simple', body)")
            assert cur.fetchone()[0] == 5
    body = SearchEntry.objects.get(document=corpus["hoa_new"]).body
    assert body == (f"zzag{corpus['hoa_new'].agency_id} "
                    "ve viec hoa giai tranh chap dat dai tai xa que phuoc qd ubnd ubnd tinh quang nam "
                    "le van dung kt chu tich pho chu tich quyet dinh")


def test_the_engine_keeps_to_the_users_agencies(agency, clerk, other_agency, other_clerk):
    """The agency word narrows the engine's matches to the agencies a user works in, so a commune's
    clerk does not page through a province's matches; results stay exactly the visible ones."""
    mine = incoming_register(actor=clerk, agency=agency, data=incoming_data(subject="Kế hoạch phòng chống lụt bão"))
    theirs = incoming_register(actor=other_clerk, agency=other_agency,
                               data=incoming_data(subject="Kế hoạch phòng chống lụt bão"))
    assert search.raw_engine_search("lut bao", 10) == [theirs.pk, mine.pk]
    assert search.raw_engine_search("lut bao", 10, search.search_agencies(clerk)) == [mine.pk]
    assert [d.pk for d in search.search_documents(user=other_clerk, query="lụt bão").items] == [theirs.pk]
    # filtering on an agency the user does not work in gives nothing, not an error
    assert search.search_documents(user=clerk, query="lụt bão", agency_id=other_agency.pk).items == []
    # the agency word itself reveals nothing more than the user may see
    assert search.search_documents(user=clerk, query=search.agency_token(other_agency.pk)).items == []
