"""The agency directory: identifiers of the agencies we exchange with, their validity intervals and the old
codes that now mean another agency (REGULATIONS §3.6, docs/decisions/0015-agency-directory.md).

Reads: `resolve_identifier`, `directory_search`, `directory_get`, `directory_export`.
Writes (system admin only, journaled, all-or-nothing): `directory_import`, `directory_entry_save`.
"""

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from congvu.audit.services import journal_record
from congvu.core.dates import format_vn_date, parse_vn_date
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import fold_for_index, fold_words, nfc
from congvu.exchange.models import QD20_MAX_LENGTH, DirectoryAlias, DirectoryEntry, identifier_format
from congvu.org.models import Agency

CSV_COLUMNS = ["identifier", "name", "parent", "valid_from", "valid_to", "alias_of", "basis"]
REQUIRED_COLUMNS = ["identifier", "name"]
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_ALIAS_HOPS = 10
CONCURRENT = "Danh bạ vừa được người khác sửa cùng lúc; chưa ghi gì, vui lòng làm lại."
NAME_MAX = 300
BASIS_MAX = 300


class DirectoryImportFailed(ValidationFailed):
    """The file was rejected; `errors` lists (line number, Vietnamese message); nothing was written."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        lines = "\n".join(f"Dòng {n}: {m}" for n, m in errors)
        super().__init__(f"Tệp danh bạ có {len(errors)} lỗi, chưa nhập dòng nào.\n{lines}",
                         fields={f"line_{n}": m for n, m in errors})


@dataclass
class DirectoryImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    aliases_set: int = 0
    aliases_removed: int = 0
    dry_run: bool = False
    changes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        head = "Kiểm tra (chưa ghi)" if self.dry_run else "Đã nhập"
        return (f"{head}: {self.created} mã mới, {self.updated} mã cập nhật, {self.unchanged} mã không đổi, "
                f"{self.aliases_set} mã cũ được ánh xạ, {self.aliases_removed} ánh xạ bị bỏ.")


def is_directory_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def _require_admin(actor, as_system: bool = False) -> None:
    if as_system and actor is None:  # the command line: whoever runs it administers the server
        return
    if not is_directory_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được sửa danh bạ mã định danh.")


def normalise_identifier(value: str) -> str:
    """Identifiers are written in capitals without spaces; packages sometimes differ only in case, so
    look-ups (never stored codes) ignore it."""
    return (value or "").strip().upper()


def _clean(value: str) -> str:
    return (value or "").strip()


def identifier_error(value: str) -> str | None:
    """The Vietnamese reason `value` is not an agency identifier, or None when it is one."""
    if not value:
        return "thiếu mã định danh."
    if identifier_format(value) is None:
        if len(value) > QD20_MAX_LENGTH:
            return f"mã định danh “{value}” dài quá {QD20_MAX_LENGTH} ký tự."
        return (f"mã định danh “{value}” không đúng cấu trúc QCVN 102 (ví dụ 000.00.00.H49) "
                "hay QĐ 20/2020 (ví dụ H55.242).")
    return None


# --- reads -------------------------------------------------------------------------------------------------

def resolve_identifier(code: str, *, on: dt.date) -> DirectoryEntry | None:
    """The entry that `code` means on day `on`: the entry itself while its code is in use, otherwise the
    entry its alias points to (following later mergers too), or None when the code means nothing then."""
    current = normalise_identifier(code)
    seen: set[str] = set()
    for _ in range(MAX_ALIAS_HOPS):
        if not current or current in seen:
            return None
        seen.add(current)
        entry = DirectoryEntry.objects.select_related("agency").filter(identifier=current).first()
        if entry is not None and entry.valid_on(on):
            return entry
        alias = DirectoryAlias.objects.select_related("entry").filter(old_identifier=current).first()
        if alias is None or not alias.valid_on(on):
            return None
        current = alias.entry.identifier
    return None


def directory_search(*, user, q: str = "", on: dt.date | None = None, limit: int = 50) -> QuerySet:
    """Entries whose name contains every folded word of `q` (accent-insensitive), or whose identifier starts
    with `q`; with `on`, only those in use that day. Every logged-in user may search."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Vui lòng đăng nhập.")
    qs = DirectoryEntry.objects.select_related("agency")
    text = (q or "").strip()
    if text:
        by_name = Q()
        for word in fold_words(text):
            by_name &= Q(name_folded__contains=word)
        by_code = Q(identifier__startswith=normalise_identifier(text))
        qs = qs.filter(by_code | by_name) if fold_words(text) else qs.filter(by_code)
    if on is not None:
        qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on),
                       Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    return qs.order_by("identifier")[:limit]


