"""The agency directory: identifier formats, aliases across a merger, CSV import and export, the command."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from congvu.audit.models import JournalEntry
from congvu.core.errors import PermissionDenied, ValidationFailed
from congvu.core.testdata import shared_testdata
from congvu.exchange import directory
from congvu.exchange.models import DirectoryAlias, DirectoryEntry, identifier_format, validate_directory_identifier

D = dt.date

# Thái Bình (H54, REGULATIONS §3.6) merged into Hưng Yên on 01/07/2025 (NQ 202/2025/QH15): Hưng Yên keeps its
# code, Thái Bình's closes. Hưng Yên's code below is the one this test assumes, not a quoted table.
MERGER_CSV = """identifier,name,parent,valid_from,valid_to,alias_of,basis
000.00.00.H33,UBND tỉnh Hưng Yên,,,,,
000.00.00.H54,UBND tỉnh Thái Bình,,,2025-06-30,000.00.00.H33,NQ 202/2025/QH15
000.00.01.H54,Văn phòng UBND tỉnh Thái Bình,000.00.00.H54,,30/06/2025,000.00.00.H33,NQ 202/2025/QH15
000.00.00.H57,UBND thành phố Huế,,2025-04-14,,,QĐ 09/2025/QĐ-TTg
"""


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_user("quantri_ht", password="x", is_superuser=True, is_staff=True)


def _state():
    return (sorted(DirectoryEntry.objects.values_list("identifier", "name", "parent_identifier", "valid_from",
                                                      "valid_to", "basis", "agency_id")),
            sorted(DirectoryAlias.objects.values_list("old_identifier", "entry__identifier", "valid_from",
                                                      "valid_to", "basis")))


@pytest.mark.parametrize("value,kind", [
    ("000.00.00.H49", "qcvn102"),  # UBND tỉnh Quảng Ninh
    ("000.00.00.H54", "qcvn102"),
    ("000.00.00.G22", "qcvn102"),  # Văn phòng Chính phủ
    ("000.00.00.K57", "qcvn102"),  # HĐND Huế
    ("000.00.15.H51", "qcvn102"),
    ("001.00.20.JB2", "qcvn102"),
    ("H55.242", "qd20"),
    ("H57", "qd20"),
    ("G22.01.AB.7", "qd20"),
    ("H55." + "1" * 31, "qd20"),  # exactly 35 characters
])
def test_valid_identifiers(value, kind):
    assert identifier_format(value) == kind
    validate_directory_identifier(value)
    assert directory.identifier_error(value) is None


@pytest.mark.parametrize("value", [
    "01.02.G22",        # shared edxml sample: three groups, level 1 last
    "28.22.H17",        # shared edxml sample
    "vxp.saas.03",      # shared edxml sample: a hub account, not an identifier
    "null",             # shared edxml sample
    "",
    "000.00.00.h49",    # lower case
    "000.00.00.149",    # level 1 must start with a letter
    "0000.00.00.H49",
    "000.00.00.H49 ",
    "000-00-00-H49",
    "Z55.242",          # QĐ 20/2020: M is A–Y
    "H55..242",
    "H55.242.",
    "H55." + "1" * 32,  # 36 characters
    "H5",
])
def test_invalid_identifiers(value):
    assert identifier_format(value) is None
    with pytest.raises(ValidationError):
        validate_directory_identifier(value)
    assert directory.identifier_error(value) is not None


def test_shared_edxml_sample_organ_ids():
    folder = shared_testdata("edxml")
    if folder is None:
        pytest.skip("shared/testdata/edxml is not on this machine")
    ids = set()
    for path in sorted(folder.glob("*.edxml")):
        ids |= set(re.findall(r"OrganId>([^<]*)<", path.read_text(encoding="utf-8", errors="replace")))
    valid = sorted(i for i in ids if identifier_format(i))
    invalid = sorted(i for i in ids if i.strip() and not identifier_format(i))
    assert valid == ["000.00.00.G17", "000.00.00.G22", "000.00.00.H14", "000.00.00.H41", "000.00.15.H51",
                     "001.00.20.JB2", "001.00.20.TT2", "002.00.20.H13"]
    assert invalid == ["01.02.G22", "28.22.H17", "null", "vxp.saas.02", "vxp.saas.03"]


def test_alias_resolution_across_a_merger(admin):
    directory.directory_import(actor=admin, data=MERGER_CSV)
    hung_yen = DirectoryEntry.objects.get(identifier="000.00.00.H33")
    thai_binh = DirectoryEntry.objects.get(identifier="000.00.00.H54")
    # Before the merger the old code is itself; from 01/07/2025 it means Hưng Yên.
    assert directory.resolve_identifier("000.00.00.H54", on=D(2025, 6, 30)) == thai_binh
    assert directory.resolve_identifier("000.00.00.H54", on=D(2025, 7, 1)) == hung_yen
    assert directory.resolve_identifier("000.00.01.H54", on=D(2026, 1, 5)) == hung_yen
    assert directory.resolve_identifier("000.00.01.H54", on=D(2025, 1, 5)).name == "Văn phòng UBND tỉnh Thái Bình"
    # Case differences in packages are tolerated.
    assert directory.resolve_identifier("000.00.00.h54", on=D(2025, 7, 1)) == hung_yen
    assert directory.resolve_identifier("000.00.00.H33", on=D(2020, 1, 1)) == hung_yen
    # Huế's code starts with QĐ 09/2025; unknown codes mean nothing.
    assert directory.resolve_identifier("000.00.00.H57", on=D(2025, 4, 13)) is None
    assert directory.resolve_identifier("000.00.00.H57", on=D(2025, 4, 14)).name == "UBND thành phố Huế"
    assert directory.resolve_identifier("000.00.00.H99", on=D(2025, 7, 1)) is None
    alias = DirectoryAlias.objects.get(old_identifier="000.00.00.H54")
    assert (alias.entry_id, alias.valid_from, alias.valid_to, alias.basis) == (
        hung_yen.pk, D(2025, 7, 1), None, "NQ 202/2025/QH15")


def test_alias_chain_follows_a_later_merger(admin):
    directory.directory_import(actor=admin, data=MERGER_CSV)
    later = ("identifier,name,valid_to,alias_of,basis\n"
             "000.00.00.H33,UBND tỉnh Hưng Yên,2030-12-31,000.00.00.H57,giả định\n")
    directory.directory_import(actor=admin, data=later)
    assert directory.resolve_identifier("000.00.00.H54", on=D(2026, 1, 1)).identifier == "000.00.00.H33"
    assert directory.resolve_identifier("000.00.00.H54", on=D(2031, 1, 1)).identifier == "000.00.00.H57"


def test_import_counts_and_reimport_is_idempotent(admin):
    first = directory.directory_import(actor=admin, data=MERGER_CSV, source="danhba.csv")
    assert (first.created, first.updated, first.unchanged, first.aliases_set) == (4, 0, 0, 2)
    state = _state()
    journal = JournalEntry.objects.filter(action="directory.import")
    assert journal.count() == 1
    assert journal.get().after["created"] == 4
    assert journal.get().after["source"] == "danhba.csv"
    again = directory.directory_import(actor=admin, data=MERGER_CSV.encode("utf-8-sig"))
    assert (again.created, again.updated, again.unchanged, again.aliases_set, again.aliases_removed) == (
        0, 0, 4, 0, 0)
    assert _state() == state
    # Export → import is the identity too.
    exported = directory.directory_export()
    assert exported.splitlines()[0] == ",".join(directory.CSV_COLUMNS)
    assert "000.00.00.H54,UBND tỉnh Thái Bình,,,2025-06-30,000.00.00.H33,NQ 202/2025/QH15" in exported
    third = directory.directory_import(actor=admin, data=exported)
    assert (third.created, third.updated, third.unchanged) == (0, 0, 4)
    assert _state() == state


def test_reimport_updates_by_identifier_and_removes_an_alias(admin):
    directory.directory_import(actor=admin, data=MERGER_CSV)
    change = ("identifier;name;valid_to;alias_of\n"
              "000.00.00.H54;Ủy ban nhân dân tỉnh Thái Bình;;\n")
    result = directory.directory_import(actor=admin, data=change)
    assert (result.created, result.updated, result.aliases_removed) == (0, 1, 1)
    entry = DirectoryEntry.objects.get(identifier="000.00.00.H54")
    assert (entry.name, entry.valid_to, entry.name_folded) == (
        "Ủy ban nhân dân tỉnh Thái Bình", None, "uy ban nhan dan tinh thai binh")
    assert not DirectoryAlias.objects.filter(old_identifier="000.00.00.H54").exists()
    assert DirectoryEntry.objects.count() == 4


def test_import_errors_name_the_lines_and_write_nothing(admin):
    directory.directory_import(actor=admin, data=MERGER_CSV)
    before = _state()
    journal_before = JournalEntry.objects.count()
    bad = ("identifier,name,parent,valid_from,valid_to,alias_of,basis\n"
           "000.00.00.H49,UBND tỉnh Quảng Ninh,,,,,\n"            # line 2: fine
           "01.02.G22,Văn phòng Chính phủ,,,,,\n"                # line 3: bad identifier
           "000.00.00.H41,,,,,,\n"                                # line 4: no name
           "\n"                                                   # line 5: blank, skipped
           "000.00.01.H41,Sở Nội vụ,,31/02/2025,,,\n"            # line 6: impossible date
           "000.00.00.H49,Trùng,,,,,\n"                           # line 7: duplicate of line 2
           "000.00.00.H17,UBND tỉnh A,,,,000.00.00.H18,\n"       # line 8: alias without valid_to, unknown target
           "000.00.00.H19,UBND tỉnh B,,2025-07-01,2025-06-30,,\n")  # line 9: interval backwards
    with pytest.raises(directory.DirectoryImportFailed) as caught:
        directory.directory_import(actor=admin, data=bad)
    errors = caught.value.errors
    assert [n for n, _ in errors] == [3, 4, 6, 7, 8, 8, 9]
    assert errors[0][1].startswith("Mã định danh “01.02.G22” không đúng cấu trúc QCVN 102")
    assert errors[1][1] == "Thiếu tên cơ quan (cột name)."
    assert errors[2][1] == "Ngày hiệu lực từ (valid_from) “31/02/2025” không hợp lệ (viết yyyy-mm-dd hoặc dd/mm/yyyy)."
    assert errors[3][1] == "Mã “000.00.00.H49” đã có ở dòng 2."
    assert errors[4][1] == "Mã đã được thay thế (có alias_of) phải có ngày hết hiệu lực (valid_to)."
    assert errors[5][1] == "Mã thay thế “000.00.00.H18” không có trong tệp hay trong danh bạ."
    assert errors[6][1] == "Ngày hết hiệu lực 30/06/2025 trước ngày bắt đầu 01/07/2025."
    assert "Dòng 3: Mã định danh “01.02.G22”" in caught.value.message
    assert _state() == before
    assert JournalEntry.objects.count() == journal_before


@pytest.mark.parametrize("data,line,message", [
    ("", 1, "Tệp rỗng"),
    ("code,name\n000.00.00.H49,X\n", 1, "Dòng tiêu đề sai (cột không biết: code; thiếu cột: identifier)"),
    ("identifier,name\n", 2, "Tệp không có dòng dữ liệu nào."),
    (b"identifier,name\n000.00.00.H49,UBND t\xe1nh\n", 2, "Tệp không phải văn bản UTF-8"),
    ("identifier,name\n000.00.00.H49,A,B\n", 2, "Có 3 cột, tiêu đề chỉ có 2."),
    ("identifier,name,valid_to,alias_of\n000.00.00.H49,A,2025-06-30,000.00.00.H41\n"
     "000.00.00.H41,B,2025-06-30,000.00.00.H49\n", 2, "Mã “000.00.00.H49” thay thế vòng quanh"),
])
def test_import_rejects_malformed_files(admin, data, line, message):
    with pytest.raises(directory.DirectoryImportFailed) as caught:
        directory.directory_import(actor=admin, data=data)
    assert caught.value.errors[0][0] == line
    assert caught.value.errors[0][1].startswith(message)
    assert DirectoryEntry.objects.count() == 0


def test_dry_run_writes_nothing(admin):
    result = directory.directory_import(actor=admin, data=MERGER_CSV, dry_run=True)
    assert (result.created, result.aliases_set, result.dry_run) == (4, 2, True)
    assert DirectoryEntry.objects.count() == 0
    assert DirectoryAlias.objects.count() == 0
    assert not JournalEntry.objects.filter(action="directory.import").exists()


def test_non_admin_cannot_import(clerk, agency_admin):
    for user in (clerk, agency_admin):
        with pytest.raises(PermissionDenied):
            directory.directory_import(actor=user, data=MERGER_CSV)
    with pytest.raises(PermissionDenied):
        directory.directory_import(actor=None, data=MERGER_CSV)
    assert DirectoryEntry.objects.count() == 0


def test_import_links_our_agency(admin, agency):
    agency.identifier = "000.00.00.H33"
    agency.save()
    directory.directory_import(actor=admin, data=MERGER_CSV)
    assert DirectoryEntry.objects.get(identifier="000.00.00.H33").agency_id == agency.pk
    assert DirectoryEntry.objects.get(identifier="000.00.00.H54").agency_id is None


def test_entry_save_from_the_page(admin, agency):
    directory.directory_import(actor=admin, data=MERGER_CSV)
    entry = directory.directory_entry_save(actor=admin, identifier="000.00.00.H49", name="UBND tỉnh Quảng Ninh",
                                           basis="QCVN 102", agency_id=agency.pk)
    assert (entry.identifier, entry.agency_id, entry.name_folded) == ("000.00.00.H49", agency.pk,
                                                                      "ubnd tinh quang ninh")
    assert JournalEntry.objects.filter(action="directory.save", object_id=str(entry.pk)).count() == 1
    with pytest.raises(ValidationFailed) as caught:
        directory.directory_entry_save(actor=admin, identifier="000.00.00.H49", name="Khác")
    assert caught.value.fields == {"identifier": "Mã “000.00.00.H49” đã có trong danh bạ."}
    with pytest.raises(ValidationFailed) as caught:
        directory.directory_entry_save(actor=admin, identifier="000.00.00.H41", name="UBND tỉnh Nghệ An",
                                       valid_to="30/06/2025", alias_of="000.00.00.H98")
    assert caught.value.fields == {"alias_of": "Mã thay thế “000.00.00.H98” không có trong danh bạ."}
    with pytest.raises(ValidationFailed) as caught:
        directory.directory_entry_save(actor=admin, identifier="", name=" ", parent="x", valid_from="1/13/2025")
    assert caught.value.fields == {
        "identifier": "Thiếu mã định danh.", "name": "Thiếu tên cơ quan (cột name).",
        "parent": "Cơ quan cấp trên: mã định danh “x” không đúng cấu trúc QCVN 102 (ví dụ 000.00.00.H49) hay "
                  "QĐ 20/2020 (ví dụ H55.242).",
        "valid_from": "Ngày hiệu lực từ (valid_from) “1/13/2025” không hợp lệ (viết yyyy-mm-dd hoặc dd/mm/yyyy)."}
    with pytest.raises(PermissionDenied):
        directory.directory_entry_save(actor=None, identifier="000.00.00.H41", name="UBND tỉnh Nghệ An")
    assert DirectoryEntry.objects.get(identifier="000.00.00.H49").name == "UBND tỉnh Quảng Ninh"
    assert not DirectoryEntry.objects.filter(identifier="000.00.00.H41").exists()


def test_search_is_accent_insensitive(admin, clerk):
    directory.directory_import(actor=admin, data=MERGER_CSV)
    found = lambda q, **kw: [e.identifier for e in directory.directory_search(user=clerk, q=q, **kw)]  # noqa: E731
    assert found("thai binh") == ["000.00.00.H54", "000.00.01.H54"]
    assert found("VĂN PHÒNG thái") == ["000.00.01.H54"]
    assert found("hue") == ["000.00.00.H57"]
    assert found("000.00.00.H5") == ["000.00.00.H54", "000.00.00.H57"]
    assert found("thai binh", on=D(2025, 7, 1)) == []
    assert found("") == ["000.00.00.H33", "000.00.00.H54", "000.00.00.H57", "000.00.01.H54"]


def test_command_import_export_resolve(admin, tmp_path, capsys):
    path = tmp_path / "danhba.csv"
    path.write_text(MERGER_CSV, encoding="utf-8")
    call_command("directory", "import", str(path), "--dry-run")
    assert "Kiểm tra (chưa ghi): 4 mã mới" in capsys.readouterr().out
    assert DirectoryEntry.objects.count() == 0
    call_command("directory", "import", str(path))
    out = capsys.readouterr().out
    assert "Đã nhập: 4 mã mới, 0 mã cập nhật, 0 mã không đổi, 2 mã cũ được ánh xạ, 0 ánh xạ bị bỏ." in out
    assert JournalEntry.objects.get(action="directory.import").actor_id is None
    call_command("directory", "resolve", "000.00.00.H54", "--on", "01/07/2025")
    assert capsys.readouterr().out == "000.00.00.H33\tUBND tỉnh Hưng Yên\n"
    call_command("directory", "export")
    assert capsys.readouterr().out == directory.directory_export()
    bad = tmp_path / "bad.csv"
    bad.write_text("identifier,name\nvxp.saas.03,Trục\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Dòng 2: Mã định danh “vxp.saas.03” không đúng cấu trúc"):
        call_command("directory", "import", str(bad))
    with pytest.raises(CommandError, match="không chỉ cơ quan nào vào ngày 01/01/2020"):
        call_command("directory", "resolve", "000.00.00.H57", "--on", "2020-01-01")
    assert DirectoryEntry.objects.count() == 4
