"""Staffing norms as dated data: the shipped tables, overlap refusal, the quota at a date, decisions winning."""

import datetime as dt

import pytest

from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.staffing import services
from congvu.staffing.models import (
    AdministrativeUnit,
    QuotaDecision,
    StaffCategory,
    StaffingNorm,
    UnitAgency,
    UnitSuccession,
    UnitType,
)

pytestmark = pytest.mark.django_db
D = dt.date
CADRE, PART = StaffCategory.CADRE_CIVIL, StaffCategory.PART_TIME


def test_migration_ships_the_nd34_and_nd33_tables():
    rows = {(n.rule_set, n.unit_type, n.unit_class, n.category, n.quota) for n in StaffingNorm.objects.all()}
    assert len(rows) == 18
    assert ("NĐ 34/2019/NĐ-CP", "any_commune", "II", CADRE, 21) in rows
    assert ("NĐ 34/2019/NĐ-CP", "any_commune", "III", PART, 10) in rows
    assert ("NĐ 33/2023/NĐ-CP", "commune", "I", CADRE, 22) in rows
    assert ("NĐ 33/2023/NĐ-CP", "ward", "I", CADRE, 23) in rows
    assert ("NĐ 33/2023/NĐ-CP", "commune", "III", CADRE, 18) in rows
    nd33 = StaffingNorm.objects.filter(rule_set="NĐ 33/2023/NĐ-CP").first()
    assert (nd33.valid_from, nd33.valid_to) == (D(2023, 8, 1), D(2025, 6, 30))
    assert services.norms_load() == 0  # idempotent


def test_seed_class_ii_commune_under_nd34_has_a_norm_of_21(quang_nam):
    q = services.quota_for(quang_nam["commune"], on=D(2020, 6, 1), category=CADRE)
    assert (q.quota, q.source, q.unit_class, q.norm.rule_set) == (21, "norm", "II", "NĐ 34/2019/NĐ-CP")
    assert q.explanation == "Theo NĐ 34/2019/NĐ-CP (loại II)."
    assert services.quota_for(quang_nam["commune"], on=D(2020, 6, 1), category=PART).quota == 12


def test_quota_changes_on_the_day_nd33_takes_effect_and_ends_with_the_two_tier_model(quang_nam):
    commune = quang_nam["commune"]
    assert services.quota_for(commune, on=D(2023, 7, 31)).quota == 21
    assert services.quota_for(commune, on=D(2023, 8, 1)).quota == 20  # xã loại II under NĐ 33/2023
    assert services.quota_for(commune, on=D(2025, 6, 30)).quota == 20
    # the unit itself ends on 30/06/2025; a unit in force later without a decision has no quota
    ward = AdministrativeUnit.objects.create(code="20001", name="Phường Hội An", unit_type=UnitType.WARD,
                                             unit_class="I", valid_from=D(2019, 1, 1))
    assert services.quota_for(ward, on=D(2024, 1, 1)).quota == 23
    after = services.quota_for(ward, on=D(2025, 7, 1))
    assert (after.quota, after.source) == (None, "none")
    assert "cần quyết định giao biên chế" in after.explanation


def test_decision_wins_over_the_norm_and_is_journaled(quang_nam, superuser):
    commune = quang_nam["commune"]
    before = JournalEntry.objects.count()
    services.quota_decision_create(actor=superuser, unit=commune, category=CADRE, quota=33,
                                   valid_from=D(2020, 1, 1), valid_to=D(2020, 12, 31), decision_number="12/QĐ-UBND",
                                   decision_date=D(2019, 12, 20), basis="NQ 653/2019 Art. 6")
    assert services.quota_for(commune, on=D(2020, 6, 1)).quota == 33
    assert services.quota_for(commune, on=D(2021, 1, 1)).quota == 21  # the decision ended: back to the norm
    entry = JournalEntry.objects.order_by("-pk").first()
    assert JournalEntry.objects.count() == before + 1
    assert (entry.action, entry.after["quota"], entry.after["unit"]) == ("staffing.quota_decision_create", 33, "20667")


def test_overlapping_quota_decisions_are_refused(quang_nam, superuser):
    commune = quang_nam["commune"]
    services.quota_decision_create(actor=superuser, unit=commune, category=CADRE, quota=33, valid_from=D(2020, 1, 1),
                                   decision_number="1/QĐ", decision_date=D(2020, 1, 1))
    with pytest.raises(Conflict, match="thời gian áp dụng không được chồng lấn"):
        services.quota_decision_create(actor=superuser, unit=commune, category=CADRE, quota=30,
                                       valid_from=D(2022, 1, 1), decision_number="2/QĐ", decision_date=D(2022, 1, 1))
    assert QuotaDecision.objects.count() == 1


def test_agency_quota_through_its_unit_and_its_own_decision(quang_nam, agency, superuser):
    services.unit_agency_link(actor=superuser, unit=quang_nam["commune"], agency=agency)
    assert services.quota_for(agency, on=D(2021, 3, 1)).quota == 21
    services.quota_decision_create(actor=superuser, agency=agency, category=CADRE, quota=25,
                                   valid_from=D(2021, 1, 1), decision_number="7/QĐ-UBND", decision_date=D(2021, 1, 1))
    q = services.quota_for(agency, on=D(2021, 3, 1))
    assert (q.quota, q.source) == (25, "decision")
    orphan = services.quota_for(type(agency).objects.create(name="Cơ quan lẻ", notation_code="X"), on=D(2021, 3, 1))
    assert (orphan.quota, orphan.source) == (None, "none")
    assert UnitAgency.objects.count() == 1


