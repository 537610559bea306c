import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from congvu.documents.tests.factories import minimal_pdf


def test_sign_then_verify_from_the_command_line(tmp_path, demo_pki):
    source = tmp_path / "vb.pdf"
    source.write_bytes(minimal_pdf())
    signed, sealed = tmp_path / "signed.pdf", tmp_path / "sealed.pdf"
    out = StringIO()
    call_command("pki", "sign", str(source), "--kind", "personal", "--p12", str(demo_pki.personal_p12["leader"]),
                 "--password", demo_pki.password, "--out", str(signed), stdout=out)
    assert out.getvalue().startswith(f"Đã ký (personal) và ghi {signed} (")
    call_command("pki", "sign", str(signed), "--kind", "agency", "--p12", str(demo_pki.agency_p12),
                 "--password", demo_pki.password, "--out", str(sealed), stdout=StringIO())
    assert sealed.read_bytes().startswith(signed.read_bytes())
    out = StringIO()
    call_command("pki", "verify", str(sealed), "--json", "--trust", str(demo_pki.directory), stdout=out)
    result = json.loads(out.getvalue())
    assert result["label"] == "ký số hợp lệ"
    assert [(s["status"], s["signer_name"]) for s in result["signatures"]] == [
        ("valid", "Nguyễn Văn Lãnh Đạo"), ("valid", "Ủy ban nhân dân tỉnh Demo"),
    ]
    out = StringIO()
    call_command("pki", "verify", str(source), stdout=out)
    assert out.getvalue() == f"{source}: không có chữ ký\n"


def test_verify_command_fails_on_a_tampered_file_and_sign_on_a_wrong_password(tmp_path, demo_pki):
    source = tmp_path / "vb.pdf"
    source.write_bytes(minimal_pdf("Sentinel"))
    signed = tmp_path / "signed.pdf"
    call_command("pki", "sign", str(source), "--kind", "personal", "--p12", str(demo_pki.personal_p12["leader"]),
                 "--password", demo_pki.password, "--out", str(signed), stdout=StringIO())
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(signed.read_bytes().replace(b"Sentinel", b"Sentinal"))
    out = StringIO()
    with pytest.raises(CommandError) as err:
        call_command("pki", "verify", str(tampered), "--trust", str(demo_pki.directory), stdout=out)
    assert str(err.value) == f"Chữ ký số không hợp lệ: {tampered}"
    assert out.getvalue().startswith(f"{tampered}: không hợp lệ\n")
    target = tmp_path / "never.pdf"
    with pytest.raises(CommandError) as err:
        call_command("pki", "sign", str(source), "--kind", "agency", "--p12", str(demo_pki.agency_p12),
                     "--password", "sai", "--out", str(target), stdout=StringIO())
    assert str(err.value) == "Tệp PKCS#12 không hợp lệ hoặc sai mật khẩu."
    assert not target.exists()
