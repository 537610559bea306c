"""The NĐ 307/2025/NĐ-CP point scheme for communes, wards and special zones (REGULATIONS §6.3), as a pure
function of the unit's figures and a rule set's parameters (data: congvu/staffing/data/classification.json).

Score = criteria (at most 100) + priority (the highest one only). Class I ≥ 75, II 60 to < 75, III < 60;
"special" only for a ward or special zone with ≥ 90 criteria points (without priority) when the Minister's
further conditions (large population and area, priority 9.3.a or 9.3.d) are confirmed by the caller.

Step rules, as the table reads: a figure at or below the threshold earns the base points; each COMPLETE
step above it (e.g. each full 1,000 people) adds the increment, up to the maximum. Falling figures
(poverty) count complete steps below the threshold. Arithmetic is exact (Decimal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

D = Decimal


class ClassificationError(ValueError):
    pass


@dataclass(frozen=True)
class Criteria:
    """The figures of one unit. Percentages are 0–100. Missing figures score the base points."""

    kind: str  # "commune" (xã), "ward" (phường), "special_zone" (đặc khu)
    population: int = 0
    area_km2: Decimal = D(0)
    mountainous: bool = False  # xã: miền núi, vùng cao → population threshold × 75 %
    city_ward: bool = True  # phường of a centrally-run city (threshold 21,000) or of a province (14,000)
    urban: bool = False  # đặc khu scored on the ward criteria
    budget_balanced: bool = False
    budget_self_financing_pct: Decimal = D(0)
    industry_services_pct: Decimal = D(0)
    non_farm_labour_pct: Decimal = D(0)
    poverty_pct: Decimal = D(100)
    clean_water_pct: Decimal = D(0)
    online_dossiers_pct: Decimal = D(0)
    provincial_online_dossiers_avg_pct: Decimal = D(0)  # xã: the threshold is the province's average
    online_documents_pct: Decimal = D(0)
    minority_pct: Decimal = D(0)  # xã: ethnic minorities; phường: temporary residents
    border: bool = False  # xã: border; phường: mountainous
    relic: bool = False  # UNESCO heritage or special national relic
    safe_zone: bool = False  # ATK
    # Priority (NĐ 307 Art. 9): only the highest applies.
    population_standard: int = 0  # the unit type's population standard (NQ 76/2025); 0 = not given
    area_standard_km2: Decimal = D(0)
    strategic: bool = False
    inter_commune_centre: bool = False
    provincial_specialised_centre: bool = False
    provincial_general_centre: bool = False
    special_conditions_met: bool = False  # Minister: large population and area, priority 9.3.a or 9.3.d


@dataclass
class Result:
    criteria_points: Decimal
    priority_points: Decimal
    total: Decimal
    unit_class: str
    breakdown: dict[str, Decimal] = field(default_factory=dict)
    priority_reason: str = ""


def _steps(amount: Decimal, step: Decimal) -> Decimal:
    if amount <= 0:
        return D(0)
    return (amount / step).to_integral_value(rounding=ROUND_FLOOR)


def step_up(value: Decimal, rule: dict, *, threshold: Decimal | None = None) -> Decimal:
    t = D(str(rule["threshold"])) if threshold is None else threshold
    points = D(str(rule["base"])) + _steps(D(value) - t, D(str(rule["step"]))) * D(str(rule["increment"]))
    return min(points, D(str(rule["max"])))


def step_down(value: Decimal, rule: dict) -> Decimal:
    t = D(str(rule["threshold"]))
    points = D(str(rule["base"])) + _steps(t - D(value), D(str(rule["step"]))) * D(str(rule["increment"]))
    return min(points, D(str(rule["max"])))


def _criteria_points(c: Criteria, p: dict) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    pop = p["population"]
    if "threshold_city" in pop:
        threshold = D(str(pop["threshold_city"] if c.city_ward else pop["threshold_province"]))
    else:
        threshold = D(str(pop["threshold"]))
        if c.mountainous:
            threshold = threshold * D(str(pop["mountain_factor"]))
    out["population"] = step_up(D(c.population), pop, threshold=threshold)
    out["area"] = step_up(D(c.area_km2), p["area"])
    budget = p["budget"]
    out["budget"] = D(str(budget["balanced"])) if c.budget_balanced else step_up(c.budget_self_financing_pct, budget)
    out["industry_services"] = step_up(c.industry_services_pct, p["industry_services"])
    out["non_farm_labour"] = step_up(c.non_farm_labour_pct, p["non_farm_labour"])
    out["poverty"] = step_down(c.poverty_pct, p["poverty"])
    out["clean_water"] = step_up(c.clean_water_pct, p["clean_water"])
    dossiers = p["online_dossiers"]
    if dossiers.get("threshold") == "provincial_average":
        out["online_dossiers"] = step_up(c.online_dossiers_pct, dossiers,
                                         threshold=D(c.provincial_online_dossiers_avg_pct))
    else:
        out["online_dossiers"] = step_up(c.online_dossiers_pct, dossiers)
    out["online_documents"] = step_up(c.online_documents_pct, p["online_documents"])
    sp = p["special"]
    share = sp["share"]
    if D(c.minority_pct) < D(str(share["from"])):
        share_points = D(0)
    else:
        share_points = step_up(c.minority_pct, share)
    special = share_points
    special += D(str(sp["border"])) if c.border else D(0)
    special += D(str(sp["relic"])) if c.relic else D(0)
    special += D(str(sp["safe_zone"])) if c.safe_zone else D(0)
    out["special"] = min(special, D(str(sp["max"])))
    return out


def _priority(c: Criteria, p: dict, kind: str) -> tuple[Decimal, str]:
    pr = p["priority"]
    options: list[tuple[Decimal, str]] = []
    if c.population_standard:
        ratio_pct = D(c.population) * 100 / D(c.population_standard)
        rule = pr["population"]
        if ratio_pct >= D(str(rule["threshold_pct"])):
            points = D(str(rule["base"])) + _steps(ratio_pct - D(str(rule["threshold_pct"])),
                                                   D(str(rule["step_pct"]))) * D(str(rule["increment"]))
            options.append((min(points, D(str(rule["max"]))), "dân số"))
    area_rule = pr["area"]
    if kind == "ward":
        large_area = D(c.area_km2) >= D(str(area_rule["ward_km2"]))
    else:
        large_area = bool(c.area_standard_km2) and (
            D(c.area_km2) * 100 / D(c.area_standard_km2) >= D(str(area_rule["threshold_pct"])))
    if large_area:
        options.append((D(str(area_rule["points"])), "diện tích"))
    for flag, key, label in (
        (c.strategic, "strategic", "vị trí chiến lược"),
        (c.inter_commune_centre, "inter_commune_centre", "trung tâm liên xã"),
        (c.provincial_specialised_centre, "provincial_specialised_centre", "trung tâm chuyên ngành của tỉnh"),
        (c.provincial_general_centre, "provincial_general_centre", "trung tâm tổng hợp của tỉnh"),
    ):
        if flag:
            options.append((D(str(pr[key])), label))
    if not options:
        return D(0), ""
    return max(options, key=lambda o: o[0])


def classify(c: Criteria, parameters: dict) -> Result:
    """Score and class of one unit under one rule set's parameters."""
    if not parameters:
        raise ClassificationError("Bộ tiêu chí này chỉ lưu kết quả phân loại, không có thang điểm để tính.")
    if c.kind not in ("commune", "ward", "special_zone"):
        raise ClassificationError("Chỉ tính điểm phân loại cho xã, phường, đặc khu.")
    if c.kind == "special_zone":
        table_kind = "ward" if c.urban else "commune"
    else:
        table_kind = c.kind
    p = parameters[table_kind]
    breakdown = _criteria_points(c, p)
    if c.kind == "special_zone":
        breakdown["special"] = D(str(parameters["special_zone"]["special_points"]))
    criteria_points = min(sum(breakdown.values(), D(0)), D(str(parameters["criteria_max"])))
    priority, reason = _priority(c, p, table_kind)
    total = criteria_points + priority
    bands = parameters["classes"]
    if (c.kind in ("ward", "special_zone") and criteria_points >= D(str(bands["special"]))
            and c.special_conditions_met):
        unit_class = "special"
    elif c.kind == "special_zone" and c.population < parameters["special_zone"]["class_iii_below_population"]:
        unit_class = "III"
    elif total >= D(str(bands["I"])):
        unit_class = "I"
    elif total >= D(str(bands["II"])):
        unit_class = "II"
    else:
        unit_class = "III"
    return Result(criteria_points=criteria_points, priority_points=priority, total=total, unit_class=unit_class,
                  breakdown=breakdown, priority_reason=reason)
