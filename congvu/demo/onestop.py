"""The demo's one-stop shop: a catalogue of about thirty common commune and district procedures, a year of
dossiers at the counter of UBND huyện Nông Sơn (15–25 a working day) and of two communes (fewer), and the
current open work created through the real services.

The history is written in bulk (the services stamp one row at a time and a year of them would take minutes):
every dossier is simulated action by action — receipt, supplement, hand-overs, pauses, apology, result, return,
rating — with the times, deadlines and timeliness the services would compute (`congvu.onestop.clock` over the
agency's working-day calendar), and cut at `now`, so recent dossiers are still open at the step they reached.
The rows keep the services' invariants: one open step at most, steps in order with their own deadlines, an
event per state change carrying the status after it, one supplement request and one apology at most, codes
from the template in force with per-agency daily sequences that the next real receipt continues
(`DossierSequence.last`). The dozen dossiers a clerk will click on first (waiting online, waiting for a
supplement, at the Phòng Nội vụ officer, late soon without an apology, overdue, paused, processed, liên thông)
are made by `receiving` and `processing` themselves.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from congvu.audit.services import journal_record
from congvu.demo import corpus
from congvu.demo.rows import TableWriter
from congvu.onestop import clock
from congvu.onestop.catalogue import procedure_save
from congvu.onestop.codes import code_render, template_in_force
from congvu.onestop.events import EventKind
from congvu.onestop.models import (
    Apology,
    ApplicantKind,
    Channel,
    Dossier,
    DossierComponent,
    DossierEvent,
    DossierSequence,
    DossierStatus,
    DossierStep,
    OnlineLevel,
    Pause,
    PauseKind,
    ProcedureVersion,
    Rating,
    ReturnMethod,
    StepHandler,
    SupplementRequest,
    SupplementRule,
)
from congvu.org.models import Agency, Department, Membership, Official, Position, Role
from congvu.workdays.calendar import to_local
from congvu.workdays.services import calendar_for

DATA = Path(__file__).parent / "data" / "onestop_procedures.json"
# Quảng Nam's province code in the 12-digit citizen ID (Decision 28/2021 of the Ministry of Public Security).
PROVINCE_ID_CODE = "049"
# The communes whose counters receive dossiers in the demo, with the login of their one-stop clerk.
COUNTER_COMMUNES = {"Quế Trung": "motcua_quetrung", "Ninh Phước": "motcua_ninhphuoc"}
DISTRICT_DAILY = (15, 25)
COMMUNE_DAILY = (4, 9)
# Shares of the history (per dossier): the mix a district counter reports.
REFUSED_SHARE = 0.012
COUNTER_SUPPLEMENT_SHARE = 0.03
PROCESSING_SUPPLEMENT_SHARE = 0.025
FINANCIAL_SHARE = 0.06  # of procedures with a fee over 20,000 đ (land, construction, business)
STOPPED_SHARE = 0.003
WITHDRAWN_SHARE = 0.008
LATE_SHARE = 0.035
APOLOGY_SHARE = 0.7  # of the late ones, when still possible
RATED_SHARE = 0.25
ONLINE_SHARE = {OnlineLevel.FULL: 0.45, OnlineLevel.PARTIAL: 0.25, OnlineLevel.NONE: 0.0}
POSTAL_SHARE = 0.02

SUPPLEMENT_REASONS = ("Giấy tờ nộp là bản chụp, cần bản sao có chứng thực.",
                      "Tờ khai chưa ghi đủ thông tin, chưa có chữ ký của người yêu cầu.",
                      "Thiếu giấy tờ chứng minh theo quy định.")
APOLOGY_REASONS = ("Hồ sơ cần xác minh thêm tại thực địa.", "Chờ ý kiến phối hợp của cơ quan liên quan.",
                   "Cán bộ thụ lý đi công tác, lãnh đạo chưa kịp ký duyệt.")
WITHDRAW_REASONS = ("Công dân có đơn xin rút hồ sơ để bổ sung, điều chỉnh nội dung.",
                    "Người nộp không còn nhu cầu giải quyết.")
REFUSE_REASONS = ("Yêu cầu không thuộc thẩm quyền giải quyết của cơ quan.",
                  "Người nộp không xuất trình được giấy tờ tùy thân.")
FINANCIAL_REASONS = ("Chờ người sử dụng đất nộp tiền sử dụng đất, lệ phí trước bạ theo thông báo của cơ quan thuế.",
                     "Chờ nộp phí thẩm định theo thông báo.")
ORGANISATIONS = ("Trường THCS Nguyễn Văn Trỗi", "Trường Tiểu học Quế Trung", "Hội Nông dân xã Quế Lộc",
                 "Trạm Y tế xã Sơn Viên", "Hợp tác xã Nông nghiệp Quế Lâm", "Chi hội Cựu chiến binh thôn 3")


def procedures_data() -> list[dict]:
    return json.loads(DATA.read_text(encoding="utf-8"))["procedures"]


# --- catalogue -------------------------------------------------------------------------------------------


def catalogue_load(*, district: Agency, communes: list[Agency], valid_from: dt.date
                   ) -> list[tuple[ProcedureVersion, dict]]:
    """The demo catalogue through the catalogue service (validation, versions, journal), each procedure offered
    by the district or by the communes. Returns (version, data row) pairs."""
    loaded = []
    for item in procedures_data():
        agencies = [district.identifier] if item["where"] == "district" else [c.identifier for c in communes]
        values = {k: item[k] for k in ("national_code", "local_code", "name", "field", "basis", "time_limit",
                                       "time_unit", "fee", "fee_note", "result_documents", "online_level",
                                       "supplement_rule")}
        values |= {"level": "district" if item["where"] == "district" else "commune", "valid_from": valid_from,
                   "agencies": agencies,
                   "components": [{"name": n, "required": r, "copies": c, "kind": k}
                                  for n, r, c, k in item["components"]],
                   "steps": [{"name": n, "handler": h, "agency_level": lv, "department_code": d, "budget": b}
                             for n, h, lv, d, b in item["steps"]]}
        result = procedure_save(actor=None, values=values)
        loaded.append((result.version, item))
    return loaded


# --- people ------------------------------------------------------------------------------------------------


@dataclass
class _People:
    counter: dict[int, Official]  # agency id → its one-stop clerk
    leader: dict[int, Official | None]  # agency id → a leader who signs (None: the leaders, no one named)
    officers: dict[int, list[Official]]  # department id → officers named on steps
    users: dict[str, object]  # username → user


def _people(district: Agency, communes: list[Agency]) -> _People:
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(
        username__in=["motcua", "lanhdao", "chuyenvien", "truongphong", "kiemnhiem"]).select_related("official")}
    password = users["motcua"].password  # the demo password, already hashed
    position, _ = Position.objects.get_or_create(name="Công chức một cửa", defaults={"is_leader": False})
    counter = {district.pk: users["motcua"].official}
    leader: dict[int, Official | None] = {district.pk: users["lanhdao"].official}
    for commune in communes:
        username = COUNTER_COMMUNES.get(commune.place)
        if username is None:
            continue
        user = User.objects.create(username=username, password=password)
        official = Official.objects.create(user=user, full_name=corpus.person_name(random.Random(username)),
                                           email=f"{username}@nongson.quangnam.gov.vn")
        office = Department.objects.filter(agency=commune, code="VP").first()
        Membership.objects.create(official=official, agency=commune, role=Role.ONESTOP, position=position,
                                  department=office)
        counter[commune.pk] = official
        users[username] = user
        leader[commune.pk] = users["kiemnhiem"].official if commune.place == "Quế Trung" else None
    nv = Department.objects.get(agency=district, code="NV")
    officers = {nv.pk: [users["chuyenvien"].official, users["kiemnhiem"].official]}
    return _People(counter, leader, officers, users)


# --- the history, in bulk ------------------------------------------------------------------------------------


@dataclass
class _Version:
    version: ProcedureVersion
    steps: list  # ProcedureStep in order
    components: list  # ProcedureComponent in order
    weight: int
    result: str


@dataclass
class OnestopSeed:
    dossiers: int = 0
    per_agency: dict = field(default_factory=dict)
    open_created: int = 0
    copies: int = 0


def _id_number(rng: random.Random) -> str:
    century_sex = rng.choice("0123")  # 0/1 born 1900s, 2/3 born 2000s
    year = rng.randint(40, 99) if century_sex in "01" else rng.randint(0, 8)
    return f"{PROVINCE_ID_CODE}{century_sex}{year:02d}{rng.randint(0, 999999):06d}"


def _phone(rng: random.Random) -> str:
    return rng.choice(("090", "091", "093", "097", "098", "035", "038", "077")) + f"{rng.randint(0, 9999999):07d}"


class _History:
    """Simulates dossiers one by one and buffers their rows."""

    def __init__(self, *, rng: random.Random, now: dt.datetime, people: _People, versions: dict[int, list[_Version]],
                 crossing: dict[tuple[int, str], Agency], departments: dict[int, dict[str, Department]],
                 scan_id: int | None):
        self.rng, self.now, self.people, self.versions = rng, now, people, versions
        self.crossing, self.departments, self.scan_id = crossing, departments, scan_id
        self.calendars: dict[int, object] = {}
        self.w = {m: TableWriter(m) for m in (Dossier, DossierComponent, DossierStep, DossierEvent, SupplementRequest,
                                             Pause, Apology, Rating)}
        self.ids = {m: w.next_id() for m, w in self.w.items()}
        self.dossiers: list[dict] = []  # written once the codes are numbered
        self.codes: list[tuple[int, dt.date, dt.datetime, int]] = []  # agency, day, moment, index in dossiers
        self.pending: list[tuple[type, dict]] = []
        self.agency_names: dict[int, str] = {}

    def cal(self, agency_id: int):
        if agency_id not in self.calendars:
            self.calendars[agency_id] = calendar_for(agency=agency_id)
        return self.calendars[agency_id]

    def _id(self, model) -> int:
        pk = self.ids[model]
        self.ids[model] += 1
        return pk

    def _add(self, model, values: dict) -> dict:
        """A row of the dossier being simulated: kept as a dict (later actions change it) until the dossier is
        done, then buffered for writing."""
        values["id"] = self._id(model)
        self.pending.append((model, values))
        return values

    # --- one dossier ------------------------------------------------------------------------------------

    def dossier(self, agency: Agency, arrival: dt.datetime) -> None:
        rng = self.rng
        choices = self.versions[agency.pk]
        v = rng.choices(choices, weights=[c.weight for c in choices])[0]
        version = v.version
        counter = self.people.counter[agency.pk]
        r = rng.random()
        online_share = ONLINE_SHARE[version.online_level]
        channel = Channel.ONLINE if r < online_share else (
            Channel.POSTAL if r < online_share + POSTAL_SHARE else Channel.COUNTER)
        org = version.procedure.field in ("Thi đua - Khen thưởng", "Tổ chức phi chính phủ") or (
            version.procedure.field == "Tôn giáo")
        name = rng.choice(ORGANISATIONS) if org else corpus.person_name(rng)
        submitted = arrival
        if channel == Channel.ONLINE:  # sent the evening before, or earlier in the day
            submitted = arrival - dt.timedelta(minutes=rng.randint(20, 900))
        pk = self._id(Dossier)
        d = dict(id=pk, agency_id=agency.pk, procedure_version_id=version.pk, code="", status=DossierStatus.REGISTERED,
                 channel=channel, applicant_kind=ApplicantKind.ORGANISATION if org else ApplicantKind.CITIZEN,
                 applicant_name=name, applicant_id_number="" if org else _id_number(rng),
                 applicant_phone=_phone(rng), applicant_address=f"Thôn {rng.randint(1, 9)}, xã "
                 f"{rng.choice(corpus.COMMUNES)}, huyện Nông Sơn", request_summary=version.procedure.name[:1000],
                 sets=1, fee=version.fee, submitted_at=submitted, created_at=submitted, received_by_id=counter.pk,
                 paused_seconds=0, timeliness="", refusal_reason="", withdrawal_reason="", return_method="",
                 returned_to="", result_note="")
        if channel == Channel.ONLINE:
            d["applicant_email"] = f"congdan{pk}@gmail.com"
        self.dossiers.append(d)
        index = len(self.dossiers) - 1
        events: list[dict] = []
        s = _State(d, events, v, self)
        if channel == Channel.ONLINE:
            s.event(submitted, EventKind.SUBMITTED_ONLINE, None)
            self.codes.append((agency.pk, to_local(submitted).date(), submitted, index))
        roll = rng.random()
        components = self._components(s, v, missing=COUNTER_REFUSED <= roll < COUNTER_SUPPLEMENT)
        if roll < COUNTER_REFUSED:
            if channel == Channel.ONLINE:  # refusing an online submission does not make the clerk its receiver
                d["received_by_id"] = None
            s.refuse(arrival, counter)
        else:
            if channel != Channel.ONLINE:
                self.codes.append((agency.pk, to_local(arrival).date(), arrival, index))
            s.run(arrival, counter, supplement_first=roll < COUNTER_SUPPLEMENT, components=components)
        d["updated_at"] = max(e["at"] for e in events) if events else submitted
        for e in events:
            e["dossier_id"] = pk
            self._add(DossierEvent, e)
        for model, values in self.pending:
            self.w[model].add(values)
        self.pending = []

    def _components(self, s: _State, v: _Version, *, missing: bool) -> list[dict]:
        rng = self.rng
        digitised = s.d["channel"] == Channel.ONLINE or rng.random() < 0.5
        rows = []
        missing_done = False
        for c in v.components:
            provided = c.required or rng.random() < 0.4
            if missing and c.required and not missing_done:
                provided, missing_done = False, True
            rows.append(self._add(DossierComponent, dict(
                dossier_id=s.d["id"], component_id=c.pk, name=c.name, provided=provided, copies=c.copies,
                file_id=self.scan_id if provided and digitised else None,
                original_name=f"{c.name[:60]}.pdf" if provided and digitised else "")))
        s.components = rows
        return rows

    def finish(self) -> dict[tuple[int, dt.date], int]:
        """Number the codes in the order they were given, write every row, return the daily sequences."""
        last: dict[tuple[int, dt.date], int] = defaultdict(int)
        templates: dict[tuple[int, dt.date], object] = {}
        agencies = {a.pk: a for a in Agency.objects.filter(pk__in={c[0] for c in self.codes})}
        for agency_id, day, _, index in sorted(self.codes, key=lambda c: (c[0], c[1], c[2])):
            key = (agency_id, day)
            last[key] += 1
            if key not in templates:
                templates[key] = template_in_force(agency=agency_id, on=day)
            self.dossiers[index]["code"] = code_render(templates[key], agency=agencies[agency_id], on=day,
                                                       number=last[key])
        writer = self.w[Dossier]
        for d in self.dossiers:
            writer.add(d)
        writer.finish()
        for model, w in self.w.items():
            if model is not Dossier:
                w.finish()
        return dict(last)


# Cumulative shares of the first roll: refused at the counter, then a supplement asked before acceptance.
COUNTER_REFUSED = REFUSED_SHARE
COUNTER_SUPPLEMENT = REFUSED_SHARE + COUNTER_SUPPLEMENT_SHARE


class _State:
    """One dossier being simulated: applies actions in time order and stops at `now`."""

    def __init__(self, d: dict, events: list[dict], v: _Version, h: _History):
        self.d, self.events, self.v, self.h = d, events, v, h
        self.rng, self.now = h.rng, h.now
        self.cal = h.cal(d["agency_id"])
        self.step: dict | None = None  # the open step
        self.components: list[dict] = []
        self.supplemented = False

    # --- rows ---------------------------------------------------------------------------------------------

    def event(self, at, kind, actor: Official | None, note: str = "") -> None:
        self.events.append(dict(at=at, kind=str(kind), status=self.d["status"], actor_id=actor.pk if actor else None,
                                note=note))

    def _open_step(self, ps, at, due, agency_id, department, handler: Official | None, given_by: Official | None,
                   note="") -> dict:
        self.step = self.h._add(DossierStep, dict(
            dossier_id=self.d["id"], procedure_step_id=ps.pk, position=ps.position, name=ps.name, agency_id=agency_id,
            department_id=department.pk if department else None, handler_id=handler.pk if handler else None,
            given_by_id=given_by.pk if given_by else None, started_at=at, due_at=due, finished_at=None,
            timeliness="", note=note, crossing=agency_id != self.d["agency_id"]))
        return self.step

    def _finish_step(self, at, note="") -> None:
        step = self.step
        step["finished_at"] = at
        step["timeliness"] = clock.timeliness(finished_at=at, due_at=step["due_at"]).value
        if note:
            step["note"] = f"{step['note']}\n{note}".strip() if step["note"] else note
        self.step = None

    def _holder(self, step: dict | None) -> Official | None:
        """Who acts for the step's unit: its named handler, else a leader or the counter clerk of its agency."""
        if step is None:
            return None
        if step["handler_id"]:
            return self._official(step["handler_id"])
        ps = self._pstep(step)
        if ps.handler == StepHandler.COUNTER:
            return self.h.people.counter.get(step["agency_id"])
        return self.h.people.leader.get(step["agency_id"])

    def _official(self, pk: int) -> Official | None:
        for o in (*self.h.people.counter.values(), *self.h.people.leader.values(),
                  *[x for xs in self.h.people.officers.values() for x in xs]):
            if o is not None and o.pk == pk:
                return o
        return None

    def _pstep(self, step: dict):
        return next(ps for ps in self.v.steps if ps.pk == step["procedure_step_id"])

    def _past(self, at: dt.datetime) -> bool:
        return at <= self.now

    def _office_moment(self, start: dt.datetime, hours: float) -> dt.datetime:
        return clock._whole_seconds(self.cal.add_working_hours(start, hours))

    # --- actions ------------------------------------------------------------------------------------------

    def refuse(self, at, counter) -> None:
        if not self._past(at):
            return
        self.d.update(status=DossierStatus.REFUSED, refusal_reason=self.rng.choice(REFUSE_REASONS), finished_at=at)
        self.event(at, EventKind.REFUSED, counter, self.d["refusal_reason"])
        self._paper_counts()

    def _paper_counts(self) -> None:
        self.d["papers_provided"] = sum(1 for c in self.components if c["provided"])
        self.d["papers_digitised"] = sum(1 for c in self.components if c["provided"] and c["file_id"])

    def _accept(self, at, counter) -> None:
        """receiving._start_clock + _open_steps."""
        d, v = self.d, self.v
        start = clock.clock_start(calendar=self.cal, received_at=at)
        due = clock.due_at(calendar=self.cal, version=v.version, start=start)
        d.update(status=DossierStatus.ACCEPTED, accepted_at=at, clock_start=start, due_at=due, original_due_at=due)
        first, nxt = v.steps[0], v.steps[1]
        self._open_step(first, at, clock.step_due(calendar=self.cal, start=start, budget_days=first.budget),
                        d["agency_id"], None, counter, counter)
        self._finish_step(at)
        agency_id, department = d["agency_id"], None
        if nxt.handler == StepHandler.OTHER_AGENCY:
            agency_id = self.h.crossing[(d["agency_id"], nxt.agency_level)].pk
        elif nxt.department_code:
            department = self.h.departments[agency_id].get(nxt.department_code)
        self._open_step(nxt, at, clock.step_due(calendar=self.cal, start=start, budget_days=nxt.budget), agency_id,
                        department, None, counter)

    def run(self, arrival, counter, *, supplement_first: bool, components: list[dict]) -> None:
        rng, d = self.rng, self.d
        try:
            if not self._past(arrival):
                return
            if supplement_first:
                self.supplemented = True
                d["status"] = DossierStatus.SUPPLEMENT
                items = [c["name"] for c in components if not c["provided"]] or [self.v.components[0].name]
                request = self.h._add(SupplementRequest, dict(
                    dossier_id=d["id"], requested_at=arrival, requested_by_id=counter.pk,
                    items=json.dumps(items, ensure_ascii=False), reason=rng.choice(SUPPLEMENT_REASONS),
                    completed_at=None))
                self.event(arrival, EventKind.SUPPLEMENT_REQUESTED, counter, "; ".join(items))
                back = self._office_moment(arrival, rng.uniform(4, 48))
                if not self._past(back):
                    return
                required = {x.pk for x in self.v.components if x.required}
                for c in components:
                    if c["component_id"] in required:
                        c["provided"] = True
                request["completed_at"] = back
                self._accept(back, counter)
                self.event(back, EventKind.SUPPLEMENT_COMPLETED, counter)
                accepted = back
            else:
                self._accept(arrival, counter)
                self.event(arrival, EventKind.ACCEPTED, counter)
                accepted = arrival
            self._process(accepted, counter)
        finally:
            self._paper_counts()

    def _process(self, accepted: dt.datetime, counter: Official) -> None:
        rng, d, cal = self.rng, self.d, self.cal
        resume_at = accepted
        # At most one of: a supplement during processing, a financial-obligation pause, a stop, a withdrawal.
        roll = rng.random()
        b1 = float(self._pstep(self.step).budget)
        pause_at = self._office_moment(accepted, rng.uniform(0.2, max(0.5, min(4.0, b1 * 8 * 0.6))))
        if roll < WITHDRAWN_SHARE:
            if not self._past(pause_at):
                return
            self._withdraw(pause_at, counter)
            return
        roll -= WITHDRAWN_SHARE
        if roll < PROCESSING_SUPPLEMENT_SHARE and not self.supplemented:
            resume_at = self._supplement_during(pause_at, counter)
            if resume_at is None:
                return
        elif roll < PROCESSING_SUPPLEMENT_SHARE + STOPPED_SHARE or (
                d["fee"] > 20000 and rng.random() < FINANCIAL_SHARE):
            kind = PauseKind.STOPPED if roll < PROCESSING_SUPPLEMENT_SHARE + STOPPED_SHARE else PauseKind.FINANCIAL
            resume_at = self._pause(pause_at, kind)
            if resume_at is None:
                return
        due = d["due_at"]
        left = cal.working_time_between(resume_at, due).total_seconds() / 3600 if due > resume_at else 0.0
        late = rng.random() < LATE_SHARE or left <= 0
        if late:
            done_at = self._office_moment(due, rng.uniform(1, 30))
        else:
            share = rng.choice((rng.uniform(0.15, 0.7), rng.uniform(0.15, 0.7), rng.uniform(0.7, 0.99)))
            done_at = self._office_moment(resume_at, left * share)
        if late and rng.random() < APOLOGY_SHARE:
            apology_at = clock._whole_seconds(cal.add_working_hours(due, -rng.uniform(8, 14)))
            if apology_at > resume_at:
                new_due = cal.closing(cal.shift_working_days(to_local(due).date(), rng.randint(2, 5)))
                done_at = min(done_at, new_due - dt.timedelta(hours=1))
                done_at = max(done_at, due + dt.timedelta(minutes=30))
                self._handovers(resume_at, apology_at)
                if not self._past(apology_at):
                    return
                actor = self._holder(self.step) or counter
                reason = rng.choice(APOLOGY_REASONS)
                self.h._add(Apology, dict(dossier_id=d["id"], created_at=apology_at, created_by_id=actor.pk,
                                          reason=reason, previous_due_at=due, new_due_at=new_due))
                self.event(apology_at, EventKind.APOLOGY, actor,
                           f"Hẹn lại ngày trả: {to_local(new_due):%H:%M ngày %d/%m/%Y}. Lý do: {reason}")
                resume_at = apology_at
        if not self._handovers(resume_at, done_at):
            return
        if not self._past(done_at):
            return
        self._record_result(done_at)
        back = self._office_moment(done_at, rng.choice((0.1, 0.5, 2, 4, 8, 12)) * rng.uniform(0.5, 1.5))
        if not self._past(back):
            return
        self._return(back, counter)

    def _handovers(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Hand the dossier over along the version's steps, spread between `start` and `end` by their budgets;
        False when `now` came first. Steps already passed are skipped (called twice around an apology)."""
        steps = self.v.steps
        last = len(steps) - 1
        final_counter = steps[last].handler == StepHandler.COUNTER
        middle = steps[1:last] if final_counter else steps[1:last + 1]
        if len(middle) <= 1:
            return True
        total = sum(float(ps.budget) for ps in middle)
        hours = self.cal.working_time_between(start, end).total_seconds() / 3600 if end > start else 0.0
        current = self._pstep(self.step).position
        done = 0.0
        for ps, nxt in zip(middle, middle[1:]):
            done += float(ps.budget)
            if ps.position < current:
                continue
            at = self._office_moment(start, hours * done / total * self.rng.uniform(0.85, 1.0))
            at = max(at, self.step["started_at"] + dt.timedelta(minutes=5))
            if at >= end:
                at = end - dt.timedelta(minutes=5) if end - dt.timedelta(minutes=5) > self.step["started_at"] else end
            if not self._past(at):
                return False
            self._hand_over(at, nxt)
        return True

    def _hand_over(self, at, target) -> None:
        d, h = self.d, self.h
        step = self.step
        actor = self._holder(step)
        agency_id = d["agency_id"]
        if target.handler == StepHandler.OTHER_AGENCY:
            agency_id = h.crossing[(d["agency_id"], target.agency_level)].pk
        department = h.departments.get(agency_id, {}).get(target.department_code) if target.department_code else None
        receiver = None
        if department is not None and department.pk in h.people.officers and self.rng.random() < 0.7:
            receiver = self.rng.choice(h.people.officers[department.pk])
        elif target.handler == StepHandler.LEADER and self.rng.random() < 0.6:
            receiver = h.people.leader.get(agency_id)
        prev_name = step["name"]
        self._finish_step(at)
        due = clock.step_due(calendar=h.cal(agency_id), start=at, budget_days=target.budget)
        self._open_step(target, at, due, agency_id, department, receiver, actor)
        if d["status"] == DossierStatus.ACCEPTED:
            d["status"] = DossierStatus.PROCESSING
        unit = department.name if department else h.agency_names[agency_id]
        crossing = agency_id != step["agency_id"]
        self.event(at, EventKind.HANDED_OVER, actor,
                   f"{prev_name} → {target.name}: {unit}" + (f" ({h.agency_names[agency_id]})" if crossing else "")
                   + (f", {receiver.full_name}" if receiver else ""))

    def _supplement_during(self, at, counter) -> dt.datetime | None:
        """receiving.dossier_request_supplement on an accepted dossier, then dossier_supplement_complete."""
        rng, d, cal = self.rng, self.d, self.cal
        if not self._past(at):
            return None
        self.supplemented = True
        before = d["status"]
        items = [rng.choice(self.v.components).name]
        reason = rng.choice(SUPPLEMENT_REASONS)
        request = self.h._add(SupplementRequest, dict(
            dossier_id=d["id"], requested_at=at, requested_by_id=counter.pk,
            items=json.dumps(items, ensure_ascii=False), reason=reason, completed_at=None))
        pause = self.h._add(Pause, dict(dossier_id=d["id"], kind=PauseKind.SUPPLEMENT, started_at=at, ended_at=None,
                                        reason=reason, actor_id=counter.pk))
        d.update(status=DossierStatus.SUPPLEMENT, paused_at=at)
        self.event(at, EventKind.SUPPLEMENT_REQUESTED, counter, "; ".join(items))
        back = self._office_moment(at, rng.uniform(4, 40))
        if not self._past(back):
            return None
        request["completed_at"] = back
        pause["ended_at"] = back
        step = self.step
        if self.v.version.supplement_rule == SupplementRule.RESUME:
            paused = clock.working_time_paused(calendar=cal, paused_from=at, paused_to=back)
            d["due_at"] = clock.extend_by_pause(calendar=cal, due_at=d["due_at"], paused_from=at, paused_to=back)
            d["paused_seconds"] += int(paused.total_seconds())
            step["due_at"] = clock.extend_by_pause(calendar=cal, due_at=step["due_at"], paused_from=at, paused_to=back)
        else:
            start = clock.clock_start(calendar=cal, received_at=back)
            d["clock_start"] = start
            d["due_at"] = clock.due_at(calendar=cal, version=self.v.version, start=start)
            step["due_at"] = clock.step_due(calendar=cal, start=start, budget_days=self._pstep(step).budget)
        d.update(status=before, paused_at=None)
        self.event(back, EventKind.SUPPLEMENT_COMPLETED, counter)
        return back

    def _pause(self, at, kind) -> dt.datetime | None:
        """processing.dossier_pause then dossier_resume."""
        rng, d, cal = self.rng, self.d, self.cal
        if not self._past(at):
            return None
        actor = self._holder(self.step) or self.h.people.counter[d["agency_id"]]
        reason = rng.choice(FINANCIAL_REASONS) if kind == PauseKind.FINANCIAL else \
            "Tạm dừng giải quyết theo đề nghị của cơ quan có thẩm quyền để xác minh nguồn gốc đất."
        pause = self.h._add(Pause, dict(dossier_id=d["id"], kind=kind, started_at=at, ended_at=None, reason=reason,
                                        actor_id=actor.pk))
        d.update(status=DossierStatus.FINANCIAL if kind == PauseKind.FINANCIAL else DossierStatus.STOPPED, paused_at=at)
        self.event(at, EventKind.PAUSED, actor, f"{PauseKind(kind).label}: {reason}")
        back = self._office_moment(at, rng.uniform(6, 40))
        if not self._past(back):
            return None
        pause["ended_at"] = back
        d["due_at"] = clock.extend_by_pause(calendar=cal, due_at=d["due_at"], paused_from=at, paused_to=back)
        d["paused_seconds"] += int((back - at).total_seconds())
        d.update(status=DossierStatus.PROCESSING, paused_at=None)
        step = self.step
        step["due_at"] = clock.extend_by_pause(calendar=self.h.cal(step["agency_id"]), due_at=step["due_at"],
                                               paused_from=at, paused_to=back)
        self.event(back, EventKind.RESUMED, actor, f"Hạn trả mới: {to_local(d['due_at']):%H:%M %d/%m/%Y}")
        return back

    def _withdraw(self, at, counter) -> None:
        d = self.d
        step = self.step
        step["finished_at"] = max(at, step["started_at"])
        step["note"] = f"{step['note']}\nCông dân rút hồ sơ.".strip()
        self.step = None
        reason = self.rng.choice(WITHDRAW_REASONS)
        d.update(status=DossierStatus.WITHDRAWN, withdrawal_reason=reason, finished_at=at, paused_at=None)
        self.event(at, EventKind.WITHDRAWN, counter, reason)

    def _record_result(self, at) -> None:
        d, v = self.d, self.v
        actor = self._holder(self.step)
        final = v.steps[-1] if v.steps[-1].handler == StepHandler.COUNTER else None
        self._finish_step(at, note="Đã có kết quả.")
        if final is not None:
            self._open_step(final, at, clock.step_due(calendar=self.cal, start=at, budget_days=final.budget),
                            d["agency_id"], None, None, actor)
        note = f"Đã giải quyết: {v.result}"
        d.update(status=DossierStatus.PROCESSED, processed_at=at,
                 timeliness=clock.timeliness(finished_at=at, due_at=d["due_at"]).value, result_note=note)
        self.event(at, EventKind.PROCESSED, actor, note)

    def _return(self, at, counter) -> None:
        d, rng = self.d, self.rng
        if d["channel"] == Channel.ONLINE and rng.random() < 0.6:
            method, to = ReturnMethod.ELECTRONIC, d.get("applicant_email") or d["applicant_name"]
        elif d["channel"] == Channel.POSTAL:
            method, to = ReturnMethod.POSTAL, f"Bưu điện huyện Nông Sơn (cho {d['applicant_name']})"
        else:
            method, to = ReturnMethod.IN_PERSON, d["applicant_name"]
        if self.step is not None:
            self._finish_step(at)
        d.update(status=DossierStatus.RETURNED, finished_at=at, return_method=method, returned_to=to[:200])
        self.event(at, EventKind.RETURNED, counter, f"{ReturnMethod(method).label}, người nhận: {to[:200]}")
        if rng.random() < RATED_SHARE:
            rated = at + dt.timedelta(minutes=rng.randint(5, 2880))
            if self._past(rated):
                overall = rng.choices((2, 1, 0), weights=(78, 20, 2))[0]
                scores = {k: min(2, max(0, overall + rng.choice((0, 0, 0, 1, -1))))
                          for k in ("time", "contacts", "bodies", "attitude", "ease")}
                self.h._add(Rating, dict(dossier_id=d["id"], created_at=rated, overall=overall,
                                         scores=json.dumps(scores), comment=""))
                self.event(rated, EventKind.RATED, None)


# --- entry point ------------------------------------------------------------------------------------------


def _arrivals(rng: random.Random, day: dt.date, n: int, tz) -> list[dt.datetime]:
    """`n` moments of the counter's day, more in the morning (07:15–16:45)."""
    start = dt.datetime.combine(day, dt.time(7, 15), tz)
    moments = []
    for _ in range(n):
        minutes = rng.triangular(0, 570, 150)
        if 255 < minutes < 375 and rng.random() < 0.8:  # lunch: few people
            minutes = rng.uniform(0, 255)
        moments.append(start + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59)))
    return sorted(moments)


