"""The merge wizard's services: what moves, old identifiers still working, bad input, a half-failed merge."""

import dataclasses
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from congvu.audit.models import JournalEntry
from congvu.core.errors import Conflict, PermissionDenied, ValidationFailed
from congvu.documents.models import Document, Register
from congvu.exchange.models import DirectoryAlias, DirectoryEntry, InboxItem
from congvu.onestop.models import Dossier
from congvu.org.models import Agency, Department, Membership, Role
from congvu.staffing import reorg
from congvu.staffing.models import (
    AdministrativeUnit,
    Numbering,
    Reorganisation,
    StaffPosting,
    UnitAgency,
    UnitSuccession,
)
from congvu.staffing.tests.merge_world import MERGE_DAY, build_world
from congvu.workflow.models import Assignment, Task

pytestmark = pytest.mark.django_db

NEW_ID = "000.23.31.H49"


@pytest.fixture
def w(db):
    return build_world()


def plan_for(w, **changes) -> reorg.MergePlan:
    values = dict(unit_ids=[w["phuoc"].pk, w["ninh"].pk], name="Xã Ninh Phước", code="20667", unit_type="commune",
                  unit_class="II", effective_date=MERGE_DAY, resolution="NQ 814/NQ-UBTVQH14",
                  new_agency_name="UBND xã Ninh Phước", new_agency_notation="UBND", new_agency_identifier=NEW_ID)
    values.update(changes)
    return reorg.MergePlan(**values)


def snapshot() -> dict:
    """Everything a merge may touch, to assert that a refused or failed merge changed nothing."""
    return {
        "units": list(AdministrativeUnit.objects.order_by("pk").values_list("pk", "code", "valid_from", "valid_to")),
        "successions": UnitSuccession.objects.count(),
        "links": list(UnitAgency.objects.order_by("pk").values_list("pk", "agency_id", "valid_to")),
        "agencies": list(Agency.objects.order_by("pk").values_list("pk", "active_to", "identifier")),
        "postings": list(StaffPosting.objects.order_by("pk").values_list("pk", "agency_id", "valid_from", "valid_to")),
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "agency_id", "active")),
        "departments": Department.objects.count(),
        "documents": list(Document.objects.order_by("pk").values_list("pk", "agency_id")),
        "assignments": list(Assignment.objects.order_by("pk").values_list("pk", "agency_id")),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "agency_id")),
        "inbox": list(InboxItem.objects.order_by("pk").values_list("pk", "agency_id")),
        "dossiers": list(Dossier.objects.order_by("pk").values_list("pk", "agency_id")),
        "registers": list(Register.objects.order_by("pk").values_list("pk", "closed")),
        "aliases": DirectoryAlias.objects.count(), "entries": DirectoryEntry.objects.count(),
        "reorgs": Reorganisation.objects.count(), "journal": JournalEntry.objects.count(),
    }


# --- preview ---------------------------------------------------------------------------------------------

def test_preview_lists_what_moves_with_counts_and_the_surplus(w):
    before = snapshot()
    p = reorg.merge_preview(actor=w["admin"], plan=plan_for(w))
    assert snapshot() == before  # nothing written
    assert p.area_km2 == Decimal("61.61") and p.population == 4847  # 31.20 + 30.41; 2,500 + 2,347
    counts = {g.key: g.count for g in p.groups}
    # 18 + 15 officials in post on 01/12/2019 (the one who retired in 2018 stays); 3 logins; the document
    # assigned to the TP department and the one in the clerk's queue (not the closed one); one waiting
    # delivery, one open assignment, one open task, one open dossier; the two open registers.
    assert counts == {"postings": 33, "memberships": 3, "documents": 2, "inbox": 1, "assignments": 1,
                      "presentations": 0, "tasks": 1, "drafts": 0, "dossiers": 1, "dossier_steps": 0,
                      "registers": 2}
    assert p.group("documents").samples == ["102/UBND-VP — Về việc tổ chức tiếp công dân",
                                            "101/UBND-VP — Về việc rà soát hộ nghèo"]
    assert p.aliases == [("000.21.31.H49", NEW_ID), ("000.22.31.H49", NEW_ID)]
    assert sorted(p.departments_created) == ["Tư pháp - Hộ tịch (TP)", "Văn phòng HĐND và UBND (VP)",
                                             "Địa chính - Xây dựng (DC)"]
    # NĐ 34/2019 (in force 25/06/2019–31/07/2023): a class II commune has 21 cadres and civil servants.
    assert (p.quota, p.in_post, p.surplus) == (21, 33, 12)
    assert p.successor_agency is None and p.successor_name == "UBND xã Ninh Phước"


