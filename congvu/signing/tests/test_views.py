from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse

from congvu.documents.services import incoming_register
from congvu.documents.tests.factories import incoming_data, minimal_pdf
from congvu.signing.models import SignatureCheck
from congvu.signing.signing import sign_pdf


def _doc(clerk, agency, data, number="125"):
    return incoming_register(actor=clerk, agency=agency, data=incoming_data(number=number),
                             uploads=[SimpleUploadedFile("vb.pdf", data, content_type="application/pdf")])


def test_signatures_page_checks_and_shows_the_result(client, settings, tmp_path, agency, clerk, demo_pki,
                                                     leader_key, when):
    settings.CONGVU_PKI_DIR = str(demo_pki.directory)  # demo mode: the demo CA is trusted
    settings.CONGVU_TRUST_ROOTS = ""
    doc = _doc(clerk, agency, sign_pdf(minimal_pdf(), signer=leader_key, kind="personal", when=when))
    client.force_login(clerk)
    url = reverse("signing:document", args=[doc.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Chưa kiểm tra chữ ký số của tệp này." in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    check = SignatureCheck.objects.get()
    assert (check.label, check.signer_name) == ("valid", "Nguyễn Văn Lãnh Đạo")
    html = client.get(url).content.decode()
    assert '<span class="badge badge-ok" title="Nguyễn Văn Lãnh Đạo — Ủy ban nhân dân tỉnh Demo">ký số hợp lệ</span>' \
        in html
    assert "Chữ ký của Nguyễn Văn Lãnh Đạo hợp lệ." in html
    badge = Template("{% load signing_ui %}{% signature_labels_for docs as labels %}"
                     "{% for d in docs %}[{% signature_badge d labels %}]{% endfor %}").render(Context({"docs": [doc]}))
    assert "ký số hợp lệ</span>]" in badge


def test_trust_roots_setting_without_demo_ca_gives_unknown_signer(client, settings, tmp_path, agency, clerk,
                                                                  demo_pki, leader_key, when):
    roots = tmp_path / "roots"
    roots.mkdir()
    settings.CONGVU_PKI_DIR = str(demo_pki.directory)
    settings.CONGVU_TRUST_ROOTS = str(roots)  # configured, empty, demo CA off by default
    doc = _doc(clerk, agency, sign_pdf(minimal_pdf(), signer=leader_key, kind="personal", when=when))
    client.force_login(clerk)
    client.post(reverse("signing:document", args=[doc.pk]))
    check = SignatureCheck.objects.get()
    assert (check.label, check.reports[0]["status"]) == ("invalid", "unknown_signer")
    # the CA put into the folder (DER) is trusted
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    ca = x509.load_pem_x509_certificate(demo_pki.ca_cert.read_bytes())
    (roots / "root.cer").write_bytes(ca.public_bytes(serialization.Encoding.DER))
    client.post(reverse("signing:document", args=[doc.pk]))
    assert [c.label for c in SignatureCheck.objects.order_by("id")] == ["invalid", "valid"]


def test_outsider_gets_404_and_nothing_is_recorded(client, agency, clerk, other_clerk, leader_key, when):
    doc = _doc(clerk, agency, sign_pdf(minimal_pdf(), signer=leader_key, kind="personal", when=when))
    client.force_login(other_clerk)
    url = reverse("signing:document", args=[doc.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert SignatureCheck.objects.count() == 0
