"""The budget effect: what an agency's staff cost a year, and what a merger saves.

Base salary (mức lương cơ sở) is dated data (`BaseSalary`: 1,390,000 VND from 07/2018; 1,490,000 from
07/2019; 1,800,000 from 07/2023; 2,340,000 from 07/2024).

Cost of an agency in a calendar year (`agency_cost`), month by month — a person counts for a month when they are
in post at the agency on the first day of that month, with the posting in force that day; the base salary is
the one in force on that day, so a change on 01/07 counts from July:
    salaries   = Σ months Σ people  salary coefficient × base salary
    allowances = Σ months Σ people  (position allowance + other allowance coefficients) × base salary
                                    + fixed monthly allowance (phụ cấp khoán, VND)
    operating  = the agency's operating cost of that year as entered (OperatingCost; 0 when not entered)
    total      = salaries + allowances + operating
All people on the agency's roster count (cadres, civil servants and part-time workers). Amounts in VND,
rounded to the đồng at the end.

The saving of a merger in year Y (`merger_saving`), as a Sở Nội vụ reports it ("tiết kiệm ngân sách so với
trước khi sắp xếp"): what the units would have cost in year Y had they not merged, minus what the merged unit
costs in year Y — the pay at year Y's base salaries, so a base-salary rise is not mistaken for a cost of the
merger. For the months M of year Y from the merger date on (12 from the year after the merger):
    before pay  = Σ months in M Σ people in post at the predecessor agencies (and at the successor agency, if
                  it existed) on the day before the merger, their coefficients then × that month's base salary
                  (salaries and allowances as above);
    after pay   = the successor agency's salaries + allowances in the months M (as `agency_cost`);
    pay saving  = before pay − after pay  (posts cut: retirements, transfers, fewer leaders' allowances);
    before operating = Σ predecessors' operating cost in the last year before the merger × |M| / 12;
    after operating  = successor's operating cost in year Y × |M| / 12;
    operating saving = before operating − after operating;
    saving      = pay saving + operating saving.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q

from congvu.audit.services import journal_record
from congvu.core.errors import NotFound, ValidationFailed
from congvu.core.text import clean_text
from congvu.org.models import Agency
from congvu.staffing.models import BaseSalary, OperatingCost, Reorganisation, StaffPosting
from congvu.staffing.transfers import require_planner

MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_AMOUNT = 10**15  # VND; far above any commune's budget


def _vnd(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _check_year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}.", fields={"year": "Năm không hợp lệ."})
    return year


def _base_rows() -> list[BaseSalary]:
    return list(BaseSalary.objects.order_by("valid_from"))


def _base_from(rows: list[BaseSalary], day: dt.date) -> int:
    found = None
    for row in rows:
        if row.valid_from <= day and (row.valid_to is None or day <= row.valid_to):
            found = row
    if found is None:
        raise NotFound(f"Chưa có mức lương cơ sở áp dụng ngày {day:%d/%m/%Y}.")
    return found.amount


def base_salary_on(day: dt.date) -> int:
    """Mức lương cơ sở (VND a month) in force on `day`."""
    return _base_from(_base_rows(), day)


def _months(year: int) -> list[dt.date]:
    return [dt.date(year, m, 1) for m in range(1, 13)]


def _covers(p: StaffPosting, day: dt.date) -> bool:
    return p.valid_from <= day and (p.valid_to is None or day <= p.valid_to)


def _pay(postings: list[StaffPosting], months: list[dt.date], bases: list[BaseSalary],
         *, on_month=None) -> tuple[Decimal, Decimal, int]:
    """Salaries and allowances of `postings` over `months`; `on_month(p, m)` says whether a posting counts
    (default: it covers the first day of the month). Returns (salaries, allowances, person-months)."""
    salaries = allowances = Decimal(0)
    person_months = 0
    for month in months:
        base = _base_from(bases, month)
        for p in postings:
            if not (on_month(p, month) if on_month else _covers(p, month)):
                continue
            person_months += 1
            salaries += p.salary_coefficient * base
            allowances += (p.position_allowance + p.other_allowance) * base + p.monthly_allowance_vnd
    return salaries, allowances, person_months


@dataclass
class MonthCost:
    month: dt.date
    base_salary: int
    people: int
    salaries: int
    allowances: int


@dataclass
class AnnualCost:
    agency: Agency
    year: int
    salaries: int
    allowances: int
    operating: int
    operating_entered: bool
    months: list[MonthCost] = field(default_factory=list)

    @property
    def pay(self) -> int:
        return self.salaries + self.allowances

    @property
    def total(self) -> int:
        return self.salaries + self.allowances + self.operating

    @property
    def person_months(self) -> int:
        return sum(m.people for m in self.months)


def _postings_in(agency_ids, first: dt.date, last: dt.date) -> list[StaffPosting]:
    return list(StaffPosting.objects.filter(agency_id__in=agency_ids, valid_from__lte=last).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=first)))


def agency_cost(*, agency: Agency, year: int) -> AnnualCost:
    year = _check_year(year)
    bases = _base_rows()
    postings = _postings_in([agency.pk], dt.date(year, 1, 1), dt.date(year, 12, 31))
    months = []
    total_s = total_a = Decimal(0)
    for month in _months(year):
        s, a, n = _pay(postings, [month], bases)
        total_s += s
        total_a += a
        months.append(MonthCost(month=month, base_salary=_base_from(bases, month), people=n, salaries=_vnd(s),
                                allowances=_vnd(a)))
    op = OperatingCost.objects.filter(agency=agency, year=year).first()
    return AnnualCost(agency=agency, year=year, salaries=_vnd(total_s), allowances=_vnd(total_a),
                      operating=op.amount_vnd if op else 0, operating_entered=op is not None, months=months)


@dataclass
class MergerSaving:
    reorganisation: Reorganisation
    year: int
    months: int  # months of the year counted (from the merger date on)
    baseline_year: int  # the last year before the merger (operating costs)
    before_agencies: list[Agency]
    before_people: int  # in post on the day before the merger
    after_people: int  # in post at the successor on the first counted month
    before_salaries: int
    before_allowances: int
    after_salaries: int
    after_allowances: int
    before_operating: int
    after_operating: int
    missing_operating: list[str]  # agencies (and years) with no operating cost entered

    @property
    def before_pay(self) -> int:
        return self.before_salaries + self.before_allowances

    @property
    def after_pay(self) -> int:
        return self.after_salaries + self.after_allowances

    @property
    def pay_saving(self) -> int:
        return self.before_pay - self.after_pay

    @property
    def operating_saving(self) -> int:
        return self.before_operating - self.after_operating

    @property
    def saving(self) -> int:
        return self.pay_saving + self.operating_saving


def merger_saving(*, reorganisation: Reorganisation, year: int) -> MergerSaving:
    year = _check_year(year)
    effective = reorganisation.effective_date
    if year < effective.year:
        raise ValidationFailed(f"Năm phải từ năm sắp xếp ({effective.year}) trở đi.",
                               fields={"year": f"Từ {effective.year}."})
    months = [m for m in _months(year) if m >= effective]
    eve = effective - dt.timedelta(days=1)
    baseline_year = eve.year  # the predecessors' last year
    agency_ids = list(dict.fromkeys(
        [p.predecessor_agency_id for p in reorganisation.parts.all() if p.predecessor_agency_id]
        + [reorganisation.successor_agency_id]))
    before_postings = list(StaffPosting.objects.filter(agency_id__in=agency_ids, valid_from__lte=eve).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=eve)))
    agencies = [a for a in Agency.objects.filter(pk__in=agency_ids).order_by("name")
                if any(p.agency_id == a.pk for p in before_postings) or a.pk != reorganisation.successor_agency_id]
    bases = _base_rows()
    bs, ba, _ = _pay(before_postings, months, bases, on_month=lambda p, m: True)
    successor = reorganisation.successor_agency
    after_postings = _postings_in([successor.pk], dt.date(year, 1, 1), dt.date(year, 12, 31))
    a_s, a_a, _ = _pay(after_postings, months, bases)
    missing = []
    before_op = 0
    for a in agencies:
        op = OperatingCost.objects.filter(agency=a, year=baseline_year).first()
        if op is None:
            missing.append(f"{a.name} ({baseline_year})")
        else:
            before_op += op.amount_vnd
    after = OperatingCost.objects.filter(agency=successor, year=year).first()
    if after is None:
        missing.append(f"{successor.name} ({year})")
    share = Decimal(len(months)) / 12
    after_people = sum(1 for p in after_postings if months and _covers(p, months[0]))
    return MergerSaving(
        reorganisation=reorganisation, year=year, months=len(months), baseline_year=baseline_year,
        before_agencies=agencies, before_people=len(before_postings), after_people=after_people,
        before_salaries=_vnd(bs), before_allowances=_vnd(ba), after_salaries=_vnd(a_s), after_allowances=_vnd(a_a),
        before_operating=_vnd(before_op * share), after_operating=_vnd((after.amount_vnd if after else 0) * share),
        missing_operating=missing)


# --- operating costs as data ----------------------------------------------------------------------------

@transaction.atomic
def operating_cost_set(*, actor, agency: Agency, year: int, amount_vnd: int, note: str = "") -> OperatingCost:
    """Enter (or correct) an agency's operating cost of a year."""
    require_planner(actor, agency)
    note = clean_text(note, multiline=True)
    fields: dict[str, str] = {}
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        fields["year"] = f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}."
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or not 0 <= amount_vnd <= MAX_AMOUNT:
        fields["amount_vnd"] = "Số tiền phải là số nguyên đồng, không âm."
    if len(note) > 300:
        fields["note"] = "Ghi chú dài quá 300 ký tự."
    if fields:
        raise ValidationFailed("Chi hoạt động chưa hợp lệ.", fields=fields)
    row = OperatingCost.objects.select_for_update().filter(agency=agency, year=year).first()
    before = {"amount_vnd": row.amount_vnd, "note": row.note} if row else None
    if row is None:
        row = OperatingCost.objects.create(agency=agency, year=year, amount_vnd=amount_vnd, note=note)
    else:
        row.amount_vnd, row.note = amount_vnd, note
        row.save(update_fields=["amount_vnd", "note"])
    journal_record(actor=actor, agency_id=agency.pk, action="staffing.operating_cost_set", obj=row, before=before,
                   after={"year": year, "amount_vnd": amount_vnd, "note": note})
    return row
