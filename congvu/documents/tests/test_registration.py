import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.documents import services
from congvu.documents.models import Attachment, Document, Register, Secrecy, StoredFile
from congvu.documents.services import DuplicateSuspected, incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data, pdf_upload

pytestmark = pytest.mark.django_db


def test_incoming_numbers_run_from_one_without_gaps(agency, clerk):
    docs = [incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(100 + i)))
            for i in range(3)]
    assert [d.register_number for d in docs] == [1, 2, 3]
    register = Register.objects.get(agency=agency, direction="in", scope="general")
    assert register.year == timezone.localdate().year
    assert register.next_number == 4


def test_failed_registration_consumes_no_number(agency, clerk, monkeypatch):
    incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))

    def boom(doc, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.search, "index_document", boom)
    with pytest.raises(RuntimeError):
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2"), uploads=[pdf_upload()])
    monkeypatch.undo()
    assert Document.objects.count() == 1
    assert StoredFile.objects.count() == 0
    assert not any(p for p in (agency and __import__("pathlib").Path(
        __import__("django.conf").conf.settings.MEDIA_ROOT)).rglob("*") if p.is_file())
    third = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="3"))
    assert third.register_number == 2


def test_secret_documents_use_their_own_register(agency, clerk):
    normal = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"))
    secret = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2", secrecy=Secrecy.SECRET))
    assert normal.register_number == 1 and secret.register_number == 1
    assert secret.register.scope == Register.Scope.SECRET
    assert list(secret.access_list.values_list("official__user__username", flat=True)) == ["vanthu"]


def test_outgoing_number_is_padded_and_notation_follows_decree_30(agency, clerk):
    qd = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    assert (qd.number, qd.notation, qd.number_notation) == ("01", "QĐ-UBND", "01/QĐ-UBND")
    vp = agency.departments.get(code="VP")
    cv = outgoing_register(actor=clerk, agency=agency,
                           data=outgoing_data(doc_type="cong_van", drafting_department_id=vp.pk))
    assert cv.number_notation == "02/UBND-VP"
    assert list(cv.recipients.values_list("name", flat=True)) == ["Sở Nội vụ tỉnh Quảng Nam"]


def test_agency_may_give_a_type_its_own_sequence(agency, clerk):
    agency.separate_numbering_types = ["quyet_dinh"]
    agency.save()
    qd1 = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    tb = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(doc_type="thong_bao"))
    qd2 = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
    assert [qd1.number_notation, tb.number_notation, qd2.number_notation] == ["01/QĐ-UBND", "01/TB-UBND",
                                                                             "02/QĐ-UBND"]


def test_cong_van_needs_a_drafting_unit(agency, clerk):
    with pytest.raises(ValidationFailed) as err:
        outgoing_register(actor=clerk, agency=agency, data=outgoing_data(doc_type="cong_van"))
    assert "drafting_department_id" in err.value.fields
    assert Document.objects.count() == 0


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"issued_date": "31/02/2026"}, "issued_date"),
        ({"issued_date": "hôm qua"}, "issued_date"),
        ({"doc_type": "khong_co"}, "doc_type"),
        ({"issuer": "   "}, "issuer"),
        ({"subject": ""}, "subject"),
        ({"urgency": "rat_khan"}, "urgency"),
        ({"pages": "mười"}, "pages"),
    ],
)
def test_bad_input_is_rejected_in_vietnamese_and_saves_nothing(agency, clerk, overrides, field):
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(**overrides))
    assert field in err.value.fields
    assert err.value.message == "Thông tin văn bản chưa hợp lệ."
    assert Document.objects.count() == 0
    assert not Register.objects.filter(next_number__gt=1).exists()
    assert JournalEntry.objects.count() == 0


def test_file_that_is_not_what_its_name_says_is_refused(agency, clerk):
    fake = SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00 this is an exe", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(), uploads=[fake])
    assert "không phải PDF" in err.value.fields["attachments"]
    assert Document.objects.count() == 0 and StoredFile.objects.count() == 0


