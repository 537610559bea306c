"""Processing test helpers (o2): accepted dossiers (through the counter's real receipt), a province department
for liên thông, and a snapshot of everything a refused action must leave untouched."""

from __future__ import annotations

import datetime as dt

from conftest import make_agency, make_official
from congvu.audit.models import JournalEntry
from congvu.notifications.models import Notification
from congvu.onestop.models import (
    Apology,
    Dossier,
    DossierEvent,
    DossierStep,
    Pause,
    ProcedureVersion,
    StepHandler,
)
from congvu.org.models import Agency, AgencyKind, Department, Role
from congvu.workdays.calendar import VN_TZ


def local(y, m, d, hh=8, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def accepted_dossier(*, agency: Agency, version: ProcedureVersion, by, received_at: dt.datetime,
                     applicant_name="Nguyễn Văn An") -> Dossier:
    """A dossier accepted at the counter by `by` (counter staff) through `receiving.dossier_receive`: every
    component provided, status 2, code, appointment, step 0 done and step 1 open."""
    from congvu.onestop.receiving import dossier_receive

    components = [{"component_id": c.pk, "provided": True} for c in version.components.all()]
    return dossier_receive(actor=by, agency=agency, version=version, received_at=received_at,
                           applicant={"name": applicant_name, "id_number": "001090012345"},
                           components=components)


def province_department() -> Agency:
    """Sở Tư pháp with its Phòng Hành chính tư pháp (HCTP): where a liên thông step crosses to."""
    a = make_agency(name="Sở Tư pháp tỉnh Quảng Nam", code="STP", kind=AgencyKind.DEPARTMENT)
    Department.objects.create(agency=a, name="Phòng Hành chính tư pháp", code="HCTP")
    return a


def province_officer(province: Agency, username="cv_so"):
    return make_official(province, Role.OFFICER, username=username,
                         department=province.departments.get(code="HCTP"), full_name="Phạm Chuyên Viên Sở").user


INTERLINKED_STEPS = (("Tiếp nhận hồ sơ", StepHandler.COUNTER, "0.5"),
                     ("Thẩm định hồ sơ", StepHandler.DEPARTMENT, "1"),
                     ("Sở Tư pháp giải quyết", StepHandler.OTHER_AGENCY, "2"),
                     ("Lãnh đạo ký duyệt", StepHandler.LEADER, "1"),
                     ("Trả kết quả", StepHandler.COUNTER, "0.5"))


def state() -> dict:
    """Everything the processing services write: equal before and after a refused action."""
    return {
        "dossiers": list(Dossier.objects.order_by("pk").values_list(
            "pk", "status", "due_at", "paused_at", "paused_seconds", "processed_at", "finished_at", "timeliness",
            "withdrawal_reason", "return_method", "returned_to", "result_note")),
        "steps": list(DossierStep.objects.order_by("pk").values_list(
            "pk", "agency_id", "department_id", "handler_id", "due_at", "finished_at", "timeliness")),
        "events": DossierEvent.objects.count(),
        "pauses": list(Pause.objects.order_by("pk").values_list("pk", "ended_at")),
        "apologies": list(Apology.objects.order_by("pk").values_list("pk", "new_due_at")),
        "journal": JournalEntry.objects.count(),
        "notifications": Notification.objects.count(),
    }