def seed_onestop_demo(*, district: Agency, communes: list[Agency], province: Agency, home_affairs: Agency,
                      now: dt.datetime, days: int | None = None, seed: int = 2027) -> OnestopSeed:
    """The catalogue, the history of dossiers up to yesterday (`days` working days, default a year) and
    today's open work through the services. Runs inside the demo's transaction."""
    rng = random.Random(seed)
    now = to_local(now)
    today = now.date()
    first = today - dt.timedelta(days=365)
    valid_from = min(dt.date(2025, 7, 1), first)
    loaded = catalogue_load(district=district, communes=communes, valid_from=valid_from)
    people = _people(district, communes)
    receiving = [district, *(c for c in communes if c.place in COUNTER_COMMUNES)]
    versions: dict[int, list[_Version]] = {a.pk: [] for a in receiving}
    for version, item in loaded:
        v = _Version(version, list(version.steps.order_by("position")), list(version.components.order_by("position")),
                     item["weight"], item["result_documents"].split(";")[0].strip())
        for agency in receiving:
            if (item["where"] == "district") == (agency == district):
                versions[agency.pk].append(v)
    crossing = {(c.pk, "district"): district for c in communes} | {(district.pk, "province"): home_affairs}
    departments: dict[int, dict[str, Department]] = defaultdict(dict)
    for dept in Department.objects.filter(agency__in=[district, *communes]):
        departments[dept.agency_id][dept.code] = dept
    scan = _demo_scan()
    history = _History(rng=rng, now=now, people=people, versions=versions, crossing=crossing, departments=departments,
                       scan_id=scan.pk)
    history.agency_names = {a.pk: a.name for a in (district, *communes, province, home_affairs)}
    cal = calendar_for(agency=district)
    working = corpus.working_days(first, today - dt.timedelta(days=1))
    if days is not None:
        working = working[-(days - 1):] if days > 1 else []
    tz = now.tzinfo
    result = OnestopSeed()
    for day in working:
        if not cal.is_working_day(day):
            continue
        arrivals = []
        for agency in receiving:
            low, high = DISTRICT_DAILY if agency == district else COMMUNE_DAILY
            arrivals += [(at, agency.pk, agency) for at in _arrivals(rng, day, rng.randint(low, high), tz)]
        arrivals.sort(key=lambda row: (row[0], row[1]))
        for at, _, agency in arrivals:
            history.dossier(agency, at)
            result.per_agency[agency.pk] = result.per_agency.get(agency.pk, 0) + 1
    sequences = history.finish()
    DossierSequence.objects.bulk_create([DossierSequence(agency_id=a, day=d, last=n)
                                         for (a, d), n in sorted(sequences.items())])
    result.dossiers = len(history.dossiers)
    result.open_created = _open_work(district=district, communes=communes, people=people, now=now, rng=rng)
    result.copies = seed_onestop_copies(now=now)
    journal_record(actor=None, agency_id=district.pk, action="demo.onestop_seed", object_type="demo",
                   object_id=district.identifier,
                   after={"procedures": len(loaded), "dossiers": result.dossiers, "open_created": result.open_created,
                          "days": len(working), "seed": seed})
    return result


