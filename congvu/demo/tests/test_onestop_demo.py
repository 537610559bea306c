"""The demo's one-stop shop: the catalogue, the bulk history (volumes, mix, rows the services would write, codes
and sequences) and the open work made through the services, at a fixed time."""

import datetime as dt
import re
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from congvu.demo.onestop import COMMUNE_DAILY, DISTRICT_DAILY, procedures_data, seed_onestop_copies
from congvu.demo.seed import DISTRICT_ID, demo_keys, seed_demo
from congvu.onestop import clock, receiving, stats
from congvu.onestop.codes import dossier_code_allocate
from congvu.onestop.events import EventKind
from congvu.onestop.models import (
    Apology,
    CertifiedCopy,
    Channel,
    Dossier,
    DossierEvent,
    DossierSequence,
    DossierStatus,
    DossierStep,
    OnlineLevel,
    Pause,
    PauseKind,
    Procedure,
    ProcedureStep,
    Rating,
    StepHandler,
    SupplementRequest,
    Timeliness,
    TimeUnit,
)
from congvu.onestop.selectors import OPEN_STATUSES, apology_deadline, late_soon, office_queue, visible_dossiers
from congvu.org.models import Agency, Department
from congvu.workdays.calendar import to_local
from congvu.workdays.services import calendar_for

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=VN)  # a Friday
DAYS = 25  # working days of history (the demo loads a year; the rules are the same)


@pytest.fixture
def seeded(db, monkeypatch):
    # Tasks, drafts and the schedule go through the services at the real time; test_work.py covers them.
    monkeypatch.setattr("congvu.demo.work.seed_work_demo", lambda **kwargs: None)
    return seed_demo(days=DAYS, now=NOW)


def _user(username):
    return get_user_model().objects.get(username=username)


def _history():
    """The bulk rows (the services stamp created_at with the real clock, after NOW)."""
    return Dossier.objects.filter(created_at__lte=NOW)


def test_catalogue_of_common_procedures(seeded):
    data = procedures_data()
    assert 28 <= len(data) <= 35
    procedures = Procedure.objects.all()
    assert procedures.count() == len(data)
    fields = set(procedures.values_list("field", flat=True))
    assert {"Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Đăng ký kinh doanh hộ", "Bảo trợ xã hội",
            "Người có công"} <= fields
    assert {"commune", "district"} == set(procedures.values_list("level", flat=True))
    versions = [p.versions.get() for p in procedures]
    assert {v.time_unit for v in versions} == {TimeUnit.WORKING_DAYS, TimeUnit.CALENDAR_DAYS, TimeUnit.WORKING_HOURS}
    assert {v.online_level for v in versions} == {OnlineLevel.NONE, OnlineLevel.PARTIAL, OnlineLevel.FULL}
    assert any(v.fee == 0 for v in versions) and any(v.fee >= 100000 for v in versions)
    assert all(v.components.filter(required=True).exists() for v in versions)
    # Every department a step names exists at the level that handles it (liên thông from a commune: the district).
    district = Agency.objects.get(identifier=DISTRICT_ID)
    commune = Agency.objects.get(name="UBND xã Quế Trung")
    for step in ProcedureStep.objects.exclude(department_code="").select_related("version__procedure"):
        commune_level = step.version.procedure.level == "commune" and step.handler != StepHandler.OTHER_AGENCY
        at = commune if commune_level else district
        assert Department.objects.filter(agency=at, code=step.department_code).exists(), step.name
    assert ProcedureStep.objects.filter(handler=StepHandler.OTHER_AGENCY, agency_level="district").exists()
    assert ProcedureStep.objects.filter(handler=StepHandler.OTHER_AGENCY, agency_level="province").exists()
    assert ProcedureStep.objects.filter(department_code="NV").exists()  # work for chuyenvien