def directory_get(*, identifier: str) -> DirectoryEntry:
    entry = DirectoryEntry.objects.select_related("agency").filter(identifier=normalise_identifier(identifier)).first()
    if entry is None:
        raise NotFound(f"Không có mã định danh “{identifier}” trong danh bạ.")
    return entry


def alias_of(entry: DirectoryEntry) -> DirectoryAlias | None:
    return DirectoryAlias.objects.select_related("entry").filter(old_identifier=entry.identifier).first()


def directory_export() -> str:
    """The whole directory as CSV in the import format: importing it again changes nothing."""
    aliases = {a.old_identifier: a.entry.identifier for a in DirectoryAlias.objects.select_related("entry")}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in DirectoryEntry.objects.order_by("identifier"):
        writer.writerow([e.identifier, e.name, e.parent_identifier,
                         e.valid_from.isoformat() if e.valid_from else "",
                         e.valid_to.isoformat() if e.valid_to else "",
                         aliases.get(e.identifier, ""), e.basis])
    return out.getvalue()


# --- writes ------------------------------------------------------------------------------------------------

@dataclass
class _Row:
    line: int
    identifier: str
    name: str
    parent: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    alias_of: str
    basis: str


def _date(text: str, errors: list[tuple[str, str]], name: str, label: str) -> dt.date | None:
    try:
        return parse_vn_date(text)
    except ValidationFailed:
        errors.append((name, f"{label} “{text.strip()}” không hợp lệ (viết yyyy-mm-dd hoặc dd/mm/yyyy)."))
        return None


