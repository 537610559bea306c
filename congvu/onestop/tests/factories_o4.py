"""Fixtures and builders for the certified-copy tests (import the fixtures into a test module to use them).

The agency key comes from congvu.signing's demo PKI (`congvu pki demo-ca`), made once per session in a
temporary folder; `copy_pki` points the deployment's CONGVU_PKI_DIR at it, as `congvu demo` does."""

import io
from pathlib import Path

import pytest
from cryptography import x509
from django.core.files.uploadedfile import SimpleUploadedFile
from fpdf import FPDF
from PIL import Image

from conftest import make_official
from congvu.org.models import Membership, Position, Role
from congvu.signing.pki import demo_ca

__all__ = ["copy_demo_pki", "copy_pki", "copy_ca", "chair"]  # the fixtures, for `import *` in test modules
AGENCY_SIGNER = "Ủy ban nhân dân tỉnh Demo"  # the demo PKI's agency certificate


@pytest.fixture(scope="session")
def copy_demo_pki(tmp_path_factory):
    return demo_ca(tmp_path_factory.mktemp("copy-pki"))


@pytest.fixture
def copy_pki(settings, copy_demo_pki):
    """The deployment signs with the demo agency key and trusts the demo CA."""
    settings.CONGVU_PKI_DIR = str(copy_demo_pki.directory)
    settings.CONGVU_PKCS11_LIB = ""
    settings.CONGVU_TRUST_ROOTS = ""
    settings.CONGVU_TRUST_DEMO_CA = "1"
    return copy_demo_pki


@pytest.fixture
def copy_ca(copy_demo_pki):
    return x509.load_pem_x509_certificate(Path(copy_demo_pki.ca_cert).read_bytes())


@pytest.fixture
def chair(agency):
    """The commune chair: a leader whose position is a leader's (the statement shows it)."""
    official = make_official(agency, Role.LEADER, username="chutich", full_name="Nguyễn Văn Chủ Tịch")
    position, _ = Position.objects.get_or_create(name="Chủ tịch", defaults={"is_leader": True})
    Membership.objects.filter(official=official, agency=agency).update(position=position)
    return official.user


def pdf_bytes(pages: int = 1, text: str = "Ban chinh") -> bytes:
    """An A4 PDF with `pages` pages, each with a distinct, uncompressed line of text."""
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.set_font("Helvetica", size=14)
    for i in range(pages):
        pdf.add_page()
        pdf.cell(text=f"{text} trang {i + 1}")
    return bytes(pdf.output())


def image_bytes(fmt: str = "PNG", colour=(200, 30, 30), size=(300, 420), mode: str = "RGB") -> bytes:
    img = Image.new(mode, size, colour if mode == "RGB" else (*colour, 128))
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def upload(data: bytes, name: str = "ban-chinh.pdf", content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