def test_history_volumes_mix_and_statistics(seeded):
    district = Agency.objects.get(identifier=DISTRICT_ID)
    arrival = {}  # the counter's moment: the first event that is not the online submission
    for dossier_id, at in (DossierEvent.objects.filter(dossier__in=_history()).exclude(kind=EventKind.SUBMITTED_ONLINE)
                           .order_by("dossier_id", "at", "id").values_list("dossier_id", "at")):
        arrival.setdefault(dossier_id, at)
    per_day: dict[tuple[int, dt.date], int] = Counter()
    for pk, agency_id in _history().values_list("pk", "agency_id"):
        per_day[(agency_id, to_local(arrival[pk]).date())] += 1
    days = {day for _, day in per_day}
    assert len(days) == DAYS - 1  # the history ends yesterday; today is the services' work
    assert max(days) < NOW.date()
    for (agency_id, _), n in per_day.items():
        low, high = DISTRICT_DAILY if agency_id == district.pk else COMMUNE_DAILY
        assert low <= n <= high
    assert {a for a, _ in per_day} == {district.pk, *Agency.objects.filter(
        name__in=["UBND xã Quế Trung", "UBND xã Ninh Phước"]).values_list("pk", flat=True)}

    history = _history()
    total = history.count()
    statuses = Counter(history.values_list("status", flat=True))
    assert statuses[DossierStatus.RETURNED] > 0.8 * total
    for status in (DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.PROCESSING, DossierStatus.PROCESSED):
        assert statuses[status] > 0, status
    assert statuses[DossierStatus.REFUSED] < 0.04 * total
    online = history.filter(channel=Channel.ONLINE).count()
    assert 0.2 <= online / total <= 0.4
    done = Counter(history.filter(status__in=(9, 10)).values_list("timeliness", flat=True))
    assert set(done) == {Timeliness.EARLY, Timeliness.ON_TIME, Timeliness.LATE}
    assert done[Timeliness.LATE] < 0.1 * sum(done.values())
    assert SupplementRequest.objects.filter(dossier__in=history).exists()
    assert Pause.objects.filter(dossier__in=history, kind=PauseKind.FINANCIAL).exists()
    assert Apology.objects.filter(dossier__in=history).exists()
    ratings = Rating.objects.filter(dossier__in=history)
    assert 0 < ratings.count() < statuses[DossierStatus.RETURNED]
    assert not ratings.exclude(dossier__status=DossierStatus.RETURNED).exists()

    report = stats.stats_report(user=_user("lanhdao"), date_from=min(days), date_to=NOW.date(), now=NOW)
    t = report.total.values
    assert t["total"] == sum(t[k] for k in ("done_early", "done_on_time", "done_late", "withdrawn", "supplement",
                                            "paused", "in_progress_on_time", "in_progress_overdue"))
    assert 0.8 <= report.total.on_time_rate <= 1.0
    assert 0.2 <= report.total.online_rate <= 0.4
    assert t["received"] > 400 and t["refused"] > 0


def test_rows_are_what_the_services_would_write(seeded):
    history = _history()
    open_step_statuses = OPEN_STATUSES + (DossierStatus.PROCESSED,)
    steps = defaultdict(list)
    for s in DossierStep.objects.filter(dossier__in=history).order_by("dossier_id", "started_at", "id"):
        steps[s.dossier_id].append(s)
    last_event = {}
    for dossier_id, status, kind in (DossierEvent.objects.filter(dossier__in=history).order_by("dossier_id", "at", "id")
                                     .values_list("dossier_id", "status", "kind")):
        last_event[dossier_id] = (status, kind)
    checked = 0
    for d in history.select_related("procedure_version"):
        rows = steps[d.pk]
        assert last_event[d.pk][0] == d.status
        if d.accepted_at is None:
            assert not rows and d.status in (DossierStatus.REFUSED, DossierStatus.SUPPLEMENT, DossierStatus.REGISTERED)
            continue
        cal = calendar_for(agency=d.agency_id)
        start = clock.clock_start(calendar=cal, received_at=d.accepted_at)
        if not SupplementRequest.objects.filter(dossier=d, completed_at__isnull=False).exists() and d.paused_seconds == 0:
            assert d.clock_start == start
            assert d.due_at == d.original_due_at == clock.due_at(calendar=cal, version=d.procedure_version, start=start)
        assert rows[0].position == 0 and rows[0].finished_at == d.accepted_at
        open_rows = [s for s in rows if s.finished_at is None]
        assert len(open_rows) == (1 if d.status in open_step_statuses else 0), d.pk
        for a, b in zip(rows, rows[1:]):
            assert a.finished_at is not None and a.finished_at <= b.started_at
            assert a.position < b.position
        for s in rows:
            if s.finished_at and s.timeliness:
                assert s.timeliness == clock.timeliness(finished_at=s.finished_at, due_at=s.due_at)
            assert s.crossing == (s.agency_id != d.agency_id)
        if d.status in (DossierStatus.PROCESSED, DossierStatus.RETURNED):
            assert d.timeliness == clock.timeliness(finished_at=d.processed_at, due_at=d.due_at)
        if d.status in OPEN_STATUSES:
            assert d.processed_at is None and d.finished_at is None
        checked += 1
    assert checked > 400
    assert DossierStep.objects.filter(dossier__in=history, crossing=True).exists()
    assert not DossierEvent.objects.filter(at__gt=NOW, dossier__in=history).exists()
    for apology in Apology.objects.filter(dossier__in=history).select_related("dossier"):
        cal = calendar_for(agency=apology.dossier.agency_id)
        assert apology.created_at <= apology_deadline(cal, apology.previous_due_at)
        assert apology.new_due_at > apology.previous_due_at == apology.dossier.due_at