def test_class_left_empty_takes_the_highest_class_of_the_predecessors(w):
    p = reorg.merge_preview(actor=w["admin"], plan=plan_for(w, unit_class=""))
    assert p.unit_class == "II"  # Quế Phước II, Quế Ninh III
    assert p.quota == 21


# --- execute ---------------------------------------------------------------------------------------------

def test_merge_moves_everything_in_one_go(w):
    r = reorg.merge_execute(actor=w["admin"], plan=plan_for(w))
    last = dt.date(2019, 11, 30)
    new = r.successor_unit
    assert (new.code, new.name, new.area_km2, new.population, new.valid_from, new.valid_to, new.parent) == (
        "20667", "Xã Ninh Phước", Decimal("61.61"), 4847, MERGE_DAY, None, w["district"])
    for key in ("phuoc", "ninh"):
        w[key].refresh_from_db()
        assert w[key].valid_to == last
    assert set(UnitSuccession.objects.filter(successor=new).values_list("predecessor__code", "kind", "resolution")) == {
        ("20668", "merge", "NQ 814/NQ-UBTVQH14"), ("20671", "merge", "NQ 814/NQ-UBTVQH14")}
    lam = w["lam"]
    lam.refresh_from_db()
    assert lam.valid_to is None  # not part of the merge
    successor = r.successor_agency
    assert (successor.name, successor.identifier, successor.kind, successor.active_from, successor.province_code) == (
        "UBND xã Ninh Phước", NEW_ID, "commune_pc", MERGE_DAY, "49")
    for key in ("ag_phuoc", "ag_ninh"):
        w[key].refresh_from_db()
        assert w[key].active_to == last
    assert UnitAgency.objects.get(unit=new).agency == successor
    assert set(UnitAgency.objects.filter(unit__in=[w["phuoc"], w["ninh"]]).values_list("valid_to", flat=True)) == {last}
    assert sorted(r.parts.values_list("predecessor_unit__code", "predecessor_agency__name")) == [
        ("20668", "UBND xã Quế Phước"), ("20671", "UBND xã Quế Ninh")]

    # Officials: 33 postings end on 30/11/2019 with the reorganisation reason; 33 new ones from 01/12/2019.
    ended = StaffPosting.objects.filter(agency__in=[w["ag_phuoc"], w["ag_ninh"]], valid_to=last)
    assert ended.count() == 33 and set(ended.values_list("ended_reason", flat=True)) == {"reorganisation"}
    now_in = StaffPosting.objects.filter(agency=successor, valid_from=MERGE_DAY, valid_to__isnull=True)
    assert now_in.count() == 33
    first = w["members"][0]
    assert list(first.postings.order_by("valid_from").values_list("agency__name", "position", "valid_to")) == [
        ("UBND xã Quế Phước", "Chủ tịch UBND", last), ("UBND xã Ninh Phước", "Chủ tịch UBND", None)]
    assert StaffPosting.objects.get(member=w["gone"]).agency == w["ag_ninh"]  # history untouched
    # Each move went through the roster's posting_change (journaled on the old agency's chain).
    assert JournalEntry.objects.filter(action="staffing.posting_change").count() == 33
    # Logins: same role in the successor, department by code (DC copied into the successor).
    assert sorted(Membership.objects.filter(agency=successor).values_list(
        "official__user__username", "role", "department__code")) == [
        ("tuphap_queninh", Role.OFFICER, "TP"), ("vanthu_queninh", Role.CLERK, "DC"),
        ("vanthu_quephuoc", Role.CLERK, "VP")]
    assert sorted(successor.departments.values_list("code", flat=True)) == ["DC", "TP", "VP"]

    # Open work moved; closed work and its numbers stay.
    for key in ("assigned", "queued"):
        w[key].refresh_from_db()
        assert w[key].agency == successor
        assert w[key].register == w["reg_in"]  # the number in the old register is history
    w["closed"].refresh_from_db()
    assert w["closed"].agency == w["ag_ninh"]
    asg = Assignment.objects.get(document=w["assigned"])
    assert (asg.agency, asg.assignee_department.agency, asg.assignee_department.code) == (successor, successor, "TP")
    assert Assignment.objects.get(document=w["closed"]).agency == w["ag_ninh"]
    assert Task.objects.get(pk=w["task"].pk).agency == successor
    assert Task.objects.get(title="Việc đã xong").agency == w["ag_ninh"]
    assert InboxItem.objects.get(pk=w["inbox"].pk).agency == successor
    assert Dossier.objects.get(pk=w["dossier"].pk).agency == successor
    assert Dossier.objects.get(pk=w["done_dossier"].pk).agency == w["ag_ninh"]
    assert Dossier.objects.get(pk=w["dossier"].pk).code == "000.22.31.H49-191201-0001"
    # Registers: the old ones closed.
    assert set(Register.objects.filter(agency__in=[w["ag_phuoc"], w["ag_ninh"]]).values_list("closed", flat=True)) \
        == {True}
    # Identifiers: aliases of the successor's entry from the merge day.
    entry = DirectoryEntry.objects.get(identifier=NEW_ID)
    assert entry.agency == successor
    assert sorted(DirectoryAlias.objects.values_list("old_identifier", "entry__identifier", "valid_from")) == [
        ("000.21.31.H49", NEW_ID, MERGE_DAY), ("000.22.31.H49", NEW_ID, MERGE_DAY)]
    # The result: 33 in post against 21 → 12 surplus, stored.
    s = r.summary
    assert (s["quota"], s["in_post"], s["surplus"]) == (21, 33, 12)
    assert s["moved"] == {"postings": 33, "memberships": 3, "documents": 2, "inbox": 1, "assignments": 1,
                          "presentations": 0, "tasks": 1, "drafts": 0, "dossiers": 1, "dossier_steps": 0,
                          "registers": 2}
    # Journaled on the successor's chain and each predecessor's chain.
    assert JournalEntry.objects.filter(chain__key=f"agency:{successor.pk}", action="staffing.merge").count() == 1
    for key in ("ag_phuoc", "ag_ninh"):
        assert JournalEntry.objects.filter(chain__key=f"agency:{w[key].pk}",
                                           action="staffing.merge_predecessor").count() == 1


