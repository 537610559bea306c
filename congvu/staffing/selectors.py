"""Reads of the staffing app. Unit data, classes and norms are public information: every logged-in user
may read them (services.can_view_staffing); the pages check that before calling these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from congvu.core.folding import fold
from congvu.core.text import clean_text
from congvu.staffing import services
from congvu.staffing.models import (
    PROVINCE_LEVEL,
    AdministrativeUnit,
    ClassificationDecision,
    QuotaDecision,
    StaffCategory,
    StaffingNorm,
    UnitAgency,
    UnitClass,
    UnitSuccession,
)

CLASS_LABELS = dict(UnitClass.choices)


def units_in_force(day: dt.date | None) -> QuerySet[AdministrativeUnit]:
    qs = AdministrativeUnit.objects.all()
    if day is not None:
        qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    return qs


def provinces(day: dt.date | None) -> list[AdministrativeUnit]:
    return list(units_in_force(day).filter(unit_type__in=PROVINCE_LEVEL)
                .annotate(n_children=Count("children")).order_by("code"))


def unit_search(*, q: str = "", day: dt.date | None = None, parent_id: int | None = None,
                unit_type: str = "", unit_class: str = "", limit: int = 200) -> tuple[list[AdministrativeUnit], int]:
    """Units matching `q` (accent-insensitive, on the name or the exact code), in force on `day` (all dates
    when None), optionally under one parent; returns (first `limit` rows, total count). Each row carries
    `current_class`: the class of its latest decision in force on `day` (today when None), else the class
    recorded on the unit."""
    latest = (ClassificationDecision.objects.filter(unit=OuterRef("pk"), effective_from__lte=day or dt.date.today())
              .order_by("-effective_from").values("unit_class")[:1])
    qs = units_in_force(day).select_related("parent").annotate(
        current_class=Coalesce(Subquery(latest), F("unit_class")))
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    if unit_type:
        qs = qs.filter(unit_type=unit_type)
    if unit_class:
        qs = qs.filter(current_class=unit_class)
    for word in fold(clean_text(q)).split():
        qs = qs.filter(Q(name_folded__contains=word) | Q(code=word))
    qs = qs.order_by("code", "valid_from")
    total = qs.count()
    rows = list(qs[:limit])
    for u in rows:
        u.current_class_label = CLASS_LABELS.get(u.current_class, "")
    return rows, total


@dataclass
class UnitDetail:
    unit: AdministrativeUnit
    ancestors: list[AdministrativeUnit]
    children_count: int
    predecessors: list[UnitSuccession]
    successors: list[UnitSuccession]
    classifications: list[ClassificationDecision]
    agencies: list[UnitAgency]
    quota_decisions: list[QuotaDecision]
    quotas: list[tuple[str, services.Quota]]
    on: dt.date
    unit_class: str = ""

    @property
    def unit_class_label(self) -> str:
        return CLASS_LABELS.get(self.unit_class, "")


def unit_detail(unit_id: int, *, on: dt.date) -> UnitDetail:
    unit = AdministrativeUnit.objects.select_related("parent").filter(pk=unit_id).first()
    if unit is None:
        raise services.NotFound("Không tìm thấy đơn vị hành chính.")
    ancestors = []
    node = unit.parent
    while node is not None and len(ancestors) < 10:
        ancestors.insert(0, node)
        node = node.parent
    quotas = [(label, services.quota_for(unit, on=on, category=value)) for value, label in StaffCategory.choices]
    return UnitDetail(
        unit=unit, ancestors=ancestors, children_count=unit.children.count(),
        predecessors=list(UnitSuccession.objects.filter(successor=unit).select_related("predecessor")
                          .order_by("effective_date", "predecessor__code")),
        successors=list(UnitSuccession.objects.filter(predecessor=unit).select_related("successor")
                        .order_by("effective_date", "successor__code")),
        classifications=list(ClassificationDecision.objects.filter(unit=unit).select_related("rule_set")
                             .order_by("-effective_from")),
        agencies=list(UnitAgency.objects.filter(unit=unit).select_related("agency").order_by("agency__name")),
        quota_decisions=list(QuotaDecision.objects.filter(unit=unit).order_by("-valid_from")),
        quotas=quotas, on=on, unit_class=services.unit_class_on(unit, on))


def norms() -> list[StaffingNorm]:
    return list(StaffingNorm.objects.order_by("valid_from", "category", "unit_type", "unit_class"))
