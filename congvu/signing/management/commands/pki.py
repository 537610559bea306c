import json
from pathlib import Path

from cryptography import x509
from django.core.management.base import BaseCommand, CommandError

from congvu.core.errors import ValidationFailed
from congvu.signing.config import configured_trust_roots, load_certificates, pkcs12_password, pki_dir
from congvu.signing.pki import DEFAULT_AGENCY, DEFAULT_PEOPLE, demo_ca
from congvu.signing.signing import KINDS, Pkcs12Key, sign_pdf
from congvu.signing.verify import LABEL_VALID, verify_pdf_label


class Command(BaseCommand):
    help = (
        "Chữ ký số: `congvu pki demo-ca [--out DIR]` tạo CA thử nghiệm, chứng thư cơ quan và cá nhân; "
        "`congvu pki sign FILE --kind personal|agency|attachment --p12 P12 --out OUT` ký tệp PDF; "
        "`congvu pki verify FILE [--json]` kiểm tra chữ ký số."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        demo = sub.add_parser("demo-ca", help="Tạo (hoặc dùng lại) CA thử nghiệm và các tệp PKCS#12.")
        demo.add_argument("--out", type=Path, default=None, help="Thư mục lưu (mặc định CONGVU_PKI_DIR).")
        demo.add_argument("--agency", default=DEFAULT_AGENCY, help="Tên cơ quan trong chứng thư.")
        demo.add_argument("--person", action="append", default=[], metavar="TÊN_ĐĂNG_NHẬP=HỌ TÊN",
                          help="Thêm chứng thư cá nhân <tên đăng nhập>.p12 (lặp lại được).")
        sign = sub.add_parser("sign", help="Ký số một tệp PDF (thêm chữ ký, không sửa phần đã ký).")
        sign.add_argument("file", type=Path)
        sign.add_argument("--kind", choices=KINDS, required=True)
        sign.add_argument("--p12", type=Path, required=True, help="Tệp PKCS#12 của người ký hoặc cơ quan.")
        sign.add_argument("--password", default=None, help="Mật khẩu PKCS#12 (mặc định CONGVU_PKI_PASSWORD).")
        sign.add_argument("--image", type=Path, default=None, help="Ảnh chữ ký/con dấu (PNG nền trong suốt).")
        sign.add_argument("--number", default="", help="Số, ký hiệu (chữ ký tệp đính kèm).")
        sign.add_argument("--out", type=Path, required=True)
        verify = sub.add_parser("verify", help="Kiểm tra chữ ký số của một tệp PDF.")
        verify.add_argument("file", type=Path)
        verify.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        verify.add_argument("--trust", type=Path, default=None,
                            help="Thư mục chứng thư gốc tin cậy (mặc định theo cấu hình CONGVU_TRUST_ROOTS).")

    def handle(self, *args, action, **options):
        return getattr(self, f"_{action.replace('-', '_')}")(**options)

    def _demo_ca(self, *, out=None, agency=DEFAULT_AGENCY, person=(), **_):
        people = dict(DEFAULT_PEOPLE)
        for item in person or []:
            username, sep, full_name = item.partition("=")
            if not sep or not username.strip() or not full_name.strip():
                raise CommandError(f"--person cần dạng tên_đăng_nhập=Họ tên, nhận được: {item}")
            people[username.strip()] = full_name.strip()
        result = demo_ca(out or pki_dir(), agency=agency or DEFAULT_AGENCY, people=people)
        verb = "Đã tạo" if result.created else "Đã có sẵn"
        self.stdout.write(f"{verb} CA thử nghiệm trong {result.directory}")
        self.stdout.write(f"  CA: {result.ca_cert}")
        self.stdout.write(f"  Cơ quan: {result.agency_p12}")
        for slug, path in result.personal_p12.items():
            self.stdout.write(f"  Cá nhân ({slug}): {path}")
        self.stdout.write(f"  Mật khẩu PKCS#12: {result.password}")

    def _sign(self, *, file, kind, p12, password, image, number, out, **_):
        try:
            data = file.read_bytes()
            image_bytes = image.read_bytes() if image else None
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp: {exc.filename}") from exc
        try:
            signed = sign_pdf(data, signer=Pkcs12Key(p12, password if password is not None else pkcs12_password()),
                              kind=kind, image=image_bytes, number=number)
        except ValidationFailed as exc:
            raise CommandError(exc.message) from exc
        out.write_bytes(signed)
        self.stdout.write(f"Đã ký ({kind}) và ghi {out} ({len(signed)} byte).")

    def _verify(self, *, file, json: bool = False, trust=None, **_):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp: {exc.filename}") from exc
        if trust is not None:
            if not trust.is_dir():
                raise CommandError(f"Không có thư mục chứng thư gốc: {trust}")
            roots: list[x509.Certificate] = load_certificates(trust)
        else:
            roots = configured_trust_roots()
        result = verify_pdf_label(data, trust_roots=roots)
        if json:
            self.stdout.write(_json_dump(result))
        else:
            self.stdout.write(f"{file}: {result.label}")
            for r in result.signatures:
                when = r.signing_time.isoformat() if r.signing_time else "—"
                self.stdout.write(f"  - {r.signer_name or '—'} ({r.organisation or '—'}), {when}: {r.message_vi}")
        if result.label != LABEL_VALID and result.signatures:
            raise CommandError(f"Chữ ký số không hợp lệ: {file}")


def _json_dump(result) -> str:
    return json.dumps({
        "label": result.label,
        "signatures": [{
            "field_name": r.field_name, "status": r.status, "signer_name": r.signer_name,
            "organisation": r.organisation, "signing_time": r.signing_time.isoformat() if r.signing_time else None,
            "covers_whole_file": r.covers_whole_file, "intact": r.intact, "chain_ok": r.chain_ok,
            "message_vi": r.message_vi,
        } for r in result.signatures],
    }, ensure_ascii=False)
