"""Build a large synthetic corpus for the benchmarks: `python -m bench.dataset --docs 1000000`.

Writes agencies (one province People's Committee that holds most documents, so that its incoming list
has more than 10,000 pages, plus departments and communes), one clerk per agency, yearly registers,
documents numbered 1..N per register in arrival order, outgoing recipients and the search rows the
search service would write (congvu.demo.seed.index_body: the same text as search.index_document).
Rows go in by executemany (SQLite) or COPY (PostgreSQL) in committed chunks, not through the ORM.

The database is emptied first (--keep to add to it is not offered: numbering must start from 1).
"""

import argparse
import datetime as dt
import random
import time

from bench import common

AGENCY_CLERK = "bench_clerk_0"  # clerk of the big agency: the user the search and list benches act as
SMALL_CLERK = "bench_clerk_7"  # clerk of a small commune
PASSWORD = "bench-password"

COMMUNE_NAMES = (
    "Tam Kỳ", "Hội An", "Điện Bàn", "Duy Xuyên", "Thăng Bình", "Quế Sơn", "Núi Thành", "Tiên Phước", "Hiệp Đức",
    "Bắc Trà My", "Nam Trà My", "Phước Sơn", "Nam Giang", "Đông Giang", "Tây Giang", "Đại Lộc", "Phú Ninh",
    "Nông Sơn", "Quế Trung", "Ninh Phước", "Sơn Viên", "Quế Lộc", "Phước Ninh", "Quế Lâm",
)


def _reset_database() -> None:
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        from pathlib import Path

        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(db["NAME"]) + suffix).unlink(missing_ok=True)
    else:
        with connection.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = [r[0] for r in cur.fetchall()]
            ours = [t for t in tables if t.split("_")[0] in ("documents", "org", "audit", "auth", "api", "django")
                    and t not in ("django_migrations", "documents_documenttype", "django_content_type",
                                  "auth_permission")]
            if ours:
                cur.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in ours) + " RESTART IDENTITY CASCADE")


