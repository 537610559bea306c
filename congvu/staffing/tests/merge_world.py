"""A small world for the merge tests, the browser journey and the bench: Quảng Nam, Nông Sơn district, two
communes (Quế Phước 31.20 km² / 2,500 people, Quế Ninh 30.41 km² / 2,347 people → 61.61 km², 4,847 people as
in the seed story), their UBND agencies with identifiers, departments, logins, officials and open and closed
work. Built with the ORM directly (no service of another helper)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from congvu.documents.models import Direction, Document, DocumentType, Register
from congvu.org.models import Agency, AgencyKind, Department, Membership, Official, Position, Role
from congvu.staffing.models import (
    AdministrativeUnit,
    Sex,
    StaffCategory,
    StaffMember,
    StaffPosting,
    UnitAgency,
    UnitType,
)

D = dt.date
MERGE_DAY = D(2019, 12, 1)


def _user(username: str, full_name: str, *, superuser: bool = False):
    User = get_user_model()
    if superuser:
        user = User.objects.create_superuser(username, password="matkhau-123")
    else:
        user = User.objects.create_user(username, password="matkhau-123")
    official = Official.objects.create(user=user, full_name=full_name)
    return user, official


def build_world(*, officials=(18, 15), documents=True, province_code="49") -> dict:
    province = AdministrativeUnit.objects.create(code=province_code, name="Tỉnh Quảng Nam",
                                                 name_folded="tinh quang nam", unit_type=UnitType.PROVINCE)
    district = AdministrativeUnit.objects.create(code="506", name="Huyện Nông Sơn", name_folded="huyen nong son",
                                                 unit_type=UnitType.DISTRICT, parent=province)
    phuoc = AdministrativeUnit.objects.create(
        code="20668", name="Xã Quế Phước", name_folded="xa que phuoc", unit_type=UnitType.COMMUNE, parent=district,
        unit_class="II", area_km2=Decimal("31.20"), population=2500, valid_from=D(2008, 1, 1))
    ninh = AdministrativeUnit.objects.create(
        code="20671", name="Xã Quế Ninh", name_folded="xa que ninh", unit_type=UnitType.COMMUNE, parent=district,
        unit_class="III", area_km2=Decimal("30.41"), population=2347, valid_from=D(2008, 1, 1))
    son = AdministrativeUnit.objects.create(
        code="20674", name="Xã Quế Lâm", name_folded="xa que lam", unit_type=UnitType.COMMUNE, parent=district,
        unit_class="II", area_km2=Decimal("40"), population=3000, valid_from=D(2008, 1, 1))
    pc = Agency.objects.create(name="UBND tỉnh Quảng Nam", short_name="UBND tỉnh", notation_code="UBND",
                               kind=AgencyKind.PROVINCE_PC, identifier="000.00.00.H49", province_code=province_code)
    ag_phuoc = Agency.objects.create(name="UBND xã Quế Phước", short_name="UBND xã Quế Phước", notation_code="UBND",
                                     kind=AgencyKind.COMMUNE_PC, identifier="000.21.31.H49",
                                     province_code=province_code, place="Quế Phước")
    ag_ninh = Agency.objects.create(name="UBND xã Quế Ninh", short_name="UBND xã Quế Ninh", notation_code="UBND",
                                    kind=AgencyKind.COMMUNE_PC, identifier="000.22.31.H49",
                                    province_code=province_code, place="Quế Ninh")
    for unit, ag in ((phuoc, ag_phuoc), (ninh, ag_ninh)):
        UnitAgency.objects.create(unit=unit, agency=ag)
    depts = {}
    for ag in (ag_phuoc, ag_ninh):
        depts[ag.pk] = {code: Department.objects.create(agency=ag, name=name, code=code)
                        for code, name in (("VP", "Văn phòng HĐND và UBND"), ("TP", "Tư pháp - Hộ tịch"))}
    depts[ag_ninh.pk]["DC"] = Department.objects.create(agency=ag_ninh, name="Địa chính - Xây dựng", code="DC")
    admin, admin_official = _user("qtquangnam", "Quản trị tỉnh Quảng Nam")
    Membership.objects.create(official=admin_official, agency=pc, role=Role.AGENCY_ADMIN)
    position, _ = Position.objects.get_or_create(name="Chuyên viên")
    clerk_phuoc, clerk_phuoc_o = _user("vanthu_quephuoc", "Lê Thị Văn Thư")
    Membership.objects.create(official=clerk_phuoc_o, agency=ag_phuoc, role=Role.CLERK,
                              department=depts[ag_phuoc.pk]["VP"], position=position)
    clerk_ninh, clerk_ninh_o = _user("vanthu_queninh", "Trần Văn Ninh")
    Membership.objects.create(official=clerk_ninh_o, agency=ag_ninh, role=Role.CLERK,
                              department=depts[ag_ninh.pk]["DC"], position=position)
    officer_ninh, officer_ninh_o = _user("tuphap_queninh", "Võ Thị Tư Pháp")
    Membership.objects.create(official=officer_ninh_o, agency=ag_ninh, role=Role.OFFICER,
                              department=depts[ag_ninh.pk]["TP"], position=position)

    members = []
    for ag, n in ((ag_phuoc, officials[0]), (ag_ninh, officials[1])):
        for i in range(n):
            m = StaffMember.objects.create(full_name=f"Cán bộ {ag.place} {i + 1:02d}",
                                           name_folded=f"can bo {ag.pk} {i + 1:02d}",
                                           sex=Sex.MALE if i % 2 else Sex.FEMALE, birth_date=D(1975, 1, 1 + i % 27))
            members.append(m)
            StaffPosting.objects.create(member=m, agency=ag, category=StaffCategory.CADRE_CIVIL,
                                        position="Công chức" if i else "Chủ tịch UBND",
                                        salary_coefficient=Decimal("2.34"), valid_from=D(2015, 1, 1 + i % 27))
    # One who left before the merge: stays with the old agency.
    gone = StaffMember.objects.create(full_name="Người đã nghỉ", name_folded="nguoi da nghi", sex=Sex.MALE,
                                      birth_date=D(1958, 5, 5))
    StaffPosting.objects.create(member=gone, agency=ag_ninh, category=StaffCategory.CADRE_CIVIL,
                                position="Công chức", salary_coefficient=Decimal("3.00"), valid_from=D(2010, 1, 1),
                                valid_to=D(2018, 12, 31), ended_reason="retirement")
    world = {"province": province, "district": district, "phuoc": phuoc, "ninh": ninh, "lam": son, "pc": pc,
             "ag_phuoc": ag_phuoc, "ag_ninh": ag_ninh, "admin": admin, "depts": depts,
             "clerk_phuoc": clerk_phuoc, "clerk_ninh": clerk_ninh, "officer_ninh": officer_ninh,
             "officer_ninh_o": officer_ninh_o, "clerk_ninh_o": clerk_ninh_o, "members": members, "gone": gone}
    if documents:
        world.update(_work(world))
    return world


def _work(w) -> dict:
    """At Quế Ninh: 2 open incoming documents (one assigned to the TP department, one in the clerk's queue),
    1 closed one, 1 open task, 1 waiting electronic delivery, 1 open dossier and 1 finished one; open
    registers at both communes."""
    from congvu.exchange.models import InboxItem
    from congvu.onestop.models import Dossier, DossierStatus, Procedure, ProcedureLevel, ProcedureVersion
    from congvu.workflow.models import Assignment, AssignmentRole, AssignmentStatus, Task

    now = timezone.now()
    ag, user, official = w["ag_ninh"], w["clerk_ninh"], w["clerk_ninh_o"]
    doc_type = DocumentType.objects.order_by("pk").first()
    reg_in = Register.objects.create(agency=ag, year=now.year, direction=Direction.INCOMING,
                                     name=f"Sổ văn bản đến năm {now.year}", next_number=4)
    reg_out = Register.objects.create(agency=w["ag_phuoc"], year=now.year, direction=Direction.OUTGOING,
                                      name=f"Sổ văn bản đi năm {now.year}", next_number=2)
    old_reg = Register.objects.create(agency=ag, year=now.year - 1, direction=Direction.INCOMING,
                                      name=f"Sổ văn bản đến năm {now.year - 1}", closed=True)

    def doc(n, subject, registered_at):
        return Document.objects.create(
            agency=ag, direction=Direction.INCOMING, register=reg_in, register_number=n, registered_at=registered_at,
            number=str(100 + n), notation="UBND-VP", doc_type=doc_type, issuer="UBND huyện Nông Sơn",
            issued_date=registered_at.date(), subject=subject, created_by=user, issuer_folded="ubnd huyen nong son")

    assigned = doc(1, "Về việc rà soát hộ nghèo", now - dt.timedelta(days=3))
    queued = doc(2, "Về việc tổ chức tiếp công dân", now - dt.timedelta(days=1))
    closed = doc(3, "Về việc báo cáo năm 2024", now - dt.timedelta(days=400))
    Assignment.objects.create(agency=ag, document=assigned, role=AssignmentRole.LEAD,
                              assignee_department=w["depts"][ag.pk]["TP"], assigned_by=official,
                              status=AssignmentStatus.IN_PROGRESS, created_at=now)
    Assignment.objects.create(agency=ag, document=closed, role=AssignmentRole.LEAD,
                              assignee_official=w["officer_ninh_o"], assigned_by=official,
                              status=AssignmentStatus.ACCEPTED, created_at=now - dt.timedelta(days=390))
    task = Task.objects.create(agency=ag, title="Chuẩn bị hồ sơ bàn giao", created_by=official, created_at=now)
    Task.objects.create(agency=ag, title="Việc đã xong", created_by=official, created_at=now, status="done")
    inbox = InboxItem.objects.create(agency=ag, sender_name="Sở Nội vụ", number="12", notation="SNV-TCBC",
                                     doc_type_code=doc_type.code, doc_type_name=doc_type.name,
                                     subject="Hướng dẫn sắp xếp", delivered_at=now)
    proc = Procedure.objects.create(national_code="1.001612", local_code="1.001612.000.00.00.H49",
                                    name="Đăng ký khai sinh", field="Hộ tịch", level=ProcedureLevel.COMMUNE)
    version = ProcedureVersion.objects.create(procedure=proc, valid_from=D(2019, 1, 1), time_limit=Decimal("5"))
    dossier = Dossier.objects.create(agency=ag, procedure_version=version, code="000.22.31.H49-191201-0001",
                                     status=DossierStatus.PROCESSING, applicant_name="Nguyễn Văn A",
                                     submitted_at=now)
    done = Dossier.objects.create(agency=ag, procedure_version=version, code="000.22.31.H49-191201-0002",
                                  status=DossierStatus.RETURNED, applicant_name="Nguyễn Văn B", submitted_at=now,
                                  finished_at=now)
    return {"reg_in": reg_in, "reg_out": reg_out, "old_reg": old_reg, "assigned": assigned, "queued": queued,
            "closed": closed, "task": task, "inbox": inbox, "dossier": dossier, "done_dossier": done}
