"""`congvu onestop catalogue export|import` and `congvu onestop templates load|list|use`."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from congvu.audit.models import JournalEntry
from congvu.onestop.codes import template_in_force
from congvu.onestop.models import DossierCodeTemplate, ProcedureVersion

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("onestop", *args, stdout=out)
    return out.getvalue()


def test_export_then_import_the_same_file(procedure_version, tmp_path, agency_admin):
    path = tmp_path / "danh-muc.xlsx"
    assert run("catalogue", "export", str(path)).startswith(f"Đã xuất danh mục ra {path}")
    assert path.read_bytes()[:2] == b"PK"
    assert run("catalogue", "import", str(path), "--user", agency_admin.username).strip() == (
        "Đã nhập danh mục: 0 thủ tục mới, 0 phiên bản mới, 0 phiên bản sửa, 1 không đổi.")
    assert ProcedureVersion.objects.count() == 1


def test_import_errors_and_bad_users(procedure_version, tmp_path, onestop):
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"khong phai excel")
    with pytest.raises(CommandError, match="Tệp không phải là bảng tính Excel"):
        run("catalogue", "import", str(bad))
    with pytest.raises(CommandError, match="Không có tệp"):
        run("catalogue", "import", str(tmp_path / "khong-co.xlsx"))
    good = tmp_path / "a.xlsx"
    run("catalogue", "export", str(good))
    with pytest.raises(CommandError, match="không phải quản trị"):
        run("catalogue", "import", str(good), "--user", onestop.username)
    assert JournalEntry.objects.count() == 0


def test_templates_load_list_use(agency):
    assert run("templates", "load").strip() == "Đã nạp mẫu mã hồ sơ: 0 mới, 2 cập nhật."
    listed = run("templates", "list")
    assert "Mã hồ sơ theo Thông tư 04/2025/TT-VPCP | {agency_national}-{yyMMdd}-{AA}{N} | AA=- | toàn hệ thống" \
        in listed and "chưa bật" in listed
    with pytest.raises(CommandError, match="cần mã hệ thống gồm đúng 2 chữ số"):
        run("templates", "use", "Mã hồ sơ theo Thông tư 04/2025/TT-VPCP")
    out = run("templates", "use", "Mã hồ sơ theo Thông tư 04/2025/TT-VPCP", "--system-code", "01")
    assert out.strip() == ("Áp dụng mẫu “Mã hồ sơ theo Thông tư 04/2025/TT-VPCP” ({agency_national}-{yyMMdd}-{AA}{N}) "
                           "từ 25/01/2026.")
    assert template_in_force(agency=agency, on=dt.date(2026, 3, 1)).system_code == "01"
    run("templates", "use", "Riêng", "--agency", str(agency.pk), "--from", "2026-12-01", "--template",
        "{agency}-{yyyyMMdd}-{N}")
    assert DossierCodeTemplate.objects.get(agency=agency).template == "{agency}-{yyyyMMdd}-{N}"
    with pytest.raises(CommandError, match="Không có cơ quan"):
        run("templates", "use", "Riêng", "--agency", "99999", "--template", "{agency}-{yyMMdd}-{N}")
