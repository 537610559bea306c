"""Signing with a PKCS#11 token: runs where SoftHSM2 (Debian softhsm2), pkcs11-tool (Debian opensc) and
python-pkcs11 (the dev extras) are installed, as in CI (.ci/run)."""

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from congvu.core.errors import ValidationFailed
from congvu.signing.config import pkcs11_settings
from congvu.signing.services import configured_signer
from congvu.signing.signing import pkcs11_signer, sign_pdf
from congvu.signing.verify import LABEL_VALID, verify_pdf_label

SOFTHSM_LIB = next(
    (p for p in (Path("/usr/lib/softhsm/libsofthsm2.so"), Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"))
     if p.exists()),
    None,
)
pytestmark = [
    pytest.mark.skipif(SOFTHSM_LIB is None or shutil.which("softhsm2-util") is None,
                       reason="SoftHSM2 (Debian softhsm2) is not installed"),
    pytest.mark.skipif(shutil.which("pkcs11-tool") is None, reason="pkcs11-tool (Debian opensc) is not installed"),
    pytest.mark.skipif(importlib.util.find_spec("pkcs11") is None, reason="python-pkcs11 is not installed"),
]


@pytest.fixture
def token(tmp_path, monkeypatch, demo_pki):
    """A SoftHSM2 token "congvu" (user PIN 1234) holding the demo agency's key and certificate as "agency"."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    conf = tmp_path / "softhsm2.conf"
    (tmp_path / "tokens").mkdir()
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "congvu", "--pin", "1234", "--so-pin",
                    "5678"], check=True, capture_output=True)
    key, cert, _ = pkcs12.load_key_and_certificates(
        demo_pki.agency_p12.read_bytes(), demo_pki.password.encode()
    )
    (tmp_path / "key.der").write_bytes(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    )
    (tmp_path / "cert.der").write_bytes(cert.public_bytes(serialization.Encoding.DER))
    for kind, path in (("privkey", "key.der"), ("cert", "cert.der")):
        subprocess.run(["pkcs11-tool", "--module", str(SOFTHSM_LIB), "--token-label", "congvu", "--login", "--pin",
                        "1234", "--write-object", str(tmp_path / path), "--type", kind, "--label", "agency",
                        "--id", "01"], check=True, capture_output=True)
    return str(SOFTHSM_LIB)


def test_sign_with_a_softhsm_token(token, plain_pdf, ca_cert, when):
    signer, session = pkcs11_signer(lib=token, token_label="congvu", pin="1234", key_label="agency")
    try:
        signed = sign_pdf(plain_pdf, signer=signer, kind="agency", when=when)
    finally:
        session.close()
    result = verify_pdf_label(signed, trust_roots=[ca_cert])
    assert result.label == LABEL_VALID
    assert result.signatures[0].signer_name == "Ủy ban nhân dân tỉnh Demo"


def test_the_configured_token_signs_for_the_agency(token, settings, tmp_path, plain_pdf, ca_cert, when):
    """CONGVU_PKCS11_* (README "Digital signatures") select the token over <pki dir>/agency.p12."""
    settings.CONGVU_PKI_DIR = str(tmp_path / "no-pki")  # no agency.p12 to fall back on
    settings.CONGVU_PKCS11_LIB = token
    settings.CONGVU_PKCS11_TOKEN = "congvu"
    settings.CONGVU_PKCS11_PIN = "1234"
    settings.CONGVU_PKCS11_KEY = "agency"
    assert pkcs11_settings() == {"lib": token, "slot": 0, "token_label": "congvu", "pin": "1234",
                                 "key_label": "agency", "cert_label": None}
    signer, session = configured_signer("attachment")
    assert session is not None
    try:
        signed = sign_pdf(plain_pdf, signer=signer, kind="attachment", number="12/UBND-VP", when=when)
    finally:
        session.close()
    result = verify_pdf_label(signed, trust_roots=[ca_cert])
    assert (result.label, result.signatures[0].signer_name) == (LABEL_VALID, "Ủy ban nhân dân tỉnh Demo")

    # By slot index instead of label: SoftHSM2 lists the initialised token first.
    settings.CONGVU_PKCS11_TOKEN = ""
    settings.CONGVU_PKCS11_SLOT = "0"
    signer, session = configured_signer("agency")
    session.close()


def test_a_wrong_pin_token_or_label_is_a_clear_error(token):
    with pytest.raises(ValidationFailed) as exc:
        pkcs11_signer(lib=token, token_label="congvu", pin="0000", key_label="agency")
    assert exc.value.message.startswith("Không mở được thiết bị ký PKCS#11")
    with pytest.raises(ValidationFailed) as exc:
        pkcs11_signer(lib=token, token_label="khong-co", pin="1234", key_label="agency")
    assert exc.value.message.startswith("Không mở được thiết bị ký PKCS#11")
    with pytest.raises(ValidationFailed) as exc:
        pkcs11_signer(lib=token, token_label="congvu", pin="1234", key_label="khong-co")
    assert exc.value.message.startswith("Không tìm thấy khóa hoặc chứng thư số “khong-co” trên thiết bị ký PKCS#11")
