"""Signing with a PKCS#11 token: runs only where SoftHSM2 and python-pkcs11 are installed."""

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

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


def test_sign_with_a_softhsm_token(tmp_path, monkeypatch, demo_pki, plain_pdf, ca_cert, when):
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
    signer, session = pkcs11_signer(lib=str(SOFTHSM_LIB), token_label="congvu", pin="1234", key_label="agency")
    try:
        signed = sign_pdf(plain_pdf, signer=signer, kind="agency", when=when)
    finally:
        session.close()
    result = verify_pdf_label(signed, trust_roots=[ca_cert])
    assert result.label == LABEL_VALID
    assert result.signatures[0].signer_name == "Ủy ban nhân dân tỉnh Demo"
