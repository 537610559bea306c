"""Operations dashboard (IOC) benchmarks: `python -m bench.dashboard [--docs 1000000] [--dossiers 1000000]`.

1. Builds one deployment of 200 agencies with 1,000,000 documents and 1,000,000 dossiers by running the two
   existing generators into the same database: bench.dataset (documents: a province People's Committee with 20
   departments and 79 communes = 100 agencies, made a tree here) and bench.onestop (dossiers: a second province
   over 99 communes = 100 agencies, one year), then adds the lead assignment (xử lý chính) of every incoming
   document (deadline 10 days; 85 % accepted, on time or late, the rest still open, some overdue), a leader of
   the documents' province (a "district leader" whose subtree is 100 agencies) and a superuser.
2. Rebuilds the roll-ups from scratch (`rollups.rebuild()`), timed.
3. Times every indicator's compute (p50 / p95 over --runs runs) over the whole deployment and over one agency,
   for one month and for one year. Baseline in the same run: `SELECT COUNT(*)` of the DailyFigure rows of one
   metric over the year. Goal: under 50 ms each.
4. The dashboard's first paint: GET /dashboard/ (Django test client, server time) as the superuser and as the
   province leader. Goal: under 500 ms.
5. Roll-up maintenance against registering a document: N incoming documents registered through
   congvu.documents.services, timed; then `rollups.refresh()` over their N journal entries, timed; the ratio.
   Goal: under 10 %.

`--smoke` uses 20,000 documents and 20,000 dossiers and 3 runs. Data directory ./var/bench-dashboard unless
CONGVU_DATA_DIR is set; CONGVU_DATABASE_URL=postgres://… runs on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time

from bench import common

ADMIN = "bench_dash_admin"
LEADER = "bench_dash_leader"
PASSWORD = "bench-password"


def build(*, docs: int, dossiers: int, agencies: int = 200, seed: int = 1) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import dataset, onestop
    from congvu.demo.rows import TableWriter
    from congvu.documents.models import Direction, Document
    from congvu.org.models import Agency, Department, Membership, Official, Role
    from congvu.workflow.models import ACTIVE_STATUSES, Assignment, AssignmentRole, AssignmentStatus

    started = time.monotonic()
    half = agencies // 2
    built_docs = dataset.build(docs=docs, agencies=half, big_share=0.3, seed=seed)
    print(f"documents: {built_docs['docs']:,} in {built_docs['seconds']:.0f} s", flush=True)
    # The documents' province becomes the root of its agencies; the dossier generator then adds its own
    # province (same identifier: renamed first) and communes into the same database.
    province = Agency.objects.get(identifier="000.00.00.H47")
    Agency.objects.filter(pk=province.pk).update(identifier="000.00.00.H46", name="UBND tỉnh Thử tải (văn bản)")
    Agency.objects.exclude(pk=province.pk).update(parent=province)
    doc_agency_ids = list(Agency.objects.values_list("pk", flat=True))
    real_reset = onestop._reset_database
    onestop._reset_database = lambda: None
    try:
        built_dossiers = onestop.build(dossiers=dossiers, agencies=agencies - half, seed=seed)
    finally:
        onestop._reset_database = real_reset
    print(f"dossiers: {built_dossiers['dossiers']:,} in {built_dossiers['seconds']:.0f} s", flush=True)

    # lead assignments of the incoming documents
    rng = random.Random(seed)
    now = timezone.now()
    dept_of = dict(Department.objects.filter(agency_id__in=doc_agency_ids).values_list("agency_id", "pk"))
    official_of = dict(Membership.objects.filter(agency_id__in=doc_agency_ids, role=Role.CLERK)
                       .values_list("agency_id", "official_id"))
    made = 0
    with transaction.atomic():
        writer = TableWriter(Assignment, batch_size=10_000)
        pk = writer.next_id()
        for doc_id, agency_id, registered_at in (Document.objects.filter(direction=Direction.INCOMING)
                                                 .values_list("pk", "agency_id", "registered_at")
                                                 .iterator(chunk_size=20_000)):
            created = registered_at + dt.timedelta(hours=2)
            due = created + dt.timedelta(days=10)
            status, completed = AssignmentStatus.PENDING, None
            if created < now - dt.timedelta(days=30) or rng.random() < 0.85:
                completed = created + dt.timedelta(days=rng.choice((1, 2, 3, 5, 8, 9, 12, 20)), hours=3)
                if completed > now:
                    completed = None
                else:
                    status = AssignmentStatus.ACCEPTED
            writer.add({"id": pk, "agency_id": agency_id, "document_id": doc_id, "role": AssignmentRole.LEAD,
                        "assignee_department_id": dept_of[agency_id], "assigned_by_id": official_of[agency_id],
                        "due_at": due, "status": status, "active": 1 if status in ACTIVE_STATUSES else 0,
                        "created_at": created, "completed_at": completed, "accepted_at": completed,
                        "progress": 100 if completed else 0})
            pk += 1
            made += 1
        writer.finish()
        User = get_user_model()
        password = make_password(PASSWORD)
        User.objects.create(username=ADMIN, password=password, is_superuser=True, is_staff=True)
        leader = User.objects.create(username=LEADER, password=password)
        official = Official.objects.create(user=leader, full_name="Lãnh đạo thử tải")
        Membership.objects.create(official=official, agency=province, role=Role.LEADER)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"assignments: {made:,}", flush=True)
    return {"docs": docs, "dossiers": dossiers, "assignments": made, "agencies": Agency.objects.count(),
            "seconds": time.monotonic() - started}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--register", type=int, default=200, help="documents registered for the overhead ratio")
    parser.add_argument("--skip-dataset", action="store_true")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="build the dataset and stop")
    parser.add_argument("--smoke", action="store_true", help="20,000 documents and dossiers, 3 runs, nothing written")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/PERFORMANCE.md")
    args = parser.parse_args(argv)
    if args.smoke:
        args.docs, args.dossiers, args.runs, args.register, args.no_write = 20_000, 20_000, 3, 50, True
    os.environ.setdefault("CONGVU_DATA_DIR", str(common.ROOT / "var" / "bench-dashboard"))
    common.setup()
    built = None
    if not args.skip_dataset:
        built = build(docs=args.docs, dossiers=args.dossiers, agencies=args.agencies)
        print(f"built in {built['seconds']:.0f} s: {built}", flush=True)
        if args.build_only:
            return
    run(args, built)


def run(args, built) -> None:  # filled in below
    raise SystemExit("timing part not written yet")


if __name__ == "__main__":
    main()
