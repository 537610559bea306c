""""My work" and the overdue list at scale: `python -m bench.mywork` (after `python -m bench.dataset`).

Adds processing data to the big agency of the benchmark dataset unless it is there already (see
`ensure_workflow_data`): 10 departments with a head each, 190 officers, one leader who directs, and
200,000 open assignments on its incoming documents (a third overdue, 8 % urgent, lead / coordinate /
inform, some to departments) plus 50,000 finished ones and 5,000 results awaiting the leader.

Then measures, in the same run, p95 over `--repeat` calls:
- `my_work` for an officer (≈ 1,000 open rows), a unit head (his unit's rows) and the leader (results to
  accept, presentations), and the page /my-work/ rendered through the test client;
- `overdue_assignments` (count + first page of 50) for the leader (the whole agency) and for an officer,
  and the page /processing/overdue/;
- a baseline: the raw index read behind each (ids of the first 50 rows, no visibility, no rendering).
Goal: p95 under 100 ms. Prints the figures; the integrator copies them into docs/PERFORMANCE.md.
"""

import argparse
import datetime as dt
import random
import time

from bench import common

OPEN_ASSIGNMENTS = 200_000
CLOSED_ASSIGNMENTS = 50_000
SUBMITTED = 5_000
OFFICERS = 190
DEPARTMENTS = 10
LEADER = "bench_leader"
OFFICER = "bench_officer_0"
HEAD = "bench_head_0"
PASSWORD = "bench-password"