def test_overlapping_norm_is_refused_with_a_clear_message_and_nothing_changes(superuser):
    count = StaffingNorm.objects.count()
    with pytest.raises(Conflict) as exc:
        services.norm_create(actor=superuser, rule_set="Dự thảo", valid_from=D(2025, 1, 1), valid_to=None,
                             basis="thử", unit_type="commune", unit_class="II", category=CADRE, quota=25)
    assert exc.value.message.startswith(
        "Định mức cán bộ, công chức của xã, thị trấn loại II từ 01/01/2025 đến nay trùng thời gian hiệu lực với "
        "định mức theo NĐ 33/2023/NĐ-CP (từ 01/08/2023 đến 30/06/2025).")
    # NĐ 34/2019 had one table for every commune-level unit: a ward row in 2020 clashes with it too
    with pytest.raises(Conflict, match="NĐ 34/2019"):
        services.norm_create(actor=superuser, rule_set="X", valid_from=D(2020, 1, 1), valid_to=D(2020, 12, 31),
                             basis="", unit_type="ward", unit_class="I", category=CADRE, quota=30)
    assert StaffingNorm.objects.count() == count
    # after the end of NĐ 33/2023 a new table is fine
    norm = services.norm_create(actor=superuser, rule_set="Bảng tỉnh", valid_from=D(2025, 7, 1), valid_to=None,
                                basis="QĐ tỉnh", unit_type="commune", unit_class="II", category=CADRE, quota=32)
    assert norm.quota == 32


def test_norm_writes_are_for_system_admins_only(province_admin):
    with pytest.raises(PermissionDenied):
        services.norm_create(actor=province_admin, rule_set="X", valid_from=D(2030, 1, 1), valid_to=None, basis="",
                             unit_type="commune", unit_class="I", category=CADRE, quota=1)
    with pytest.raises(ValidationFailed) as exc:
        services.norm_create(actor=None, rule_set="", valid_from=D(2030, 1, 1), valid_to=D(2029, 1, 1), basis="",
                             unit_type="x", unit_class="IV", category="y", quota=-1)
    assert set(exc.value.fields) == {"unit_type", "unit_class", "category", "quota", "valid_to", "rule_set"}


def test_province_admin_decides_only_for_own_province(quang_nam, province_admin, other_province_admin):
    commune = quang_nam["commune"]
    with pytest.raises(PermissionDenied):
        services.quota_decision_create(actor=other_province_admin, unit=commune, category=CADRE, quota=1,
                                       valid_from=D(2020, 1, 1), decision_number="1", decision_date=D(2020, 1, 1))
    assert QuotaDecision.objects.count() == 0
    services.quota_decision_create(actor=province_admin, unit=commune, category=CADRE, quota=30,
                                   valid_from=D(2020, 1, 1), decision_number="1", decision_date=D(2020, 1, 1))
    assert QuotaDecision.objects.count() == 1


def test_merged_unit_without_decision_takes_the_highest_predecessor_class(quang_nam):
    district = quang_nam["district"]
    a = AdministrativeUnit.objects.create(code="20668", name="Xã Quế Phước", unit_type=UnitType.COMMUNE,
                                          parent=district, unit_class="III", valid_to=D(2019, 11, 30))
    b = AdministrativeUnit.objects.create(code="20669", name="Xã Quế Ninh", unit_type=UnitType.COMMUNE,
                                          parent=district, unit_class="II", valid_to=D(2019, 11, 30))
    merged = AdministrativeUnit.objects.create(code="20670", name="Xã Ninh Phước (chưa phân loại)",
                                               unit_type=UnitType.COMMUNE, parent=district, valid_from=D(2019, 12, 1))
    for p in (a, b):
        UnitSuccession.objects.create(predecessor=p, successor=merged, effective_date=D(2019, 12, 1),
                                      resolution="NQ 814/NQ-UBTVQH14")
    assert services.unit_class_on(merged, D(2020, 1, 1)) == "II"
    assert services.quota_for(merged, on=D(2020, 1, 1)).quota == 21


def test_norm_file_with_a_clash_is_refused_whole(tmp_path):
    count = StaffingNorm.objects.count()
    path = tmp_path / "norms.json"
    path.write_text('''[{"rule_set": "Bảng thử", "valid_from": "2030-01-01", "valid_to": null, "basis": "thử",
        "rows": [["commune", "I", "cadre_civil", 30], ["ward", "I", "cadre_civil", 31]]},
      {"rule_set": "Bảng chồng", "valid_from": "2031-01-01", "valid_to": null, "basis": "thử",
        "rows": [["any_commune", "I", "cadre_civil", 29]]}]''', encoding="utf-8")
    with pytest.raises(Conflict, match="trùng thời gian hiệu lực với định mức theo Bảng thử"):
        services.norms_load(path=path)
    assert StaffingNorm.objects.count() == count