def test_old_identifiers_still_reach_the_successor(w, agency, clerk):
    """A package addressed to Quế Ninh's old code lands in the successor's inbox; a document registered for
    Quế Ninh before the merge and dispatched after it reaches the successor too."""
    from congvu.documents.services import outgoing_register
    from congvu.documents.tests.factories import outgoing_data
    from congvu.exchange import connector, services
    from congvu.exchange.edxml import Organ, build_package
    from congvu.exchange.packages import document_package

    pending = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk,
        subject="V/v rà soát cán bộ", recipient_agency_ids=[w["ag_ninh"].pk], recipient_names=[], pages=1))
    external = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk,
        subject="V/v tổng hợp số liệu", recipient_names=["UBND xã Quế Ninh"], pages=1))
    r = reorg.merge_execute(actor=w["admin"], plan=plan_for(w, effective_date=timezone.localdate()
                                                            - dt.timedelta(days=1)))
    successor = r.successor_agency

    package = document_package(external, to=(Organ(organ_id="000.22.31.H49", name="UBND xã Quế Ninh"),))
    out = io.BytesIO()
    build_package(dataclasses.replace(package, attachments=()), out, open_attachment=lambda a: None)
    result = connector.receive(out.getvalue(), via="test")
    assert [i.agency_id for i in result.items] == [successor.pk]
    assert InboxItem.objects.get(pk=result.items[0].pk).subject == "V/v tổng hợp số liệu"

    dispatched = services.document_dispatch(actor=clerk, document=pending)
    assert [i.agency_id for i in dispatched.inbox_items] == [successor.pk]


