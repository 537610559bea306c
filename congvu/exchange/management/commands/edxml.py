import json
import shutil
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congvu.exchange.edxml import EdxmlError, package_json, parse_package


class Command(BaseCommand):
    help = (
        "Gói edXML (QCVN 102): `congvu edxml parse FILE [--json] [--strict]` đọc một gói văn bản/trạng thái; "
        "`congvu edxml build DOCUMENT_ID --out FILE` lập gói của một văn bản đi đã ban hành."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        parse = sub.add_parser("parse", help="Đọc một gói edXML và in một đối tượng JSON.")
        parse.add_argument("file")
        parse.add_argument("--json", action="store_true", help="In JSON (mặc định).")
        parse.add_argument("--strict", action="store_true", help="Từ chối gói có điểm không đúng chuẩn.")

    def handle(self, *args, **options):
        return self._parse(Path(options["file"]), strict=options["strict"])

    def _parse(self, path: Path, *, strict: bool) -> None:
        if not path.is_file():
            raise CommandError(f"Không tìm thấy tệp {path}.")
        workdir = Path(tempfile.mkdtemp(prefix="edxml-parse-"))
        try:
            package = parse_package(path, strict=strict, attachments_dir=workdir, keep_attachments=False)
        except EdxmlError as exc:
            raise CommandError(f"{path.name}: {exc.message}") from None
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        self.stdout.write(json.dumps(package_json(package), ensure_ascii=False, indent=2))
