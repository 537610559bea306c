"""Processing a dossier after it was accepted: hand-over between steps and agencies (liên thông), pauses,
withdrawal, the apology with a new date, the result and its return (issue 6 parts 4 and 5; ADR 0021).

Every service is one transaction: it checks that the actor sees the dossier (NotFound otherwise, like a
dossier that does not exist) and may do this (PermissionDenied), validates (ValidationFailed with a Vietnamese
message per field), locks the dossier row, writes, adds a timeline event (`events.event_add`), journals
(`journal_record`) and tells the people concerned (`notify`, rolled back with the change). On any error
nothing is written.

Steps: the dossier's `DossierStep` rows are the control slip. The counter's receipt finishes step 0 and opens
step 1; each hand-over finishes the current step (with its timeliness against its own deadline, budget from
the procedure's step via `clock.step_due`) and opens the next step of the version; recording the result opens
the version's last step when it is the counter's (trả kết quả); returning the result finishes it.

Timeliness of the dossier follows the DVCQG rule (REGULATIONS §4.7): on time iff the end of processing
(status 9) ≤ the appointment (`due_at`, moved only by pauses). The apology's new date does not make a late
dossier on time (ADR 0021).

`at` (keyword, optional) backdates an action for demo data and tests; pages and the API never pass it.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import nfc
from congvu.notifications.services import notify
from congvu.onestop import clock
from congvu.onestop.events import EventKind, event_add
from congvu.onestop.models import (
    Apology,
    Dossier,
    DossierStatus,
    DossierStep,
    Pause,
    PauseKind,
    ProcedureStep,
    ReturnMethod,
    StepHandler,
)
from congvu.onestop.selectors import (
    OPEN_STATUSES,
    RUNNING_STATUSES,
    apology_deadline,
    can_act_on_step,
    can_see,
    handover_target,
    is_counter_of,
)
from congvu.org.models import Agency, Department, Membership, Official, Role
from congvu.org.selectors import official_for_user
from congvu.workdays.calendar import to_local
from congvu.workdays.services import calendar_for

TEXT_MAX = 5000
PAUSE_STATUS = {PauseKind.FINANCIAL: DossierStatus.FINANCIAL, PauseKind.STOPPED: DossierStatus.STOPPED}


# --- helpers -------------------------------------------------------------------------------------------


def _official(actor) -> Official:
    official = official_for_user(actor)
    if official is None:
        raise PermissionDenied("Tài khoản chưa gắn với cán bộ nào.")
    return official


def _clean(value) -> str:
    return nfc(str(value or "")).replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL


def _required(value, *, field: str, label: str, errors: dict, max_length: int = TEXT_MAX) -> str:
    text = _clean(value)
    if not text:
        errors[field] = f"Vui lòng nhập {label}."
    elif len(text) > max_length:
        errors[field] = f"{label.capitalize()} dài quá {max_length} ký tự."
    return text


def _raise(errors: dict, message: str = "Thông tin chưa hợp lệ.") -> None:
    if errors:
        raise ValidationFailed(message, fields=errors)


def _fmt(moment: dt.datetime | None) -> str:
    return to_local(moment).strftime("%H:%M %d/%m/%Y") if moment else ""


def _locked(actor, dossier: Dossier | int) -> Dossier:
    """The dossier row, locked, if the actor sees it; NotFound otherwise."""
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    if not can_see(actor, pk):
        raise NotFound("Không tìm thấy hồ sơ hoặc bạn không có quyền xem.")
    return Dossier.objects.select_for_update(of=("self",)).select_related("agency", "procedure_version").get(pk=pk)


def _open_step(dossier: Dossier) -> DossierStep | None:
    return (DossierStep.objects.select_for_update(of=("self",)).filter(dossier=dossier, finished_at__isnull=True)
            .select_related("agency", "department", "handler", "procedure_step").order_by("-position", "-id").first())


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _status_label(status: int) -> str:
    return DossierStatus(status).label


def _wrong_status(dossier: Dossier, what: str) -> ValidationFailed:
    return ValidationFailed(f"Hồ sơ đang ở trạng thái “{_status_label(dossier.status)}”, không thể {what}.",
                            code="wrong_status")


def _snapshot(d: Dossier) -> dict:
    return {"status": d.status, "due_at": d.due_at, "paused_at": d.paused_at, "paused_seconds": d.paused_seconds,
            "processed_at": d.processed_at, "finished_at": d.finished_at, "timeliness": d.timeliness,
            "return_method": d.return_method, "returned_to": d.returned_to}


def _journal(actor, dossier: Dossier, action: str, before: dict, extra: dict | None = None) -> None:
    after = _snapshot(dossier) | (extra or {})
    journal_record(actor=actor, agency_id=dossier.agency_id, action=f"onestop.{action}", obj=dossier,
                   before=before, after=after)


def _finish_step(step: DossierStep, now: dt.datetime, note: str = "") -> None:
    if now < step.started_at:
        raise ValidationFailed("Thời điểm kết thúc bước trước thời điểm nhận hồ sơ của bước.")
    step.finished_at = now
    step.timeliness = clock.timeliness(finished_at=now, due_at=step.due_at) if step.due_at else ""
    if note:
        step.note = f"{step.note}\n{note}".strip() if step.note else note
    step.save(update_fields=["finished_at", "timeliness", "note"])


def _url(dossier: Dossier) -> str:
    return reverse("onestop:dossier", args=[dossier.pk])


def counter_staff(agency_id: int) -> list[int]:
    return list(Membership.objects.filter(agency_id=agency_id, role=Role.ONESTOP, active=True)
                .values_list("official_id", flat=True).distinct())


def step_people(step: DossierStep) -> list[int]:
    """Who holds a step: its handler, else its department's members, else the agency's counter staff (a counter
    step) or leaders."""
    if step.handler_id:
        return [step.handler_id]
    if step.department_id:
        return list(Membership.objects.filter(department_id=step.department_id, active=True)
                    .values_list("official_id", flat=True).distinct())
    role = Role.ONESTOP if (step.procedure_step_id and step.procedure_step.handler == StepHandler.COUNTER) \
        else Role.LEADER
    return list(Membership.objects.filter(agency_id=step.agency_id, role=role, active=True)
                .values_list("official_id", flat=True).distinct())


def _as_obj(model, value, *, field: str, label: str, errors: dict):
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    try:
        obj = model.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        errors[field] = f"Không tìm thấy {label}."
    return obj


def _final_counter_step(dossier: Dossier) -> ProcedureStep | None:
    last = ProcedureStep.objects.filter(version_id=dossier.procedure_version_id).order_by("-position").first()
    return last if last is not None and last.handler == StepHandler.COUNTER else None


# --- hand-over -----------------------------------------------------------------------------------------


@transaction.atomic
def dossier_hand_over(*, actor, dossier: Dossier | int, to_department: Department | int | None = None,
                      to_agency: Agency | int | None = None, to_official: Official | int | None = None,
                      note: str = "", at: dt.datetime | None = None) -> DossierStep:
    """Finish the current step (timeliness against its deadline) and open the version's next step at the
    receiving unit: `to_agency` (required for a liên thông step, else the receiving agency), `to_department`
    (else the step's fixed department code), `to_official` (optional: the person who receives it). The new
    step's deadline is its budget in working time from now, on the receiving agency's calendar."""
    official = _official(actor)
    d = _locked(actor, dossier)
    step = _open_step(d)
    if d.status not in RUNNING_STATUSES:
        raise _wrong_status(d, "chuyển bước")
    if not can_act_on_step(actor, step):
        raise PermissionDenied("Chỉ người, đơn vị đang giữ hồ sơ ở bước hiện tại được chuyển bước.")
    target = handover_target(d, step)
    if target is None:
        raise ValidationFailed("Bước tiếp theo là trả kết quả (hoặc đây là bước cuối): hãy ghi nhận kết quả "
                               "giải quyết.", code="no_next_step")
    now = _now(at)
    errors: dict[str, str] = {}
    agency = _as_obj(Agency, to_agency, field="to_agency", label="cơ quan nhận hồ sơ", errors=errors)
    department = _as_obj(Department, to_department, field="to_department", label="phòng, ban nhận hồ sơ",
                         errors=errors)
    receiver = _as_obj(Official, to_official, field="to_official", label="cán bộ nhận hồ sơ", errors=errors)
    note = _clean(note)
    if len(note) > TEXT_MAX:
        errors["note"] = f"Ghi chú dài quá {TEXT_MAX} ký tự."
    _raise(errors)
    if agency is None:
        if target.handler == StepHandler.OTHER_AGENCY:
            errors["to_agency"] = f"Bước “{target.name}” là bước liên thông: chọn cơ quan nhận hồ sơ."
        agency = d.agency
    elif agency.active_to is not None and agency.active_to <= to_local(now).date():
        errors["to_agency"] = "Cơ quan nhận hồ sơ đã thôi hoạt động."
    if department is not None and department.agency_id != agency.pk:
        errors["to_department"] = "Phòng, ban không thuộc cơ quan nhận hồ sơ."
    elif department is not None and not department.active:
        errors["to_department"] = "Phòng, ban đã thôi hoạt động."
    if department is None and target.department_code and agency.pk == d.agency_id:
        department = Department.objects.filter(agency=agency, code=target.department_code, active=True).first()
    if department is None and target.handler == StepHandler.DEPARTMENT and "to_agency" not in errors:
        errors["to_department"] = f"Bước “{target.name}”: chọn phòng chuyên môn nhận hồ sơ."
    if receiver is not None:
        members = Membership.objects.filter(official=receiver, agency=agency, active=True)
        if department is not None:
            members = members.filter(department=department)
        if not members.exists():
            errors["to_official"] = "Cán bộ nhận hồ sơ không thuộc đơn vị nhận."
    _raise(errors)
    if now < step.started_at:
        raise ValidationFailed("Thời điểm chuyển trước thời điểm nhận hồ sơ ở bước hiện tại.")
    before = _snapshot(d)
    _finish_step(step, now)
    due = clock.step_due(calendar=calendar_for(agency=agency), start=now, budget_days=target.budget)
    new = DossierStep.objects.create(
        dossier=d, procedure_step=target, position=target.position, name=target.name, agency=agency,
        department=department, handler=receiver, given_by=official, started_at=now, due_at=due, note=note,
        crossing=agency.pk != d.agency_id)
    if d.status == DossierStatus.ACCEPTED:
        d.status = DossierStatus.PROCESSING
    d.save(update_fields=["status", "updated_at"])
    unit = department.name if department else agency.name
    crossing = agency.pk != step.agency_id
    event_add(dossier=d, kind=EventKind.HANDED_OVER, actor=official, at=now,
              note=f"{step.name} → {target.name}: {unit}" + (f" ({agency.name})" if crossing else "")
              + (f", {receiver.full_name}" if receiver else ""))
    _journal(actor, d, "dossier_hand_over", before,
             {"from_step": step.pk, "from_timeliness": step.timeliness, "to_step": new.pk, "to_agency": agency.pk,
              "to_department": department.pk if department else None,
              "to_official": receiver.pk if receiver else None, "step_due_at": due})
    people = [p for p in step_people(new) if p != official.pk]
    notify(recipients=people, agency_id=agency.pk, kind="onestop.handed_over",
           title=f"Hồ sơ {d} chuyển đến: {target.name}",
           body=f"{d.procedure_version.procedure.name} — {d.applicant_name}. Hạn bước: {_fmt(due)}.",
           url=_url(d), key=f"onestop.step:{new.pk}")
    return new


# --- pauses --------------------------------------------------------------------------------------------


@transaction.atomic
def dossier_pause(*, actor, dossier: Dossier | int, kind: str, reason: str, at: dt.datetime | None = None) -> Pause:
    """Stop the clock: a request to fulfil financial obligations (status 6) or stopping the processing
    (status 8). The holder of the current step or the counter may do it; the reason is required."""
    official = _official(actor)
    d = _locked(actor, dossier)
    step = _open_step(d)
    if not (can_act_on_step(actor, step) or is_counter_of(actor, d)):
        raise PermissionDenied("Chỉ người đang giữ hồ sơ hoặc bộ phận một cửa được tạm dừng hồ sơ.")
    errors: dict[str, str] = {}
    if kind not in PAUSE_STATUS:
        errors["kind"] = "Chọn “chờ thực hiện nghĩa vụ tài chính” hoặc “dừng giải quyết”."
    reason = _required(reason, field="reason", label="lý do", errors=errors)
    _raise(errors)
    if d.status not in RUNNING_STATUSES:
        raise _wrong_status(d, "tạm dừng")
    now = _now(at)
    before = _snapshot(d)
    pause = Pause.objects.create(dossier=d, kind=kind, started_at=now, reason=reason, actor=official)
    d.status = PAUSE_STATUS[kind]
    d.paused_at = now
    d.save(update_fields=["status", "paused_at", "updated_at"])
    event_add(dossier=d, kind=EventKind.PAUSED, actor=official, at=now,
              note=f"{PauseKind(kind).label}: {reason}")
    _journal(actor, d, "dossier_pause", before, {"pause": pause.pk, "kind": kind, "reason": reason})
    return pause


@transaction.atomic
def dossier_resume(*, actor, dossier: Dossier | int, note: str = "", at: dt.datetime | None = None) -> Dossier:
    """Restart the clock after a financial-obligation request or a stop: the appointment, the current step's
    deadline and an apology's new date move by the working time the dossier was paused
    (`clock.extend_by_pause`); the dossier is being processed again (status 4)."""
    official = _official(actor)
    d = _locked(actor, dossier)
    step = _open_step(d)
    if not (can_act_on_step(actor, step) or is_counter_of(actor, d)):
        raise PermissionDenied("Chỉ người đang giữ hồ sơ hoặc bộ phận một cửa được cho hồ sơ tiếp tục.")
    if d.status not in (DossierStatus.FINANCIAL, DossierStatus.STOPPED):
        raise _wrong_status(d, "tiếp tục xử lý")
    pause = (Pause.objects.select_for_update().filter(dossier=d, ended_at__isnull=True,
                                                      kind__in=list(PAUSE_STATUS)).order_by("-started_at").first())
    if pause is None:
        raise ValidationFailed("Hồ sơ không có lần tạm dừng nào đang mở.")
    now = _now(at)
    if now < pause.started_at:
        raise ValidationFailed("Thời điểm tiếp tục trước thời điểm tạm dừng.")
    errors: dict[str, str] = {}
    note = _clean(note)
    if len(note) > TEXT_MAX:
        errors["note"] = f"Ghi chú dài quá {TEXT_MAX} ký tự."
    _raise(errors)
    before = _snapshot(d)
    cal = calendar_for(agency=d.agency)
    pause.ended_at = now
    pause.save(update_fields=["ended_at"])
    if d.due_at is not None:
        d.due_at = clock.extend_by_pause(calendar=cal, due_at=d.due_at, paused_from=pause.started_at,
                                         paused_to=now)
    d.paused_seconds += max(int((now - pause.started_at).total_seconds()), 0)
    d.paused_at = None
    d.status = DossierStatus.PROCESSING
    d.save(update_fields=["due_at", "paused_seconds", "paused_at", "status", "updated_at"])
    if step is not None and step.due_at is not None:
        step.due_at = clock.extend_by_pause(calendar=calendar_for(agency=step.agency), due_at=step.due_at,
                                            paused_from=pause.started_at, paused_to=now)
        step.save(update_fields=["due_at"])
    apology = Apology.objects.select_for_update().filter(dossier=d).first()
    if apology is not None:
        apology.new_due_at = clock.extend_by_pause(calendar=cal, due_at=apology.new_due_at,
                                                   paused_from=pause.started_at, paused_to=now)
        apology.save(update_fields=["new_due_at"])
    event_add(dossier=d, kind=EventKind.RESUMED, actor=official, at=now,
              note=f"Hạn trả mới: {_fmt(d.due_at)}" + (f". {note}" if note else ""))
    _journal(actor, d, "dossier_resume", before, {"pause": pause.pk})
    return d


# --- withdrawal ----------------------------------------------------------------------------------------


@transaction.atomic
def dossier_withdraw(*, actor, dossier: Dossier | int, reason: str, at: dt.datetime | None = None) -> Dossier:
    """The applicant withdraws the dossier (status 7): the counter records it with the applicant's reason, as
    long as there is no result yet. Open steps and pauses are closed."""
    official = _official(actor)
    d = _locked(actor, dossier)
    if not is_counter_of(actor, d):
        raise PermissionDenied("Chỉ bộ phận một cửa của cơ quan tiếp nhận được ghi nhận rút hồ sơ.")
    errors: dict[str, str] = {}
    reason = _required(reason, field="reason", label="lý do rút hồ sơ", errors=errors)
    _raise(errors)
    if d.status not in (DossierStatus.REGISTERED,) + OPEN_STATUSES:
        raise _wrong_status(d, "rút hồ sơ")
    now = _now(at)
    before = _snapshot(d)
    for step in DossierStep.objects.select_for_update().filter(dossier=d, finished_at__isnull=True):
        step.finished_at = max(now, step.started_at)
        step.note = f"{step.note}\nCông dân rút hồ sơ.".strip()
        step.save(update_fields=["finished_at", "note"])
    Pause.objects.filter(dossier=d, ended_at__isnull=True).update(ended_at=now)
    d.status = DossierStatus.WITHDRAWN
    d.withdrawal_reason = reason
    d.finished_at = now
    d.paused_at = None
    d.save(update_fields=["status", "withdrawal_reason", "finished_at", "paused_at", "updated_at"])
    event_add(dossier=d, kind=EventKind.WITHDRAWN, actor=official, at=now, note=reason)
    _journal(actor, d, "dossier_withdraw", before, {"reason": reason})
    return d


# --- apology -------------------------------------------------------------------------------------------


def _parse_new_due(value, calendar) -> dt.datetime:
    """A datetime, a date (the close of that working day) or text dd/mm/yyyy [HH:MM]."""
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y", "%Y-%m-%d"):
            try:
                parsed = dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            value = parsed if "%H" in fmt else parsed.date()
            break
        else:
            raise ValidationFailed("Ngày hẹn trả mới không hợp lệ.",
                                   fields={"new_due_at": "Nhập ngày dạng dd/mm/yyyy (có thể kèm giờ HH:MM)."})
    if isinstance(value, dt.datetime):
        moment = to_local(value)
        if not calendar.is_working_day(moment.date()):
            raise ValidationFailed("Ngày hẹn trả mới không phải ngày làm việc.",
                                   fields={"new_due_at": "Chọn một ngày làm việc."})
        return moment
    if isinstance(value, dt.date):
        if not calendar.is_working_day(value):
            raise ValidationFailed("Ngày hẹn trả mới không phải ngày làm việc.",
                                   fields={"new_due_at": "Chọn một ngày làm việc."})
        return calendar.closing(value)
    raise ValidationFailed("Chưa nhập ngày hẹn trả mới.", fields={"new_due_at": "Vui lòng nhập ngày hẹn trả mới."})


@transaction.atomic
def dossier_apology(*, actor, dossier: Dossier | int, reason: str, new_due_at, at: dt.datetime | None = None
                    ) -> Apology:
    """The apology letter with a new appointment (phiếu xin lỗi và hẹn lại ngày trả), by the holder of the
    current step or the counter, at least one working day before the deadline, with a reason and a new date
    after the current appointment — once only: a second new date is refused. The appointment (`due_at`) is
    kept: the dossier's timeliness is still judged against it (ADR 0021)."""
    official = _official(actor)
    d = _locked(actor, dossier)
    step = _open_step(d)
    if not (can_act_on_step(actor, step) or is_counter_of(actor, d)):
        raise PermissionDenied("Chỉ người đang giữ hồ sơ hoặc bộ phận một cửa được lập phiếu xin lỗi.")
    existing = Apology.objects.filter(dossier=d).first()
    if existing is not None:
        raise ValidationFailed(
            f"Hồ sơ đã được hẹn lại ngày trả một lần (hẹn lại {_fmt(existing.new_due_at)}, lập "
            f"{_fmt(existing.created_at)}); theo quy định chỉ được hẹn lại một lần.",
            code="apology_once", fields={"new_due_at": "Chỉ được hẹn lại ngày trả một lần."})
    if d.status not in OPEN_STATUSES or d.due_at is None:
        raise _wrong_status(d, "lập phiếu xin lỗi, hẹn lại")
    now = _now(at)
    cal = calendar_for(agency=d.agency)
    latest = apology_deadline(cal, d.due_at)
    if now > latest:
        raise ValidationFailed(
            f"Đã quá thời hạn gửi phiếu xin lỗi: phải gửi chậm nhất một ngày làm việc trước hạn trả "
            f"{_fmt(d.due_at)}, tức trước {_fmt(latest)}.", code="apology_too_late")
    errors: dict[str, str] = {}
    reason = _required(reason, field="reason", label="lý do chậm trả kết quả", errors=errors)
    new_due = None
    try:
        new_due = _parse_new_due(new_due_at, cal)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if new_due is not None and new_due <= d.due_at:
        errors["new_due_at"] = f"Ngày hẹn trả mới phải sau hạn trả hiện tại ({_fmt(d.due_at)})."
    _raise(errors)
    before = _snapshot(d)
    try:
        with transaction.atomic():
            apology = Apology.objects.create(dossier=d, created_at=now, created_by=official, reason=reason,
                                             previous_due_at=d.due_at, new_due_at=new_due)
    except IntegrityError:  # a concurrent apology won
        raise ValidationFailed("Hồ sơ đã được hẹn lại ngày trả một lần; theo quy định chỉ được hẹn lại một lần.",
                               code="apology_once") from None
    d.save(update_fields=["updated_at"])
    event_add(dossier=d, kind=EventKind.APOLOGY, actor=official, at=now,
              note=f"Hẹn lại ngày trả: {_fmt(new_due)}. Lý do: {reason}")
    _journal(actor, d, "dossier_apology", before,
             {"apology": apology.pk, "new_due_at": new_due, "reason": reason})
    notify(recipients=[p for p in counter_staff(d.agency_id) if p != official.pk], agency_id=d.agency_id,
           kind="onestop.apology", title=f"Hồ sơ {d}: xin lỗi, hẹn lại ngày trả {_fmt(new_due)}",
           body=f"Hạn cũ {_fmt(d.due_at)}. Lý do: {reason}. Đề nghị thông báo cho tổ chức, cá nhân.",
           url=_url(d), key=f"onestop.apology:{d.pk}")
    return apology


# --- result and return ---------------------------------------------------------------------------------


def _store_result_file(file, written: list[str]):
    """A StoredFile for `file` (an upload or a StoredFile); uploads are checked before anything is written."""
    from congvu.documents.models import StoredFile
    from congvu.workflow.services import prepare_files, store_files

    if file is None or isinstance(file, StoredFile):
        return file
    prepared = prepare_files([file])
    return store_files(prepared, written)[0][0]


def dossier_record_result(*, actor, dossier: Dossier | int, note: str, file=None,
                          at: dt.datetime | None = None) -> Dossier:
    """The processing is done (status 9): the current step ends (with its timeliness), the dossier's
    timeliness is computed against the appointment (DVCQG: on time iff done ≤ appointment; early when done on
    a day before it), and the version's final counter step (trả kết quả) opens, its deadline from its budget.
    `file`: the result document (an upload or a StoredFile), optional."""
    written: list[str] = []
    try:
        return _record_result(actor=actor, dossier=dossier, note=note, file=file, at=at, written=written)
    except BaseException:
        from congvu.workflow.services import remove_written

        remove_written(written)
        raise


@transaction.atomic
def _record_result(*, actor, dossier, note, file, at, written) -> Dossier:
    official = _official(actor)
    d = _locked(actor, dossier)
    step = _open_step(d)
    if d.status not in RUNNING_STATUSES:
        raise _wrong_status(d, "ghi nhận kết quả")
    # a procedure without steps: the receiving agency's counter, leaders and administrators hold it
    if not (can_act_on_step(actor, step) or (step is None and is_counter_of(actor, d))):
        raise PermissionDenied("Chỉ người, đơn vị đang giữ hồ sơ được ghi nhận kết quả giải quyết.")
    errors: dict[str, str] = {}
    note = _required(note, field="note", label="kết quả giải quyết", errors=errors)
    _raise(errors)
    now = _now(at)
    before = _snapshot(d)
    stored = _store_result_file(file, written)
    final = _final_counter_step(d)
    on_final = final is not None and step is not None and step.procedure_step_id == final.pk
    if not on_final:
        if step is not None:
            _finish_step(step, now, note="Đã có kết quả.")
        if final is not None:
            DossierStep.objects.create(
                dossier=d, procedure_step=final, position=final.position, name=final.name, agency=d.agency,
                given_by=official, started_at=now,
                due_at=clock.step_due(calendar=calendar_for(agency=d.agency), start=now, budget_days=final.budget))
    d.status = DossierStatus.PROCESSED
    d.processed_at = now
    d.timeliness = clock.timeliness(finished_at=now, due_at=d.due_at) if d.due_at else ""
    d.result_note = note
    d.result_file = stored
    d.save(update_fields=["status", "processed_at", "timeliness", "result_note", "result_file", "updated_at"])
    event_add(dossier=d, kind=EventKind.PROCESSED, actor=official, at=now, note=note)
    _journal(actor, d, "dossier_record_result", before,
             {"result_note": note, "result_file": stored.pk if stored else None})
    notify(recipients=[p for p in counter_staff(d.agency_id) if p != official.pk], agency_id=d.agency_id,
           kind="onestop.processed", title=f"Hồ sơ {d} đã có kết quả, chờ trả",
           body=f"{d.procedure_version.procedure.name} — {d.applicant_name}.", url=_url(d),
           key=f"onestop.processed:{d.pk}")
    return d


@transaction.atomic
def dossier_return_result(*, actor, dossier: Dossier | int, method: str, returned_to: str, note: str = "",
                          at: dt.datetime | None = None) -> Dossier:
    """The counter returns the result (status 10): in person, by post or electronically, with who received it
    (a name; for an electronic return the account or address it went to)."""
    official = _official(actor)
    d = _locked(actor, dossier)
    if not is_counter_of(actor, d):
        raise PermissionDenied("Chỉ bộ phận một cửa của cơ quan tiếp nhận được trả kết quả.")
    errors: dict[str, str] = {}
    if method not in ReturnMethod.values:
        errors["method"] = "Chọn hình thức trả: trực tiếp, bưu chính hoặc điện tử."
    returned_to = _required(returned_to, field="returned_to", label="người nhận kết quả", errors=errors,
                            max_length=200)
    note = _clean(note)
    if len(note) > TEXT_MAX:
        errors["note"] = f"Ghi chú dài quá {TEXT_MAX} ký tự."
    _raise(errors)
    if d.status != DossierStatus.PROCESSED:
        raise _wrong_status(d, "trả kết quả (chưa có kết quả giải quyết)")
    now = _now(at)
    if d.processed_at and now < d.processed_at:
        raise ValidationFailed("Thời điểm trả trước thời điểm có kết quả.")
    before = _snapshot(d)
    for step in DossierStep.objects.select_for_update().filter(dossier=d, finished_at__isnull=True):
        _finish_step(step, now)
    d.status = DossierStatus.RETURNED
    d.finished_at = now
    d.return_method = method
    d.returned_to = returned_to
    d.save(update_fields=["status", "finished_at", "return_method", "returned_to", "updated_at"])
    event_add(dossier=d, kind=EventKind.RETURNED, actor=official, at=now,
              note=f"{ReturnMethod(method).label}, người nhận: {returned_to}" + (f". {note}" if note else ""))
    _journal(actor, d, "dossier_return_result", before, {"note": note})
    return d


@transaction.atomic
def dossier_file_download_record(*, actor, dossier: Dossier, file_id: int, name: str) -> None:
    """Journal that a dossier's paper or result file was downloaded (it holds personal data)."""
    journal_record(actor=actor, agency_id=dossier.agency_id, action="onestop.dossier_file_download", obj=dossier,
                   after={"file": file_id, "name": name})
