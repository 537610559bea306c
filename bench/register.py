"""Registration throughput: `CONGVU_DATABASE_URL=postgres://… python -m bench.register`.

Eight writer processes register incoming documents into ONE register at the same time through the
service (`documents.services.incoming_register`: validation, row lock on the register, document,
search row and journal row in one transaction). Afterwards the register must hold exactly 1..N.
Baseline in the same run: the same number of rows inserted by eight processes with plain INSERTs
(autocommit, numbers chosen by the writer, no lock, no search row, no journal).
Goal (PostgreSQL): at least 200 registrations/s.
"""

import argparse
import multiprocessing as mp
import os
import time

from bench import common


def _prepare() -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from congvu.documents.models import Direction, DocumentType, Register
    from congvu.org.models import Agency, AgencyKind, Membership, Official, Role

    stamp = f"{time.time():.0f}"
    agency = Agency.objects.create(name=f"UBND xã Thử tải {stamp}", notation_code="UBND",
                                   kind=AgencyKind.COMMUNE_PC)
    user = get_user_model().objects.create(username=f"bench_register_{stamp}", password=make_password(None))
    official = Official.objects.create(user=user, full_name="Văn thư thử tải")
    Membership.objects.create(official=official, agency=agency, role=Role.CLERK)
    # A second register of the same agency for the raw baseline, so the two runs never share numbers.
    raw_register = Register.objects.create(agency=agency, year=timezone.localdate().year - 1,
                                           direction=Direction.INCOMING, name="Sổ thử tải (ghi thẳng)")
    doc_type = DocumentType.objects.get(code="cong_van", valid_to__isnull=True)
    return {"agency_id": agency.pk, "user_id": user.pk, "raw_register_id": raw_register.pk,
            "doc_type_id": doc_type.pk}


def _service_writer(ctx: dict, worker: int, count: int, barrier, out) -> None:
    common.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from congvu.documents.services import IncomingData, incoming_register
    from congvu.org.models import Agency

    user = get_user_model().objects.get(pk=ctx["user_id"])
    agency = Agency.objects.get(pk=ctx["agency_id"])
    connection.ensure_connection()
    barrier.wait()
    start = time.perf_counter()
    failures = 0
    for i in range(count):
        data = IncomingData(
            issuer="Sở Nội vụ tỉnh Quảng Nam", number=f"{worker + 1}{i:05d}", notation="SNV-XDCQ",
            issued_date=time.strftime("%d/%m/%Y"), doc_type="cong_van",
            subject=f"V/v triển khai chuyển đổi số, văn bản thử tải {worker}-{i}", signer="Võ Văn Thương",
        )
        try:
            incoming_register(actor=user, agency=agency, data=data)
        except Exception as exc:  # counted and reported: a benchmark must not hide failures
            failures += 1
            print(f"writer {worker}: {exc!r}")
    out.put((worker, start, time.perf_counter(), failures))
    connection.close()


def _raw_writer(ctx: dict, worker: int, count: int, writers: int, barrier, out) -> None:
    common.setup()
    from django.db import connection
    from django.utils import timezone

    from congvu.documents.models import Document

    table = Document._meta.db_table
    cols = ("agency_id", "direction", "register_id", "register_number", "registered_at", "number", "notation",
            "doc_type_id", "issuer", "issuer_folded", "subject", "signer", "signer_title", "urgency", "secrecy",
            "channel", "notes", "status", "created_by_id", "issued_date")
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
    connection.ensure_connection()
    barrier.wait()
    start = time.perf_counter()
    with connection.cursor() as cur:
        for i in range(count):
            n = worker + 1 + i * writers
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cur.execute(sql, [ctx["agency_id"], "in", ctx["raw_register_id"], n, now, str(n), "SNV-XDCQ",
                              ctx["doc_type_id"], "Sở Nội vụ tỉnh Quảng Nam", "so noi vu tinh quang nam",
                              f"V/v thử tải ghi thẳng {worker}-{i}", "", "", "normal", "normal", "paper", "",
                              "registered", ctx["user_id"],
                              connection.ops.adapt_datefield_value(timezone.localdate())])
    out.put((worker, start, time.perf_counter(), 0))
    connection.close()


def _run_writers(target, args_for, writers: int) -> tuple[float, int]:
    spawn = mp.get_context("spawn")
    barrier, out = spawn.Barrier(writers), spawn.Queue()
    procs = [spawn.Process(target=target, args=(*args_for(w), barrier, out)) for w in range(writers)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    start = min(r[1] for r in results)
    end = max(r[2] for r in results)
    return end - start, sum(r[3] for r in results)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--per-writer", type=int, default=250)
    args = parser.parse_args(argv)
    common.setup()
    from django.db import connection

    from congvu.documents.models import Document, Register

    ctx = _prepare()
    connection.close()  # the writers open their own connections
    n = args.writers * args.per_writer
    print(f"{args.writers} writers × {args.per_writer} registrations into one register on {common.engine_name()}")
    raw_seconds, _ = _run_writers(_raw_writer, lambda w: (ctx, w, args.per_writer, args.writers), args.writers)
    service_seconds, failures = _run_writers(_service_writer, lambda w: (ctx, w, args.per_writer), args.writers)

    register = Register.objects.get(agency_id=ctx["agency_id"], scope="general", year=time.localtime().tm_year,
                                    direction="in")
    numbers = list(Document.objects.filter(register=register).order_by("register_number")
                   .values_list("register_number", flat=True))
    gapless = numbers == list(range(1, len(numbers) + 1)) and register.next_number == len(numbers) + 1
    service_rate, raw_rate = n / service_seconds, n / raw_seconds
    ok = "met" if service_rate >= 200 and gapless and not failures else "not met"
    print(f"raw INSERTs: {raw_rate:,.0f}/s   service: {service_rate:,.0f}/s   ratio {service_rate / raw_rate:.2f}x")
    print(f"numbers: {len(numbers)} registered, exactly 1..{len(numbers)}: {gapless}; failures: {failures} → {ok}")
    common.write_section(
        "register", "Registration throughput (8 concurrent writers, one register)",
        f"`CONGVU_DATABASE_URL=… python -m bench.register`: {args.writers} processes × {args.per_writer} "
        "registrations through `incoming_register` into one register.\n\n"
        "| | registrations/s | |\n|---|---|---|\n"
        f"| plain INSERT, no service (baseline) | {raw_rate:,.0f} | 1.00x |\n"
        f"| `incoming_register` (lock, document, search row, journal) | {service_rate:,.0f} | "
        f"{service_rate / raw_rate:.2f}x |\n\n"
        f"Afterwards the register holds {len(numbers):,} documents numbered exactly 1..{len(numbers):,}: "
        f"**{'yes' if gapless else 'NO'}**; failed registrations: {failures}. Goal ≥ 200/s: **{ok}**.",
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
