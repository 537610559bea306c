"""Roll-ups: after a random sequence of operations through the real services, the incremental refresh equals a
full recomputation; refreshing again changes nothing; who may see which agencies on the dashboard."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from conftest import make_official
from congvu.core.errors import PermissionDenied
from congvu.dashboard import metrics as m
from congvu.dashboard import rollups
from congvu.dashboard.access import agency_tree, dashboard_agency_ids, resolve_scope
from congvu.dashboard.models import DailyFigure, MonthlyFigure, RollupState
from congvu.documents.models import Channel
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.onestop import processing, public
from congvu.onestop.models import Dossier, DossierStatus, ReturnMethod
from congvu.onestop.tests.conftest import make_procedure
from congvu.org.models import AgencyKind, Role
from congvu.workflow import services as wf
from congvu.workflow.models import Assignment, AssignmentRole, AssignmentStatus

pytestmark = pytest.mark.django_db

GOOD = {"time": "2", "contacts": "2", "bodies": "1", "attitude": "2", "ease": "1", "overall": "2"}
BAD = {"time": "0", "contacts": "0", "bodies": "0", "attitude": "0", "ease": "0", "overall": "0"}


def figures() -> set:
    daily = set(DailyFigure.objects.values_list("metric", "agency_id", "day", "dimension", "value"))
    monthly = set(MonthlyFigure.objects.values_list("metric", "agency_id", "month", "dimension", "value"))
    return daily | {("month",) + row for row in monthly}


class World:
    """Two agencies (a district and one of its communes) with a clerk, a leader, an officer and a one-stop
    clerk each, one procedure; operations picked at random act on whatever exists."""

    def __init__(self, agency, other_agency):
        other_agency.parent = agency
        other_agency.save(update_fields=["parent"])
        self.version = make_procedure()
        self.agencies = []
        for a in (agency, other_agency):
            dept = a.departments.first()
            if dept is None:
                dept = a.departments.create(name="Văn phòng", code="VP")
            self.agencies.append({
                "agency": a,
                "clerk": make_official(a, Role.CLERK).user,
                "leader": make_official(a, Role.LEADER).user,
                "officer": make_official(a, Role.OFFICER, department=dept).user,
                "onestop": make_official(a, Role.ONESTOP).user,
                "docs": [], "dossiers": [],
            })
        self.n = 0

    # --- operations ---
    def register_incoming(self, rng, w):
        self.n += 1
        channel = rng.choice([Channel.PAPER, Channel.ELECTRONIC, Channel.EMAIL])
        doc = incoming_register(actor=w["clerk"], agency=w["agency"],
                                data=incoming_data(number=str(100 + self.n), channel=channel))
        w["docs"].append(doc)

    def register_outgoing(self, rng, w):
        outgoing_register(actor=w["clerk"], agency=w["agency"], data=outgoing_data())

    def direct(self, rng, w):
        free = [d for d in w["docs"] if not Assignment.objects.filter(document=d, role=AssignmentRole.LEAD,
                                                                        status__in=["pending", "in_progress"]).exists()
                and not Assignment.objects.filter(document=d, status="accepted").exists()]
        if not free:
            return self.register_incoming(rng, w)
        doc = rng.choice(free)
        wf.direction_give(actor=w["leader"], document=doc, text="Đề nghị tham mưu xử lý", lead=w["officer"].official,
                          due_in_working_days=rng.randint(1, 5))

    def _open_lead(self, rng, w):
        rows = list(Assignment.objects.filter(agency=w["agency"], role=AssignmentRole.LEAD,
                                              status__in=[AssignmentStatus.PENDING, AssignmentStatus.IN_PROGRESS])
                    .order_by("pk"))
        return rng.choice(rows) if rows else None

    def complete(self, rng, w):
        a = self._open_lead(rng, w)
        if a is None:
            return self.direct(rng, w)
        if rng.random() < 0.4:  # late: its deadline passed yesterday
            Assignment.objects.filter(pk=a.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
        wf.assignment_submit(actor=w["officer"], assignment=a.pk, note="Đã tham mưu")
        wf.assignment_accept(actor=w["leader"], assignment=a.pk)

    def cancel(self, rng, w):
        a = self._open_lead(rng, w)
        if a is not None:
            wf.assignment_cancel(actor=w["leader"], assignment=a.pk, reason="Không cần xử lý nữa")

    def make_overdue(self, rng, w):
        a = self._open_lead(rng, w)
        if a is not None:  # a deadline that has passed (no journal entry: the snapshot is recomputed anyway)
            Assignment.objects.filter(pk=a.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))

    def receive(self, rng, w):
        from congvu.onestop.receiving import dossier_receive

        self.n += 1
        components = [{"component_id": c.pk, "provided": True} for c in self.version.components.all()]
        d = dossier_receive(actor=w["onestop"], agency=w["agency"], version=self.version,
                            applicant={"name": f"Nguyễn Văn {self.n}", "id_number": f"0010900{self.n:05d}"},
                            components=components)
        w["dossiers"].append(d)

    def resolve(self, rng, w):
        open_ = list(Dossier.objects.filter(agency=w["agency"], status__in=[DossierStatus.ACCEPTED,
                                                                            DossierStatus.PROCESSING]).order_by("pk"))
        if not open_:
            return self.receive(rng, w)
        d = rng.choice(open_)
        if rng.random() < 0.4:  # late: the appointment passed yesterday
            Dossier.objects.filter(pk=d.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
        processing.dossier_record_result(actor=w["leader"], dossier=d.pk, note="Đã giải quyết")
        if rng.random() < 0.8:
            processing.dossier_return_result(actor=w["onestop"], dossier=d.pk, method=ReturnMethod.IN_PERSON,
                                             returned_to="Người nộp")

    def rate(self, rng, w):
        done = list(Dossier.objects.filter(agency=w["agency"], status=DossierStatus.RETURNED, rating__isnull=True)
                    .order_by("pk"))
        if not done:
            return self.resolve(rng, w)
        d = rng.choice(done)
        public.rating_submit(client=f"c{d.pk}", code=d.code, proof=d.applicant_id_number[-4:],
                             answers=rng.choice([GOOD, GOOD, BAD]))

    def dossier_overdue(self, rng, w):
        open_ = list(Dossier.objects.filter(agency=w["agency"], status__in=[DossierStatus.ACCEPTED,
                                                                            DossierStatus.PROCESSING]).order_by("pk"))
        if open_:
            Dossier.objects.filter(pk=rng.choice(open_).pk).update(due_at=timezone.now() - dt.timedelta(hours=3))

    def give_task(self, rng, w):
        from congvu.workflow.task_services import task_create

        task_create(actor=w["leader"], agency=w["agency"], title=f"Công việc {rng.randint(1, 999)}",
                    lead=w["officer"].official, due_in_working_days=rng.randint(1, 4))

    def finish_task(self, rng, w):
        from congvu.workflow.models import Task, TaskStatus
        from congvu.workflow.task_services import task_complete

        tasks = list(Task.objects.filter(agency=w["agency"], status=TaskStatus.OPEN).order_by("pk"))
        if not tasks:
            return self.give_task(rng, w)
        task = rng.choice(tasks)
        lead = Assignment.objects.get(task=task, role=AssignmentRole.LEAD, parent__isnull=True)
        if lead.status in (AssignmentStatus.PENDING, AssignmentStatus.IN_PROGRESS):
            if rng.random() < 0.4:
                Assignment.objects.filter(pk=lead.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
            wf.assignment_submit(actor=w["officer"], assignment=lead.pk, note="Xong")
        task_complete(actor=w["leader"], task=task.pk)

    OPERATIONS = ("register_incoming", "register_outgoing", "direct", "direct", "complete", "complete", "cancel",
                  "make_overdue", "receive", "receive", "resolve", "resolve", "rate", "dossier_overdue",
                  "give_task", "finish_task")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_refresh_after_random_operations_equals_a_full_rebuild(agency, other_agency, seed):
    world = World(agency, other_agency)
    rollups.rebuild()  # empty deployment: sets the watermark
    rng = random.Random(seed)
    done = []
    for _ in range(45):
        w = rng.choice(world.agencies)
        op = rng.choice(World.OPERATIONS)
        getattr(world, op)(rng, w)
        done.append(op)
        if rng.random() < 0.25:
            rollups.refresh()
    rollups.refresh()
    incremental = figures()
    assert incremental, "the operations produced figures"
    assert {row[0] for row in incremental} >= {m.DOC_IN, m.DOC_OUT, m.DOSSIER_RECEIVED, m.PROC_OPEN}

    # refreshing again (nothing new in the journal) changes nothing
    rollups.refresh()
    assert figures() == incremental

    # a full recomputation from the raw tables gives exactly the same rows
    DailyFigure.objects.all().delete()
    MonthlyFigure.objects.all().delete()
    rollups.rebuild()
    assert figures() == incremental


def test_refresh_counts_each_kind_of_change(agency, other_agency):
    """Every journalled operation that changes a figure reaches it through refresh(), one by one."""
    world = World(agency, other_agency)
    w = world.agencies[0]
    a_id = w["agency"].pk
    today = timezone.localdate()
    rollups.rebuild()

    def value(metric, dim=""):
        return (DailyFigure.objects.filter(metric=metric, agency_id=a_id, day=today, dimension=dim)
                .values_list("value", flat=True).first() or 0)

    rng = random.Random(0)
    world.register_incoming(rng, w)
    rollups.refresh()
    assert value(m.DOC_IN) == 1
    world.register_outgoing(rng, w)
    rollups.refresh()
    assert value(m.DOC_OUT) == 1
    world.direct(rng, w)
    rollups.refresh()
    assert value(m.PROC_OPEN) == 1 and value(m.PROC_OVERDUE) == 0
    world.make_overdue(rng, w)
    rollups.refresh()
    assert value(m.PROC_OVERDUE) == 1
    a = Assignment.objects.get(agency_id=a_id, role=AssignmentRole.LEAD)
    wf.assignment_submit(actor=w["officer"], assignment=a.pk)
    wf.assignment_accept(actor=w["leader"], assignment=a.pk)
    rollups.refresh()
    assert (value(m.PROC_OPEN), value(m.PROC_OVERDUE), value(m.PROC_LATE), value(m.PROC_ON_TIME)) == (0, 0, 1, 0)
    world.receive(rng, w)
    rollups.refresh()
    code = world.version.procedure.local_code
    assert (value(m.DOSSIER_RECEIVED), value(m.DOSSIER_RECEIVED, code)) == (1, 1)
    d = w["dossiers"][0]
    processing.dossier_record_result(actor=w["leader"], dossier=d.pk, note="Xong")
    processing.dossier_return_result(actor=w["onestop"], dossier=d.pk, method=ReturnMethod.IN_PERSON,
                                     returned_to="Người nộp")
    rollups.refresh()
    assert (value(m.DOSSIER_ON_TIME), value(m.DOSSIER_LATE)) == (1, 0)
    d.refresh_from_db()
    public.rating_submit(client="k", code=d.code, proof=d.applicant_id_number[-4:], answers=GOOD)
    rollups.refresh()
    assert (value(m.RATING_COUNT), value(m.RATING_SATISFIED)) == (1, 1)
    state = RollupState.objects.get(key=m.JOURNAL_STATE_KEY).last_entry_id
    from congvu.audit.models import JournalEntry

    assert state == JournalEntry.objects.order_by("-pk").values_list("pk", flat=True).first()


def test_a_backdated_dossier_lands_on_its_own_day(agency, onestop):
    """The buckets of a refresh include the days the objects name, not only the day of the journal entry."""
    from congvu.onestop.receiving import dossier_receive

    version = make_procedure()
    rollups.rebuild()
    received = timezone.now() - dt.timedelta(days=3)
    components = [{"component_id": c.pk, "provided": True} for c in version.components.all()]
    dossier_receive(actor=onestop, agency=agency, version=version, received_at=received,
                    applicant={"name": "Nguyễn Văn An", "id_number": "001090012345"}, components=components)
    rollups.refresh()
    day = timezone.localtime(received).date()
    assert DailyFigure.objects.get(metric=m.DOSSIER_RECEIVED, agency=agency, day=day, dimension="").value == 1
    assert not DailyFigure.objects.filter(metric=m.DOSSIER_RECEIVED, day=timezone.localdate()).exists()


def test_refresh_without_a_watermark_rebuilds(agency, clerk):
    incoming_register(actor=clerk, agency=agency, data=incoming_data())
    assert not RollupState.objects.exists()
    result = rollups.refresh()
    assert result["rebuilt"] is True
    assert DailyFigure.objects.get(metric=m.DOC_IN, agency=agency, dimension="").value == 1
    assert rollups.refresh()["rebuilt"] is False
    assert DailyFigure.objects.get(metric=m.DOC_IN, agency=agency, dimension="").value == 1


def test_the_rollup_job_is_registered():
    from congvu.jobs.registry import get

    job = get("dashboard.rollups")
    assert job.every == dt.timedelta(minutes=1)


# --- access -----------------------------------------------------------------------------------------------------

@pytest.fixture
def district_and_communes(agency):
    from conftest import make_agency

    agency.kind = AgencyKind.DISTRICT_PC
    agency.save(update_fields=["kind"])
    a = make_agency(name="UBND xã Quế Phước", kind=AgencyKind.COMMUNE_PC, parent=agency)
    b = make_agency(name="UBND xã Quế Lộc", kind=AgencyKind.COMMUNE_PC, parent=agency)
    far = make_agency(name="UBND huyện Tiên Phước", kind=AgencyKind.DISTRICT_PC)
    return agency, a, b, far


def test_a_commune_leader_sees_only_the_commune(district_and_communes):
    district, a, b, far = district_and_communes
    user = make_official(a, Role.LEADER).user
    assert dashboard_agency_ids(user) == [a.pk]
    assert [(x.pk, depth) for x, depth in agency_tree(user)] == [(a.pk, 0)]
    with pytest.raises(PermissionDenied):
        resolve_scope(user, agency_id=district.pk)
    with pytest.raises(PermissionDenied):
        resolve_scope(user, agency_id=b.pk)
    scope = resolve_scope(user)
    assert scope.agency_ids == (a.pk,)
    today = timezone.localdate()
    assert (scope.start, scope.end) == (today.replace(day=1), today)


def test_a_district_leader_sees_the_district_and_its_communes(district_and_communes):
    district, a, b, far = district_and_communes
    user = make_official(district, Role.LEADER).user
    assert dashboard_agency_ids(user) == sorted([district.pk, a.pk, b.pk])
    # the tree: the district first, its communes under it by name (Quế Lộc before Quế Phước)
    assert [(x.pk, depth) for x, depth in agency_tree(user)] == [(district.pk, 0), (b.pk, 1), (a.pk, 1)]
    assert resolve_scope(user, agency_id=a.pk).agency_ids == (a.pk,)
    assert resolve_scope(user, agency_id=str(district.pk)).agency_ids == tuple(sorted([district.pk, a.pk, b.pk]))
    with pytest.raises(PermissionDenied):
        resolve_scope(user, agency_id=far.pk)


def test_an_agency_admin_sees_like_a_leader_and_a_superuser_sees_everything(district_and_communes):
    from django.contrib.auth import get_user_model

    district, a, b, far = district_and_communes
    admin = make_official(b, Role.AGENCY_ADMIN).user
    assert dashboard_agency_ids(admin) == [b.pk]
    root = get_user_model().objects.create_superuser("root", password="matkhau-123")
    assert dashboard_agency_ids(root) == sorted([district.pk, a.pk, b.pk, far.pk])
    assert [x.pk for x, _ in agency_tree(root)][:1] == [district.pk] or len(agency_tree(root)) == 4


def test_an_officer_a_clerk_and_a_stranger_see_nothing(district_and_communes):
    from django.contrib.auth.models import AnonymousUser

    district, a, b, far = district_and_communes
    for role in (Role.OFFICER, Role.CLERK, Role.ONESTOP):
        user = make_official(district, role).user
        assert dashboard_agency_ids(user) == []
        assert agency_tree(user) == []
        with pytest.raises(PermissionDenied):
            resolve_scope(user)
    assert dashboard_agency_ids(AnonymousUser()) == []


def test_bad_scope_input_is_refused_with_a_message(district_and_communes):
    from congvu.core.errors import ValidationFailed

    district, a, b, far = district_and_communes
    user = make_official(district, Role.LEADER).user
    with pytest.raises(ValidationFailed) as exc:
        resolve_scope(user, agency_id="abc")
    assert exc.value.message == "Mã cơ quan không hợp lệ."
    with pytest.raises(ValidationFailed) as exc:
        resolve_scope(user, start=dt.date(2026, 5, 2), end=dt.date(2026, 5, 1))
    assert exc.value.message == "Ngày bắt đầu phải trước ngày kết thúc."
    with pytest.raises(ValidationFailed) as exc:
        resolve_scope(user, start=dt.date(9999, 12, 31))
    assert exc.value.message == "Năm của kỳ phải từ 1900 đến 2999."