def test_existing_agency_absorbs_and_continues_numbering(w):
    reg = w["reg_out"]  # Quế Phước's outgoing register, next number 02
    r = reorg.merge_execute(actor=w["admin"], plan=plan_for(
        w, successor_agency_id=w["ag_phuoc"].pk, numbering=Numbering.CONTINUE, new_agency_name="",
        new_agency_notation="", new_agency_identifier=""))
    assert r.successor_agency == w["ag_phuoc"]
    w["ag_phuoc"].refresh_from_db()
    w["ag_ninh"].refresh_from_db()
    assert (w["ag_phuoc"].active_to, w["ag_ninh"].active_to) == (None, dt.date(2019, 11, 30))
    reg.refresh_from_db()
    assert (reg.closed, reg.next_number) == (False, 2)  # continues
    assert Register.objects.get(pk=w["reg_in"].pk).closed  # Quế Ninh's closed
    # Only Quế Ninh's 15 officials move; Quế Phước's 18 stay in their posting.
    assert r.summary["moved"]["postings"] == 15
    assert StaffPosting.objects.filter(agency=w["ag_phuoc"], valid_to__isnull=True).count() == 33
    assert list(DirectoryAlias.objects.values_list("old_identifier", "entry__identifier")) == [
        ("000.22.31.H49", "000.21.31.H49")]
    assert r.summary["surplus"] == 12


# --- bad input: a message and nothing changed ---------------------------------------------------------------

def _refused(w, exc_type, text, actor=None, **changes):
    actor = actor or w["admin"]
    before = snapshot()
    with pytest.raises(exc_type) as info:
        reorg.merge_execute(actor=actor, plan=plan_for(w, **changes))
    assert text in info.value.message
    assert snapshot() == before
    with pytest.raises(exc_type):
        reorg.merge_preview(actor=actor, plan=plan_for(w, **changes))
    return info.value


def _root():
    from django.contrib.auth import get_user_model

    from congvu.org.models import Official
    root = get_user_model().objects.create_superuser("root", password="x")
    Official.objects.create(user=root, full_name="Quản trị hệ thống")
    return root


def test_units_of_different_provinces_refused(w):
    other = AdministrativeUnit.objects.create(code="48", name="Thành phố Đà Nẵng", name_folded="thanh pho da nang",
                                              unit_type="city")
    hoa_vang = AdministrativeUnit.objects.create(code="20320", name="Xã Hòa Phú", name_folded="xa hoa phu",
                                                 unit_type="commune", parent=other, valid_from=dt.date(2008, 1, 1))
    exc = _refused(w, ValidationFailed, "Không được hợp nhất đơn vị thuộc các tỉnh khác nhau", actor=_root(),
                   unit_ids=[w["phuoc"].pk, hoa_vang.pk])
    assert exc.message == ("Không được hợp nhất đơn vị thuộc các tỉnh khác nhau (Thành phố Đà Nẵng, Tỉnh Quảng "
                           "Nam).")


def test_units_of_different_provinces_when_allowed_by_a_system_admin(w):
    other = AdministrativeUnit.objects.create(code="48", name="Thành phố Đà Nẵng", name_folded="thanh pho da nang",
                                              unit_type="city")
    hoa_phu = AdministrativeUnit.objects.create(code="20320", name="Xã Hòa Phú", name_folded="xa hoa phu",
                                                unit_type="commune", parent=other, valid_from=dt.date(2008, 1, 1))
    root = _root()
    p = reorg.merge_preview(actor=root, plan=plan_for(w, unit_ids=[w["phuoc"].pk, hoa_phu.pk],
                                                      allow_other_provinces=True))
    assert p.population is None  # Hòa Phú's population is not recorded: no sum
    # The flag from a province admin is not enough.
    with pytest.raises((ValidationFailed, PermissionDenied)):
        reorg.merge_preview(actor=w["admin"], plan=plan_for(w, unit_ids=[w["phuoc"].pk, hoa_phu.pk],
                                                            allow_other_provinces=True))


