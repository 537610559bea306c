"""Receiving: accept a complete dossier (code, clock across Tết, appointment, the first steps), refuse an
incomplete one unless a supplement is asked, one supplement request only, restart and resume after it,
refusal, online submission and acceptance, citizen IDs, files, and who may receive. Negative tests assert
that nothing was written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from conftest import make_official
from congvu.audit.models import JournalEntry
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.documents.models import StoredFile
from congvu.documents.tests.factories import pdf_upload
from congvu.onestop.models import (
    Dossier,
    DossierComponent,
    DossierEvent,
    DossierSequence,
    DossierStatus,
    DossierStep,
    Pause,
    ProcedureVersion,
    SupplementRequest,
    SupplementRule,
)
from congvu.onestop.receiving import (
    dossier_accept_online,
    dossier_receive,
    dossier_refuse,
    dossier_request_supplement,
    dossier_submit_online,
    dossier_supplement_complete,
    validate_citizen_id,
)
from congvu.onestop.tests.conftest import make_procedure
from congvu.org.models import Role
from congvu.workdays.calendar import VN_TZ

pytestmark = pytest.mark.django_db
APPLICANT = {"name": "Nguyễn Thị Hoa", "id_number": "049186000123", "phone": "0905 123 456",
             "email": "hoa@example.vn", "address": "Thôn 2, xã Quế Phước"}


def at(y, mo, d, h=0, mi=0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=VN_TZ)


def papers(version, *, skip=(), files=None) -> list[dict]:
    files = files or {}
    return [{"component_id": c.pk, "provided": c.name not in skip, **({"file": files[c.name]} if c.name in files else {})}
            for c in version.components.all()]


def receive(onestop, agency, version, when=at(2026, 2, 13, 16, 0), **kw):
    kw.setdefault("components", papers(version))
    return dossier_receive(actor=onestop, agency=agency, version=version, applicant=APPLICANT, received_at=when, **kw)


def counts():
    return (Dossier.objects.count(), DossierComponent.objects.count(), DossierStep.objects.count(),
            DossierEvent.objects.count(), SupplementRequest.objects.count(), Pause.objects.count(),
            list(DossierSequence.objects.values_list("last", flat=True)), JournalEntry.objects.count(),
            StoredFile.objects.count())


# --- accept ---------------------------------------------------------------------------------------------

def test_a_complete_dossier_received_after_15h_before_tet(onestop, agency, procedure_version):
    d = receive(onestop, agency, procedure_version, request_summary="Đăng ký khai sinh cho con", sets=2)
    d.refresh_from_db()
    assert d.code == f"{agency.identifier}-260213-0001"
    assert (d.status, d.channel, d.sets, d.fee) == (DossierStatus.ACCEPTED, 1, 2, 0)
    assert (d.papers_provided, d.papers_digitised) == (3, 0)
    assert (d.submitted_at, d.accepted_at) == (at(2026, 2, 13, 16), at(2026, 2, 13, 16))
    assert d.clock_start == at(2026, 2, 23, 7, 0)     # after 15:00, Tết 14–22/02: Monday 23/02
    assert d.due_at == d.original_due_at == at(2026, 2, 27, 17, 0)  # five working days 23–27/02
    assert (d.applicant_name, d.applicant_id_number, d.applicant_phone, d.received_by.user) == (
        "Nguyễn Thị Hoa", "049186000123", "0905123456", onestop)
    steps = list(d.steps.values_list("position", "name", "department__code", "started_at", "due_at", "finished_at",
                                     "timeliness"))
    assert steps == [
        (0, "Tiếp nhận hồ sơ", None, at(2026, 2, 13, 16), at(2026, 2, 23, 11, 0), at(2026, 2, 13, 16), "early"),
        (1, "Thẩm định hồ sơ", "NV", at(2026, 2, 13, 16), at(2026, 2, 25, 17, 0), None, ""),  # 3 days
    ]
    assert list(d.components.values_list("name", "provided", "component__required")) == [
        ("Tờ khai đăng ký khai sinh", True, True), ("Giấy chứng sinh", True, True),
        ("Giấy tờ tùy thân của người đi đăng ký", True, False)]
    assert list(d.events.values_list("kind", "status", "at")) == [("accepted", 2, at(2026, 2, 13, 16))]
    entry = JournalEntry.objects.get(action="onestop.dossier_receive")
    assert (entry.agency_id_ref, entry.object_id, entry.after["code"], entry.after["due_at"]) == (
        agency.pk, str(d.pk), d.code, "2026-02-27T17:00:00+07:00")


def test_codes_follow_each_other_and_the_clock_starts_at_once_before_15h(onestop, agency, procedure_version):
    first = receive(onestop, agency, procedure_version, when=at(2026, 3, 2, 9, 15))
    second = receive(onestop, agency, procedure_version, when=at(2026, 3, 2, 14, 59))
    assert [first.code[-4:], second.code[-4:]] == ["0001", "0002"]
    assert (second.clock_start, second.due_at) == (at(2026, 3, 2, 14, 59), at(2026, 3, 9, 14, 59))


def test_the_version_in_force_is_found_from_the_procedure(onestop, agency, procedure_version):
    newer = ProcedureVersion.objects.create(procedure=procedure_version.procedure, valid_from=dt.date(2026, 3, 1),
                                            time_limit=Decimal(3))
    for i, s in enumerate(procedure_version.steps.all()):
        newer.steps.create(position=i, name=s.name, handler=s.handler, budget=s.budget)
    ProcedureVersion.objects.filter(pk=procedure_version.pk).update(valid_to=dt.date(2026, 3, 1))
    procedure_version.refresh_from_db()
    d = dossier_receive(actor=onestop, agency=agency, procedure=procedure_version.procedure, applicant=APPLICANT,
                        components=[], received_at=at(2026, 3, 2, 9))
    assert (d.procedure_version_id, d.due_at) == (newer.pk, at(2026, 3, 5, 9))
    with pytest.raises(ValidationFailed) as err:  # the old version no longer applies to new dossiers
        receive(onestop, agency, procedure_version, when=at(2026, 3, 2, 9))
    assert err.value.message == "Phiên bản thủ tục “Đăng ký khai sinh” không áp dụng ngày 02/03/2026."


def test_a_missing_mandatory_paper_refuses_to_accept_and_nothing_changes(onestop, agency, procedure_version):
    before = counts()
    with pytest.raises(ValidationFailed) as err:
        receive(onestop, agency, procedure_version, components=papers(procedure_version, skip={"Giấy chứng sinh"}))
    assert err.value.code == "incomplete"
    assert err.value.message == ("Hồ sơ còn thiếu giấy tờ bắt buộc: Giấy chứng sinh. "
                                 "Yêu cầu bổ sung hoặc từ chối tiếp nhận.")
    assert counts() == before


@pytest.mark.parametrize("value, message", [
    ("04918600012", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
    ("04918600012a", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
    ("097186000123", "3 chữ số đầu phải là mã tỉnh từ 001 đến 096."),
    ("000186000123", "3 chữ số đầu phải là mã tỉnh từ 001 đến 096."),
    ("", "Nhập số định danh cá nhân (12 chữ số) của người nộp."),
])
def test_an_invalid_citizen_id_is_refused_and_nothing_changes(onestop, agency, procedure_version, value, message):
    before = counts()
    with pytest.raises(ValidationFailed) as err:
        dossier_receive(actor=onestop, agency=agency, version=procedure_version, applicant=APPLICANT | {
            "id_number": value}, components=papers(procedure_version), received_at=at(2026, 3, 2, 9))
    assert err.value.fields == {"applicant_id_number": message}
    assert counts() == before


def test_validate_citizen_id():
    assert validate_citizen_id(" 001 203 004 567 ") == "001203004567"
    assert validate_citizen_id("096999999999") == "096999999999"
    with pytest.raises(ValidationFailed) as err:
        validate_citizen_id("123456789")
    assert err.value.message == "Số định danh cá nhân “123456789” phải gồm đúng 12 chữ số."


def test_other_applicant_problems_are_reported_together(onestop, agency, procedure_version):
    with pytest.raises(ValidationFailed) as err:
        dossier_receive(actor=onestop, agency=agency, version=procedure_version, components=papers(procedure_version),
                        applicant={"kind": 2, "name": " ", "id_number": "12345", "phone": "12", "email": "a@"})
    assert err.value.fields == {
        "applicant_name": "Nhập họ tên người nộp hoặc tên tổ chức.",
        "applicant_id_number": "Mã số doanh nghiệp gồm 10 chữ số (chi nhánh: 10 chữ số - 3 chữ số).",
        "applicant_phone": "Số điện thoại “12” không hợp lệ.",
        "applicant_email": "Địa chỉ thư điện tử “a@” không hợp lệ."}
    assert Dossier.objects.count() == 0


def test_only_the_receiving_agencys_one_stop_staff_leaders_and_admins_receive(agency, other_agency, clerk, officer,
                                                                               leader, procedure_version):
    other_onestop = make_official(other_agency, Role.ONESTOP).user
    for user in (clerk, officer, other_onestop):
        with pytest.raises(PermissionDenied):
            receive(user, agency, procedure_version)
    assert Dossier.objects.count() == 0
    assert receive(leader, agency, procedure_version).status == DossierStatus.ACCEPTED


def test_a_procedure_not_offered_by_the_agency(onestop, agency, other_agency, procedure_version):
    procedure_version.procedure.agencies.add(other_agency)
    with pytest.raises(ValidationFailed) as err:
        receive(onestop, agency, procedure_version)
    assert err.value.message == f"{agency.name} không thực hiện thủ tục “Đăng ký khai sinh”."
    assert Dossier.objects.count() == 0


def test_scans_are_stored_once_by_content(onestop, agency, procedure_version, settings):
    scan = {"Tờ khai đăng ký khai sinh": pdf_upload("to-khai.pdf", text="To khai")}
    d = receive(onestop, agency, procedure_version, components=papers(procedure_version, files=scan))
    row = d.components.get(name="Tờ khai đăng ký khai sinh")
    assert (row.original_name, row.file.content_type) == ("to-khai.pdf", "application/pdf")
    assert (settings.MEDIA_ROOT / row.file.path).read_bytes()[:5] == b"%PDF-"
    again = receive(onestop, agency, procedure_version, components=papers(
        procedure_version, files={"Giấy chứng sinh": pdf_upload("gcs.pdf", text="To khai")}))
    assert again.components.get(name="Giấy chứng sinh").file_id == row.file_id
    d.refresh_from_db()
    assert (d.papers_provided, d.papers_digitised) == (3, 1)
    assert StoredFile.objects.count() == 1


def test_a_bad_file_changes_nothing(onestop, agency, procedure_version):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = counts()
    bad = {"Giấy chứng sinh": SimpleUploadedFile("virus.exe", b"MZ\x90\x00 not a paper")}
    with pytest.raises(ValidationFailed) as err:
        receive(onestop, agency, procedure_version, components=papers(procedure_version, files=bad))
    assert err.value.message == "Tệp “virus.exe” không đúng định dạng cho phép."
    assert counts() == before


# --- supplement -----------------------------------------------------------------------------------------

def test_an_incomplete_dossier_gets_one_supplement_request_listing_everything(onestop, agency, procedure_version):
    d = receive(onestop, agency, procedure_version, outcome="supplement", reason="Thiếu giấy chứng sinh",
                components=papers(procedure_version, skip={"Giấy chứng sinh", "Tờ khai đăng ký khai sinh"}),
                supplement_items=["Giấy chứng sinh", "Ghi rõ quê quán của mẹ trong tờ khai"])
    d.refresh_from_db()
    assert (d.status, d.code, d.accepted_at, d.clock_start, d.due_at) == (
        DossierStatus.SUPPLEMENT, f"{agency.identifier}-260213-0001", None, None, None)
    request = d.supplement
    assert request.items == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh", "Ghi rõ quê quán của mẹ trong tờ khai"]
    assert (request.reason, request.requested_at, request.completed_at) == (
        "Thiếu giấy chứng sinh", at(2026, 2, 13, 16), None)
    assert Pause.objects.count() == 0  # the clock had not started
    assert list(d.events.values_list("kind", "status")) == [("supplement_requested", 5)]
    # a second request is refused, nothing changes
    before = counts()
    with pytest.raises(ValidationFailed) as err:
        dossier_request_supplement(actor=onestop, dossier=d, items=["Sổ hộ khẩu"], reason="Thêm")
    assert err.value.code == "supplement_once"
    assert err.value.message == (f"Hồ sơ {d.code} đã được yêu cầu bổ sung ngày 13/02/2026; "
                                 "mỗi hồ sơ chỉ được yêu cầu bổ sung một lần.")
    assert counts() == before
    # an incomplete supplement is refused; the complete one accepts: the clock starts then
    with pytest.raises(ValidationFailed) as err:
        dossier_supplement_complete(actor=onestop, dossier=d, components=[{"name": "Giấy chứng sinh", "provided": 1}],
                                    at=at(2026, 2, 24, 9))
    assert err.value.message == "Hồ sơ vẫn còn thiếu giấy tờ bắt buộc: Tờ khai đăng ký khai sinh."
    assert counts() == before
    done = dossier_supplement_complete(actor=onestop, dossier=d, at=at(2026, 2, 24, 9), components=papers(
        procedure_version, files={"Giấy chứng sinh": pdf_upload("gcs.pdf")}))
    done.refresh_from_db()
    assert (done.status, done.code, done.accepted_at, done.clock_start, done.due_at) == (
        DossierStatus.ACCEPTED, f"{agency.identifier}-260213-0001", at(2026, 2, 24, 9), at(2026, 2, 24, 9),
        at(2026, 3, 3, 9))
    assert done.supplement.completed_at == at(2026, 2, 24, 9)
    assert done.components.get(name="Giấy chứng sinh").original_name == "gcs.pdf"
    assert (done.papers_provided, done.papers_digitised) == (3, 1)
    assert done.steps.count() == 2
    assert list(done.events.values_list("kind", "status")) == [("supplement_requested", 5),
                                                               ("supplement_completed", 2)]
    assert list(DossierSequence.objects.values_list("last", flat=True)) == [1]


def accepted_then_supplement(onestop, agency, version):
    d = receive(onestop, agency, version, when=at(2026, 2, 10, 9, 0))  # clock 10/02 09:00, due 5 wd later
    assert d.due_at == at(2026, 2, 24, 9, 0)  # 11, 12, 13, 23, 24/02 (Tết skipped)
    request = dossier_request_supplement(actor=onestop, dossier=d, items=["Bản sao giấy đăng ký kết hôn"],
                                         reason="Cần xác định quan hệ cha mẹ", at=at(2026, 2, 12, 15, 0))
    d.refresh_from_db()
    assert (d.status, d.paused_at, request.items) == (DossierStatus.SUPPLEMENT, at(2026, 2, 12, 15),
                                                      ["Bản sao giấy đăng ký kết hôn"])
    assert list(Pause.objects.values_list("kind", "started_at", "ended_at")) == [
        ("supplement", at(2026, 2, 12, 15), None)]
    return d


def test_restart_rule_counts_the_limit_again_from_the_supplement(onestop, agency, procedure_version):
    d = accepted_then_supplement(onestop, agency, procedure_version)
    done = dossier_supplement_complete(actor=onestop, dossier=d, at=at(2026, 2, 23, 15, 30),
                                       components=[{"name": "Bản sao giấy đăng ký kết hôn", "provided": True}])
    done.refresh_from_db()
    # after 15:00 on Monday 23/02: from 07:00 Tuesday, five whole days end 17:00 Monday 02/03
    assert (done.status, done.clock_start, done.due_at, done.original_due_at, done.paused_seconds) == (
        DossierStatus.ACCEPTED, at(2026, 2, 24, 7), at(2026, 3, 2, 17), at(2026, 2, 24, 9), 0)
    assert done.steps.get(position=1).due_at == at(2026, 2, 26, 17)  # 3 days from 24/02 07:00
    assert list(Pause.objects.values_list("ended_at", flat=True)) == [at(2026, 2, 23, 15, 30)]
    assert done.components.filter(component__isnull=True).values_list("name", "provided").get() == (
        "Bản sao giấy đăng ký kết hôn", True)


def test_resume_rule_moves_the_appointment_by_the_working_time_paused(onestop, agency):
    version = make_procedure(supplement_rule=SupplementRule.RESUME)
    d = accepted_then_supplement(onestop, agency, version)
    done = dossier_supplement_complete(actor=onestop, dossier=d, at=at(2026, 2, 23, 9, 0))
    done.refresh_from_db()
    # paused 15:00 12/02 → 09:00 23/02: 2 + 8 + 2 = 12 working hours. 09:00 24/02 + 12 h: 6 h that day,
    # 4.5 h the next morning, 1.5 h from 13:30 → 15:00 Wednesday 25/02
    assert (done.clock_start, done.due_at, done.paused_seconds, done.paused_at) == (
        at(2026, 2, 10, 9), at(2026, 2, 25, 15, 0), 12 * 3600, None)
    # the open step was due 09:00 13/02 (24 h from 09:00 10/02: 6 + 8 + 8 + 2); + 12 h: 6 h, then 15:00 23/02
    assert done.steps.get(position=1).due_at == at(2026, 2, 23, 15, 0)
    journal = JournalEntry.objects.get(action="onestop.dossier_supplement_complete")
    assert journal.after["rule"] == "resume" and journal.before["due_at"] == "2026-02-24T09:00:00+07:00"


def test_supplement_needs_a_reason_and_something_to_supplement(onestop, agency, procedure_version):
    d = receive(onestop, agency, procedure_version)
    before = counts()
    with pytest.raises(ValidationFailed) as err:
        dossier_request_supplement(actor=onestop, dossier=d, items=["x"], reason="  ")
    assert err.value.message == "Nhập lý do yêu cầu bổ sung."
    with pytest.raises(ValidationFailed) as err:
        dossier_request_supplement(actor=onestop, dossier=d, items=["", " "], reason="Thiếu")
    assert err.value.message == "Phiếu yêu cầu bổ sung phải nêu ít nhất một nội dung cần bổ sung."
    assert counts() == before


# --- refuse -------------------------------------------------------------------------------------------------

def test_refusal_at_the_counter_takes_no_code(onestop, agency, procedure_version):
    d = dossier_refuse(actor=onestop, agency=agency, reason="Không thuộc thẩm quyền của xã", version=procedure_version,
                       applicant=APPLICANT, components=[], at=at(2026, 3, 2, 10))
    d.refresh_from_db()
    assert (d.status, d.code, d.refusal_reason, d.finished_at, d.accepted_at) == (
        DossierStatus.REFUSED, "", "Không thuộc thẩm quyền của xã", at(2026, 3, 2, 10), None)
    assert DossierSequence.objects.count() == 0
    assert list(d.events.values_list("kind", "status")) == [("refused", 3)]
    with pytest.raises(ValidationFailed):
        dossier_refuse(actor=onestop, dossier=d, reason="lần nữa")
    before = counts()
    with pytest.raises(ValidationFailed) as err:
        dossier_refuse(actor=onestop, agency=agency, reason="", version=procedure_version, applicant=APPLICANT,
                       components=[])
    assert err.value.message == "Nhập lý do từ chối tiếp nhận."
    assert counts() == before


def test_an_accepted_dossier_cannot_be_refused_at_the_counter(onestop, agency, procedure_version):
    d = receive(onestop, agency, procedure_version)
    with pytest.raises(ValidationFailed) as err:
        dossier_refuse(actor=onestop, dossier=d, reason="Sai")
    assert err.value.code == "bad_status"
    d.refresh_from_db()
    assert d.status == DossierStatus.ACCEPTED and d.refusal_reason == ""


# --- online -------------------------------------------------------------------------------------------------

def test_online_submission_gets_a_code_and_an_email_then_the_counter_accepts(
        onestop, agency, procedure_version, django_capture_on_commit_callbacks):
    files = {"Tờ khai đăng ký khai sinh": pdf_upload("tk.pdf", "tk"), "Giấy chứng sinh": pdf_upload("gcs.pdf", "g")}
    with django_capture_on_commit_callbacks(execute=True):
        d = dossier_submit_online(agency=agency, version=procedure_version, applicant=APPLICANT,
                                  components=papers(procedure_version, skip={"Giấy tờ tùy thân của người đi đăng ký"},
                                                    files=files),
                                  submitted_at=at(2026, 2, 13, 20, 0))
    d.refresh_from_db()
    assert (d.status, d.channel, d.code, d.accepted_at, d.due_at) == (
        DossierStatus.REGISTERED, 2, f"{agency.identifier}-260213-0001", None, None)
    assert [m.to for m in mail.outbox] == [["hoa@example.vn"]]
    assert mail.outbox[0].subject == f"Đã nhận hồ sơ {d.code}"
    assert f"Mã hồ sơ: {d.code}" in mail.outbox[0].body
    assert f"http://localhost:8000/tra-cuu-ho-so/{d.code}/" in mail.outbox[0].body
    assert (d.papers_provided, d.papers_digitised) == (2, 2)
    assert JournalEntry.objects.get(action="onestop.dossier_submit_online").actor_name == "hệ thống"
    accepted = dossier_accept_online(actor=onestop, dossier=d, at=at(2026, 2, 23, 8, 0))
    accepted.refresh_from_db()
    assert (accepted.status, accepted.clock_start, accepted.due_at, accepted.received_by.user) == (
        DossierStatus.ACCEPTED, at(2026, 2, 23, 8), at(2026, 3, 2, 8), onestop)
    assert list(accepted.events.values_list("kind", "status")) == [("submitted_online", 1), ("accepted", 2)]
    with pytest.raises(ValidationFailed) as err:
        dossier_accept_online(actor=onestop, dossier=d)
    assert err.value.code == "bad_status"


def test_online_needs_files_for_mandatory_papers_and_an_online_procedure(agency, procedure_version):
    before = counts()
    with pytest.raises(ValidationFailed) as err:
        dossier_submit_online(agency=agency, version=procedure_version, applicant=APPLICANT,
                              components=papers(procedure_version), submitted_at=at(2026, 3, 2, 9))
    assert err.value.message == "Cần tải lên tệp của giấy tờ bắt buộc: Tờ khai đăng ký khai sinh; Giấy chứng sinh."
    offline = make_procedure(local_code="2.000001.000.00.00.H40", online_level="none")
    with pytest.raises(ValidationFailed) as err:
        dossier_submit_online(agency=agency, version=offline, applicant=APPLICANT, components=[],
                              submitted_at=at(2026, 3, 2, 9))
    assert err.value.code == "not_online"
    assert counts() == before


def test_an_online_dossier_can_be_asked_for_a_supplement_or_refused(onestop, agency, procedure_version):
    files = {"Tờ khai đăng ký khai sinh": pdf_upload("tk.pdf", "tk"), "Giấy chứng sinh": pdf_upload("gcs.pdf", "g")}
    d = dossier_submit_online(agency=agency, version=procedure_version, applicant=APPLICANT,
                              components=papers(procedure_version, files=files), submitted_at=at(2026, 3, 2, 9))
    dossier_request_supplement(actor=onestop, dossier=d, items=["Ảnh chụp rõ hơn của giấy chứng sinh"],
                               reason="Ảnh mờ", at=at(2026, 3, 2, 10))
    d.refresh_from_db()
    assert (d.status, Pause.objects.count()) == (DossierStatus.SUPPLEMENT, 0)
    refused = dossier_refuse(actor=onestop, dossier=d, reason="Quá hạn bổ sung", at=at(2026, 3, 20, 10))
    assert (refused.status, refused.finished_at) == (DossierStatus.REFUSED, at(2026, 3, 20, 10))


def test_the_migration_fills_the_paper_counts_of_existing_dossiers(onestop, agency, procedure_version):
    import importlib

    from django.apps import apps

    d = receive(onestop, agency, procedure_version, components=papers(
        procedure_version, skip={"Giấy tờ tùy thân của người đi đăng ký"},
        files={"Giấy chứng sinh": pdf_upload("g.pdf")}))
    Dossier.objects.update(papers_provided=0, papers_digitised=0)
    importlib.import_module("congvu.onestop.migrations.0005_dossier_paper_counts").fill(apps, None)
    d.refresh_from_db()
    assert (d.papers_provided, d.papers_digitised) == (2, 1)


def test_a_first_step_at_another_agency_is_marked_crossing(onestop, agency, other_agency):
    from congvu.onestop.models import StepHandler

    agency.parent = other_agency
    agency.save(update_fields=["parent"])
    version = make_procedure(steps=(("Tiếp nhận", StepHandler.COUNTER, "0.5"),
                                    ("Sở thẩm định", StepHandler.OTHER_AGENCY, "5")))
    d = receive(onestop, agency, version, when=at(2026, 3, 2, 9))
    assert list(d.steps.values_list("position", "agency_id", "crossing")) == [
        (0, agency.pk, False), (1, other_agency.pk, True)]
    DossierStep.objects.update(crossing=False)
    import importlib

    from django.apps import apps
    importlib.import_module("congvu.onestop.migrations.0006_dossierstep_crossing").mark(apps, None)
    assert list(d.steps.values_list("crossing", flat=True)) == [False, True]


def test_applicant_problems_and_missing_papers_are_reported_together(onestop, agency, procedure_version):
    before = counts()
    with pytest.raises(ValidationFailed) as err:
        dossier_receive(actor=onestop, agency=agency, version=procedure_version, applicant=APPLICANT | {
            "id_number": "123"}, components=papers(procedure_version, skip={"Giấy chứng sinh"}))
    assert err.value.code == "incomplete"
    assert err.value.fields == {"applicant_id_number": "Số định danh cá nhân phải gồm đúng 12 chữ số.",
                                "components": "Thiếu: Giấy chứng sinh"}
    assert err.value.message.endswith("Hồ sơ còn thiếu giấy tờ bắt buộc: Giấy chứng sinh. "
                                      "Yêu cầu bổ sung hoặc từ chối tiếp nhận.")
    assert counts() == before
