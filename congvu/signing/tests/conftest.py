import datetime as dt
import io

import pytest
from cryptography import x509
from fpdf import FPDF
from PIL import Image

from congvu.signing.pki import demo_ca
from congvu.signing.signing import Pkcs12Key


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory):
    return demo_ca(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def ca_cert(demo_pki):
    return x509.load_pem_x509_certificate(demo_pki.ca_cert.read_bytes())


@pytest.fixture(scope="session")
def leader_key(demo_pki):
    return Pkcs12Key(demo_pki.personal_p12["leader"], demo_pki.password)


@pytest.fixture(scope="session")
def agency_key(demo_pki):
    return Pkcs12Key(demo_pki.agency_p12, demo_pki.password)


@pytest.fixture(scope="session")
def clerk_key(demo_pki):
    return Pkcs12Key(demo_pki.personal_p12["clerk"], demo_pki.password)


@pytest.fixture
def plain_pdf():
    """A two-page A4 PDF with uncompressed content, so a test can tamper with a known word."""
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.set_font("Helvetica", size=14)
    for text in ("Quyet dinh so 12", "Noi nhan: Sentinel"):
        pdf.add_page()
        pdf.cell(text=text)
    return bytes(pdf.output())


@pytest.fixture
def when():
    return dt.datetime(2026, 11, 27, 1, 30, 5, tzinfo=dt.UTC)


def png(colour):
    buf = io.BytesIO()
    Image.new("RGBA", (120, 60), (0, 0, 0, 0)).save(buf, "PNG")
    img = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    for x in range(10, 110):
        img.putpixel((x, 30), colour)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def signature_png():
    return png((0, 0, 200, 255))


@pytest.fixture
def seal_png():
    return png((220, 0, 0, 255))
