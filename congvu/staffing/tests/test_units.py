"""Administrative units: loading today's units from the package, importing history from CSV, searching,
classification decisions."""

import datetime as dt
from decimal import Decimal

import pytest

from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.staffing import selectors, services
from congvu.staffing.models import (
    AdministrativeUnit,
    ClassificationDecision,
    ClassificationRuleSet,
    UnitSource,
    UnitSuccession,
    UnitType,
)

pytestmark = pytest.mark.django_db
D = dt.date


def test_load_brings_34_provinces_and_3321_communes_once():
    r = services.units_load()
    assert (r.created, r.updated, r.unchanged) == (3355, 0, 0)
    today = AdministrativeUnit.objects.filter(valid_from=D(2025, 7, 1), source=UnitSource.PACKAGE)
    counts = {t: today.filter(unit_type=t).count() for t in UnitType.values}
    assert counts == {"province": 28, "city": 6, "district": 0, "commune": 2621, "ward": 687, "township": 0,
                      "special_zone": 13}
    hoan_kiem = AdministrativeUnit.objects.get(code="00070")
    assert (hoan_kiem.name, hoan_kiem.parent.code, hoan_kiem.parent.name) == ("Phường Hoàn Kiếm", "01",
                                                                              "Thành phố Hà Nội")
    assert hoan_kiem.name_folded == "phuong hoan kiem"
    entry = JournalEntry.objects.filter(action="staffing.units_load").get()
    assert entry.after == {"created": 3355, "updated": 0, "unchanged": 0}
    # idempotent: a second run changes nothing and journals nothing
    again = services.units_load()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3355)
    assert JournalEntry.objects.filter(action="staffing.units_load").count() == 1
    # a name changed by hand is put back; class and population entered by people stay
    AdministrativeUnit.objects.filter(pk=hoan_kiem.pk).update(name="Sai tên", unit_class="I", population=130000)
    assert services.units_load().updated == 1
    hoan_kiem.refresh_from_db()
    assert (hoan_kiem.name, hoan_kiem.unit_class, hoan_kiem.population) == ("Phường Hoàn Kiếm", "I", 130000)


def test_load_is_for_system_admins(province_admin):
    with pytest.raises(PermissionDenied):
        services.units_load(actor=province_admin)
    assert AdministrativeUnit.objects.count() == 0


HISTORY_CSV = """code,name,type,parent_code,class,area_km2,population,valid_from,valid_to,basis,successor_codes,succession_date,resolution
49,Tỉnh Quảng Nam,tỉnh,,,,,01/01/1997,30/06/2025,NQ QH 1996,,,
506,Huyện Nông Sơn,huyện,49,,,,08/04/2008,30/06/2025,NĐ 42/2008/NĐ-CP,,,
20668,Xã Quế Phước,xã,506,III,"30,5",2400,,30/11/2019,,20670,01/12/2019,NQ 814/NQ-UBTVQH14
20669,Xã Quế Ninh,xã,506,II,31.11,2447,,30/11/2019,,20670,,NQ 814/NQ-UBTVQH14
20670,Xã Ninh Phước,xã,506,II,61.61,4847,01/12/2019,30/06/2025,NQ 814/NQ-UBTVQH14,,,
"""


def test_import_creates_units_parents_and_successions_in_one_go():
    r = services.units_import(text=HISTORY_CSV)
    assert (r.created, r.successions) == (5, 2)
    ninh = AdministrativeUnit.objects.get(code="20670")
    assert (ninh.parent.code, ninh.unit_class, ninh.area_km2, ninh.population, ninh.valid_from, ninh.valid_to) == (
        "506", "II", Decimal("61.61"), 4847, D(2019, 12, 1), D(2025, 6, 30))
    assert AdministrativeUnit.objects.get(code="20668").area_km2 == Decimal("30.5")
    links = {(s.predecessor.code, s.successor.code, s.effective_date, s.resolution)
             for s in UnitSuccession.objects.all()}
    # the second row gives no date: the day after its last day
    assert links == {("20668", "20670", D(2019, 12, 1), "NQ 814/NQ-UBTVQH14"),
                     ("20669", "20670", D(2019, 12, 1), "NQ 814/NQ-UBTVQH14")}
    detail = selectors.unit_detail(ninh.pk, on=D(2020, 1, 1))
    assert [s.predecessor.name for s in detail.predecessors] == ["Xã Quế Phước", "Xã Quế Ninh"]
    assert [a.code for a in detail.ancestors] == ["49", "506"]
    assert dict((label, q.quota) for label, q in detail.quotas) == {
        "Cán bộ, công chức": 21, "Người hoạt động không chuyên trách": 12}
    assert JournalEntry.objects.get(action="staffing.units_import").after["created"] == 5