def _check_row(values: dict[str, str], line: int) -> tuple[_Row, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    identifier = _clean(values.get("identifier", ""))
    problem = identifier_error(identifier)
    if problem:
        errors.append(("identifier", problem[0].upper() + problem[1:]))
    name = " ".join(nfc(values.get("name", "")).split())
    if not name:
        errors.append(("name", "Thiếu tên cơ quan (cột name)."))
    elif len(name) > NAME_MAX:
        errors.append(("name", f"Tên cơ quan dài quá {NAME_MAX} ký tự."))
    parent = _clean(values.get("parent", ""))
    if parent:
        problem = identifier_error(parent)
        if problem:
            errors.append(("parent", f"Cơ quan cấp trên: {problem}"))
        elif parent == identifier:
            errors.append(("parent", "Cơ quan cấp trên không thể là chính nó."))
    valid_from = _date(values.get("valid_from", ""), errors, "valid_from", "Ngày hiệu lực từ (valid_from)")
    valid_to = _date(values.get("valid_to", ""), errors, "valid_to", "Ngày hiệu lực đến (valid_to)")
    if valid_from and valid_to and valid_to < valid_from:
        errors.append(("valid_to", f"Ngày hết hiệu lực {format_vn_date(valid_to)} trước ngày bắt đầu "
                                   f"{format_vn_date(valid_from)}."))
    target = _clean(values.get("alias_of", ""))
    if target:
        problem = identifier_error(target)
        if problem:
            errors.append(("alias_of", f"Mã thay thế (alias_of): {problem}"))
        elif target == identifier:
            errors.append(("alias_of", "Mã thay thế (alias_of) không thể là chính mã này."))
        if not values.get("valid_to", "").strip():
            errors.append(("valid_to", "Mã đã được thay thế (có alias_of) phải có ngày hết hiệu lực (valid_to)."))
    basis = " ".join(nfc(values.get("basis", "")).split())
    if len(basis) > BASIS_MAX:
        errors.append(("basis", f"Căn cứ dài quá {BASIS_MAX} ký tự."))
    return _Row(line, identifier, name, parent, valid_from, valid_to, target, basis), errors


def _read_csv(data: bytes | str) -> tuple[list[_Row], list[tuple[int, str]]]:
    if isinstance(data, bytes):
        if len(data) > MAX_IMPORT_BYTES:
            raise DirectoryImportFailed([(1, f"Tệp lớn quá {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise DirectoryImportFailed([(line, "Tệp không phải văn bản UTF-8 (lưu lại dưới dạng CSV UTF-8).")])
    else:
        text = data.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors: list[tuple[int, str]] = []
    try:
        header = next(reader)
    except StopIteration:
        raise DirectoryImportFailed([(1, "Tệp rỗng: dòng đầu phải là tiêu đề " + ",".join(CSV_COLUMNS) + ".")])
    except csv.Error as exc:
        raise DirectoryImportFailed([(1, f"Không đọc được dòng tiêu đề ({exc}).")])
    columns = [h.strip().lower() for h in header]
    unknown = [c for c in columns if c and c not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if unknown or missing or duplicated:
        parts = []
        if unknown:
            parts.append("cột không biết: " + ", ".join(unknown))
        if missing:
            parts.append("thiếu cột: " + ", ".join(missing))
        if duplicated:
            parts.append("cột lặp: " + ", ".join(duplicated))
        raise DirectoryImportFailed([(1, "Dòng tiêu đề sai (" + "; ".join(parts) + "). Các cột: "
                                      + ",".join(CSV_COLUMNS) + ".")])
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append((reader.line_num, f"Dòng CSV hỏng ({exc})."))
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns):
            errors.append((line, f"Có {len(cells)} cột, tiêu đề chỉ có {len(columns)}."))
            continue
        values = {col: cells[i] if i < len(cells) else "" for i, col in enumerate(columns) if col}
        row, row_errors = _check_row(values, line)
        if row.identifier and row.identifier in seen:
            row_errors.append(("identifier", f"Mã “{row.identifier}” đã có ở dòng {seen[row.identifier]}."))
        elif row.identifier:
            seen[row.identifier] = line
        errors.extend((line, m) for _, m in row_errors)
        rows.append(row)
    return rows, errors


def _apply_row(row: _Row, agencies: dict[str, int]) -> tuple[str, DirectoryEntry, dict, dict]:
    """Create or update the entry of `row`; returns (created/updated/unchanged, entry, before, after)."""
    wanted = {"name": row.name, "name_folded": fold_for_index(row.name)[:NAME_MAX],
              "parent_identifier": row.parent, "valid_from": row.valid_from, "valid_to": row.valid_to,
              "basis": row.basis}
    entry = DirectoryEntry.objects.select_for_update().filter(identifier=row.identifier).first()
    if entry is None:
        entry = DirectoryEntry(identifier=row.identifier, agency_id=agencies.get(row.identifier), **wanted)
        entry.save()
        return "created", entry, {}, _snapshot(entry)
    before = _snapshot(entry)
    changed = [k for k, v in wanted.items() if getattr(entry, k) != v]
    if entry.agency_id is None and agencies.get(row.identifier):
        entry.agency_id = agencies[row.identifier]
        changed.append("agency")
    if not changed:
        return "unchanged", entry, before, before
    for k, v in wanted.items():
        setattr(entry, k, v)
    entry.save()
    return "updated", entry, before, _snapshot(entry)


def _snapshot(entry: DirectoryEntry) -> dict:
    return {"identifier": entry.identifier, "name": entry.name, "parent": entry.parent_identifier,
            "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
            "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
            "basis": entry.basis, "agency_id": entry.agency_id}


def _set_alias(row: _Row, entries: dict[str, DirectoryEntry]) -> str:
    """Make the alias of row.identifier what the row says: 'set', 'removed' or ''."""
    alias = DirectoryAlias.objects.select_for_update().filter(old_identifier=row.identifier).first()
    if not row.alias_of:
        if alias is not None:
            alias.delete()
            return "removed"
        return ""
    target = entries[row.alias_of]
    start = row.valid_to + dt.timedelta(days=1)
    if alias is not None and (alias.entry_id, alias.valid_from, alias.valid_to, alias.basis) == (
            target.pk, start, None, row.basis):
        return ""
    if alias is None:
        alias = DirectoryAlias(old_identifier=row.identifier)
    alias.entry, alias.valid_from, alias.valid_to, alias.basis = target, start, None, row.basis
    alias.save()
    return "set"


def _alias_loops(rows: list[_Row]) -> list[tuple[int, str]]:
    """Rows whose alias chain (file rows first, then the database) comes back to themselves."""
    in_file = {r.identifier: r.alias_of for r in rows}
    errors = []
    for r in rows:
        if not r.alias_of:
            continue
        current, hops = r.alias_of, 0
        while current and hops <= MAX_ALIAS_HOPS:
            if current == r.identifier:
                errors.append((r.line, f"Mã “{r.identifier}” thay thế vòng quanh (alias_of quay về chính nó)."))
                break
            if current in in_file:
                current = in_file[current]
            else:
                alias = DirectoryAlias.objects.select_related("entry").filter(old_identifier=current).first()
                current = alias.entry.identifier if alias else ""
            hops += 1
    return errors


def directory_import(*, actor, data: bytes | str, dry_run: bool = False, source: str = "",
                     as_system: bool = False) -> DirectoryImportResult:
    """Import a directory CSV (columns CSV_COLUMNS, header first): all rows or none; a row updates the entry
    with its identifier, so importing the same file twice changes nothing the second time. Journaled once
    per import with the file's hash and counts. Raises DirectoryImportFailed listing every bad line.
    `as_system` with actor=None is the command line (journaled as the system)."""
    _require_admin(actor, as_system)
    rows, errors = _read_csv(data)
    if not rows and not errors:
        raise DirectoryImportFailed([(2, "Tệp không có dòng dữ liệu nào.")])
    in_file = {r.identifier for r in rows}
    targets = {r.alias_of for r in rows if r.alias_of} - in_file
    known = set(DirectoryEntry.objects.filter(identifier__in=targets).values_list("identifier", flat=True))
    for r in rows:
        if r.alias_of and r.alias_of not in in_file and r.alias_of not in known and identifier_format(r.alias_of):
            errors.append((r.line, f"Mã thay thế “{r.alias_of}” không có trong tệp hay trong danh bạ."))
    errors.extend(_alias_loops(rows))
    if errors:
        raise DirectoryImportFailed(sorted(errors, key=lambda e: e[0]))
    raw = data.encode("utf-8") if isinstance(data, str) else data
    result = DirectoryImportResult(dry_run=dry_run)
    agencies = dict(Agency.objects.filter(identifier__in=in_file).values_list("identifier", "pk"))
    try:
        return _import_rows(actor, rows, targets, agencies, result, raw, source)
    except IntegrityError:  # another import or edit created the same code meanwhile; nothing was written
        raise Conflict(CONCURRENT)


def _import_rows(actor, rows, targets, agencies, result, raw, source) -> DirectoryImportResult:
    dry_run = result.dry_run
    with transaction.atomic():
        entries: dict[str, DirectoryEntry] = {}
        for r in rows:
            outcome, entry, before, after = _apply_row(r, agencies)
            entries[r.identifier] = entry
            setattr(result, outcome, getattr(result, outcome) + 1)
            if outcome != "unchanged":
                result.changes.append(f"{'Thêm' if outcome == 'created' else 'Sửa'} {r.identifier} — {r.name}")
        for target in targets:
            entries[target] = DirectoryEntry.objects.get(identifier=target)
        for r in rows:
            outcome = _set_alias(r, entries)
            if outcome == "set":
                result.aliases_set += 1
                result.changes.append(f"Mã cũ {r.identifier} → {r.alias_of} từ "
                                      f"{format_vn_date(r.valid_to + dt.timedelta(days=1))}")
            elif outcome == "removed":
                result.aliases_removed += 1
                result.changes.append(f"Bỏ ánh xạ mã cũ {r.identifier}")
        if dry_run:
            transaction.set_rollback(True)
            return result
        journal_record(actor=actor, agency_id=None, action="directory.import", object_type="exchange.directoryentry",
                       object_id="", after={"source": source, "sha256": hashlib.sha256(raw).hexdigest(),
                                            "rows": len(rows), "created": result.created, "updated": result.updated,
                                            "unchanged": result.unchanged, "aliases_set": result.aliases_set,
                                            "aliases_removed": result.aliases_removed})
    return result


def directory_entry_save(*, actor, identifier: str, name: str, parent: str = "", valid_from=None, valid_to=None,
                         alias_of: str = "", basis: str = "", agency_id: int | None = None,
                         existing: str | None = None) -> DirectoryEntry:
    """Create (existing=None) or edit (existing=its identifier) one entry from the page, with the same
    rules as a CSV row; `agency_id` links it to an agency of this deployment. Journaled."""
    _require_admin(actor)
    values = {"identifier": identifier or "", "name": name or "", "parent": parent or "",
              "valid_from": valid_from if isinstance(valid_from, str) else format_vn_date(valid_from),
              "valid_to": valid_to if isinstance(valid_to, str) else format_vn_date(valid_to),
              "alias_of": alias_of or "", "basis": basis or ""}
    row, errors = _check_row(values, 0)
    fields: dict[str, str] = {}
    for name, message in errors:
        fields.setdefault(name, message)
    if existing is not None and _clean(existing) != row.identifier:
        fields.setdefault("identifier", "Không đổi được mã định danh của một mục; hãy thêm mục mới và ánh xạ mã cũ.")
    if existing is None and DirectoryEntry.objects.filter(identifier=row.identifier).exists():
        fields.setdefault("identifier", f"Mã “{row.identifier}” đã có trong danh bạ.")
    if agency_id is not None and not Agency.objects.filter(pk=agency_id).exists():
        fields.setdefault("agency", "Cơ quan không tồn tại.")
    target = None
    if row.alias_of and "alias_of" not in fields:
        target = DirectoryEntry.objects.filter(identifier=row.alias_of).first()
        if target is None:
            fields["alias_of"] = f"Mã thay thế “{row.alias_of}” không có trong danh bạ."
        elif _alias_loops([row]):
            fields["alias_of"] = f"Mã “{row.identifier}” thay thế vòng quanh (alias_of quay về chính nó)."
    if fields:
        raise ValidationFailed("Thông tin mã định danh chưa đúng.", fields=fields)
    try:
        return _save_entry(actor, row, target, agency_id, existing)
    except IntegrityError:
        raise Conflict(CONCURRENT)


def _save_entry(actor, row: _Row, target: DirectoryEntry | None, agency_id: int | None,
                existing: str | None) -> DirectoryEntry:
    with transaction.atomic():
        if existing is not None:
            current = DirectoryEntry.objects.select_for_update().filter(identifier=row.identifier).first()
            if current is None:
                raise NotFound(f"Không có mã định danh “{row.identifier}” trong danh bạ.")
        outcome, entry, before, after = _apply_row(row, {})
        if entry.agency_id != agency_id:
            entry.agency_id = agency_id
            entry.save(update_fields=["agency", "updated_at"])
            after = _snapshot(entry)
        entries = {row.identifier: entry}
        if target is not None:
            entries[target.identifier] = target
        _set_alias(row, entries)
        after["alias_of"] = row.alias_of or None
        journal_record(actor=actor, agency_id=None, action="directory.save", obj=entry, before=before or None,
                       after=after)
    return entry

