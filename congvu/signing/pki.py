"""A demo public-key infrastructure for the demo and the tests: one CA, one agency certificate, personal certificates.

`demo_ca(out_dir)` writes, idempotently (an existing, still valid set is reused as it is):

    ca.pem / ca.key.pem       the demo root CA (self-signed, 10 years)
    agency.p12                the agency's signing certificate (the seal; kept by the Văn thư)
    <person>.p12              one personal certificate per demo signer (the leader ...)
    password.txt              the password of every .p12 file

Plain Python on `cryptography` (no Django), so a test can build a CA in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEMO_PASSWORD = "congvu-demo"
CA_NAME = "CongVu Demo CA"
DEFAULT_AGENCY = "Ủy ban nhân dân tỉnh Demo"
DEFAULT_PEOPLE = {"leader": "Nguyễn Văn Lãnh Đạo", "clerk": "Trần Thị Văn Thư"}


@dataclass
class DemoPKI:
    directory: Path
    password: str
    ca_cert: Path
    agency_p12: Path
    personal_p12: dict[str, Path] = field(default_factory=dict)
    created: bool = False


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def make_ca(common_name: str = CA_NAME, *, days: int = 3650) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = _key()
    name = _name(common_name, "CongVu Demo")
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_signer_p12(
    ca_cert: x509.Certificate, ca_key, *, common_name: str, organisation: str, password: str, days: int = 1825,
) -> bytes:
    """A PKCS#12 bundle (key, certificate, CA) for a signer, issued by the given CA."""
    key = _key()
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        name=common_name.encode(),
        key=key,
        cert=cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )


def _still_valid(pem_path: Path) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(pem_path.read_bytes())
    except (OSError, ValueError):
        return False
    return cert.not_valid_after_utc > _now() + dt.timedelta(days=30)


def demo_ca(
    out_dir: Path | str, *, agency: str = DEFAULT_AGENCY, people: dict[str, str] | None = None,
) -> DemoPKI:
    """Create (or reuse) the demo CA, the agency certificate and the personal certificates in `out_dir`."""
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    people = DEFAULT_PEOPLE if people is None else people
    ca_pem, ca_key_pem = directory / "ca.pem", directory / "ca.key.pem"
    password_file = directory / "password.txt"
    created = False
    if _still_valid(ca_pem) and ca_key_pem.exists() and password_file.exists():
        ca_cert = x509.load_pem_x509_certificate(ca_pem.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_pem.read_bytes(), password=None)
        password = password_file.read_text(encoding="utf-8").strip()
    else:
        ca_cert, ca_key = make_ca()
        password = DEMO_PASSWORD
        ca_key_pem.write_bytes(
            ca_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        ca_key_pem.chmod(0o600)
        ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        password_file.write_text(password + "\n", encoding="utf-8")
        for stale in directory.glob("*.p12"):
            stale.unlink()
        created = True

    def ensure(path: Path, common_name: str, organisation: str) -> Path:
        nonlocal created
        if not path.exists():
            path.write_bytes(
                make_signer_p12(ca_cert, ca_key, common_name=common_name, organisation=organisation, password=password)
            )
            path.chmod(0o600)
            created = True
        return path

    agency_p12 = ensure(directory / "agency.p12", agency, agency)
    personal = {slug: ensure(directory / f"{slug}.p12", full_name, agency) for slug, full_name in people.items()}
    return DemoPKI(directory, password, ca_pem, agency_p12, personal, created)
