from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congvu.signing.config import pki_dir
from congvu.signing.pki import DEFAULT_AGENCY, DEFAULT_PEOPLE, demo_ca


class Command(BaseCommand):
    help = "Hạ tầng khóa công khai: `congvu pki demo-ca [--out DIR]` tạo CA thử nghiệm, chứng thư cơ quan và cá nhân."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        demo = sub.add_parser("demo-ca", help="Tạo (hoặc dùng lại) CA thử nghiệm và các tệp PKCS#12.")
        demo.add_argument("--out", type=Path, default=None, help="Thư mục lưu (mặc định CONGVU_PKI_DIR).")
        demo.add_argument("--agency", default=DEFAULT_AGENCY, help="Tên cơ quan trong chứng thư.")
        demo.add_argument("--person", action="append", default=[], metavar="TÊN_ĐĂNG_NHẬP=HỌ TÊN",
                          help="Thêm chứng thư cá nhân <tên đăng nhập>.p12 (lặp lại được).")

    def handle(self, *args, action, **options):
        out = options.get("out") or pki_dir()
        people = dict(DEFAULT_PEOPLE)
        for item in options.get("person") or []:
            username, sep, full_name = item.partition("=")
            if not sep or not username.strip() or not full_name.strip():
                raise CommandError(f"--person cần dạng tên_đăng_nhập=Họ tên, nhận được: {item}")
            people[username.strip()] = full_name.strip()
        result = demo_ca(out, agency=options.get("agency") or DEFAULT_AGENCY, people=people)
        verb = "Đã tạo" if result.created else "Đã có sẵn"
        self.stdout.write(f"{verb} CA thử nghiệm trong {result.directory}")
        self.stdout.write(f"  CA: {result.ca_cert}")
        self.stdout.write(f"  Cơ quan: {result.agency_p12}")
        for slug, path in result.personal_p12.items():
            self.stdout.write(f"  Cá nhân ({slug}): {path}")
        self.stdout.write(f"  Mật khẩu PKCS#12: {result.password}")
