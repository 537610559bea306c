"""NĐ 307/2025 scoring: worked examples computed by hand from the table in REGULATIONS §6.3.

Step rule used throughout (see the module docstring): base points at or below the threshold, then the
increment for each COMPLETE step above it, capped at the maximum."""

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from congvu.staffing.classification import ClassificationError, Criteria, classify

PARAMS = next(r for r in json.loads((Path(__file__).parents[1] / "data" / "classification.json").read_text("utf-8"))
              if r["name"] == "NĐ 307/2025/NĐ-CP")["parameters"]


def test_small_lowland_commune_is_class_iii():
    c = Criteria(kind="commune", population=4847, area_km2=D("61.61"), budget_self_financing_pct=D(25),
                 industry_services_pct=D(42), non_farm_labour_pct=D(38), poverty_pct=D("6.2"), clean_water_pct=D(65),
                 online_dossiers_pct=D(40), provincial_online_dossiers_avg_pct=D(45), online_documents_pct=D(85))
    r = classify(c, PARAMS)
    # population 4,847 ≤ 16,000 → 10
    # area 61.61 − 30 = 31.61 km² → 6 full steps of 5 km² × 0.5 = 3 → 13
    # budget 25 % ≤ 40 % → 3; industry 42 ≤ 50 → 3; labour 38 ≤ 50 → 3; poverty 6.2 ≥ 4.5 → 3; water 65 ≤ 70 → 3
    # dossiers 40 % ≤ the province's 45 % → 3; documents 85 − 70 = 15 → 3 steps × 0.5 = 1.5 → 4.5; special 0
    assert r.breakdown == {"population": D(10), "area": D(13), "budget": D(3), "industry_services": D(3),
                           "non_farm_labour": D(3), "poverty": D(3), "clean_water": D(3), "online_dossiers": D(3),
                           "online_documents": D("4.5"), "special": D(0)}
    # 10 + 13 + (six criteria at 3 = 18) + 4.5 + 0 = 45.5 < 60 → III
    assert r.criteria_points == D("45.5")
    assert (r.priority_points, r.total, r.unit_class) == (D(0), D("45.5"), "III")


def test_large_commune_with_priority_is_class_i():
    c = Criteria(kind="commune", population=31500, area_km2=D(112), budget_balanced=True, industry_services_pct=D(68),
                 non_farm_labour_pct=D(71), poverty_pct=D("1.2"), clean_water_pct=D(96), online_dossiers_pct=D(62),
                 provincial_online_dossiers_avg_pct=D(55), online_documents_pct=D(91), minority_pct=D(42),
                 border=True, safe_zone=True, inter_commune_centre=True)
    r = classify(c, PARAMS)
    # population 31,500 − 16,000 = 15,500 → 15 steps × 0.5 = 7.5 → 17.5
    # area 112 − 30 = 82 → 16 steps × 0.5 = 8 → 18
    # budget balanced → 10
    # industry 68 − 50 = 18 → 3 steps × 0.5 = 1.5 → 4.5
    # labour 71 − 50 = 21 → 4 steps → 3 + 2 = 5 (= max)
    # poverty 4.5 − 1.2 = 3.3 → 3 steps × 1 → 6, capped 5
    # water 96 − 70 = 26 → 5 steps → 5.5, capped 5
    # dossiers 62 − 55 = 7 → 14 steps of 0.5 % × 0.25 = 3.5 → 6.5, capped 5
    # documents 91 − 70 = 21 → 4 steps → 5
    # special: minorities 42 % → 2 + (42 − 30 = 12 → 2 steps × 0.25) = 2.5; border 3; safe zone 2 → 7.5
    assert r.breakdown == {"population": D("17.5"), "area": D(18), "budget": D(10), "industry_services": D("4.5"),
                           "non_farm_labour": D(5), "poverty": D(5), "clean_water": D(5), "online_dossiers": D(5),
                           "online_documents": D(5), "special": D("7.5")}
    # 17.5 + 18 + 10 + 4.5 + 5×5 + 7.5 = 82.5; priority: inter-commune centre + 3 → 85.5 ≥ 75 → I
    assert (r.criteria_points, r.priority_points, r.total, r.unit_class) == (D("82.5"), D(3), D("85.5"), "I")
    assert r.priority_reason == "trung tâm liên xã"


def test_mountain_commune_uses_three_quarters_of_the_population_threshold():
    c = Criteria(kind="commune", population=14000, mountainous=True, area_km2=D(180),
                 budget_self_financing_pct=D(55), industry_services_pct=D(30), non_farm_labour_pct=D(45),
                 poverty_pct=D(9), clean_water_pct=D(72), online_dossiers_pct=D(50),
                 provincial_online_dossiers_avg_pct=D(50), online_documents_pct=D(78), minority_pct=D(85), border=True)
    r = classify(c, PARAMS)
    # threshold 16,000 × 0.75 = 12,000; 14,000 − 12,000 = 2,000 → 2 steps × 0.5 → 11
    # area 180 − 30 = 150 → 30 steps × 0.5 = 15 → 25 (= max)
    # budget 55 − 40 = 15 → 3 steps × 0.5 → 4.5; industry, labour, poverty at base 3
    # water 72 − 70 = 2 → no full step → 3; dossiers equal to the average → 3
    # documents 78 − 70 = 8 → 1 step → 3.5; minorities 85 % → 2 + 11 × 0.25 = 4.75, capped 3; border 3 → 6
    assert r.breakdown["population"] == D(11)
    assert r.breakdown["area"] == D(25)
    assert r.breakdown["online_documents"] == D("3.5")
    assert r.breakdown["special"] == D(6)
    # 11 + 25 + 4.5 + 3 + 3 + 3 + 3 + 3 + 3.5 + 6 = 65 → 60 ≤ 65 < 75 → II
    assert (r.criteria_points, r.total, r.unit_class) == (D(65), D(65), "II")
    # the same figures in the lowlands: population 14,000 ≤ 16,000 → 10, one point less → 64, still II
    assert classify(Criteria(**{**c.__dict__, "mountainous": False}), PARAMS).total == D(64)


