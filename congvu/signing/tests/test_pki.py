from io import StringIO

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command

from congvu.signing.pki import DEMO_PASSWORD, demo_ca


def test_demo_ca_command_creates_ca_agency_and_personal_certificates(tmp_path):
    out = StringIO()
    call_command("pki", "demo-ca", "--out", str(tmp_path), stdout=out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "agency.p12", "ca.key.pem", "ca.pem", "clerk.p12", "leader.p12", "password.txt",
    ]
    assert out.getvalue().startswith(f"Đã tạo CA thử nghiệm trong {tmp_path}")
    ca = x509.load_pem_x509_certificate((tmp_path / "ca.pem").read_bytes())
    key, cert, extra = pkcs12.load_key_and_certificates((tmp_path / "leader.p12").read_bytes(), DEMO_PASSWORD.encode())
    assert cert.issuer == ca.subject
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Nguyễn Văn Lãnh Đạo"
    assert cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == "Ủy ban nhân dân tỉnh Demo"
    assert [c.subject for c in extra] == [ca.subject]
    _, agency, _ = pkcs12.load_key_and_certificates((tmp_path / "agency.p12").read_bytes(), DEMO_PASSWORD.encode())
    assert agency.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Ủy ban nhân dân tỉnh Demo"


def test_demo_ca_is_idempotent(tmp_path):
    first = demo_ca(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    second = demo_ca(tmp_path)
    assert first.created is True
    assert second.created is False
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    out = StringIO()
    call_command("pki", "demo-ca", "--out", str(tmp_path), stdout=out)
    assert out.getvalue().startswith("Đã có sẵn CA thử nghiệm")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_demo_ca_adds_people_and_rejects_a_malformed_person(tmp_path):
    import pytest
    from django.core.management.base import CommandError

    call_command("pki", "demo-ca", "--out", str(tmp_path), "--person", "lanhdao=Lê Văn Dũng", stdout=StringIO())
    _, cert, _ = pkcs12.load_key_and_certificates((tmp_path / "lanhdao.p12").read_bytes(), DEMO_PASSWORD.encode())
    assert cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Lê Văn Dũng"
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(CommandError) as err:
        call_command("pki", "demo-ca", "--out", str(tmp_path), "--person", "khongdung", stdout=StringIO())
    assert str(err.value) == "--person cần dạng tên_đăng_nhập=Họ tên, nhận được: khongdung"
    assert sorted(p.name for p in tmp_path.iterdir()) == before
