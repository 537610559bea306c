"""The seed's world for roster and report tests, built through the services: pre-2025 Quảng Nam (49), Nông Sơn
district, the class II commune Ninh Phước (01/12/2019–30/06/2025) governed by its UBND xã, and rosters."""

import datetime as dt

from conftest import make_agency
from congvu.org.models import AgencyKind
from congvu.staffing import roster, services
from congvu.staffing.models import AdministrativeUnit, Sex, StaffCategory

D = dt.date

UNITS_CSV = """code,name,type,parent_code,class,area_km2,population,valid_from,valid_to,basis
49,Tỉnh Quảng Nam,tỉnh,,,,,,30/06/2025,
506,Huyện Nông Sơn,huyện,49,,,,,30/06/2025,
20667,Xã Ninh Phước,xã,506,II,"61,61",4847,01/12/2019,30/06/2025,NQ 814/NQ-UBTVQH14
20668,Xã Quế Lâm,xã,506,III,,,01/01/2000,30/06/2025,
"""


def build_units() -> dict[str, AdministrativeUnit]:
    services.units_import(actor=None, text=UNITS_CSV)
    return {u.code: u for u in AdministrativeUnit.objects.all()}


def commune_agency(unit: AdministrativeUnit, name: str, **kw):
    agency = make_agency(name=name, kind=AgencyKind.COMMUNE_PC, **kw)
    services.unit_agency_link(actor=None, unit=unit, agency=agency, valid_from=unit.valid_from,
                              valid_to=unit.valid_to)
    return agency


def roster_csv(n: int, *, prefix: str = "Cán bộ", category: str = "cadre_civil", start: str = "01/12/2019",
               first_birth_year: int = 1965) -> str:
    lines = ["full_name,sex,birth_date,category,position,rank,salary_coefficient,start_date"]
    for i in range(n):
        sex = "Nam" if i % 2 == 0 else "Nữ"
        lines.append(f"{prefix} số {i + 1},{sex},15/0{1 + i % 9}/{first_birth_year + i % 30},{category},"
                     f"Công chức,Chuyên viên,2.34,{start}")
    return "\n".join(lines) + "\n"


def add_people(agency, n: int, **kw) -> list[int]:
    return roster.roster_import(actor=None, agency=agency, text=roster_csv(n, **kw)).member_ids


def add_one(agency, name="Nguyễn Văn An", **kw):
    values = {"sex": Sex.MALE, "birth_date": D(1980, 5, 20), "category": StaffCategory.CADRE_CIVIL,
              "position": "Công chức Văn phòng - Thống kê", "salary_coefficient": "2.34",
              "start_date": D(2010, 1, 1)} | kw
    return roster.staff_member_create(actor=None, agency=agency, full_name=name, **values)