def test_import_is_all_or_nothing_and_names_every_bad_line():
    bad = HISTORY_CSV.replace("20669,Xã Quế Ninh,xã,506,II,31.11,2447", "20669,Xã Quế Ninh,làng,506,IV,abc,2447")
    bad = bad.replace("01/12/2019,30/06/2025,NQ 814", "31/12/2019,30/06/2019,NQ 814")
    with pytest.raises(ValidationFailed) as exc:
        services.units_import(text=bad)
    assert exc.value.message == "Tệp có 3 dòng sai; chưa nhập dòng nào."
    assert list(exc.value.fields) == ["line 4", "line 5", "line 6"]
    # line 4 is right by itself, but its successor is the bad line 6
    assert exc.value.fields["line 4"] == "Dòng 4: không tìm thấy đơn vị kế thừa mã 20670 có hiệu lực ngày 01/12/2019."
    assert exc.value.fields["line 5"] == (
        "Dòng 5: loại đơn vị “làng” không rõ (tỉnh, huyện, xã, phường, thị trấn, đặc khu); phân loại “IV” không rõ "
        "(I, II, III, đặc biệt); diện tích “abc” không phải số.")
    assert exc.value.fields["line 6"] == "Dòng 6: ngày hết hiệu lực trước ngày hiệu lực."
    assert AdministrativeUnit.objects.count() == 0
    assert UnitSuccession.objects.count() == 0
    assert not JournalEntry.objects.filter(action="staffing.units_import").exists()


def test_import_refuses_unknown_successors_parents_and_duplicates():
    text = ("code,name,type,parent_code,valid_from,valid_to,successor_codes,resolution\n"
            "1,Xã A,xã,999,,30/11/2019,777,NQ 1\n")
    with pytest.raises(ValidationFailed) as exc:
        services.units_import(text=text)
    assert exc.value.fields == {"line 2": "Dòng 2: không tìm thấy đơn vị kế thừa mã 777 có hiệu lực ngày 01/12/2019."}
    services.units_import(text=HISTORY_CSV)
    with pytest.raises(ValidationFailed) as exc:
        services.units_import(text=HISTORY_CSV)
    assert exc.value.fields["line 2"] == "Dòng 2: đã có đơn vị mã 49 hiệu lực từ 01/01/1997."
    later_parent = ("code,name,type,parent_code\n"
                    "2,Xã B,xã,88\n"
                    "88,Huyện C,huyện,\n")
    with pytest.raises(ValidationFailed) as exc:
        services.units_import(text=later_parent)
    assert exc.value.fields == {"line 2": "Dòng 2: đơn vị cấp trên mã 88 phải ở dòng trước (đang ở dòng 3)."}
    with pytest.raises(ValidationFailed, match="Dòng tiêu đề"):
        services.units_import(text="ma,ten\n1,2\n")
    assert AdministrativeUnit.objects.count() == 5


def test_search_folds_accents_and_filters_by_date():
    services.units_load()
    services.units_import(text=HISTORY_CSV)
    rows, total = selectors.unit_search(q="ninh phuoc", day=D(2020, 1, 1))
    assert [u.code for u in rows] == ["20670"]
    rows, _ = selectors.unit_search(q="NÔNG SƠN", day=None)
    assert {u.name for u in rows} >= {"Huyện Nông Sơn", "Xã Nông Sơn"}
    rows, _ = selectors.unit_search(q="nong son", day=D(2026, 1, 1))
    assert "Huyện Nông Sơn" not in {u.name for u in rows}  # abolished 01/07/2025
    rows, _ = selectors.unit_search(q="00070", day=D(2026, 1, 1))
    assert [u.name for u in rows] == ["Phường Hoàn Kiếm"]
    rows, _ = selectors.unit_search(unit_class="II", day=D(2020, 1, 1))
    assert [(u.code, u.current_class_label) for u in rows] == [("20670", "Loại II")]
    assert len(selectors.provinces(D(2026, 1, 1))) == 34
    assert [p.code for p in selectors.provinces(D(2020, 1, 1))] == ["49"]


