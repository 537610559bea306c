"""Every indicator's formula on a hand-built dataset whose answers are worked out by hand below.

The deployment: district A (departments VP and NV) with commune B under it, and district C outside the scope.
The period is October 2026. Documents are registered through the services and then moved to their day; the
assignments, tasks, dossiers, ratings, deliveries, postings and equipment are minimal rows with chosen times.
The roll-ups are rebuilt from them and every indicator is read back for the scope {A, B}."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import make_agency, make_official
from congvu.core.errors import NotFound
from congvu.dashboard import indicators, rollups
from congvu.dashboard.access import Scope
from congvu.dashboard.models import EquipmentKind, EquipmentPoint, EquipmentStatus
from congvu.documents.models import Channel, Document
from congvu.documents.services import incoming_register, outgoing_register
from congvu.documents.tests.factories import incoming_data, outgoing_data
from congvu.exchange.models import InboxItem
from congvu.onestop.models import Channel as DossierChannel
from congvu.onestop.models import Dossier, DossierStatus, Rating, Timeliness
from congvu.onestop.tests.conftest import make_procedure
from congvu.org.models import AgencyKind, Role
from congvu.staffing.models import QuotaDecision, StaffCategory, StaffMember, StaffPosting
from congvu.workflow.models import Assignment, AssignmentRole, AssignmentStatus, Task

pytestmark = pytest.mark.django_db

OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def at(day: int, hour: int = 9, minute: int = 0, month: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


@pytest.fixture
def world(agency, other_agency, reference_data):
    a, b = agency, other_agency
    b.parent = a
    b.kind = AgencyKind.COMMUNE_PC
    b.save(update_fields=["parent", "kind"])
    c = make_agency(name="UBND huyện Tiên Phước")
    vp, nv = a.departments.get(code="VP"), a.departments.get(code="NV")
    clerk_a, clerk_b, clerk_c = (make_official(x, Role.CLERK).user for x in (a, b, c))
    leader_a = make_official(a, Role.LEADER).user
    officer_nv = make_official(a, Role.OFFICER, department=nv).user
    n = iter(range(100, 1000))

    def incoming(agency, clerk, when, channel=Channel.PAPER):
        doc = incoming_register(actor=clerk, agency=agency, data=incoming_data(number=str(next(n)), channel=channel))
        Document.objects.filter(pk=doc.pk).update(registered_at=when)
        return doc

    def outgoing(agency, clerk, when):
        doc = outgoing_register(actor=clerk, agency=agency, data=outgoing_data())
        Document.objects.filter(pk=doc.pk).update(registered_at=when)
        return doc

    # --- documents: A 3 on 05/10 (one at 00:30 local: still the 5th) + 1 on 20/10; B 2 on 10/10;
    # one of A on 30/09 and one of C in October are outside the scope.
    incoming(a, clerk_a, at(5, 0, 30), Channel.ELECTRONIC)
    incoming(a, clerk_a, at(5, 10), Channel.EMAIL)
    incoming(a, clerk_a, at(5, 15))
    incoming(a, clerk_a, at(20, 8))
    incoming(b, clerk_b, at(10, 8), Channel.ELECTRONIC)
    incoming(b, clerk_b, at(10, 9), Channel.ELECTRONIC)
    incoming(a, clerk_a, at(30, 9, month=9))
    incoming(c, clerk_c, at(12, 9), Channel.ELECTRONIC)
    out1 = outgoing(a, clerk_a, at(6, 14))
    outgoing(a, clerk_a, at(6, 15))
    # out1 went electronically to B (an internal delivery, not yet registered by B)
    InboxItem.objects.create(agency=b, source_document=out1, sender_agency=a, sender_name=a.name,
                             doc_type_code="quyet_dinh", doc_type_name="Quyết định", subject=out1.subject,
                             delivered_at=at(6, 16))

    # --- processing: lead assignments on documents registered on 15/09 (outside October's counts)
    me = leader_a.official

    def lead(*, created, due, status=AssignmentStatus.ACCEPTED, completed=None, dept=None, official=None,
             role=AssignmentRole.LEAD, task=None):
        doc = None if task else incoming(a, clerk_a, at(15, 9, month=9))
        return Assignment.objects.create(
            agency=a, document=doc, task=task, role=role, assignee_department=dept,
            assignee_official=official, assigned_by=me, due_at=due, status=status, created_at=created,
            completed_at=completed, accepted_at=completed if status == AssignmentStatus.ACCEPTED else None)

    lead(created=at(1, 8), due=at(8, 17), completed=at(7, 10), dept=vp)  # on time, 6 d 2 h = 8,760 min
    lead(created=at(2, 8), due=at(5, 17), completed=at(9, 8), dept=nv)  # late, 7 d = 10,080 min
    lead(created=at(3, 8), due=None, completed=at(4, 8), official=officer_nv.official)  # on time (NV), 1,440 min
    lead(created=at(10, 8), due=at(15, 17), status=AssignmentStatus.IN_PROGRESS, dept=vp)  # overdue at 31/10
    lead(created=at(11, 8), due=at(30, 17, month=11), status=AssignmentStatus.PENDING, dept=vp)  # open, in time
    lead(created=at(1, 8, month=9), due=at(20, 17, month=9), completed=at(25, 9, month=9), dept=vp)  # September
    lead(created=at(2, 8), due=at(9, 17), completed=at(6, 9), dept=nv, role=AssignmentRole.COORDINATE)  # not lead
    lead(created=at(3, 8), due=at(5, 17), status=AssignmentStatus.CANCELLED, completed=at(12, 9), dept=vp)
    t1 = Task.objects.create(agency=a, title="Báo cáo quý III", created_by=me, created_at=at(1, 8), due_at=at(10, 17))
    lead(created=at(1, 8), due=at(10, 17), completed=at(12, 9), dept=vp, task=t1)  # task late
    t2 = Task.objects.create(agency=a, title="Kiểm tra cơ sở", created_by=me, created_at=at(2, 8), due_at=at(20, 17))
    lead(created=at(2, 8), due=at(20, 17), status=AssignmentStatus.IN_PROGRESS, dept=nv, task=t2)  # task overdue

    # --- one-stop: two procedures
    p1 = make_procedure(local_code="1.001612.000.00.00.H40", name="Đăng ký khai sinh")
    p2 = make_procedure(local_code="1.004227.000.00.00.H40", name="Đăng ký kết hôn")

    def dossier(agency, version, *, accepted, due, status, channel=DossierChannel.COUNTER, processed=None,
                finished=None, timeliness="", paused=None):
        return Dossier.objects.create(
            agency=agency, procedure_version=version, status=status, channel=channel, applicant_name="Nguyễn Văn An",
            submitted_at=accepted, accepted_at=accepted, clock_start=accepted, due_at=due, original_due_at=due,
            processed_at=processed, finished_at=finished, timeliness=timeliness, paused_at=paused)

    d1 = dossier(a, p1, accepted=at(5, 8), due=at(10, 17), status=DossierStatus.RETURNED, processed=at(8, 9),
                 finished=at(9, 9))  # on time
    dossier(a, p1, accepted=at(6, 8), due=at(9, 17), status=DossierStatus.PROCESSED, processed=at(12, 9),
            channel=DossierChannel.ONLINE)  # late
    dossier(a, p2, accepted=at(7, 8), due=at(20, 17), status=DossierStatus.PROCESSED, processed=at(15, 9),
            channel=DossierChannel.ONLINE, timeliness=Timeliness.LATE)  # late as recorded
    dossier(a, p2, accepted=at(8, 8), due=at(12, 17), status=DossierStatus.PROCESSING)  # overdue at 31/10
    Dossier.objects.create(agency=a, procedure_version=p2, status=DossierStatus.REFUSED, applicant_name="Lê Thị B",
                           submitted_at=at(9, 8), finished_at=at(9, 9))  # refused: not received
    dossier(a, p1, accepted=at(9, 8), due=at(11, 17), status=DossierStatus.SUPPLEMENT, paused=at(10, 8))  # waiting
    d7 = dossier(b, p1, accepted=at(15, 8), due=at(18, 17), status=DossierStatus.RETURNED, processed=at(17, 9),
                 finished=at(17, 10), timeliness=Timeliness.EARLY)  # on time
    Rating.objects.create(dossier=d1, created_at=at(10, 9), overall=2)
    Rating.objects.create(dossier=d7, created_at=at(18, 9), overall=0)

    # --- staffing: A has a quota of 5 (decision) and 3 people in post; B has 2 people and no known quota
    QuotaDecision.objects.create(agency=a, category=StaffCategory.CADRE_CIVIL, quota=5,
                                 valid_from=dt.date(2026, 1, 1), decision_number="12/QĐ-UBND",
                                 decision_date=dt.date(2025, 12, 20))
    for i, agency_ in enumerate((a, a, a, b, b)):
        member = StaffMember.objects.create(full_name=f"Cán bộ {i}", sex="male", birth_date=dt.date(1985, 1, 1))
        StaffPosting.objects.create(member=member, agency=agency_, category=StaffCategory.CADRE_CIVIL,
                                    position="Công chức", salary_coefficient=Decimal("2.34"),
                                    valid_from=dt.date(2026, 1, 1))

    # --- equipment: B (the only commune) has a connected video-conference point and 3 cameras (2 online)
    EquipmentPoint.objects.create(agency=b, kind=EquipmentKind.VIDEO_CONFERENCE, name="Điểm cầu xã")
    for i, status in enumerate((EquipmentStatus.ONLINE, EquipmentStatus.ONLINE, EquipmentStatus.OFFLINE)):
        EquipmentPoint.objects.create(agency=b, kind=EquipmentKind.CAMERA, name=f"Camera {i}", status=status)
    EquipmentPoint.objects.create(agency=c, kind=EquipmentKind.CAMERA, name="Camera huyện khác")

    rollups.rebuild()
    return {"a": a, "b": b, "c": c, "vp": vp, "nv": nv, "p1": p1.procedure, "p2": p2.procedure,
            "scope": Scope(agency_ids=tuple(sorted([a.pk, b.pk])), start=OCTOBER[0], end=OCTOBER[1])}


def rows(result):
    return [(r.key, r.value, r.numerator, r.denominator) for r in result.breakdown]


def test_the_registry_has_every_key_of_the_contract_with_a_formula():
    keys = {"documents_incoming", "documents_outgoing", "documents_electronic_share", "processing_on_time",
            "processing_late", "processing_overdue", "processing_average_days", "tasks_on_time", "tasks_late",
            "tasks_overdue", "dossiers_received", "dossiers_on_time_rate", "dossiers_late_by_procedure",
            "dossiers_online_share", "dossiers_satisfaction", "staffing_quota", "staffing_in_post",
            "staffing_surplus", "exchange_sent", "exchange_received", "exchange_waiting",
            "equipment_video_conference", "equipment_cameras"}
    assert keys <= set(indicators.INDICATORS)
    for ind in indicators.INDICATORS.values():
        assert ind.name and ind.formula.endswith(")") or ind.formula.endswith(".")
        assert ind.unit and ind.period and ind.group and ind.breakdown in ("unit", "department", "procedure", "")
    with pytest.raises(NotFound):
        indicators.get("khong_co")


def test_documents(world):
    s, a, b = world["scope"], world["a"], world["b"]
    r = indicators.compute("documents_incoming", s)
    assert r.value == 6  # A: 3 + 1, B: 2 (A's 30/09 and C's are outside)
    assert rows(r) == [(str(a.pk), 4, None, None), (str(b.pk), 2, None, None)]
    assert len(r.series) == 31
    assert {d.day: v for d, v in r.series if v} == {5: 3, 10: 2, 20: 1}
    assert indicators.compute("documents_outgoing", s).value == 2
    share = indicators.compute("documents_electronic_share", s)
    # electronic: incoming electronic/email A 2 + B 2, outgoing sent electronically 1 → 5 of 6 + 2 = 8
    assert (share.value, share.numerator, share.denominator) == (Decimal("62.5"), 5, 8)
    # worst first: A (2 + 1 of 4 + 2 = 50.0 %) then B (2 of 2 = 100.0 %)
    assert rows(share) == [(str(a.pk), Decimal("50.0"), 3, 6), (str(b.pk), Decimal("100.0"), 2, 2)]
    # the scope of B alone
    only_b = Scope(agency_ids=(b.pk,), start=OCTOBER[0], end=OCTOBER[1])
    assert indicators.compute("documents_incoming", only_b).value == 2


def test_processing_and_tasks(world):
    s, vp, nv = world["scope"], world["vp"], world["nv"]
    on_time = indicators.compute("processing_on_time", s)
    assert on_time.value == 2
    assert sorted(rows(on_time)) == sorted([(str(vp.pk), 1, None, None), (str(nv.pk), 1, None, None)])
    late = indicators.compute("processing_late", s)
    assert (late.value, rows(late)) == (1, [(str(nv.pk), 1, None, None)])
    overdue = indicators.compute("processing_overdue", s)
    assert (overdue.value, rows(overdue)) == (1, [(str(vp.pk), 1, None, None)])
    # the overdue series: none before 15/10 17:00, one at the end of the 15th and after
    series = dict(overdue.series)
    assert series[dt.date(2026, 10, 14)] == 0 and series[dt.date(2026, 10, 15)] == 1
    assert series[dt.date(2026, 10, 31)] == 1
    avg = indicators.compute("processing_average_days", s)
    # (8,760 + 10,080 + 1,440) minutes / 3 documents / 1,440 = 4.69… → 4.7 days
    assert (avg.value, avg.numerator, avg.denominator) == (Decimal("4.7"), None, 3)
    assert indicators.compute("tasks_on_time", s).value == 0
    assert indicators.compute("tasks_late", s).value == 1
    tasks_overdue = indicators.compute("tasks_overdue", s)
    assert (tasks_overdue.value, rows(tasks_overdue)) == (1, [(str(nv.pk), 1, None, None)])


def test_one_stop(world):
    s, a, b, p1, p2 = world["scope"], world["a"], world["b"], world["p1"], world["p2"]
    received = indicators.compute("dossiers_received", s)
    assert received.value == 6  # A: 5 (not the refused one), B: 1
    assert rows(received) == [(p1.local_code, 4, None, None), (p2.local_code, 2, None, None)]
    assert received.breakdown[0].label == "Đăng ký khai sinh"
    rate = indicators.compute("dossiers_on_time_rate", s)
    # resolved: A on time 1, late 2 (one past the appointment, one recorded late); B on time 1 (early)
    assert (rate.value, rate.numerator, rate.denominator) == (Decimal("50.0"), 2, 4)
    assert rows(rate) == [(str(a.pk), Decimal("33.3"), 1, 3), (str(b.pk), Decimal("100.0"), 1, 1)]
    late = indicators.compute("dossiers_late_by_procedure", s)
    assert late.value == 2
    assert sorted(rows(late)) == sorted([(p1.local_code, 1, None, None), (p2.local_code, 1, None, None)])
    overdue = indicators.compute("dossiers_overdue", s)
    assert (overdue.value, rows(overdue)) == (1, [(p2.local_code, 1, None, None)])
    online = indicators.compute("dossiers_online_share", s)
    assert (online.value, online.numerator, online.denominator) == (Decimal("33.3"), 2, 6)
    satisfaction = indicators.compute("dossiers_satisfaction", s)
    assert (satisfaction.value, satisfaction.numerator, satisfaction.denominator) == (Decimal("50.0"), 1, 2)


def test_staffing(world):
    s, a, b = world["scope"], world["a"], world["b"]
    assert indicators.compute("staffing_quota", s).value == 5
    in_post = indicators.compute("staffing_in_post", s)
    assert (in_post.value, rows(in_post)) == (5, [(str(a.pk), 3, None, None), (str(b.pk), 2, None, None)])
    surplus = indicators.compute("staffing_surplus", s)
    # only A has a known quota: 3 in post − 5 = −2
    assert (surplus.value, surplus.numerator, surplus.denominator) == (-2, 3, 5)
    assert rows(surplus) == [(str(a.pk), -2, 3, 5)]
    # B alone has people but no quota: its quota and surplus are unknown ("—"), not 0
    only_b = Scope(agency_ids=(b.pk,), start=s.start, end=s.end)
    assert indicators.compute("staffing_quota", only_b).value is None
    unknown = indicators.compute("staffing_surplus", only_b)
    assert (unknown.value, unknown.numerator, unknown.denominator, unknown.breakdown) == (None, None, None, [])
    assert indicators.compute("staffing_in_post", only_b).value == 2


def test_exchange(world):
    s, a, b = world["scope"], world["a"], world["b"]
    sent = indicators.compute("exchange_sent", s)
    assert (sent.value, rows(sent)) == (1, [(str(a.pk), 1, None, None)])
    received = indicators.compute("exchange_received", s)
    assert (received.value, rows(received)) == (1, [(str(b.pk), 1, None, None)])
    waiting = indicators.compute("exchange_waiting", s)
    assert (waiting.value, rows(waiting)) == (1, [(str(a.pk), 1, None, None)])


def test_equipment(world):
    s, b = world["scope"], world["b"]
    vc = indicators.compute("equipment_video_conference", s)
    assert (vc.value, vc.numerator, vc.denominator) == (1, 1, 1)  # 1/1 commune connected
    cams = indicators.compute("equipment_cameras", s)
    assert (cams.value, cams.numerator, cams.denominator) == (3, 1, 1)  # 3 cameras in 1/1 commune
    assert rows(cams) == [(str(b.pk), 3, 2, 3)]


def test_long_periods_read_months_and_add_up(world):
    a, b = world["a"], world["b"]
    ids = tuple(sorted([a.pk, b.pk]))
    # 01/01 – 27/11: whole months January – October from the monthly sums, November's days from the daily rows.
    # Incoming: October 6, September 1 (30/09) + the 8 documents of the assignments (15/09).
    year = Scope(agency_ids=ids, start=dt.date(2026, 1, 1), end=dt.date(2026, 11, 27))
    r = indicators.compute("documents_incoming", year)
    assert r.value == 15
    monthly = dict(r.series)
    assert len(r.series) == 11 and monthly[dt.date(2026, 9, 1)] == 9 and monthly[dt.date(2026, 10, 1)] == 6
    # 20/09 – 27/11: September's last days from the daily rows (only 30/09), October whole, November's days
    partial = Scope(agency_ids=ids, start=dt.date(2026, 9, 20), end=dt.date(2026, 11, 27))
    assert indicators.compute("documents_incoming", partial).value == 7
    # the overdue snapshot of a long period is the one at its end; the series takes each month's last day
    overdue = indicators.compute("processing_overdue", Scope(ids, dt.date(2026, 6, 1), dt.date(2026, 10, 31)))
    assert overdue.value == 1
    assert dict(overdue.series)[dt.date(2026, 9, 1)] == 0 and dict(overdue.series)[dt.date(2026, 10, 1)] == 1


def test_an_empty_scope_gives_zero_counts_and_no_rates(world):
    c = world["c"]
    s = Scope(agency_ids=(c.pk,), start=dt.date(2026, 8, 1), end=dt.date(2026, 8, 31))
    assert indicators.compute("documents_incoming", s).value == 0
    r = indicators.compute("dossiers_on_time_rate", s)
    assert (r.value, r.numerator, r.denominator, r.breakdown) == (None, 0, 0, [])


def test_the_indicators_command_prints_every_value_and_formula(world, capsys):
    import json

    from django.core.management import call_command

    call_command("dashboard", "indicators", "--agency", str(world["a"].pk), "--from", "2026-10-01",
                 "--to", "31/10/2026", "--json")
    out = json.loads(capsys.readouterr().out)
    values = {i["key"]: i["value"] for i in out["indicators"]}
    assert values["documents_incoming"] == 6 and values["dossiers_on_time_rate"] == 50.0
    assert all(i["formula"] for i in out["indicators"])
    call_command("dashboard", "indicators", "--agency", str(world["a"].pk), "--from", "2026-10-01",
                 "--to", "2026-10-31")
    text = capsys.readouterr().out
    assert "Văn bản đến [documents_incoming]: 6 văn bản" in text
    assert "Công thức: Số văn bản đến được vào sổ trong kỳ" in text


def test_the_rebuild_command_refuses_bad_input_and_changes_nothing(world):
    from django.core.management import CommandError, call_command

    from congvu.dashboard.models import DailyFigure

    before = set(DailyFigure.objects.values_list("metric", "agency_id", "day", "dimension", "value"))
    with pytest.raises(CommandError, match="không hợp lệ"):
        call_command("dashboard", "rebuild", "--from", "2026-13-01")
    with pytest.raises(CommandError, match="năm phải từ 1900 đến 2999"):
        call_command("dashboard", "indicators", "--from", "31/12/9999")
    with pytest.raises(CommandError, match="Không có cơ quan số 999999"):
        call_command("dashboard", "rebuild", "--agency", "999999")
    with pytest.raises(CommandError, match="Ngày kết thúc phải sau ngày bắt đầu"):
        call_command("dashboard", "rebuild", "--from", "2026-10-05", "--to", "2026-10-01")
    assert set(DailyFigure.objects.values_list("metric", "agency_id", "day", "dimension", "value")) == before
    call_command("dashboard", "rebuild", "--from", "2026-10-01", "--to", "2026-10-31", "--agency", str(world["b"].pk))
    assert set(DailyFigure.objects.values_list("metric", "agency_id", "day", "dimension", "value")) == before