def test_date_before_a_predecessors_start_refused(w):
    _refused(w, ValidationFailed, "không còn hiệu lực vào ngày 01/01/2005", effective_date=dt.date(2005, 1, 1))
    AdministrativeUnit.objects.filter(pk=w["ninh"].pk).update(valid_from=MERGE_DAY)
    _refused(w, ValidationFailed, "phải sau ngày Xã Quế Ninh bắt đầu có hiệu lực (01/12/2019)")


def test_single_unit_refused(w):
    exc = _refused(w, ValidationFailed, "ít nhất hai đơn vị", unit_ids=[w["phuoc"].pk])
    assert exc.fields == {"unit_ids": "Chọn ít nhất hai đơn vị để hợp nhất."}
    _refused(w, ValidationFailed, "ít nhất hai đơn vị", unit_ids=[w["phuoc"].pk, w["phuoc"].pk])


def test_unit_not_in_force_refused(w):
    AdministrativeUnit.objects.filter(pk=w["ninh"].pk).update(valid_to=dt.date(2019, 6, 30))
    _refused(w, ValidationFailed, "Xã Quế Ninh không còn hiệu lực vào ngày 01/12/2019")


def test_code_clash_refused(w):
    exc = _refused(w, ValidationFailed, "Mã 20674 đang là mã của Xã Quế Lâm", code="20674")
    assert "code" in exc.fields
    AdministrativeUnit.objects.create(code="20667", name="Xã Khác", name_folded="xa khac", unit_type="commune",
                                      valid_from=MERGE_DAY, valid_to=MERGE_DAY)
    _refused(w, ValidationFailed, "Đã có đơn vị mã 20667 hiệu lực từ 01/12/2019")


def test_reusing_a_predecessors_code_is_allowed(w):
    r = reorg.merge_execute(actor=w["admin"], plan=plan_for(w, code="20668"))
    assert AdministrativeUnit.objects.filter(code="20668").count() == 2
    assert r.successor_unit.valid_from == MERGE_DAY


@pytest.mark.parametrize(("changes", "field"), [
    ({"new_agency_identifier": "H49.1"}, "new_agency_identifier"),
    ({"new_agency_identifier": "000.21.31.H49"}, "new_agency_identifier"),  # Quế Phước's
    ({"new_agency_name": " "}, "new_agency_name"),
    ({"numbering": Numbering.CONTINUE}, "numbering"),  # a new agency cannot continue numbers
    ({"unit_type": "district"}, "unit_type"),
    ({"unit_class": "special"}, "unit_class"),
    ({"resolution": ""}, "resolution"),
    ({"name": ""}, "name"),
    ({"code": "20 667"}, "code"),
    ({"successor_agency_id": 10**9}, "successor_agency_id"),
])
def test_bad_fields_refused(w, changes, field):
    exc = _refused(w, ValidationFailed, "Phương án sắp xếp chưa hợp lệ", **changes)
    assert field in exc.fields


def test_restart_refused_for_an_existing_agency_that_numbered_this_year(w):
    AdministrativeUnit.objects.filter(pk__in=[w["phuoc"].pk, w["ninh"].pk]).update(valid_from=None)
    day = timezone.localdate()
    _refused(w, ValidationFailed, "không đánh số lại từ 01 trong năm", effective_date=day,
             successor_agency_id=w["ag_phuoc"].pk, numbering=Numbering.RESTART)


