"""Merge wizard benchmark: `python -m bench.merge [--docs 50000] [--runs 7] [--no-write]`.

Builds (always in a database of its own, emptied first: SQLite in ./var/bench-merge; with
CONGVU_DATABASE_URL=postgres://…/NAME, the database NAME_merge on the same server, created when missing — the
caller's database is never touched) the world of congvu/staffing/tests/merge_world.py — Quảng Nam,
Nông Sơn district, the communes Quế Phước and Quế Ninh with their UBND, 33 officials — then gives EACH commune
`--docs` incoming documents (bulk_create, registered over the last three years), every one with its lead
assignment: 97 % accepted (closed), 2 % still open, and 1 % registered in the last days and never assigned (the
clerk's queue); plus 2,000 dossiers each (5 % open) and 200 tasks each (10 % open).

Times `reorg.merge_preview` (p50 / p95 over --runs runs; goal under 2 s) and then one `merge_execute` (not a
goal; reported). Baseline in the same run: `SELECT COUNT(*)` of the two communes' documents. The figures replace
the "merge" section of docs/PERFORMANCE.md unless --no-write.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time

from bench import common


def _own_database() -> None:
    """Point the settings at a database only this bench uses: it is emptied on every run."""
    os.environ["CONGVU_DATA_DIR"] = str(common.ROOT / "var" / "bench-merge")
    url = os.environ.get("CONGVU_DATABASE_URL", "")
    if not url.startswith("postgres"):
        os.environ.pop("CONGVU_DATABASE_URL", None)  # SQLite in the data directory above
        return
    base, _, rest = url.rpartition("/")
    name, sep, query = rest.partition("?")
    own = name if name.endswith("_merge") else f"{name}_merge"
    os.environ["CONGVU_DATABASE_URL"] = f"{base}/{own}{sep}{query}"
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone():
            conn.execute(f'CREATE DATABASE "{own}"')
    print(f"PostgreSQL database of this bench: {own}", flush=True)


def _reset_database() -> None:
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(settings.DATABASES["default"]["NAME"]) + suffix).unlink(missing_ok=True)
    else:
        with connection.cursor() as cur:
            cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)


def build(*, docs: int, seed: int = 1) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from congvu.documents.models import Direction, Document, DocumentType, Register
    from congvu.onestop.models import Dossier, DossierStatus
    from congvu.staffing.tests.merge_world import build_world
    from congvu.workflow.models import ACTIVE_STATUSES, Assignment, AssignmentRole, AssignmentStatus, Task

    started = time.monotonic()
    _reset_database()
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        w = build_world(documents=True)
        doc_type = DocumentType.objects.order_by("pk").first()
        version = w["dossier"].procedure_version
        for key, clerk in (("ag_phuoc", w["clerk_phuoc"]), ("ag_ninh", w["clerk_ninh"])):
            agency = w[key]
            official = clerk.official
            dept = w["depts"][agency.pk]["TP"]
            registers = {}
            rows = []
            for i in range(docs):
                queue = i % 100 == 0
                registered = now - dt.timedelta(days=rng.randint(0, 5)) if queue else \
                    now - dt.timedelta(days=rng.randint(10, 3 * 365), minutes=rng.randint(0, 1440))
                year = registered.year
                if year not in registers:
                    registers[year] = Register.objects.get_or_create(
                        agency=agency, year=year, direction=Direction.INCOMING, scope="general", doc_type_code="",
                        defaults={"name": f"Sổ văn bản đến năm {year}"})[0]
                reg = registers[year]
                reg.next_number += 1
                rows.append(Document(
                    agency=agency, direction=Direction.INCOMING, register=reg, register_number=reg.next_number + 10,
                    registered_at=registered, number=str(rng.randint(1, 9999)), notation="UBND-VP",
                    doc_type=doc_type, issuer="UBND huyện Nông Sơn", issued_date=registered.date(),
                    subject=f"Văn bản thử tải số {i} gửi {agency.name}", created_by=clerk,
                    issuer_folded="ubnd huyen nong son"))
            Document.objects.bulk_create(rows, batch_size=5000)
            for reg in registers.values():
                reg.save(update_fields=["next_number"])
            ids = list(Document.objects.filter(agency=agency, subject__startswith="Văn bản thử tải")
                       .order_by("pk").values_list("pk", "registered_at"))
            asg = []
            for n, (doc_id, registered) in enumerate(ids):
                if n % 100 == 0:
                    continue  # the clerk's queue
                status = AssignmentStatus.IN_PROGRESS if n % 50 == 1 else AssignmentStatus.ACCEPTED
                asg.append(Assignment(agency=agency, document_id=doc_id, role=AssignmentRole.LEAD,
                                      assignee_department=dept, assigned_by=official, status=status,
                                      active=1 if status in ACTIVE_STATUSES else 0,
                                      created_at=registered + dt.timedelta(hours=2)))
            Assignment.objects.bulk_create(asg, batch_size=5000)
            Task.objects.bulk_create([Task(agency=agency, title=f"Công việc {i}", created_by=official, created_at=now,
                                           status="open" if i % 10 == 0 else "done") for i in range(200)])
            Dossier.objects.bulk_create([
                Dossier(agency=agency, procedure_version=version, code=f"{agency.identifier}-B{i:06d}",
                        status=DossierStatus.PROCESSING if i % 20 == 0 else DossierStatus.RETURNED,
                        applicant_name=f"Người nộp {i}", submitted_at=now,
                        finished_at=None if i % 20 == 0 else now) for i in range(2000)], batch_size=5000)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"world": w, "seconds": time.monotonic() - started}


def _plan(w):
    from congvu.staffing import reorg

    return reorg.MergePlan(unit_ids=[w["phuoc"].pk, w["ninh"].pk], name="Xã Ninh Phước", code="20667",
                           unit_type="commune", unit_class="II", effective_date=dt.date(2019, 12, 1),
                           resolution="NQ 814/NQ-UBTVQH14", new_agency_name="UBND xã Ninh Phước",
                           new_agency_notation="UBND", new_agency_identifier="000.23.31.H49")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=50_000, help="documents per commune")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-write", action="store_true", help="do not write docs/PERFORMANCE.md")
    args = parser.parse_args(argv)
    _own_database()
    common.setup()
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from congvu.documents.models import Document
    from congvu.staffing import reorg

    built = build(docs=args.docs)
    w = built["world"]
    print(f"built {Document.objects.count():,} documents in {built['seconds']:.0f} s", flush=True)
    print(f"engine: {common.engine_name()}; machine: {common.machine()}")
    agencies = [w["ag_phuoc"].pk, w["ag_ninh"].pk]
    baseline = []
    for _ in range(args.runs):
        t = time.perf_counter()
        Document.objects.filter(agency_id__in=agencies).count()
        baseline.append(time.perf_counter() - t)
    timings = []
    preview = None
    for _ in range(args.runs):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            preview = reorg.merge_preview(actor=w["admin"], plan=_plan(w))
            timings.append(time.perf_counter() - t)
    counts = {g.key: g.count for g in preview.groups}
    print(f"preview counts: {counts}; surplus {preview.surplus}")
    t = time.perf_counter()
    r = reorg.merge_execute(actor=w["admin"], plan=_plan(w))
    executed = time.perf_counter() - t
    p50, p95 = common.percentile(timings, 50), common.percentile(timings, 95)
    lines = ["| operation | p50 | p95 | goal |", "|---|---|---|---|",
             f"| baseline: COUNT(*) of the two communes' {2 * args.docs:,} documents | "
             f"{common.ms(common.median(baseline))} | {common.ms(common.percentile(baseline, 95))} | |",
             f"| merge_preview (two communes, {args.docs:,} documents each; {len(queries)} queries) | "
             f"{common.ms(p50)} | {common.ms(p95)} | < 2 s: {'met' if p95 < 2 else 'not met'} |",
             f"| merge_execute, once (moves {r.summary['moved']['documents']:,} documents, "
             f"{r.summary['moved']['assignments']:,} assignments, {r.summary['moved']['postings']} postings) | "
             f"{common.ms(executed)} | | |"]
    table = "\n".join(lines)
    print("\n" + table)
    if not args.no_write:
        title = f"Merge wizard (issue 7): preview of two communes with {args.docs:,} documents each"
        common.write_section("merge", title, table + f"\n\nWhat the preview found: {counts}.")


if __name__ == "__main__":
    main()
