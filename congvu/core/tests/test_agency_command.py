"""`congvu agency create | department | official`: setting up an agency from a shell through the org services."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from congvu.audit.models import JournalEntry
from congvu.org.models import Agency, Department, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return get_user_model().objects.create_superuser(username="quantri", password="matkhau-123", email="q@x.vn")


def run(*args) -> str:
    out = io.StringIO()
    call_command("agency", *args, stdout=out)
    return out.getvalue()


def test_an_agency_with_a_department_and_an_official(admin):
    assert run("create", "UBND xã Quế Trung", "--identifier", "000.21.33.H40", "--code", "UBND", "--kind",
               "commune_pc", "--as", "quantri").startswith("Đã tạo cơ quan UBND xã Quế Trung (số ")
    agency = Agency.objects.get(identifier="000.21.33.H40")
    assert (agency.name, agency.notation_code, agency.kind) == ("UBND xã Quế Trung", "UBND", "commune_pc")
    assert run("department", "000.21.33.H40", "Văn phòng", "--code", "vp", "--as", "quantri") == "Đã thêm Văn phòng (VP).\n"
    out = run("official", "000.21.33.H40", "vanthu", "--role", "clerk", "--full-name", "Lê Thị Thư",
              "--password", "matkhau-123", "--department", "VP", "--as", "quantri")
    m = Membership.objects.get(official__user__username="vanthu")
    assert out == f"Đã thêm Lê Thị Thư (vanthu, Văn thư, cán bộ số {m.official_id}).\n"
    assert (m.agency_id, m.role, m.department.code) == (agency.pk, "clerk", "VP")
    assert list(JournalEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "agency.create", "department.create", "official.create"]


def test_refusals_change_nothing(admin):
    get_user_model().objects.create_user(username="thuong", password="matkhau-123")
    with pytest.raises(CommandError, match="“thuong” không phải quản trị hệ thống"):
        run("create", "UBND xã A", "--code", "UBND", "--as", "thuong")
    with pytest.raises(CommandError, match="Thông tin cơ quan chưa hợp lệ."):
        run("create", "UBND xã A", "--identifier", "H40.1", "--code", "UBND", "--as", "quantri")
    with pytest.raises(CommandError, match="Không có cơ quan mã định danh “000.21.33.H40”"):
        run("department", "000.21.33.H40", "Văn phòng", "--code", "VP", "--as", "quantri")
    run("create", "UBND xã A", "--identifier", "000.21.33.H40", "--code", "UBND", "--as", "quantri")
    with pytest.raises(CommandError, match="Cơ quan không có phòng, ban “KT”"):
        run("official", "000.21.33.H40", "x", "--role", "clerk", "--full-name", "X", "--password", "matkhau-123",
            "--department", "KT", "--as", "quantri")
    with pytest.raises(CommandError, match="Mật khẩu cần ít nhất 8 ký tự."):
        run("official", "000.21.33.H40", "x", "--role", "clerk", "--full-name", "X", "--password", "1",
            "--as", "quantri")
    assert (Agency.objects.count(), Department.objects.count(), Membership.objects.count()) == (1, 0, 0)
    assert not get_user_model().objects.filter(username="x").exists()