def test_city_ward_and_the_highest_priority_only():
    c = Criteria(kind="ward", population=48200, city_ward=True, area_km2=D("4.1"), budget_self_financing_pct=D(62),
                 industry_services_pct=D(93), non_farm_labour_pct=D(97), poverty_pct=D("0.3"),
                 clean_water_pct=D(100), online_dossiers_pct=D(88), online_documents_pct=D(96), minority_pct=D(14),
                 relic=True, population_standard=15000, provincial_specialised_centre=True)
    r = classify(c, PARAMS)
    # population 48,200 − 21,000 = 27,200 → 27 steps × 0.5 = 13.5 → 23.5
    # area 4.1 ≤ 5.5 → 10; budget 62 − 50 = 12 → 2 steps × 0.5 → 4
    # industry 93 − 70 = 23 → 11 steps of 2 % × 0.25 = 2.75 → 5.75, capped 5
    # labour 97 − 60 = 37 → 7 steps → 6.5, capped 5; poverty 4 − 0.3 = 3.7 → 7 steps of 0.5 × 0.5 → 6.5, capped 5
    # water 100 − 70 → 6 steps → 6, capped 5; dossiers 88 − 80 = 8 → 16 × 0.25 → 7, capped 5
    # documents 96 − 80 = 16 → 3 steps × 0.5 → 4.5; temporary residents 14 % (10–20 %) → 2; relic 2 → 4
    assert r.breakdown == {"population": D("23.5"), "area": D(10), "budget": D(4), "industry_services": D(5),
                           "non_farm_labour": D(5), "poverty": D(5), "clean_water": D(5), "online_dossiers": D(5),
                           "online_documents": D("4.5"), "special": D(4)}
    # 23.5 + 10 + 4 + 5×5 + 4.5 + 4 = 71
    # priority: population 48,200 / 15,000 = 321 % ≥ 300 % → 5 (+0.5 per further full 50 %: none);
    # specialised centre 5; only the highest counts → 5; total 76 ≥ 75 → I
    assert (r.criteria_points, r.priority_points, r.total, r.unit_class) == (D(71), D(5), D(76), "I")
    # a province's ward: threshold 14,000 → 34,200 over → 34 steps → 27, capped 25
    assert classify(Criteria(**{**c.__dict__, "city_ward": False}), PARAMS).breakdown["population"] == D(25)


def test_special_class_needs_90_criteria_points_and_the_ministers_conditions():
    c = Criteria(kind="ward", population=60000, area_km2=D(40), budget_balanced=True, industry_services_pct=D(95),
                 non_farm_labour_pct=D(99), poverty_pct=D(0), clean_water_pct=D(100), online_dossiers_pct=D(95),
                 online_documents_pct=D(100), minority_pct=D(50), border=True, relic=True, safe_zone=True)
    r = classify(c, PARAMS)
    # population 39 steps → 29.5 → 25; area 40 − 5.5 = 34.5 → 34 steps × 0.5 → 27 → 25; budget 10;
    # industry, labour, poverty, water, dossiers 5 each; documents 100 − 80 = 20 → 4 steps → 5;
    # special: 50 % → 2 + (50 − 30 = 20 → 4 steps × 0.25) = 3 (the share's max), +3 +2 +2 = 10 → 100
    # (at 35 % the share would be 2.75 and the criteria 99.75)
    assert (r.criteria_points, r.unit_class) == (D(100), "I")
    assert classify(Criteria(**{**c.__dict__, "special_conditions_met": True}), PARAMS).unit_class == "special"
    # a commune never becomes special
    assert classify(Criteria(**{**c.__dict__, "kind": "commune", "special_conditions_met": True}),
                    PARAMS).unit_class == "I"


def test_special_zone_gets_ten_special_points_and_is_iii_under_1000_residents():
    r = classify(Criteria(kind="special_zone", population=400, area_km2=D("2.2"), budget_balanced=True,
                          online_documents_pct=D(100)), PARAMS)
    # commune table: population 10, area 10, budget 10, industry/labour/poverty/water/dossiers 3 each = 15,
    # documents 100 − 70 = 30 → 6 steps → 6, capped 5; special 10 → 60 → would be II, but < 1,000 people → III
    assert r.breakdown["special"] == D(10)
    assert (r.criteria_points, r.unit_class) == (D(60), "III")


def test_class_only_rule_set_and_wrong_kind_are_refused():
    with pytest.raises(ClassificationError, match="chỉ lưu kết quả phân loại"):
        classify(Criteria(kind="commune"), {})
    with pytest.raises(ClassificationError, match="Chỉ tính điểm"):
        classify(Criteria(kind="district"), PARAMS)