def test_identifier_already_an_alias_refused(w):
    entry = DirectoryEntry.objects.create(identifier="000.99.31.H49", name="Khác", name_folded="khac")
    DirectoryAlias.objects.create(old_identifier="000.22.31.H49", entry=entry)
    _refused(w, Conflict, "Mã định danh 000.22.31.H49 của UBND xã Quế Ninh đã được ánh xạ sang 000.99.31.H49")


# --- a merge that fails half-way changes nothing ------------------------------------------------------------

def test_failure_at_the_last_step_changes_nothing(w, monkeypatch):
    before = snapshot()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while writing the aliases")

    monkeypatch.setattr(reorg, "_alias_identifiers", broken)
    with pytest.raises(RuntimeError):
        reorg.merge_execute(actor=w["admin"], plan=plan_for(w))
    assert snapshot() == before


def test_database_refusal_half_way_changes_nothing(w):
    """The successor's identifier is taken by an agency created after the checks would have passed: the
    database's unique constraint stops the merge after units, postings and documents were already written."""
    before = snapshot()
    original = reorg._move

    def move_then_clash(checked, successor, *args, **kwargs):
        counts = original(checked, successor, *args, **kwargs)
        Agency.objects.create(name="Trùng mã", notation_code="X", identifier="000.77.31.H49")
        Agency.objects.create(name="Trùng mã 2", notation_code="X", identifier="000.77.31.H49")
        return counts

    reorg._move = move_then_clash
    try:
        with pytest.raises(Exception):  # noqa: B017 — IntegrityError on either database
            reorg.merge_execute(actor=w["admin"], plan=plan_for(w))
    finally:
        reorg._move = original
    assert snapshot() == before


# --- who may merge ------------------------------------------------------------------------------------------

def test_only_system_admins_and_the_provinces_admin_may_merge(w):
    from conftest import make_agency, make_official
    from congvu.org.models import AgencyKind

    other = make_official(make_agency(name="UBND tỉnh Lâm Đồng", kind=AgencyKind.PROVINCE_PC, province_code="68"),
                          Role.AGENCY_ADMIN, username="qtlamdong").user
    before = snapshot()
    for user in (other, w["clerk_ninh"]):
        with pytest.raises(PermissionDenied):
            reorg.merge_preview(actor=user, plan=plan_for(w))
        with pytest.raises(PermissionDenied):
            reorg.merge_execute(actor=user, plan=plan_for(w))
    assert snapshot() == before
    assert reorg.merge_preview(actor=w["admin"], plan=plan_for(w)).surplus == 12


def test_a_system_admin_without_an_official_record_merges_and_the_journal_names_them(w):
    from django.contrib.auth import get_user_model

    from congvu.audit.models import JournalEntry

    bare = get_user_model().objects.create_superuser("bare", password="x")
    assert reorg.merge_preview(actor=bare, plan=plan_for(w)).surplus == 12
    r = reorg.merge_execute(actor=bare, plan=plan_for(w))
    assert r.created_by is None
    entry = JournalEntry.objects.get(action="staffing.merge", object_id=str(r.pk))
    assert (entry.actor_id, entry.actor_name) == (bare.pk, "bare")


def test_directory_entries_of_the_old_codes_end_the_day_before(w):
    from congvu.exchange.directory import resolve_identifier

    DirectoryEntry.objects.create(identifier="000.22.31.H49", name="UBND xã Quế Ninh", name_folded="ubnd xa que ninh",
                                  agency=w["ag_ninh"], valid_from=dt.date(2008, 1, 1))
    r = reorg.merge_execute(actor=w["admin"], plan=plan_for(w))
    old = DirectoryEntry.objects.get(identifier="000.22.31.H49")
    assert (old.valid_from, old.valid_to, old.agency) == (dt.date(2008, 1, 1), dt.date(2019, 11, 30), w["ag_ninh"])
    assert resolve_identifier("000.22.31.H49", on=dt.date(2019, 11, 30)).agency == w["ag_ninh"]
    assert resolve_identifier("000.22.31.H49", on=MERGE_DAY).agency == r.successor_agency
    assert resolve_identifier("000.21.31.H49", on=MERGE_DAY).agency == r.successor_agency