def _demo_scan():
    """One small scanned paper shared by the history's digitised components (the files themselves are not the
    point of the demo; the paper counters and downloads are)."""
    from congvu.demo.seed import _store_pdf

    lines = ["UBND huyen Nong Son - Bo phan mot cua", "Ban chup giay to (du lieu mau)"]
    return _store_pdf(corpus.small_pdf(lines), "\n".join(lines))


# --- the current work, through the services --------------------------------------------------------------------


def _applicant(rng: random.Random) -> dict:
    # No e-mail: the demo sends no mail when it loads.
    return {"kind": ApplicantKind.CITIZEN, "name": corpus.person_name(rng), "id_number": _id_number(rng),
            "phone": _phone(rng), "address": f"Thôn {rng.randint(1, 9)}, xã {rng.choice(corpus.COMMUNES)}"}


def _papers(version: ProcedureVersion, *, skip_required: int = 0, file=None) -> list[dict]:
    papers, skipped = [], 0
    for c in version.components.order_by("position"):
        provided = c.required
        if c.required and skipped < skip_required:
            provided, skipped = False, skipped + 1
        papers.append({"component_id": c.pk, "provided": provided, **({"file": file} if file and provided else {})})
    return papers


def _received_for_due(version: ProcedureVersion, cal, now: dt.datetime, low: float, high: float) -> dt.datetime:
    """A receipt moment (a working day at 09:10, in the past) whose appointment falls `low`–`high` working hours
    after `now`: how a dossier "late soon" looks."""
    for back in range(1, 90):
        received = dt.datetime.combine(cal.shift_working_days(now.date(), -back), dt.time(9, 10), now.tzinfo)
        due = clock.due_at(calendar=cal, version=version, start=clock.clock_start(calendar=cal, received_at=received))
        if due <= now:
            break
        if low <= cal.working_time_between(now, due).total_seconds() / 3600 <= high:
            return received
    return dt.datetime.combine(cal.shift_working_days(now.date(), -1), dt.time(9, 10), now.tzinfo)


