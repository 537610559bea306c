import json
import shutil
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congvu.exchange.edxml import EdxmlError, package_json, parse_package
from congvu.exchange.packages import document_package, write_document_package  # noqa: F401


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
        build = sub.add_parser("build", help="Lập gói edXML của một văn bản đi đã ban hành.")
        build.add_argument("document_id", type=int)
        build.add_argument("--out", required=True)

    def handle(self, *args, **options):
        if options["action"] == "parse":
            return self._parse(Path(options["file"]), strict=options["strict"])
        try:
            built = write_document_package(options["document_id"], Path(options["out"]))
        except EdxmlError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"Đã ghi gói edXML {built.document_id} ({len(built.attachments)} tệp đính kèm) vào {options['out']}."
        )

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
