from pathlib import Path

from django.core.management.base import BaseCommand

from congvu.signing.config import pki_dir
from congvu.signing.pki import demo_ca


class Command(BaseCommand):
    help = "Hạ tầng khóa công khai: `congvu pki demo-ca [--out DIR]` tạo CA thử nghiệm, chứng thư cơ quan và cá nhân."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        demo = sub.add_parser("demo-ca", help="Tạo (hoặc dùng lại) CA thử nghiệm và các tệp PKCS#12.")
        demo.add_argument("--out", type=Path, default=None, help="Thư mục lưu (mặc định CONGVU_PKI_DIR).")

    def handle(self, *args, action, **options):
        out = options.get("out") or pki_dir()
        result = demo_ca(out)
        verb = "Đã tạo" if result.created else "Đã có sẵn"
        self.stdout.write(f"{verb} CA thử nghiệm trong {result.directory}")
        self.stdout.write(f"  CA: {result.ca_cert}")
        self.stdout.write(f"  Cơ quan: {result.agency_p12}")
        for slug, path in result.personal_p12.items():
            self.stdout.write(f"  Cá nhân ({slug}): {path}")
        self.stdout.write(f"  Mật khẩu PKCS#12: {result.password}")
