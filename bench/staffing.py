"""Staffing report benchmark: `python -m bench.staffing [--communes 100] [--people 5000] [--runs 20] [--write]`.

Builds (in its own data directory ./var/bench-staffing, or CONGVU_DATA_DIR; CONGVU_DATABASE_URL=postgres://… runs
on PostgreSQL, whose schema is emptied first — give it a database of its own) one province (code 99) with
`--communes` communes and wards, each with its UBND linked through UnitAgency: classes I / II / III in turn, a
fifth of the units with a classification decision, a tenth of the agencies with a quota decision, and a tenth of
the units merged from a predecessor (class from the predecessor). Then `--people` officials spread over the
agencies (cadres and part-time workers), a third of them with an earlier, closed posting (a change of position),
inserted with bulk_create; the spread is uneven (some communes well over quota, others short).

Times (p50 / p95 over --runs runs) `report.staffing_report(agencies=province_agencies("99", day), on=day)` at
01/01/2024 (NĐ 33/2023 in force) — the whole province, goal under 500 ms — plus one agency, and the XLSX export
of the province report. Baseline in the same run: a plain `SELECT COUNT(*)` over StaffPosting and the grouped
count of the postings in force on the day. `--write` replaces the "staffing" section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time

from bench import common

PROVINCE = "99"
DAY = dt.date(2024, 1, 1)


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


def build(*, communes: int, people: int, seed: int = 1) -> dict:
    from django.db import transaction

    from congvu.core.folding import fold
    from congvu.org.models import Agency, AgencyKind
    from congvu.staffing.models import (
        AdministrativeUnit,
        ClassificationDecision,
        ClassificationRuleSet,
        QuotaDecision,
        Sex,
        StaffCategory,
        StaffMember,
        StaffPosting,
        UnitAgency,
        UnitSuccession,
        UnitType,
    )

    started = time.monotonic()
    _reset_database()
    rng = random.Random(seed)
    with transaction.atomic():
        province = AdministrativeUnit.objects.create(code=PROVINCE, name="Tỉnh Thử Nghiệm",
                                                     name_folded="tinh thu nghiem", unit_type=UnitType.PROVINCE)
        Agency.objects.create(name="UBND tỉnh Thử Nghiệm", notation_code="UBND", kind=AgencyKind.PROVINCE_PC,
                              province_code=PROVINCE)
        classes = ["I", "II", "III"]
        units = AdministrativeUnit.objects.bulk_create([
            AdministrativeUnit(code=f"9{i:04d}", name=f"{'Phường' if i % 7 == 0 else 'Xã'} Số {i}",
                               name_folded=f"xa so {i}", unit_type=UnitType.WARD if i % 7 == 0 else UnitType.COMMUNE,
                               parent=province, unit_class="" if i % 10 == 3 else classes[i % 3],
                               valid_from=dt.date(2020, 1, 1))
            for i in range(1, communes + 1)])
        old = AdministrativeUnit.objects.bulk_create([
            AdministrativeUnit(code=f"8{u.code[1:]}", name=f"Xã Cũ {u.code}", name_folded="xa cu",
                               unit_type=UnitType.COMMUNE, parent=province, unit_class="II",
                               valid_from=dt.date(2000, 1, 1), valid_to=dt.date(2019, 12, 31))
            for u in units if not u.unit_class])
        UnitSuccession.objects.bulk_create([
            UnitSuccession(predecessor=o, successor=next(u for u in units if u.code[1:] == o.code[1:]),
                           effective_date=dt.date(2020, 1, 1), resolution="NQ thử nghiệm") for o in old])
        rule_set = ClassificationRuleSet.objects.order_by("valid_from").first()
        ClassificationDecision.objects.bulk_create([
            ClassificationDecision(unit=u, rule_set=rule_set, unit_class=classes[(i + 1) % 3],
                                   decision_number=f"{i}/QĐ-UBND", decision_date=dt.date(2021, 1, 1),
                                   effective_from=dt.date(2021, 1, 1))
            for i, u in enumerate(units) if i % 5 == 0 and u.unit_type == UnitType.COMMUNE])
        agencies = Agency.objects.bulk_create([
            Agency(name=f"UBND {u.name}", notation_code="UBND", kind=AgencyKind.COMMUNE_PC) for u in units])
        UnitAgency.objects.bulk_create([UnitAgency(unit=u, agency=a, valid_from=dt.date(2020, 1, 1))
                                        for u, a in zip(units, agencies, strict=True)])
        QuotaDecision.objects.bulk_create([
            QuotaDecision(agency=a, category=StaffCategory.CADRE_CIVIL, quota=25, valid_from=dt.date(2023, 1, 1),
                          decision_number=f"Q{i}/QĐ", decision_date=dt.date(2022, 12, 1))
            for i, a in enumerate(agencies) if i % 10 == 5])
        members = StaffMember.objects.bulk_create([
            StaffMember(full_name=f"Cán Bộ {i}", name_folded=fold(f"Cán Bộ {i}"),
                        sex=Sex.MALE if i % 2 else Sex.FEMALE,
                        birth_date=dt.date(1965 + rng.randrange(35), 1 + rng.randrange(12), 1 + rng.randrange(28)))
            for i in range(people)], batch_size=2000)
        postings = []
        for i, m in enumerate(members):
            agency = agencies[min(int(rng.random() ** 2 * len(agencies)), len(agencies) - 1)]  # uneven: some short
            category = StaffCategory.PART_TIME if i % 3 == 0 else StaffCategory.CADRE_CIVIL
            start = dt.date(2005 + rng.randrange(15), 1 + rng.randrange(12), 1)
            if i % 3 == 1:
                change = dt.date(2021, 1 + rng.randrange(12), 1)
                postings.append(StaffPosting(member=m, agency=agency, category=category, position="Công chức",
                                             salary_coefficient="2.34", valid_from=start,
                                             valid_to=change - dt.timedelta(days=1), ended_reason="change"))
                start = change
            postings.append(StaffPosting(member=m, agency=agency, category=category, position="Công chức",
                                         salary_coefficient="2.67", valid_from=start))
        StaffPosting.objects.bulk_create(postings, batch_size=2000)
    return {"agencies": agencies, "postings": len(postings), "seconds": time.monotonic() - started}


def _time(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="write the figures to docs/PERFORMANCE.md")
    args = parser.parse_args(argv)
    os.environ.setdefault("CONGVU_DATA_DIR", str(common.ROOT / "var" / "bench-staffing"))
    common.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from congvu.staffing import report, roster
    from congvu.staffing.models import StaffPosting

    built = build(communes=args.communes, people=args.people)
    print(f"built {args.communes} communes, {args.people:,} people, {built['postings']:,} postings "
          f"in {built['seconds']:.1f} s", flush=True)
    print(f"engine: {common.engine_name()}; machine: {common.machine()}")

    def province_report():
        return report.staffing_report(agencies=report.province_agencies(PROVINCE, DAY), on=DAY)

    one = built["agencies"][0]
    rep = province_report()
    with CaptureQueriesContext(connection) as queries:
        province_report()
    baseline_count = _time(lambda: StaffPosting.objects.count(), args.runs)
    baseline_group = _time(lambda: list(roster.in_post([a.pk for a in built["agencies"]], DAY)
                                        .values("agency_id", "category").annotate(n=Count("pk")).order_by()),
                           args.runs)
    timings = _time(province_report, args.runs)
    single = _time(lambda: report.staffing_report(agencies=[one], on=DAY), args.runs)
    xlsx = _time(lambda: report.report_xlsx(rep, title="Tỉnh Thử Nghiệm"), max(3, args.runs // 4))
    cadre = rep.totals["cadre_civil"]
    found = (f"{len(rep.rows)} agencies; cadres: quota {cadre.quota:,}, in post {cadre.in_post:,}, "
             f"excess {cadre.excess:,}, vacancy {cadre.vacancy:,}, {cadre.without_quota} without quota")
    p95 = common.percentile(timings, 95)
    row = "| {} | {} | {} | {} |"
    lines = ["| operation | p50 | p95 | goal |", "|---|---|---|---|",
             row.format(f"baseline: SELECT COUNT(*) over StaffPosting ({built['postings']:,} rows)",
                        common.ms(common.median(baseline_count)), common.ms(common.percentile(baseline_count, 95)),
                        ""),
             row.format("baseline: postings in force on the day, grouped by agency and category",
                        common.ms(common.median(baseline_group)), common.ms(common.percentile(baseline_group, 95)),
                        ""),
             row.format(f"staffing report of the province ({args.communes} communes, {args.people:,} people; "
                        f"{len(queries)} queries)", common.ms(common.median(timings)), common.ms(p95),
                        f"< 500 ms: {'met' if p95 < 0.5 else 'not met'}"),
             row.format("staffing report of one agency", common.ms(common.median(single)),
                        common.ms(common.percentile(single, 95)), ""),
             row.format("XLSX of the province report", common.ms(common.median(xlsx)),
                        common.ms(common.percentile(xlsx, 95)), "")]
    table = "\n".join(lines)
    print(f"report: {found}")
    print("\n" + table)
    if args.write:
        common.write_section("staffing", "Staffing report (issue 7): a province of 100 communes and 5,000 officials",
                             table + f"\n\nWhat the report found: {found}.")


if __name__ == "__main__":
    main()
