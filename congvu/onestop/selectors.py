"""Reads of the one-stop shop, already filtered by what the user may see.

Visibility (one query, paperless-style "visible ids"; the rule lives only here):

- counter staff (Cán bộ một cửa), leaders and agency administrators of an agency see every dossier that agency
  received, and every dossier with a step at that agency (liên thông: a commune's dossier crossing to a
  province department is seen by that department's counter, leaders and administrators);
- any other member of an agency (an officer) sees the dossiers with a step held by them or by a department they
  belong to;
- nobody else: a dossier outside this set is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet
from django.utils import timezone

from congvu.core.errors import NotFound, ValidationFailed
from congvu.onestop.models import (
    Dossier,
    DossierStatus,
    DossierStep,
    ProcedureStep,
    StepHandler,
    Timeliness,
)
from congvu.org.models import Role
from congvu.org.selectors import official_for_user, user_access

# Roles that see everything their agency received or holds.
FULL_VIEW_ROLES = frozenset({Role.ONESTOP, Role.LEADER, Role.AGENCY_ADMIN})
# Statuses in which the dossier is still with the administration (the clock runs or is paused).
OPEN_STATUSES = (DossierStatus.ACCEPTED, DossierStatus.PROCESSING, DossierStatus.SUPPLEMENT,
                 DossierStatus.FINANCIAL, DossierStatus.STOPPED)
# Statuses in which the clock runs.
RUNNING_STATUSES = (DossierStatus.ACCEPTED, DossierStatus.PROCESSING)
PAUSED_STATUSES = (DossierStatus.SUPPLEMENT, DossierStatus.FINANCIAL, DossierStatus.STOPPED)
# One working day = 8 working hours (REGULATIONS §4.7); the apology is due one working day before the deadline,
# and the "late soon" queue shows the dossiers due within two.
APOLOGY_LEAD_HOURS = 8
LATE_SOON_HOURS = 16


def full_view_agency_ids(user) -> set[int]:
    return {a for a, acc in user_access(user).items() if acc.roles & FULL_VIEW_ROLES}


def visible_dossiers(user) -> QuerySet[Dossier]:
    """Every dossier `user` may see (see the module docstring)."""
    access = user_access(user)
    if not access:
        return Dossier.objects.none()
    official = official_for_user(user)
    full = sorted(full_view_agency_ids(user))
    departments = sorted({d for acc in access.values() for d in acc.department_ids})
    if connection.vendor == "postgresql":
        return Dossier.objects.filter(_visible_sql(official, full, departments))
    return Dossier.objects.filter(_visible_q(official, full, departments))


def _visible_q(official, full: list[int], departments: list[int]):
    """The rule as an ORM condition (`OR EXISTS`): what SQLite runs, and what a check of one dossier runs on
    every database (the EXISTS probes that dossier's steps by index)."""
    step_q = Q(handler=official)
    if departments:
        step_q |= Q(department_id__in=departments)
    if full:  # steps at the agency of dossiers received elsewhere (the others are covered by agency_id)
        step_q |= Q(agency_id__in=full, crossing=True)
    q = Exists(DossierStep.objects.filter(step_q, dossier_id=OuterRef("pk")))
    if full:
        q = Q(agency_id__in=full) | q
    return q


def can_see(user, pk: int) -> bool:
    """Whether `user` sees dossier `pk` (the rule of `visible_dossiers`, checked for one row)."""
    access = user_access(user)
    if not access:
        return False
    departments = sorted({d for acc in access.values() for d in acc.department_ids})
    q = _visible_q(official_for_user(user), sorted(full_view_agency_ids(user)), departments)
    return Dossier.objects.filter(q, pk=pk).exists()


class _InArray(Func):
    """`<expr> = ANY(ARRAY(<subquery>))` (PostgreSQL): the subquery runs once, and the condition can join an
    index condition in a BitmapOr."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, expression, sql: str, params: list):
        super().__init__(expression)
        self.sub_sql, self.sub_params = sql, params

    def as_sql(self, compiler, connection, **extra_context):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        return f"{lhs} = ANY(ARRAY({self.sub_sql}))", [*lhs_params, *self.sub_params]


def _visible_sql(official, full: list[int], departments: list[int]):
    """The same rule for PostgreSQL, shaped so the planner can use indexes: `agency_id IN (…)` and
    `id = ANY(ARRAY(…))` (the step ids computed once) combine as a BitmapOr, where `OR EXISTS (…)` scans every
    dossier (a counter's first list page: 2.4 s with 500,000 dossiers, measured). The steps arm only needs
    the steps held by the user or their departments and, for full-view agencies, the liên thông steps
    (`crossing`: a step at the agency of a dossier received elsewhere, under a partial index)."""
    step_t = DossierStep._meta.db_table
    conds, params = [], []
    if official is not None:
        conds.append("s.handler_id = %s")
        params.append(official.pk)
    if departments:
        conds.append("s.department_id = ANY(%s)")
        params.append(departments)
    if full:  # the partial index dossier_step_crossing holds exactly these rows
        conds.append("(s.crossing AND s.agency_id = ANY(%s))")
        params.append(full)
    q = Q(pk__in=[])
    if conds:
        q = Q(_InArray(F("pk"), f"SELECT s.dossier_id FROM {step_t} s WHERE " + " OR ".join(conds), params))
    if full:
        q = Q(agency_id__in=full) | q
    return q


def dossier_for(user, pk) -> Dossier:
    """The dossier `pk` if `user` may see it; NotFound (404) otherwise, whether it exists or not."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("Không tìm thấy hồ sơ.") from None
    dossier = None
    if can_see(user, pk):
        dossier = (Dossier.objects.filter(pk=pk)
                   .select_related("agency", "procedure_version__procedure", "received_by", "result_file").first())
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ hoặc bạn không có quyền xem.")
    return dossier


def current_step(dossier: Dossier) -> DossierStep | None:
    """The step that holds the dossier now (the last one not finished)."""
    return (DossierStep.objects.filter(dossier=dossier, finished_at__isnull=True)
            .select_related("agency", "department", "handler", "procedure_step").order_by("-position", "-id").first())


def steps_of(dossier: Dossier) -> list[DossierStep]:
    return list(DossierStep.objects.filter(dossier=dossier)
                .select_related("agency", "department", "handler", "given_by", "procedure_step")
                .order_by("position", "id"))


def handover_target(dossier: Dossier, step: DossierStep | None) -> ProcedureStep | None:
    """The version's step a hand-over leads to, or None: after the last step, and before the final counter step
    (trả kết quả), which only recording the result opens."""
    if step is None:
        return None
    position = step.procedure_step.position if step.procedure_step_id else step.position
    following = list(ProcedureStep.objects.filter(version_id=dossier.procedure_version_id, position__gt=position)
                     .order_by("position"))
    if not following:
        return None
    if len(following) == 1 and following[0].handler == StepHandler.COUNTER:
        return None
    return following[0]


def is_counter_step(step: DossierStep) -> bool:
    if step.procedure_step_id:
        return step.procedure_step.handler == StepHandler.COUNTER
    return step.department_id is None and step.handler_id is None


def can_act_on_step(user, step: DossierStep | None) -> bool:
    """Whether `user` holds `step`: its handler, a member of its department (a head always, others when no
    person was named), a leader or administrator of its agency, or the counter staff for a counter step."""
    if step is None:
        return False
    official = official_for_user(user)
    if official is None:
        return False
    if step.handler_id == official.pk:
        return True
    acc = user_access(user).get(step.agency_id)
    if acc is None:
        return False
    if acc.roles & {Role.LEADER, Role.AGENCY_ADMIN}:
        return True
    if step.department_id and step.department_id in acc.department_ids and step.handler_id is None:
        return True
    if step.department_id and step.department_id in acc.department_ids:
        from congvu.org.selectors import headed_department_ids

        if step.department_id in headed_department_ids(official, step.agency_id):
            return True
    return Role.ONESTOP in acc.roles and is_counter_step(step)


def is_counter_of(user, dossier: Dossier) -> bool:
    """Counter staff (or a leader / administrator) of the receiving agency: withdrawals and returns are theirs."""
    acc = user_access(user).get(dossier.agency_id)
    return bool(acc and acc.roles & FULL_VIEW_ROLES)


@dataclass(frozen=True)
class Actions:
    hand_over: bool = False
    pause: bool = False
    resume: bool = False
    withdraw: bool = False
    apology: bool = False
    result: bool = False
    return_result: bool = False

    @property
    def any(self) -> bool:
        return any((self.hand_over, self.pause, self.resume, self.withdraw, self.apology, self.result,
                    self.return_result))


def allowed_actions(user, dossier: Dossier, step: DossierStep | None = None) -> Actions:
    """What `user` may do with `dossier` now (the services check the same rules again)."""
    step = step if step is not None else current_step(dossier)
    holder = can_act_on_step(user, step)
    counter = is_counter_of(user, dossier)
    status = dossier.status
    has_apology = _has_apology(dossier)
    return Actions(
        hand_over=holder and status in RUNNING_STATUSES and handover_target(dossier, step) is not None,
        pause=(holder or counter) and status in RUNNING_STATUSES,
        resume=(holder or counter) and status in (DossierStatus.FINANCIAL, DossierStatus.STOPPED),
        withdraw=counter and status in (DossierStatus.REGISTERED,) + OPEN_STATUSES,
        apology=(holder or counter) and status in OPEN_STATUSES and not has_apology and dossier.due_at is not None,
        result=(holder or (step is None and counter)) and status in RUNNING_STATUSES,
        return_result=counter and status == DossierStatus.PROCESSED,
    )


def _has_apology(dossier: Dossier) -> bool:
    from congvu.onestop.models import Apology

    return Apology.objects.filter(dossier_id=dossier.pk).exists()


# --- lists -------------------------------------------------------------------------------------------


def _parse_day(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    day = None
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip()
        for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                day = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
    if day is None:
        raise ValidationFailed("Ngày không hợp lệ.", fields={field: "Ngày dạng dd/mm/yyyy."})
    if not 1900 <= day.year <= 2999:
        raise ValidationFailed("Ngày không hợp lệ.", fields={field: "Năm phải từ 1900 đến 2999."})
    return day


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def dossier_list(user, *, status=None, procedure=None, date_from=None, date_to=None, overdue: bool = False,
                 q: str = "", agency=None, now: dt.datetime | None = None) -> QuerySet[Dossier]:
    """Visible dossiers with filters: status code(s), procedure id, received between two dates (dd/mm/yyyy or
    yyyy-mm-dd, inclusive), overdue (still open and past the appointment), code or applicant name contains `q`."""
    now = now or timezone.now()
    qs = visible_dossiers(user).select_related("agency", "procedure_version__procedure")
    errors: dict[str, str] = {}
    if status not in (None, "", []):
        codes = status if isinstance(status, (list, tuple)) else [status]
        try:
            values = [int(s) for s in codes]
        except (TypeError, ValueError):
            values = []
        if not values or any(v not in DossierStatus.values for v in values):
            errors["status"] = "Trạng thái là một mã từ 1 đến 10."
        else:
            qs = qs.filter(status__in=values)
    if procedure not in (None, ""):
        try:
            qs = qs.filter(procedure_version__procedure_id=int(procedure))
        except (TypeError, ValueError):
            errors["procedure"] = "Thủ tục không hợp lệ."
    if agency not in (None, ""):
        try:
            qs = qs.filter(agency_id=int(agency))
        except (TypeError, ValueError):
            errors["agency"] = "Cơ quan không hợp lệ."
    start = end = None
    try:
        start = _parse_day(date_from, "date_from")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        end = _parse_day(date_to, "date_to")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if start and end and end < start:
        errors["date_to"] = "Ngày kết thúc trước ngày bắt đầu."
    if errors:
        raise ValidationFailed("Bộ lọc không hợp lệ.", fields=errors)
    if start:
        qs = qs.filter(submitted_at__gte=_day_start(start))
    if end:
        qs = qs.filter(submitted_at__lt=_day_start(end + dt.timedelta(days=1)))
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    q = "".join(ch for ch in str(q or "") if ch.isprintable()).strip()[:100]  # PostgreSQL refuses NUL bytes
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(applicant_name__icontains=q))
    return qs.order_by("-submitted_at", "-id")


def office_queue(user, *, agency_id: int | None = None, now: dt.datetime | None = None) -> list[DossierStep]:
    """Open steps the user holds or may take (their own, their departments', or every step of an agency where
    they lead or administer; counter steps for counter staff), overdue first, then by step deadline."""
    now = now or timezone.now()
    official = official_for_user(user)
    access = user_access(user)
    if official is None or not access:
        return []
    q = Q(handler=official)
    for a, acc in access.items():
        if agency_id is not None and a != agency_id:
            continue
        if acc.roles & {Role.LEADER, Role.AGENCY_ADMIN}:
            q |= Q(agency_id=a)
            continue
        if acc.department_ids:
            q |= Q(agency_id=a, department_id__in=acc.department_ids)
        if Role.ONESTOP in acc.roles:
            q |= Q(agency_id=a, procedure_step__handler=StepHandler.COUNTER)
    steps = list(DossierStep.objects.filter(q, finished_at__isnull=True,
                                            dossier__status__in=OPEN_STATUSES + (DossierStatus.PROCESSED,))
                 .select_related("dossier__procedure_version__procedure", "dossier__agency", "agency", "department",
                                 "handler", "procedure_step")[:2000])
    far = timezone.make_aware(dt.datetime(9999, 1, 1))
    for s in steps:
        s.is_overdue = s.due_at is not None and s.due_at < now and s.dossier.status in RUNNING_STATUSES
    steps.sort(key=lambda s: (not s.is_overdue, s.due_at or far, s.pk))
    return steps


def return_queue(user, *, agency_id: int | None = None) -> QuerySet[Dossier]:
    """Counter side: processed dossiers (status 9) waiting to be returned, of the agencies where the user is
    counter staff, a leader or an administrator; the oldest result first."""
    agencies = full_view_agency_ids(user)
    if agency_id is not None:
        agencies &= {agency_id}
    return (Dossier.objects.filter(agency_id__in=agencies, status=DossierStatus.PROCESSED)
            .select_related("procedure_version__procedure").order_by("processed_at", "id"))


def late_soon(user, *, agency_id: int | None = None, now: dt.datetime | None = None) -> list[Dossier]:
    """"Sắp trễ hạn, cần xin lỗi": visible dossiers still being processed (clock running), without an apology,
    due within the next two working days (not yet past: overdue dossiers lead the office queue instead).
    `apology_deadline` and `apology_possible` are set on each (the apology must be given at least one working
    day before the deadline)."""
    qs = visible_dossiers(user)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    return late_soon_among(qs, now=now or timezone.now())


def late_soon_among(qs: QuerySet[Dossier], *, now: dt.datetime, limit: int = 2000) -> list[Dossier]:
    """The rule behind `late_soon`, over any set of dossiers (the reminder job passes all of them)."""
    from congvu.workdays.services import calendar_for

    qs = qs.filter(status__in=RUNNING_STATUSES, due_at__isnull=False, apology__isnull=True)
    out = []
    calendars: dict[int, object] = {}
    # A coarse bound first (16 working hours never span more than three weeks), then the exact rule.
    for d in qs.filter(due_at__gte=now, due_at__lte=now + dt.timedelta(days=21)).select_related(
            "agency", "procedure_version__procedure").order_by("due_at", "id")[:limit]:
        cal = calendars.get(d.agency_id) or calendars.setdefault(d.agency_id, calendar_for(agency=d.agency))
        if cal.add_working_hours(now, LATE_SOON_HOURS) < d.due_at:
            continue
        d.apology_deadline = apology_deadline(cal, d.due_at)
        d.apology_possible = now <= d.apology_deadline
        out.append(d)
    return out


def apology_deadline(calendar, due_at: dt.datetime) -> dt.datetime:
    """The latest moment an apology may be given: one working day (8 working hours) before the deadline."""
    return calendar.add_working_hours(due_at, -APOLOGY_LEAD_HOURS)


# --- control slip ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlipRow:
    """One hand-over of the control slip (phiếu kiểm soát quá trình giải quyết hồ sơ)."""

    position: int
    step_name: str
    handed_at: dt.datetime
    giver_unit: str
    giver_person: str
    receiver_unit: str
    receiver_person: str
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    timeliness: str
    timeliness_label: str
    note: str


def _unit(step: DossierStep | None) -> str:
    if step is None:
        return ""
    agency = step.agency.name
    if step.department_id:
        return f"{step.department.name} — {agency}"
    if is_counter_step(step):
        return f"Bộ phận tiếp nhận và trả kết quả — {agency}"
    return agency


def control_slip(dossier: Dossier) -> list[SlipRow]:
    """Every hand-over in order: who gave it (unit, person), who received it (unit, person), when, until when
    it was due, and whether the step ended early, on time or late. Built from the steps the system logged."""
    rows = []
    previous = None
    for step in steps_of(dossier):
        giver = step.given_by.full_name if step.given_by_id else (
            previous.handler.full_name if previous is not None and previous.handler_id else "")
        rows.append(SlipRow(
            position=step.position, step_name=step.name, handed_at=step.started_at,
            giver_unit=_unit(previous) if previous is not None else "Tổ chức, cá nhân nộp hồ sơ",
            giver_person=giver if previous is not None else dossier.applicant_name,
            receiver_unit=_unit(step), receiver_person=step.handler.full_name if step.handler_id else "",
            due_at=step.due_at, finished_at=step.finished_at, timeliness=step.timeliness,
            timeliness_label=Timeliness(step.timeliness).label if step.timeliness else "", note=step.note))
        previous = step
    return rows
