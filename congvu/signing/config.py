"""Where signing keys and trust roots come from (environment, read here so settings.py stays untouched).

CONGVU_PKI_DIR          folder of the demo PKI (`congvu pki demo-ca`; default <data dir>/pki)
CONGVU_TRUST_ROOTS      folder of PEM/DER root certificates that verification trusts
CONGVU_TRUST_DEMO_CA    1/0: also trust the demo CA of CONGVU_PKI_DIR (default: 1 when CONGVU_TRUST_ROOTS is unset)
CONGVU_PKCS11_LIB       PKCS#11 module (.so) of the agency's token; with CONGVU_PKCS11_SLOT (number, default 0)
                        or CONGVU_PKCS11_TOKEN (label), CONGVU_PKCS11_PIN and CONGVU_PKCS11_KEY (key label)
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography import x509
from django.conf import settings


def _get(name: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "")
    return str(value).strip()


def pki_dir() -> Path:
    return Path(_get("CONGVU_PKI_DIR") or settings.DATA_DIR / "pki")


def trust_demo_ca() -> bool:
    flag = _get("CONGVU_TRUST_DEMO_CA").lower()
    if flag:
        return flag in {"1", "true", "yes", "on"}
    return not _get("CONGVU_TRUST_ROOTS")


def load_certificates(folder: Path) -> list[x509.Certificate]:
    """Every PEM or DER certificate in a folder (files that are not certificates are skipped)."""
    certs: list[x509.Certificate] = []
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file()):
        data = path.read_bytes()
        if b"-----BEGIN CERTIFICATE-----" in data:
            try:
                certs.extend(x509.load_pem_x509_certificates(data))
            except ValueError:
                continue
        else:
            try:
                certs.append(x509.load_der_x509_certificate(data))
            except ValueError:
                continue
    return certs


def configured_trust_roots() -> list[x509.Certificate]:
    roots: list[x509.Certificate] = []
    folder = _get("CONGVU_TRUST_ROOTS")
    if folder and Path(folder).is_dir():
        roots.extend(load_certificates(Path(folder)))
    demo = pki_dir() / "ca.pem"
    if trust_demo_ca() and demo.is_file():
        roots.extend(x509.load_pem_x509_certificates(demo.read_bytes()))
    return roots


def pkcs11_settings() -> dict | None:
    lib = _get("CONGVU_PKCS11_LIB")
    if not lib:
        return None
    return {
        "lib": lib,
        "slot": int(_get("CONGVU_PKCS11_SLOT") or 0),
        "token_label": _get("CONGVU_PKCS11_TOKEN") or None,
        "pin": _get("CONGVU_PKCS11_PIN") or None,
        "key_label": _get("CONGVU_PKCS11_KEY") or None,
        "cert_label": _get("CONGVU_PKCS11_CERT") or None,
    }


def pkcs12_password() -> str:
    value = _get("CONGVU_PKI_PASSWORD")
    if value:
        return value
    path = pki_dir() / "password.txt"
    return path.read_text(encoding="utf-8").strip() if path.is_file() else ""