def test_classification_decision_scored_under_nd307(quang_nam, superuser):
    ward = AdministrativeUnit.objects.create(code="20333", name="Phường Hội An Tây", unit_type=UnitType.WARD,
                                             area_km2=Decimal("4.1"), population=48200, valid_from=D(2025, 7, 1))
    decision = services.classification_decide(
        actor=superuser, unit=ward, decision_number="25/QĐ-UBND", decision_date=D(2026, 3, 2),
        figures={"city_ward": True, "budget_self_financing_pct": "62", "industry_services_pct": 93,
                 "non_farm_labour_pct": 97, "poverty_pct": "0.3", "clean_water_pct": 100, "online_dossiers_pct": 88,
                 "online_documents_pct": 96, "minority_pct": 14, "relic": True, "population_standard": 15000,
                 "provincial_specialised_centre": True})
    # the ward example of test_classification: 71 + priority 5 = 76 → I
    assert (decision.unit_class, decision.score, decision.rule_set.name) == ("I", Decimal("76"), "NĐ 307/2025/NĐ-CP")
    assert decision.breakdown["criteria_total"] == "71"
    ward.refresh_from_db()
    assert ward.unit_class == ""  # the class as entered; the decision gives the class by date
    assert (services.unit_class_on(ward, D(2026, 3, 1)), services.unit_class_on(ward, D(2026, 3, 2))) == ("", "I")
    assert JournalEntry.objects.filter(action="staffing.classification_decide").count() == 1
    # the same date again is a conflict; nothing more is written
    with pytest.raises(Conflict):
        services.classification_decide(actor=superuser, unit=ward, decision_number="26/QĐ-UBND",
                                       decision_date=D(2026, 3, 2))
    # a class that contradicts the score is refused: with only the unit's population and area the ward scores
    # 23.5 + 10 + 7 criteria at 3 = 54.5 → III, not the I the form claims
    with pytest.raises(ValidationFailed) as exc:
        services.classification_decide(actor=superuser, unit=ward, decision_number="27", decision_date=D(2026, 4, 1),
                                       figures={"city_ward": True}, unit_class="I")
    assert exc.value.message == "Theo thang điểm, Phường Hội An Tây đạt 54,5 điểm, là Loại III, không phải Loại I."
    # scoring without population and area is refused: the unit has neither, the form gives neither
    bare = AdministrativeUnit.objects.create(code="20334", name="Phường Mới", unit_type=UnitType.WARD,
                                             valid_from=D(2025, 7, 1))
    with pytest.raises(ValidationFailed) as exc:
        services.classification_decide(actor=superuser, unit=bare, decision_number="28", decision_date=D(2026, 4, 1),
                                       figures={"population": "", "city_ward": True})
    assert exc.value.message == "Chấm điểm phân loại cần dân số và diện tích của đơn vị."
    assert set(exc.value.fields) == {"population", "area_km2"}
    assert ClassificationDecision.objects.count() == 1


def test_class_only_rule_set_for_the_seed_period(quang_nam, province_admin, other_province_admin):
    commune = quang_nam["commune"]
    old = ClassificationRuleSet.objects.get(name__startswith="Phân loại trước 07/2025")
    assert not old.scores
    with pytest.raises(ValidationFailed, match="không có thang điểm"):
        services.classification_decide(actor=province_admin, unit=commune, decision_number="5/QĐ-UBND",
                                       decision_date=D(2020, 2, 1))
    with pytest.raises(PermissionDenied):
        services.classification_decide(actor=other_province_admin, unit=commune, decision_number="5/QĐ-UBND",
                                       decision_date=D(2020, 2, 1), unit_class="I")
    decision = services.classification_decide(actor=province_admin, unit=commune, decision_number="5/QĐ-UBND",
                                              decision_date=D(2020, 2, 1), unit_class="I")
    assert (decision.rule_set_id, decision.score, decision.unit_class) == (old.pk, None, "I")
    # class I from 01/02/2020: the quota follows the decision (NĐ 34/2019 loại I = 23)
    assert services.quota_for(commune, on=D(2020, 1, 31)).quota == 21
    assert services.quota_for(commune, on=D(2020, 2, 1)).quota == 23
    with pytest.raises(ValidationFailed, match="không còn hoặc chưa tồn tại"):
        services.classification_decide(actor=province_admin, unit=commune, decision_number="9",
                                       decision_date=D(2025, 12, 1), unit_class="I")
