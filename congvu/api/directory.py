"""/api/v1/directory: the agency directory (danh bạ mã định danh, QCVN 102 / QĐ 20/2020).

Everyone authenticated may search and read; only the system admin imports. Thin: congvu.exchange.directory
decides (docs/decisions/0015-agency-directory.md).
"""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema

from congvu.api.errors import TooLarge, UnsupportedMediaType
from congvu.api.schemas import CREATE_ERRORS, ERRORS
from congvu.core.dates import parse_vn_date
from congvu.exchange import directory
from congvu.exchange.models import DirectoryEntry

router = Router(tags=["Danh bạ mã định danh"])

ON_HELP = "Ngày (yyyy-mm-dd hoặc dd/mm/yyyy); mặc định hôm nay."


class AliasOut(Schema):
    old_identifier: str
    identifier: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    basis: str


class DirectoryEntryOut(Schema):
    identifier: str
    name: str
    parent_identifier: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    basis: str
    agency_id: int | None
    replaced_by: AliasOut | None
    replaces: list[AliasOut]


class DirectoryPage(Schema):
    count: int
    items: list[DirectoryEntryOut]


class ResolvedOut(Schema):
    requested: str
    on: dt.date
    via_alias: bool
    in_use: bool
    entry: DirectoryEntryOut


class ImportOut(Schema):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    aliases_set: int
    aliases_removed: int
    summary: str
    changes: list[str]


def _alias(a) -> dict:
    return {"old_identifier": a.old_identifier, "identifier": a.entry.identifier, "valid_from": a.valid_from,
            "valid_to": a.valid_to, "basis": a.basis}


def entry_out(entry: DirectoryEntry) -> dict:
    replaced = directory.alias_of(entry)
    return {"identifier": entry.identifier, "name": entry.name, "parent_identifier": entry.parent_identifier,
            "valid_from": entry.valid_from, "valid_to": entry.valid_to, "basis": entry.basis,
            "agency_id": entry.agency_id, "replaced_by": _alias(replaced) if replaced else None,
            "replaces": [_alias(a) for a in entry.aliases.select_related("entry").order_by("old_identifier")]}


@router.get("/directory", response={200: DirectoryPage, **ERRORS}, summary="Tìm trong danh bạ mã định danh",
            description="Tìm theo tên cơ quan (không phân biệt dấu: `thai binh` tìm được “Thái Bình”) hoặc phần đầu "
                        "của mã; với `on`, chỉ các mã đang dùng vào ngày đó.")
def directory_list(
    request: HttpRequest,
    q: str = Query("", max_length=100, description="Tên cơ quan hoặc mã."),
    on: str | None = Query(None, max_length=10, description="Chỉ mã đang dùng vào ngày này (yyyy-mm-dd)."),
    limit: int = Query(50, ge=1, le=500),
):
    day = parse_vn_date(on, field="on") if on else None
    items = [entry_out(e) for e in directory.directory_search(user=request.auth, q=q, on=day, limit=limit)]
    return {"count": len(items), "items": items}


@router.post("/directory/import", response={200: ImportOut, **CREATE_ERRORS}, summary="Nhập danh bạ từ CSV",
             description="Chỉ quản trị hệ thống. Thân yêu cầu là tệp CSV UTF-8 (`Content-Type: text/csv`), dòng đầu "
                         "là tiêu đề identifier,name,parent,valid_from,valid_to,alias_of,basis. Tất cả hoặc không "
                         "dòng nào; lỗi trả về 400 với `fields` dạng `line_N`.")
def directory_import(request: HttpRequest, dry_run: bool = Query(False, description="Chỉ kiểm tra, không ghi.")):
    if request.content_type not in ("text/csv", "text/plain"):
        raise UnsupportedMediaType("Gửi tệp CSV với Content-Type: text/csv.")
    if len(request.body) > directory.MAX_IMPORT_BYTES:
        raise TooLarge(f"Tệp lớn quá {directory.MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    result = directory.directory_import(actor=request.auth, data=request.body, dry_run=dry_run, source="api")
    return {"dry_run": result.dry_run, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "aliases_set": result.aliases_set,
            "aliases_removed": result.aliases_removed, "summary": result.summary, "changes": result.changes}


@router.get("/directory/{identifier}", response={200: ResolvedOut, **ERRORS}, summary="Tra một mã định danh",
            description="Cơ quan mà mã chỉ tới vào ngày `on`: chính mục đó khi mã đang dùng, hoặc cơ quan tiếp nhận "
                        "khi mã đã đóng sau hợp nhất (`via_alias`). Mã đã đóng không có mã thay thế: trả về mục cũ "
                        "với `in_use` false.")
def directory_detail(
    request: HttpRequest,
    identifier: str = Path(..., max_length=40, description="Mã định danh, ví dụ 000.00.00.H54."),
    on: str | None = Query(None, max_length=10, description=ON_HELP),
):
    day = parse_vn_date(on, field="on") if on else timezone.localdate()
    requested = identifier.strip()
    entry = directory.resolve_identifier(requested, on=day)
    in_use = entry is not None
    if entry is None:
        entry = directory.directory_get(identifier=requested)  # NotFound → 404
    via_alias = entry.identifier != directory.normalise_identifier(requested)
    return {"requested": requested, "on": day, "via_alias": via_alias, "in_use": in_use, "entry": entry_out(entry)}