def build(*, docs: int, agencies: int, big_share: float, seed: int, years: int = 2, chunk: int = 50_000) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from congvu.core.folding import fold_for_index
    from congvu.demo import corpus
    from congvu.demo.rows import TableWriter
    from congvu.demo.seed import index_body
    from congvu.documents import search
    from congvu.documents.models import (
        Channel,
        Direction,
        Document,
        DocumentAccess,
        DocumentStatus,
        DocumentType,
        Recipient,
        Register,
        SearchEntry,
        Secrecy,
    )
    from congvu.documents.numbering import build_notation, format_number
    from congvu.org.models import Agency, AgencyKind, Department, Membership, Official, Role

    started = time.monotonic()
    _reset_database()
    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous=OFF")  # a generator's crash just means running it again
    rng = random.Random(seed)

    # --- organisation ---
    with transaction.atomic():
        rows = [Agency(name="UBND tỉnh Quảng Nam", short_name="UBND tỉnh", notation_code="UBND",
                       kind=AgencyKind.PROVINCE_PC, identifier="000.00.00.H47", place="Quảng Nam")]
        for i in range(1, agencies):
            if i <= 20:
                rows.append(Agency(name=f"Sở số {i} tỉnh Quảng Nam", short_name=f"Sở {i}", notation_code=f"S{i}",
                                   kind=AgencyKind.DEPARTMENT, identifier=f"000.00.{i:02d}.H47", place="Quảng Nam"))
            else:
                name = COMMUNE_NAMES[i % len(COMMUNE_NAMES)]
                rows.append(Agency(name=f"UBND xã {name} {i}", short_name=f"UBND xã {name}", notation_code="UBND",
                                   kind=AgencyKind.COMMUNE_PC,
                                   identifier=f"000.{i % 100:02d}.{21 + i // 100:02d}.H47", place=name))
        agency_rows = Agency.objects.bulk_create(rows)
        depts = Department.objects.bulk_create(
            [Department(agency=a, name="Văn phòng", code="VP") for a in agency_rows])
        password = make_password(PASSWORD)
        User = get_user_model()
        users = User.objects.bulk_create(
            [User(username=f"bench_clerk_{i}", password=password) for i in range(len(agency_rows))])
        officials = Official.objects.bulk_create(
            [Official(user=u, full_name=corpus.person_name(rng)) for u in users])
        Membership.objects.bulk_create(
            [Membership(official=o, agency=a, department=d, role=Role.CLERK)
             for o, a, d in zip(officials, agency_rows, depts)])
        this_year = timezone.localdate().year
        year_list = list(range(this_year - years + 1, this_year + 1))
        registers = {}
        for a in agency_rows:
            for year in year_list:
                for direction in (Direction.INCOMING, Direction.OUTGOING):
                    for scope in (Register.Scope.GENERAL, Register.Scope.SECRET):
                        registers[(a.pk, year, direction, scope)] = Register(
                            agency=a, year=year, direction=direction, scope=scope,
                            name=f"Sổ {'văn bản đến' if direction == 'in' else 'văn bản đi'}"
                                 f"{' mật' if scope == 'secret' else ''} năm {year}")
        Register.objects.bulk_create(list(registers.values()))

    types = {t.code: t for t in DocumentType.objects.filter(valid_to__isnull=True)}
    big, small = agency_rows[0], agency_rows[1:]
    clerk_of = {a.pk: u.pk for a, u in zip(agency_rows, users)}
    official_of = {a.pk: o.pk for a, o in zip(agency_rows, officials)}
    dept_of = {a.pk: d for a, d in zip(agency_rows, depts)}
    counters: dict[int, int] = {}
    issuer_numbers: dict[tuple, int] = {}
    folded: dict[str, str] = {}

    def fold(text: str) -> str:
        value = folded.get(text)
        if value is None:
            value = folded[text] = fold_for_index(text)
        return value

    writers = {m: TableWriter(m, batch_size=10_000) for m in (Document, Recipient, DocumentAccess, SearchEntry)}
    doc_id = writers[Document].next_id()
    recipient_id = access_id = 1
    now = timezone.now()
    start = now - dt.timedelta(days=365 * years - 30)
    span = (now - start).total_seconds()
    weights = [i.weight for i in corpus.EXTERNAL_ISSUERS]
    print(f"generating {docs:,} documents in {len(agency_rows)} agencies ({big_share:.0%} in {big.name}) …")
    for chunk_start in range(0, docs, chunk):
        with transaction.atomic():
            for i in range(chunk_start, min(docs, chunk_start + chunk)):
                at = start + dt.timedelta(seconds=span * (i + 0.5) / docs)
                local = timezone.localtime(at)
                day = local.date()
                if day.year not in year_list:
                    day = day.replace(year=year_list[0])
                agency = big if rng.random() < big_share else rng.choice(small)
                incoming = rng.random() < 0.75
                secrecy = Secrecy.CONFIDENTIAL if rng.random() < 0.005 else Secrecy.NORMAL
                scope = Register.Scope.SECRET if secrecy != Secrecy.NORMAL else Register.Scope.GENERAL
                direction = Direction.INCOMING if incoming else Direction.OUTGOING
                register = registers[(agency.pk, day.year, direction, scope)]
                n = counters[register.pk] = counters.get(register.pk, 0) + 1
                if incoming:
                    type_code = corpus.pick_type(rng, corpus.INCOMING_TYPES)
                    doc_type = types[type_code]
                    issuer = rng.choices(corpus.EXTERNAL_ISSUERS, weights=weights)[0]
                    key = (issuer.name, day.year)
                    number = issuer_numbers[key] = issuer_numbers.get(key, 0) + rng.randint(1, 3)
                    signer, title = rng.choice(issuer.signers)
                    values = {
                        "number": str(number),
                        "notation": build_notation(type_abbreviation=doc_type.abbreviation, agency_code=issuer.code,
                                                   department_code=rng.choice(issuer.units)),
                        "issuer": issuer.name, "issued_date": day, "signer": signer, "signer_title": title,
                        "channel": Channel.ELECTRONIC, "status": DocumentStatus.REGISTERED,
                        "receiving_department_id": dept_of[agency.pk].pk,
                    }
                    names = []
                else:
                    type_code = corpus.pick_type(rng, corpus.OUTGOING_TYPES)
                    doc_type = types[type_code]
                    names = [rng.choice(corpus.EXTERNAL_ISSUERS).name]
                    values = {
                        "number": format_number(n),
                        "notation": build_notation(type_abbreviation=doc_type.abbreviation,
                                                   agency_code=agency.notation_code, department_code="VP"),
                        "issuer": agency.name, "issuer_agency_id": agency.pk, "issued_date": day,
                        "signer": "Nguyễn Văn An", "signer_title": "CHỦ TỊCH", "channel": Channel.PAPER,
                        "status": DocumentStatus.DISPATCHED, "dispatched_on": day, "copies": 2,
                        "drafting_department_id": dept_of[agency.pk].pk,
                    }
                values.update({
                    "id": doc_id, "agency_id": agency.pk, "direction": direction, "register_id": register.pk,
                    "register_number": n, "registered_at": at, "doc_type_id": doc_type.pk,
                    "subject": corpus.subject(rng, type_code, day), "urgency": "normal", "secrecy": secrecy,
                    "pages": rng.randint(1, 12), "created_by_id": clerk_of[agency.pk],
                    "issuer_folded": fold(values["issuer"])[:200],
                })
                if rng.random() < 0.08:
                    values["urgency"] = rng.choice(("urgent", "urgent", "very_urgent", "flash"))
                writers[Document].add(values)
                for position, name in enumerate(names):
                    writers[Recipient].add({"id": recipient_id, "document_id": doc_id, "name": name,
                                            "position": position})
                    recipient_id += 1
                if secrecy != Secrecy.NORMAL:
                    writers[DocumentAccess].add({"id": access_id, "document_id": doc_id,
                                                 "official_id": official_of[agency.pk]})
                    access_id += 1
                writers[SearchEntry].add({"document_id": doc_id,
                                          "body": index_body(values, doc_type.name, names, [], fold=fold)})
                doc_id += 1
            for model in (Document, Recipient, DocumentAccess, SearchEntry):
                writers[model].flush()
        done = min(docs, chunk_start + chunk)
        elapsed = time.monotonic() - started
        print(f"  {done:>10,} documents  {elapsed:7.1f} s  ({done / elapsed:,.0f}/s)", flush=True)

    with transaction.atomic():
        for writer in writers.values():
            writer.finish()
        for register in registers.values():
            if register.pk in counters:
                Register.objects.filter(pk=register.pk).update(next_number=counters[register.pk] + 1)
    search._engine().tidy()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    seconds = time.monotonic() - started
    return {"docs": docs, "agencies": len(agency_rows), "seconds": seconds,
            "big_incoming": Document.objects.filter(agency=big, direction="in").count()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--big-share", type=float, default=0.7,
                        help="share of documents in the big agency (its list needs 10,000 pages × 50 rows)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    common.setup()
    result = build(docs=args.docs, agencies=args.agencies, big_share=args.big_share, seed=args.seed)
    rate = result["docs"] / result["seconds"]
    print(f"\n{result['docs']:,} documents in {result['seconds']:.0f} s ({rate:,.0f} documents/s), "
          f"{result['big_incoming']:,} incoming in the big agency")
    common.write_section(
        "dataset", "Dataset generator",
        f"`python -m bench.dataset --docs {args.docs} --agencies {args.agencies}` built {result['docs']:,} "
        f"documents (with their search rows) in {result['agencies']} agencies in **{result['seconds']:.0f} s** "
        f"({rate:,.0f} documents/s); the big agency holds {result['big_incoming']:,} incoming documents "
        f"({result['big_incoming'] // 50:,} list pages of 50).",
    )


if __name__ == "__main__":
    main()