def _open_work(*, district: Agency, communes: list[Agency], people: _People, now: dt.datetime,
               rng: random.Random) -> int:
    """The dossiers a clerk meets first, made by the receiving and processing services (backdated with `at`)."""
    from congvu.onestop import processing, receiving

    u = people.users
    cal = calendar_for(agency=district)
    by_code = {v.procedure.local_code: v for v in ProcedureVersion.objects.select_related("procedure")}

    def ago(working_days: float) -> dt.datetime:
        return clock._whole_seconds(cal.add_working_hours(now, -8 * working_days))

    def receive(code, at, *, agency=district, actor=None, **kw):
        version = by_code[code]
        return receiving.dossier_receive(actor=actor or u["motcua"], agency=agency, version=version,
                                         applicant=_applicant(rng), components=_papers(version), received_at=at,
                                         request_summary=version.procedure.name, **kw)

    made = []
    # At the Phòng Nội vụ officer, in time.
    made.append(receive("1.000748.000.00.18.H47", ago(3)))
    d = receive("1.001098.000.00.18.H47", ago(2.5))
    made.append(d)
    # Late soon: due in 9–15 working hours, no apology yet (the apology is still possible).
    version = by_code["1.001098.000.00.18.H47"]
    made.append(receive("1.001098.000.00.18.H47", _received_for_due(version, cal, now, 9, 15)))
    # Overdue at the leader's: handed over in time, not signed since.
    d = receive("1.004227.000.00.18.H47", ago(13))
    processing.dossier_hand_over(actor=u["lanhdao"], dossier=d, to_official=u["lanhdao"].official, at=ago(7),
                                 note="Đã thẩm tra, đủ điều kiện; kính trình lãnh đạo ký.")
    made.append(d)
    # Late, with the apology and a new date given a working day before the deadline.
    d = receive("2.000575.000.00.18.H47", ago(4.2))
    d.refresh_from_db()
    processing.dossier_apology(actor=u["lanhdao"], dossier=d, reason=APOLOGY_REASONS[0],
                               new_due_at=cal.shift_working_days(now.date(), 3),
                               at=clock._whole_seconds(cal.add_working_hours(d.due_at, -10)))
    made.append(d)
    # Waiting for the financial obligations (land tax notice).
    d = receive("1.003003.000.00.18.H47", ago(8))
    processing.dossier_pause(actor=u["lanhdao"], dossier=d, kind=PauseKind.FINANCIAL, reason=FINANCIAL_REASONS[0],
                             at=ago(2))
    made.append(d)
    # Processed, the result waiting at the counter.
    d = receive("2.000720.000.00.18.H47", ago(2))
    processing.dossier_hand_over(actor=u["lanhdao"], dossier=d, to_official=u["lanhdao"].official, at=ago(1.2))
    processing.dossier_record_result(actor=u["lanhdao"], dossier=d, note="Đã cấp Giấy chứng nhận đăng ký hộ kinh "
                                     "doanh (thay đổi).", at=ago(0.6))
    made.append(d)
    # Returned yesterday: the citizen can look it up and rate it.
    d = receive("2.000815.000.00.18.H47", ago(1.6))
    processing.dossier_record_result(actor=u["lanhdao"], dossier=d, note="Đã chứng thực 03 bản sao.", at=ago(1.5))
    processing.dossier_return_result(actor=u["motcua"], dossier=d, method=ReturnMethod.IN_PERSON,
                                     returned_to=d.applicant_name, at=ago(1.4))
    made.append(d)
    # A supplement asked at the counter, not brought back yet.
    version = by_code["1.009994.000.00.18.H47"]
    made.append(receiving.dossier_receive(
        actor=u["motcua"], agency=district, version=version, applicant=_applicant(rng),
        components=_papers(version, skip_required=1), received_at=ago(1), outcome="supplement",
        reason=SUPPLEMENT_REASONS[2], supplement_items=["Bản vẽ thiết kế có chữ ký của đơn vị thiết kế"]))
    # Online submissions waiting for the counter.
    scan = _demo_scan()
    for _ in range(2):
        version = by_code["2.000575.000.00.18.H47"]
        made.append(receiving.dossier_submit_online(
            agency=district, version=version, applicant=_applicant(rng), components=_papers(version, file=scan),
            request_summary=version.procedure.name, submitted_at=ago(0.4)))
    # Received this hour.
    made.append(receive("2.000815.000.00.18.H47", ago(0.1)))
    # Liên thông: Bằng khen of the province, now at the Sở Nội vụ.
    home_affairs = Agency.objects.get(identifier__endswith=".04.H47", kind="department")
    d = receive("1.000775.000.00.18.H47", ago(12))
    processing.dossier_hand_over(actor=u["chuyenvien"], dossier=d, to_official=u["lanhdao"].official, at=ago(5))
    processing.dossier_hand_over(actor=u["lanhdao"], dossier=d, to_agency=home_affairs, at=ago(4),
                                 note="Tờ trình đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh.")
    made.append(d)
    # Liên thông: a commune's social allowance, now at the district's Phòng Lao động - Thương binh và Xã hội.
    quetrung = next((c for c in communes if c.place == "Quế Trung"), None)
    if quetrung is not None and "motcua_quetrung" in u:
        d = receive("1.001776.000.00.00.H47", ago(10), agency=quetrung, actor=u["motcua_quetrung"])
        processing.dossier_hand_over(actor=u["kiemnhiem"], dossier=d, to_official=u["kiemnhiem"].official, at=ago(4))
        processing.dossier_hand_over(actor=u["kiemnhiem"], dossier=d, to_agency=district,
                                     to_department=Department.objects.get(agency=district, code="LĐTBXH"), at=ago(3))
        made.append(d)
    return len(made)


