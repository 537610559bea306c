"""`congvu extract FILE... [--json]`: read the metadata printed on documents.

With --json, one JSON object per file that could be read, one per line (JSON Lines), in the order the
files were given, with exactly the keys issuer, parent_issuer, number, notation, doc_type, place, date,
subject, signer, signer_title, urgency, secrecy, recipients, confidence. Without it, a summary in
Vietnamese per file. A file that cannot be read prints no object: its name and the reason go to stderr,
the other files are still read, and the command exits with status 1 at the end.
"""

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congvu.core.dates import format_vn_date
from congvu.intake.extract import FIELDS, extract_fields
from congvu.intake.extract_files import ReadFailed, read_document_text

LABELS = {
    "issuer": "Cơ quan ban hành",
    "parent_issuer": "Cơ quan chủ quản",
    "number": "Số",
    "notation": "Ký hiệu",
    "doc_type": "Loại văn bản",
    "place": "Địa danh",
    "date": "Ngày ban hành",
    "subject": "Trích yếu",
    "signer": "Người ký",
    "signer_title": "Chức vụ người ký",
    "urgency": "Độ khẩn",
    "secrecy": "Độ mật",
    "recipients": "Nơi nhận",
}


def record(fields: dict, confidence: dict) -> dict:
    """The JSON object printed for one file: the fields in the contract's order, then the confidences."""
    out = {k: fields[k] for k in FIELDS}
    out["confidence"] = {k: round(float(confidence[k]), 2) for k in FIELDS}
    return out


def summary(name: str, fields: dict, confidence: dict) -> str:
    width = max(len(label) for label in LABELS.values()) + 1
    lines = [f"== {name}"]
    for key in FIELDS:
        value = fields[key]
        if key == "date" and value:
            value = format_vn_date(dt.date.fromisoformat(value))
        if key == "recipients":
            shown = "; ".join(value) if value else ""
        else:
            shown = value or ""
        if not shown:
            shown = "(không có)" if key in ("parent_issuer", "urgency", "secrecy") else "(không tìm thấy)"
        else:
            shown = f"{shown}  [{round(confidence[key] * 100)}%]"
        lines.append(f"{LABELS[key] + ':':<{width}} {shown}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = ("Đọc các thông tin in trên văn bản (cơ quan ban hành, số, ký hiệu, ngày, trích yếu, người ký…) từ "
            "tệp PDF, DOCX, ảnh hoặc .txt. --json: mỗi tệp một dòng JSON.")
    requires_system_checks = []  # reads files only: no database, no URLs

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--json", action="store_true", help="mỗi tệp một đối tượng JSON trên một dòng")

    def handle(self, *args, **options):
        failed = 0
        for i, name in enumerate(options["files"]):
            try:
                text = read_document_text(Path(name))
            except ReadFailed as exc:
                failed += 1
                self.stderr.write(f"{name}: {exc}")
                continue
            fields, confidence = extract_fields(text)
            if options["json"]:
                self.stdout.write(json.dumps(record(fields, confidence), ensure_ascii=False))
            else:
                if i:
                    self.stdout.write("")
                self.stdout.write(summary(name, fields, confidence))
        if failed:
            total = len(options["files"])
            raise CommandError(f"{failed}/{total} tệp không đọc được.", returncode=1)
