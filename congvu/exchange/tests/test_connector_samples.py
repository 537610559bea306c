"""Real packages of other systems (the shared test data) received by the connector."""

import datetime as dt

import pytest

from conftest import make_agency
from congvu.core.errors import ValidationFailed
from congvu.core.testdata import shared_testdata
from congvu.exchange import connector
from congvu.exchange.models import ExchangeStatus, InboxItem, ReceivedPackage, StatusSend

pytestmark = pytest.mark.django_db

SAMPLES = shared_testdata("edxml")


@pytest.fixture
def samples():
    if SAMPLES is None:
        pytest.skip("shared test data (edxml) is absent")
    return SAMPLES


def test_a_real_document_package_is_received(samples):
    here = make_agency(name="Trung tâm thử nghiệm", identifier="000.00.15.H51")
    data = (samples / "document_new_small.edxml").read_bytes()
    result = connector.receive(data, via="folder:document_new_small.edxml")
    item = InboxItem.objects.get()
    assert (result.kind, result.duplicate, result.items) == ("document", False, [item])
    assert (item.agency, item.sender_agency, item.exchange_document_id, item.number, item.notation,
            item.issued_date, item.doc_type_name) == (
        here, None, "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb", "12234555512", "PRO-TEST-CASE1", dt.date(2019, 1, 17),
        "Thông tư")
    # Its only attachment is not valid base64: received leniently without it, the parser's warnings kept.
    assert list(item.files.values_list("original_name", flat=True)) == []
    assert [w["code"] for w in ReceivedPackage.objects.get().warnings] == [
        "unbound_prefix", "document_id_format", "manifest_content_type_missing", "attachment_not_base64",
        "due_before_date", "response_for_empty"]
    assert list(ExchangeStatus.objects.values_list("code", flat=True)) == ["01"]
    assert list(StatusSend.objects.values_list("organ_id", "document_id")) == [
        ("002.00.20.H13", "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb")]
    # The same package again: stored once.
    again = connector.receive(data, via="folder:copy.edxml")
    assert (again.duplicate, again.items, InboxItem.objects.count(), ReceivedPackage.objects.count()) == (
        True, [], 1, 1)


def test_a_recall_package_of_a_document_never_received_is_refused_clearly(samples):
    make_agency(name="UBND tỉnh Quảng Nam", identifier="000.00.00.H41")
    with pytest.raises(ValidationFailed) as err:
        connector.receive((samples / "document_recall.edxml").read_bytes(), via="test")
    assert err.value.message == ("Không tìm thấy văn bản 000.00.00.G22,2015/09/30,7816/VPCP-TTĐT do 000.00.00.G22 "
                                 "gửi đến nơi nhận của gói; gói thu hồi không được áp dụng.")
    assert (InboxItem.objects.count(), ReceivedPackage.objects.count()) == (0, 0)



def test_a_real_package_with_a_zipped_attachment(samples):
    make_agency(name="Trung tâm thử nghiệm", identifier="000.00.15.H51")
    connector.receive((samples / "document_2019.edxml").read_bytes(), via="test")
    item = InboxItem.objects.get()
    assert list(item.files.values_list("original_name", "file__sha256", "file__size")) == [
        ("GUIDE_INSTALL OPENVPN.SIGNED.PDF", "acd14b4a499d015745bccb707d3c55b42c4b8ad68185fe26afb1c55e675e7d04", 214)]


def test_a_package_for_nobody_here_is_refused(samples):
    with pytest.raises(ValidationFailed) as err:
        connector.receive((samples / "document_2025_a.edxml").read_bytes(), via="test")
    assert err.value.message == "Không có nơi nhận nào của gói thuộc hệ thống này (nơi nhận: vxp.saas.03)."
    assert (InboxItem.objects.count(), ReceivedPackage.objects.count()) == (0, 0)


def test_the_package_type_name_is_matched_to_our_document_type(samples):
    # QCVN 102's DocumentType Type is "1"/"2" (legal / administrative), never one of our types: the name is
    # matched instead, and a name we do not have (Thông tư is not an administrative type of Decree 30) stays
    # empty for the clerk to choose.
    make_agency(name="Trung tâm thử nghiệm", identifier="000.00.15.H51")
    data = (samples / "document_new_small.edxml").read_bytes()
    connector.receive(data, via="test")
    assert InboxItem.objects.get().doc_type_code == ""
    InboxItem.objects.all().delete()
    ReceivedPackage.objects.all().delete()
    connector.receive(data.replace("Thông tư".encode(), "CÔNG VĂN".encode()), via="test")
    assert (InboxItem.objects.get().doc_type_name, InboxItem.objects.get().doc_type_code) == ("CÔNG VĂN", "cong_van")