def test_oversize_file_is_refused(agency, clerk, settings):
    settings.MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(), uploads=[pdf_upload()])
    assert "vượt quá giới hạn" in err.value.fields["attachments"]
    assert Document.objects.count() == 0


def test_same_file_is_stored_once_and_text_is_extracted(agency, clerk):
    a = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"),
                          uploads=[pdf_upload(text="Ke hoach chuyen doi so")])
    b = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="2"),
                          uploads=[pdf_upload(name="ban-sao.pdf", text="Ke hoach chuyen doi so")])
    assert StoredFile.objects.count() == 1
    assert Attachment.objects.filter(document__in=[a, b]).count() == 2
    stored = StoredFile.objects.get()
    assert stored.content_type == "application/pdf"
    assert "Ke hoach chuyen doi so" in stored.text


def test_duplicate_is_flagged_then_allowed_on_confirmation(agency, clerk):
    first = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    with pytest.raises(DuplicateSuspected) as err:
        incoming_register(actor=clerk, agency=agency,
                          data=incoming_data(issuer="ubnd TỈNH quảng nam", notation="QD-UBND"))
    assert err.value.documents == [first]
    second = incoming_register(actor=clerk, agency=agency, data=incoming_data(), allow_duplicate=True)
    assert second.register_number == 2


def test_double_submit_with_same_token_registers_once(agency, clerk):
    a = incoming_register(actor=clerk, agency=agency, data=incoming_data(), request_token="tok-1")
    b = incoming_register(actor=clerk, agency=agency, data=incoming_data(), request_token="tok-1")
    assert a.pk == b.pk and Document.objects.count() == 1


@pytest.mark.parametrize("who", ["leader", "officer", "onestop", "other_clerk"])
def test_only_the_agency_clerk_registers(request, agency, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        incoming_register(actor=user, agency=agency, data=incoming_data())
    assert Document.objects.count() == 0


def test_registration_is_journaled(agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    entry = JournalEntry.objects.get(action="document.register_incoming")
    assert (entry.action, entry.object_id, entry.actor_id) == ("document.register_incoming", str(doc.pk), clerk.pk)
    assert entry.after["subject"] == doc.subject
    assert entry.after["issued_date"] == doc.issued_date.isoformat()


def test_document_type_version_follows_the_issue_date(agency, clerk):
    old = incoming_register(actor=clerk, agency=agency,
                            data=incoming_data(doc_type="giay_uy_quyen", issued_date=dt.date(2019, 5, 2)))
    new = incoming_register(actor=clerk, agency=agency,
                            data=incoming_data(doc_type="giay_uy_quyen", number="2"))
    assert (old.doc_type.abbreviation, new.doc_type.abbreviation) == ("UQ", "GUQ")


def test_update_journals_before_and_after(agency, clerk):
    doc = incoming_register(actor=clerk, agency=agency, data=incoming_data())
    services.document_update(actor=clerk, document=doc, changes={"subject": "Trích yếu mới", "pages": "3"})
    doc.refresh_from_db()
    assert (doc.subject, doc.pages) == ("Trích yếu mới", 3)
    entry = JournalEntry.objects.filter(action="document.update").get()
    assert entry.before == {"subject": "Về việc giao chỉ tiêu kế hoạch phát triển kinh tế - xã hội năm 2026",
                            "pages": None}
    assert entry.after == {"subject": "Trích yếu mới", "pages": 3}


def test_issuer_of_invisible_characters_only_is_empty(agency, clerk):
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(issuer="\u200b\ufeff \u200b"))
    assert err.value.fields["issuer"] == "Vui lòng nhập cơ quan ban hành."
    assert Document.objects.count() == 0


def test_search_row_written_at_registration_equals_a_full_reindex(agency, clerk, other_agency):
    from congvu.documents import search
    from congvu.documents.models import SearchEntry

    vp = agency.departments.get(code="VP")
    doc = outgoing_register(
        actor=clerk, agency=agency, uploads=[pdf_upload(text="Phu luc danh sach")],
        data=outgoing_data(doc_type="cong_van", drafting_department_id=vp.pk,
                           recipient_agency_ids=[other_agency.pk], recipient_names=["Sở Nội vụ"]),
    )
    body = SearchEntry.objects.get(document=doc).body
    assert body == search.document_body(doc)
    assert "phu luc danh sach" in body and "ubnd xa que phuoc" in body


def test_duplicate_check_never_reveals_a_secret_document_the_clerk_is_not_named_on(agency, clerk):
    from conftest import make_official
    from congvu.org.models import Role

    other_clerk = make_official(agency, Role.CLERK, username="vanthu2").user
    incoming_register(actor=clerk, agency=agency, data=incoming_data(secrecy=Secrecy.SECRET))
    # the second clerk is not named on it: no warning that would show its number or subject
    doc = incoming_register(actor=other_clerk, agency=agency, data=incoming_data())
    assert doc.register.scope == Register.Scope.GENERAL
    with pytest.raises(DuplicateSuspected) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(number="125"))
    assert {d.secrecy for d in err.value.documents} == {Secrecy.SECRET, Secrecy.NORMAL}