def test_codes_are_unique_gap_free_and_the_next_receipt_continues(seeded):
    district = Agency.objects.get(identifier=DISTRICT_ID)
    codes = list(Dossier.objects.exclude(code="").values_list("agency__identifier", "code"))
    assert len(codes) == len({c for _, c in codes})
    numbers = defaultdict(list)
    for identifier, code in codes:
        m = re.fullmatch(re.escape(identifier) + r"-(\d{6})-(\d{4,})", code)
        assert m, code
        numbers[(identifier, m.group(1))].append(int(m.group(2)))
    for key, ns in numbers.items():
        assert sorted(ns) == list(range(1, len(ns) + 1)), key
    for seq in DossierSequence.objects.select_related("agency"):
        assert seq.last == len(numbers[(seq.agency.identifier, seq.day.strftime("%y%m%d"))])
    # A busy past day and today: the next code continues the sequence.
    busiest = DossierSequence.objects.filter(agency=district).order_by("-last").first()
    with transaction.atomic():
        code = dossier_code_allocate(agency=district, on=busiest.day)
    assert code == f"{DISTRICT_ID}-{busiest.day:%y%m%d}-{busiest.last + 1:04d}"
    version = Procedure.objects.get(local_code="2.000815.000.00.18.H47").versions.get()
    before = DossierSequence.objects.get(agency=district, day=NOW.date()).last
    d = receiving.dossier_receive(
        actor=_user("motcua"), agency=district, version=version, received_at=NOW + dt.timedelta(minutes=5),
        applicant={"kind": 1, "name": "Phan Thị Lan", "id_number": "049190001234"},
        components=[{"component_id": c.pk, "provided": c.required} for c in version.components.all()])
    assert d.code == f"{DISTRICT_ID}-{NOW:%y%m%d}-{before + 1:04d}"


def test_open_work_made_by_the_services(seeded):
    district = Agency.objects.get(identifier=DISTRICT_ID)
    made = Dossier.objects.filter(created_at__gt=NOW)
    assert 10 <= made.count() <= 20
    assert made.filter(status=DossierStatus.REGISTERED, channel=Channel.ONLINE).count() == 2
    assert made.filter(status=DossierStatus.SUPPLEMENT).exists()
    assert made.filter(status=DossierStatus.FINANCIAL).exists()
    assert made.filter(status=DossierStatus.PROCESSED).exists()
    assert made.filter(status=DossierStatus.RETURNED, rating__isnull=True).exists()  # to rate on the public page
    assert made.filter(status__in=(2, 4), due_at__lt=NOW, apology__isnull=True).exists()  # overdue
    assert made.filter(apology__new_due_at__gt=NOW).exists()
    # "Late soon": due within two working days, no apology yet, and the apology still possible.
    soon = [d for d in late_soon(_user("lanhdao"), agency_id=district.pk, now=NOW) if d.apology_possible]
    assert soon
    # Liên thông, open at another agency: a commune's dossier at the district, the district's at Sở Nội vụ.
    crossing = DossierStep.objects.filter(dossier__in=made, crossing=True, finished_at__isnull=True)
    assert crossing.filter(agency=district).exists()
    assert crossing.filter(agency__name="Sở Nội vụ tỉnh Quảng Nam").exists()
    # The Phòng Nội vụ officer has work, and sees what he holds.
    officer = _user("chuyenvien")
    queue = office_queue(officer, now=NOW)
    assert any(s.department and s.department.code == "NV" for s in queue)
    assert visible_dossiers(officer).filter(pk__in=[s.dossier_id for s in queue]).count() == len(
        {s.dossier_id for s in queue})
    assert visible_dossiers(_user("motcua")).filter(status=DossierStatus.REGISTERED).count() == 2


def test_certified_copies_once_the_demo_keys_exist(seeded, settings, tmp_path):
    settings.CONGVU_PKI_DIR = str(tmp_path / "pki")
    assert seed_onestop_copies(now=NOW) == 0  # no key: nothing
    demo_keys(tmp_path / "pki")
    assert seed_onestop_copies(now=NOW) == 3
    copies = list(CertifiedCopy.objects.order_by("register_number"))
    assert [c.register_number for c in copies] == [1, 2, 3]
    assert [c.fee for c in copies] == [2000, 2000, 2000]  # one page each
    assert seed_onestop_copies(now=NOW) == 0  # once


def test_pages_read_the_bulk_rows(seeded, client):
    """The history is read by the same pages as live dossiers: the dossier page, its control slip, the public
    lookup, the counter and the statistics."""
    district = Agency.objects.get(identifier=DISTRICT_ID)
    history = _history()
    returned = history.filter(agency=district, status=DossierStatus.RETURNED, supplement__isnull=False).first()
    crossing = history.exclude(agency=district).filter(steps__crossing=True, steps__agency=district).first()
    apologised = history.filter(agency=district, apology__isnull=False).first()
    client.force_login(_user("lanhdao"))
    for d in (returned, crossing, apologised):
        page = client.get(f"/onestop/dossiers/{d.pk}/")
        assert page.status_code == 200 and d.code in page.content.decode()
        slip = client.get(f"/mot-cua/ho-so/{d.pk}/in/phieu-kiem-soat/")
        assert slip.status_code == 200 and slip.content[:5] == b"%PDF-"
    assert client.get("/onestop/office/").status_code == 200
    client.force_login(_user("motcua"))
    assert client.get("/mot-cua/quay/").status_code == 200
    client.logout()
    public = client.get(f"/tra-cuu-ho-so/{returned.code}/", REMOTE_ADDR="10.1.2.3")
    assert public.status_code == 200 and returned.applicant_name not in public.content.decode()
