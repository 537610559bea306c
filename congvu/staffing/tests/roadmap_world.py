"""A small province built with the ORM for the transfer, roadmap and budget tests (S3): the seed's Quảng Nam
(code 49) with communes, their agencies, quotas by decision, and staff members with postings."""

import datetime as dt
from decimal import Decimal

from conftest import make_agency, make_official
from congvu.org.models import AgencyKind, Role
from congvu.staffing.models import (
    AdministrativeUnit,
    QuotaDecision,
    StaffCategory,
    StaffMember,
    StaffPosting,
    UnitAgency,
    UnitType,
)

D = dt.date


def commune(province, code: str, name: str, *, unit_class="II", valid_from=D(2019, 12, 1), valid_to=None):
    return AdministrativeUnit.objects.create(code=code, name=name, name_folded=name.lower(),
                                             unit_type=UnitType.COMMUNE, parent=province, unit_class=unit_class,
                                             valid_from=valid_from, valid_to=valid_to)


def commune_agency(unit, name: str):
    agency = make_agency(name=name, kind=AgencyKind.COMMUNE_PC)
    UnitAgency.objects.create(unit=unit, agency=agency)
    return agency


def quota(agency, n: int, *, valid_from=D(2019, 1, 1)):
    return QuotaDecision.objects.create(agency=agency, category=StaffCategory.CADRE_CIVIL, quota=n,
                                        valid_from=valid_from, decision_number=f"QĐ {n}/{agency.pk}",
                                        decision_date=valid_from)


def member(agency, name: str, *, birth=D(1985, 6, 15), sex="male", start=D(2015, 1, 1), end=None,
           coefficient="2.34", position_allowance="0", other_allowance="0", monthly=0,
           category=StaffCategory.CADRE_CIVIL, position="Công chức"):
    m = StaffMember.objects.create(full_name=name, name_folded=name.lower(), sex=sex, birth_date=birth)
    StaffPosting.objects.create(member=m, agency=agency, category=category, position=position,
                                salary_coefficient=Decimal(coefficient),
                                position_allowance=Decimal(position_allowance),
                                other_allowance=Decimal(other_allowance), monthly_allowance_vnd=monthly,
                                valid_from=start, valid_to=end)
    return m


def superuser_with_official(username="quantri_ht"):
    agency = make_agency(name="Bộ Nội vụ", kind=AgencyKind.MINISTRY)
    official = make_official(agency, Role.OFFICER, username=username)
    user = official.user
    user.is_superuser = True
    user.is_staff = True
    user.save()
    return user