def ensure_workflow_data(*, seed: int = 7) -> dict:
    """Processing rows for the big agency (idempotent: does nothing when the leader already exists)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.dataset import AGENCY_CLERK
    from congvu.demo import corpus
    from congvu.demo.rows import TableWriter
    from congvu.documents.models import URGENCY_RANK, Document
    from congvu.org.models import Department, Membership, Official, Position, Role
    from congvu.workflow.models import Assignment, AssignmentRole, AssignmentStatus, Direction

    User = get_user_model()
    clerk = User.objects.get(username=AGENCY_CLERK)
    agency_id = clerk.official.memberships.get().agency_id
    if User.objects.filter(username=LEADER).exists():
        return {"agency_id": agency_id, "created": False}
    started = time.monotonic()
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        password = make_password(PASSWORD)
        head_pos, _ = Position.objects.get_or_create(name="Trưởng phòng", defaults={"is_leader": True})
        officer_pos, _ = Position.objects.get_or_create(name="Chuyên viên")
        depts = Department.objects.bulk_create([Department(agency_id=agency_id, name=f"Phòng chuyên môn {i + 1}",
                                                           code=f"P{i + 1}") for i in range(DEPARTMENTS)])
        names = [LEADER] + [f"bench_head_{i}" for i in range(DEPARTMENTS)] + [f"bench_officer_{i}"
                                                                             for i in range(OFFICERS)]
        users = User.objects.bulk_create([User(username=n, password=password) for n in names])
        officials = Official.objects.bulk_create([Official(user=u, full_name=corpus.person_name(rng)) for u in users])
        leader, heads, officers = officials[0], officials[1:1 + DEPARTMENTS], officials[1 + DEPARTMENTS:]
        members = [Membership(official=leader, agency_id=agency_id, role=Role.LEADER)]
        members += [Membership(official=o, agency_id=agency_id, role=Role.OFFICER, department=depts[i],
                               position=head_pos) for i, o in enumerate(heads)]
        members += [Membership(official=o, agency_id=agency_id, role=Role.OFFICER,
                               department=depts[i % DEPARTMENTS], position=officer_pos) for i, o in enumerate(officers)]
        Membership.objects.bulk_create(members)
    docs = list(Document.objects.filter(agency_id=agency_id, direction="in", secrecy="normal")
                .order_by("-pk").values_list("pk", "urgency")[: (OPEN_ASSIGNMENTS + CLOSED_ASSIGNMENTS + SUBMITTED)])
    rng.shuffle(docs)
    writer = TableWriter(Assignment, batch_size=10_000)
    dwriter = TableWriter(Direction, batch_size=10_000)
    with transaction.atomic():
        pk = writer.next_id()
        dpk = dwriter.next_id()
        for i, (doc_id, urgency) in enumerate(docs):
            if i < OPEN_ASSIGNMENTS:
                status = rng.choice((AssignmentStatus.PENDING, AssignmentStatus.IN_PROGRESS,
                                     AssignmentStatus.IN_PROGRESS, AssignmentStatus.RETURNED))
                # a third overdue (up to 60 days), the rest due within the next 60 days
                offset = -rng.uniform(0, 60) if rng.random() < 1 / 3 else rng.uniform(0, 60)
            elif i < OPEN_ASSIGNMENTS + CLOSED_ASSIGNMENTS:
                status, offset = AssignmentStatus.ACCEPTED, -rng.uniform(0, 300)
            else:
                status, offset = AssignmentStatus.SUBMITTED, rng.uniform(-10, 20)
            due_at = now + dt.timedelta(days=offset)
            created = due_at - dt.timedelta(days=rng.randint(5, 20))
            dwriter.add({"id": dpk, "agency_id": agency_id, "document_id": doc_id, "author_id": leader.pk,
                         "text": "Đề nghị nghiên cứu, tham mưu xử lý", "due_at": due_at, "created_at": created})
            r = rng.random()
            role = AssignmentRole.LEAD if r < 0.7 else (AssignmentRole.COORDINATE if r < 0.9 else AssignmentRole.INFORM)
            to_dept = rng.random() < 0.1
            active = status in (AssignmentStatus.PENDING, AssignmentStatus.IN_PROGRESS, AssignmentStatus.RETURNED)
            writer.add({
                "id": pk, "agency_id": agency_id, "document_id": doc_id, "direction_id": dpk, "role": role,
                "assignee_official_id": None if to_dept else rng.choice(officers).pk,
                "assignee_department_id": rng.choice(depts).pk if to_dept else None,
                "assigned_by_id": leader.pk, "due_at": None if role == AssignmentRole.INFORM else due_at,
                "status": status, "active": int(active), "progress": 100 if not active else rng.choice((0, 20, 50, 80)),
                "urgency_rank": URGENCY_RANK.get(urgency, 0), "secret": 0, "note": "", "result_note": "",
                "reason": "", "created_at": created,
                "submitted_at": now if status in (AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED) else None,
                "completed_at": now if status == AssignmentStatus.ACCEPTED else None,
            })
            pk += 1
            dpk += 1
        dwriter.flush()
        writer.flush()
        dwriter.finish()
        writer.finish()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"agency_id": agency_id, "created": True, "seconds": time.monotonic() - started, "rows": len(docs)}


def _timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def run(repeat: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from congvu.workflow import selectors
    from congvu.workflow.models import Assignment

    made = ensure_workflow_data()
    agency_id = made["agency_id"]
    User = get_user_model()
    users = {n: User.objects.get(username=n) for n in (OFFICER, HEAD, LEADER)}

    def fresh(name):
        return User.objects.get(pk=users[name].pk)  # no cached roles between calls

    def my_work(name):
        return lambda: selectors.my_work(fresh(name), agency_id)

    def overdue(name):
        return lambda: selectors.overdue_assignments(fresh(name), agency_id)

    def raw_mine(name):
        official_id = users[name].official.pk

        def go():
            list(Assignment.objects.filter(assignee_official_id=official_id, active=1)
                 .order_by("-urgency_rank", "due_at").values_list("pk", flat=True)[:50])
        return go

    def raw_overdue():
        list(Assignment.objects.filter(agency_id=agency_id, active=1, secret=0, due_at__lt=timezone.now())
             .order_by("-urgency_rank", "due_at", "pk").values_list("pk", flat=True)[:50])

    def page(name, url):
        client = Client(HTTP_HOST="localhost")
        client.force_login(users[name])

        def go():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
        return go

    counts = {
        "open": Assignment.objects.filter(agency_id=agency_id, active=1).count(),
        "officer_open": Assignment.objects.filter(assignee_official=users[OFFICER].official, active=1).count(),
        "overdue": selectors.overdue_assignments(users[LEADER], agency_id).total,
        "officer_items": len(selectors.my_work(users[OFFICER], agency_id).items),
        "leader_items": len(selectors.my_work(users[LEADER], agency_id).items),
    }
    cases = [
        ("my_work — officer", my_work(OFFICER), raw_mine(OFFICER)),
        ("my_work — unit head", my_work(HEAD), raw_mine(HEAD)),
        ("my_work — leader (results to accept)", my_work(LEADER), raw_mine(LEADER)),
        ("page /my-work/ — officer", page(OFFICER, "/my-work/"), raw_mine(OFFICER)),
        ("overdue list — leader (whole agency)", overdue(LEADER), raw_overdue),
        ("overdue list — officer", overdue(OFFICER), raw_mine(OFFICER)),
        ("page /processing/overdue/ — leader", page(LEADER, "/processing/overdue/"), raw_overdue),
    ]
    results = []
    for label, fn, raw in cases:
        t, b = _timed(fn, repeat), _timed(raw, repeat)
        results.append((label, common.percentile(t, 95), common.median(t), common.percentile(b, 95)))
    return {"made": made, "counts": counts, "results": results}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    common.setup()
    r = run(args.repeat)
    c = r["counts"]
    print(f"engine: {common.engine_name()}; machine: {common.machine()}")
    print(f"dataset: {common.dataset_size()}; big agency: {c['open']:,} open assignments, {c['overdue']:,} overdue; "
          f"officer: {c['officer_open']:,} open rows ({c['officer_items']} shown); leader sees "
          f"{c['leader_items']} items; workflow rows {'built now' if r['made']['created'] else 'already there'}"
          + (f" in {r['made']['seconds']:.0f} s" if r["made"].get("seconds") else ""))
    print("\n| case | p95 | median | raw index read p95 (baseline) | ratio | goal p95 < 100 ms |")
    print("|---|---|---|---|---|---|")
    for label, p95, med, base in r["results"]:
        ok = "met" if p95 < 0.1 else "not met"
        print(f"| {label} | {common.ms(p95)} | {common.ms(med)} | {common.ms(base)} | {p95 / base:.1f}x | {ok} |")


if __name__ == "__main__":
    main()
