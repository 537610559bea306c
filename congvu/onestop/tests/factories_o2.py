"""Processing test helpers (o2): accepted dossiers, a province department for liên thông, and a snapshot of
everything a refused action must leave untouched.

`accepted_dossier` goes through the counter's `receiving.dossier_receive` when it exists (the real path);
until then it writes the same rows through the ORM: status 2, appointment from the clock, step 0 (counter)
finished at receipt and step 1 open with its budget.
"""

from __future__ import annotations

import datetime as dt

from conftest import make_agency, make_official
from congvu.audit.models import JournalEntry
from congvu.notifications.models import Notification
from congvu.onestop import clock
from congvu.onestop.models import (
    Apology,
    Dossier,
    DossierEvent,
    DossierStatus,
    DossierStep,
    Pause,
    ProcedureStep,
    ProcedureVersion,
    StepHandler,
)
from congvu.org.models import Agency, AgencyKind, Department, Role
from congvu.workdays.calendar import VN_TZ
from congvu.workdays.services import calendar_for


def local(y, m, d, hh=8, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def accepted_dossier(*, agency: Agency, version: ProcedureVersion, by, received_at: dt.datetime,
                     applicant_name="Nguyễn Văn An") -> Dossier:
    official = by.official
    cal = calendar_for(agency=agency)
    start = clock.clock_start(calendar=cal, received_at=received_at)
    due = clock.due_at(calendar=cal, version=version, start=start)
    d = Dossier.objects.create(
        agency=agency, procedure_version=version, code=f"T-{Dossier.objects.count() + 1:04d}",
        status=DossierStatus.ACCEPTED, applicant_name=applicant_name, applicant_id_number="001090012345",
        submitted_at=received_at, accepted_at=received_at, clock_start=start, due_at=due, original_due_at=due,
        received_by=official)
    steps = list(ProcedureStep.objects.filter(version=version).order_by("position"))
    first, second = steps[0], steps[1]
    DossierStep.objects.create(dossier=d, procedure_step=first, position=first.position, name=first.name,
                               agency=agency, handler=official, started_at=received_at,
                               due_at=clock.step_due(calendar=cal, start=received_at, budget_days=first.budget),
                               finished_at=received_at, timeliness="on_time")
    dept = Department.objects.filter(agency=agency, code=second.department_code).first() \
        if second.department_code else None
    DossierStep.objects.create(dossier=d, procedure_step=second, position=second.position, name=second.name,
                               agency=agency, department=dept, given_by=official, started_at=start,
                               due_at=clock.step_due(calendar=cal, start=start, budget_days=second.budget))
    DossierEvent.objects.create(dossier=d, at=received_at, kind="accepted", status=d.status, actor=official)
    return d


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