def test_request_tokens_are_per_user(agency, clerk):
    from conftest import make_official
    from congvu.org.models import Role

    other_clerk = make_official(agency, Role.CLERK, username="vanthu2").user
    mine = incoming_register(actor=clerk, agency=agency, data=incoming_data(number="1"), request_token="same")
    theirs = incoming_register(actor=other_clerk, agency=agency, data=incoming_data(number="2"),
                               request_token="same")
    assert mine.pk != theirs.pk and Document.objects.count() == 2


@pytest.mark.parametrize("code", ["quyet\x00dinh", "QUYET_DINH", "x" * 40])
def test_malformed_type_code_is_a_field_error(agency, clerk, code):
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(doc_type=code))
    assert err.value.fields["doc_type"] == "Loại văn bản không hợp lệ."


def test_people_whose_position_ended_cannot_receive_or_be_named(agency, clerk, officer):
    from congvu.org.models import Membership

    person = officer.official
    Membership.objects.filter(official=person).update(active=False)
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data(receiving_official_id=person.pk))
    assert err.value.fields == {"receiving_official_id": "Người nhận không thuộc cơ quan."}
    with pytest.raises(ValidationFailed):
        incoming_register(actor=clerk, agency=agency,
                          data=incoming_data(secrecy=Secrecy.SECRET, access_official_ids=[person.pk]))
    assert Document.objects.count() == 0


def test_an_agency_whose_period_ended_registers_nothing(agency, clerk):
    agency.active_to = timezone.localdate() - dt.timedelta(days=1)
    agency.save()
    with pytest.raises(ValidationFailed) as err:
        incoming_register(actor=clerk, agency=agency, data=incoming_data())
    assert err.value.code == "agency_inactive"
    assert err.value.message.startswith("UBND huyện Nông Sơn đã ngừng hoạt động từ ")
    assert Document.objects.count() == 0 and Register.objects.count() == 0


def test_the_system_journals_opening_a_register(agency, clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data())
    opened = JournalEntry.objects.get(action="register.open")
    assert (opened.actor_id, opened.actor_name) == (None, "hệ thống")
    assert opened.after["name"] == f"Sổ văn bản đến năm {timezone.localdate().year}"


def test_an_agency_that_ended_is_no_recipient(agency, clerk, other_agency):
    other_agency.active_to = dt.date(2025, 6, 30)  # Quế Phước, merged into Ninh Phước
    other_agency.save()
    with pytest.raises(ValidationFailed) as err:
        outgoing_register(actor=clerk, agency=agency, data=outgoing_data(recipient_agency_ids=[other_agency.pk]))
    assert err.value.fields["recipient_agency_ids"] == "UBND xã Quế Phước đã ngừng hoạt động trước ngày ban hành."
    assert Document.objects.count() == 0
