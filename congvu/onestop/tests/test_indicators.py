"""Decision 766 indicators on the hand-built dataset (factories_o5: build + add_indicator_data), October 2026
read on 15/11/2026; S = 01/10 00:00, T = E = 01/11 00:00. Expected values derived by hand below."""

import pytest

from conftest import make_agency
from congvu.onestop import indicators
from congvu.onestop.models import CertifiedCopy
from congvu.onestop.tests import factories_o5 as f
from congvu.org.models import AgencyKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def ds(agency, leader):
    b = make_agency(name="UBND xã Quế Trung", kind=AgencyKind.COMMUNE_PC, parent=agency)
    c = make_agency(name="UBND xã Sơn Viên", kind=AgencyKind.COMMUNE_PC)
    data = f.build(agency_a=agency, agency_b=b, agency_c=c, official=leader.official)
    f.add_indicator_data(data, leader.official)
    for n, when in ((1, f.at(5)), (2, f.at(30, 16)), (3, f.at(30, 9, month=9))):
        CertifiedCopy.objects.create(
            agency=agency, code=f"BS-{n}", register_year=2026, register_number=n, certified_at=when,
            certifier=leader.official, requester_name="Nguyễn Văn A", document_title="Giấy khai sinh", pages=2,
            fee=4000, scan=f._file(f"scan-{n}"), certified_file=f._file(f"copy-{n}"), created_by=leader)
    return data


def test_points_rule():
    assert indicators.points(0.6, 0.5, 12) == 12  # R ≥ T: the maximum
    assert indicators.points(0.25, 0.5, 12) == pytest.approx(6)  # R × Pmax / T
    assert indicators.points(0.5, None, 20) == pytest.approx(10)  # no threshold: T = 100 %
    assert indicators.points(None, 0.5, 12) is None


def test_october_indicators(ds, leader):
    r = indicators.indicator_report(user=leader, date_from="01/10/2026", date_to="31/10/2026", now=f.NOW)
    t = r.total
    # 2.1 — done in the period: d1, d2, d5, d6, d7, d21, d25 (7); early/on time: d1, d5, d21 — d6 was on time but
    # had two supplement requests ⇒ late. Not ended at T: d4, d8, d9, d10, d11, d12, d13, d14, d16, d20 (10);
    # on time: d8, d9, d14 (appointment ≥ T), d11, d12, d13 (paused before their appointment), d20 (none);
    # late: d4, d10, d16. Withdrawn d15 is left out. → 10 / 17.
    v = t.value("2.1")
    assert (v.numerator, v.denominator) == (10, 17)
    assert v.points == pytest.approx(20 * 10 / 17)
    # 2.2 — days from clock start to end: d1 15, d2 15, d5 6.375, d6 6 + 1/24, d7 15, d21 2, d25 15.625.
    assert t.value("2.2").amount == pytest.approx((15 + 15 + 6.375 + 6 + 1 / 24 + 15 + 2 + 15.625) / 7)
    # 3.3 — received 14, online 4; T 50 %: 12 × (4/14) / 0.5.
    v = t.value("3.3")
    assert (v.numerator, v.denominator) == (4, 14)
    assert v.points == pytest.approx(12 * (4 / 14) / 0.5)
    # 4.1 — done with a result file: d5 of 7.
    assert (t.value("4.1").numerator, t.value("4.1").denominator) == (1, 7)
    # 4.2 — received in October: papers provided 3 (d5) + 3 (d6) + 3 (d8) + 2 (d7, no file) = 11, with a file 9;
    # done among them: d5, d6, d7, d21 (4), with a result file d5 (1) → (9 + 1) / (11 + 4).
    v = t.value("4.2")
    assert (v.numerator, v.denominator) == (10, 15)
    assert v.points == pytest.approx(4 * (10 / 15) / 0.8)
    # 5.4 — late share 4/7 (2.1's rule), dissatisfied 1 of the 3 October ratings (d7; d3's was in September):
    # 1 − 4/7 − 1/3 = 2/21.
    v = t.value("5.4")
    assert v.rate == pytest.approx(2 / 21, abs=1e-4)
    assert v.points == pytest.approx(6 * (2 / 21) / 0.9, abs=1e-3)
    # Certified copies made in October: two (the third was in September).
    assert t.value("ecopy").amount == 2
    assert t.value("ecopy").points is None
    # Per agency: the commune's single dossier d21 is early.
    commune = next(row for row in r.by_agency if row.name == "UBND xã Quế Trung")
    assert (commune.value("2.1").numerator, commune.value("2.1").denominator) == (1, 1)
    assert commune.value("2.1").points == 20
    # What cannot be computed is listed with its reason.
    assert {code for code, _, _ in r.not_computable} >= {"1.1", "1.4", "3.6", "5.2"}


def test_indicators_follow_the_statistics_visibility(ds, officer):
    from congvu.core.errors import NotFound

    with pytest.raises(NotFound):
        indicators.indicator_report(user=officer, now=f.NOW)