def seed_onestop_copies(*, now: dt.datetime | None = None) -> int:
    """A few electronic certified copies of the district, signed with the demo's agency key, through
    `copies.certified_copy_create`. Only when the key exists (`congvu demo` makes it; loading data alone does
    not) and only once. Returns how many were made."""
    from congvu.onestop.copies import certified_copy_create
    from congvu.onestop.models import CertifiedCopy
    from congvu.signing.config import pkcs11_settings, pki_dir

    if not pkcs11_settings() and not (pki_dir() / "agency.p12").is_file():
        return 0
    district = Agency.objects.filter(identifier="000.00.18.H47").first()
    if district is None or CertifiedCopy.objects.filter(agency=district).exists():
        return 0
    User = get_user_model()
    leader = User.objects.filter(username="lanhdao").first()
    if leader is None:
        return 0
    from django.core.files.uploadedfile import SimpleUploadedFile

    rng = random.Random(7)
    made = 0
    for title in ("Giấy khai sinh", "Bằng tốt nghiệp trung học phổ thông", "Giấy chứng nhận quyền sử dụng đất"):
        lines = ["CONG HOA XA HOI CHU NGHIA VIET NAM", corpus._ascii(title).upper(), "(ban chinh - du lieu mau)"]
        pdf = corpus.small_pdf(lines)
        with transaction.atomic():
            certified_copy_create(actor=leader, agency=district,
                                  uploads=[SimpleUploadedFile(f"{corpus._ascii(title)}.pdf", pdf, "application/pdf")],
                                  document_title=title, requester_name=corpus.person_name(rng),
                                  requester_id_number=_id_number(rng), now=now)
        made += 1
    return made
