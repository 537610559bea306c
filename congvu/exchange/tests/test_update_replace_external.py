"""Recall, update and replace packages from another system (QCVN 102 business 1, 2, 3) applied by
`connector.receive`, and the packages our sender builds for them (docs/decisions/0018)."""

import dataclasses
import io

import pytest
from django.utils import timezone

from conftest import make_agency, make_official
from congvu.core.errors import ValidationFailed
from congvu.documents.files import open_stored
from congvu.documents.services import outgoing_register
from congvu.documents.tests.factories import outgoing_data, pdf_upload
from congvu.exchange import connector, services
from congvu.exchange.edxml import (
    Attachment,
    Business,
    Organ,
    Replacement,
    build_package,
    parse_package,
)
from congvu.exchange.models import (
    BusinessSend,
    DeliveryVersion,
    DirectoryEntry,
    ExchangeStatus,
    InboxItem,
    InboxStatus,
    OutboxItem,
    Peer,
    PeerTransport,
    RecallState,
    ReceivedPackage,
    StatusSend,
    Transmission,
    TransmissionState,
)
from congvu.exchange.packages import document_package
from congvu.org.models import Role

pytestmark = pytest.mark.django_db

COMMUNE = "UBND xã Quế Trung"
COMMUNE_ID = "000.21.33.H40"
FIXED = "V/v báo cáo chuyển đổi số năm 2026"


@pytest.fixture
def setup(tmp_path, agency, clerk):
    commune = make_agency(name=COMMUNE, identifier=COMMUNE_ID)
    DirectoryEntry.objects.create(identifier=COMMUNE_ID, name=COMMUNE)
    document = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk,
        subject="V/v báo cáo chuyển đổi sô", recipient_names=[COMMUNE], pages=1),
        uploads=[pdf_upload("cong-van.pdf", "Bao cao chuyen doi so")])
    services.document_dispatch(actor=clerk, document=document)
    commune_clerk = make_official(commune, Role.CLERK, username="vanthu_quetrung").user
    return {"commune": commune, "document": document, "clerk": commune_clerk}


def _bytes(document, *, business=None, subject=None, files=None, document_id=None) -> bytes:
    """The package of `document` addressed to the commune, with the business block and overrides given."""
    package = document_package(document, to=(Organ(organ_id=COMMUNE_ID, name=COMMUNE),))
    changes = {"business": business} if business is not None else {}
    if subject:
        changes["subject"] = subject
    if document_id:
        changes["document_id"] = document_id
    stored = {f"cid:{a.file.sha256[:32]}-{a.position}": a.file for a in document.attachments.select_related("file")}
    if files is not None:  # [(name, bytes)] written to temp files
        attachments = []
        for i, (name, path) in enumerate(files):
            attachments.append(Attachment(content_id=f"cid:new-{i}", name=name, content_type="application/pdf",
                                          path=path))
        changes["attachments"] = tuple(attachments)
    package = dataclasses.replace(package, **changes)
    out = io.BytesIO()

    def opener(a):
        return open(a.path, "rb") if a.path else open_stored(stored[a.content_id])

    build_package(package, out, open_attachment=opener)
    return out.getvalue()


def _received(setup):
    connector.receive(_bytes(setup["document"]), via="test")
    return InboxItem.objects.get(agency=setup["commune"])


def _doc_id(document):
    return services.exchange_document_id(document)


def test_update_package_applies_to_a_waiting_item_once(setup, tmp_path):
    item = _received(setup)
    doc_id = _doc_id(setup["document"])
    new_pdf = tmp_path / "sua.pdf"
    new_pdf.write_bytes(pdf_upload("x.pdf", "Ban da sua").read())
    body = _bytes(setup["document"], subject=FIXED, files=[("cong-van-sua.pdf", new_pdf)],
                  business=Business(doc_type=2, reason="Sửa lỗi chính tả", document_id=doc_id))
    assert parse_package(io.BytesIO(body)).business.doc_type == 2
    result = connector.receive(body, via="test")
    assert (result.kind, result.duplicate, [i.pk for i in result.items]) == ("update", False, [item.pk])
    item.refresh_from_db()
    assert (item.subject, item.sender_update_reason) == (FIXED, "Sửa lỗi chính tả")
    assert list(item.files.values_list("original_name", flat=True)) == ["cong-van-sua.pdf"]
    version = DeliveryVersion.objects.get(item=item)
    assert (version.values["subject"], [f["name"] for f in version.files]) == (
        "V/v báo cáo chuyển đổi sô", ["cong-van.pdf"])
    # The same package again (a resend): stored once.
    again = connector.receive(body, via="test")
    assert again.duplicate and DeliveryVersion.objects.count() == 1
    assert ReceivedPackage.objects.filter(kind="update").count() == 1
    # No status is sent back for an update (15/16 are the recall's answers).
    assert list(ExchangeStatus.objects.filter(item=item).values_list("code", flat=True)) == ["01"]


def test_update_package_corrects_a_registered_document(setup):
    item = _received(setup)
    document = services.inbox_register(actor=setup["clerk"], item=item, changes={"doc_type": "cong_van"})
    body = _bytes(setup["document"], subject=FIXED,
                  business=Business(doc_type=2, reason="Sửa trích yếu", document_id=_doc_id(setup["document"])))
    connector.receive(body, via="test")
    document.refresh_from_db()
    assert document.subject == FIXED
    assert DeliveryVersion.objects.get(item=item).document_id == document.pk


def test_update_or_recall_of_an_unknown_document_is_refused(setup):
    item = _received(setup)
    for business in (Business(doc_type=2, reason="Sửa", document_id="000.00.00.H40,2026/01/01,9/XX"),
                     Business(doc_type=1, reason="Thu hồi", document_id="000.00.00.H40,2026/01/01,9/XX")):
        with pytest.raises(ValidationFailed) as exc:
            connector.receive(_bytes(setup["document"], subject=FIXED, business=business), via="test")
        assert exc.value.message.startswith("Không tìm thấy văn bản 000.00.00.H40,2026/01/01,9/XX")
    item.refresh_from_db()
    assert (item.subject, item.recall_state) == ("V/v báo cáo chuyển đổi sô", "")
    assert ReceivedPackage.objects.exclude(kind="document").count() == 0
    with pytest.raises(ValidationFailed) as exc:  # a reason is required
        connector.receive(_bytes(setup["document"], business=Business(doc_type=1, reason="",
                                                                      document_id=_doc_id(setup["document"]))),
                          via="test")
    assert "không ghi lý do" in exc.value.message


def test_recall_package_then_accept_sends_15_back_and_stops_processing_statuses(setup):
    item = _received(setup)
    doc_id = _doc_id(setup["document"])
    body = _bytes(setup["document"], business=Business(doc_type=1, reason="Sai nơi nhận", document_id=doc_id))
    assert connector.receive(body, via="test").kind == "recall"
    assert connector.receive(body, via="test").duplicate
    item.refresh_from_db()
    assert (item.recall_state, item.recall_reason) == (RecallState.REQUESTED, "Sai nơi nhận")
    assert list(ExchangeStatus.objects.filter(item=item).values_list("code", flat=True)) == ["01", "13"]
    services.delivery_recall_accept(actor=setup["clerk"], item=item)
    item.refresh_from_db()
    assert item.status == InboxStatus.WITHDRAWN
    # 01 and 15 go back to the sender (13 is the sender's own).
    assert list(StatusSend.objects.order_by("pk").values_list("status__code", flat=True)) == ["01", "15"]
    # An update after the accepted recall is refused clearly, nothing changed.
    with pytest.raises(ValidationFailed) as exc:
        connector.receive(_bytes(setup["document"], subject=FIXED,
                                 business=Business(doc_type=2, reason="Sửa", document_id=doc_id)), via="test")
    assert "đã được thu hồi" in exc.value.message
    item.refresh_from_db()
    assert item.subject != FIXED and DeliveryVersion.objects.count() == 0


def test_replace_package_makes_a_new_item_and_retires_the_waiting_one(setup, agency, clerk):
    item = _received(setup)
    old_id = _doc_id(setup["document"])
    replacement = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk, subject=FIXED,
        recipient_names=[COMMUNE], pages=1), uploads=[pdf_upload("thay-the.pdf", "Thay the")])
    business = Business(doc_type=3, reason="Thay thế do sai số liệu", document_id=old_id,
                        replacements=(Replacement(old_id, (COMMUNE_ID,)),))
    body = _bytes(replacement, business=business)
    result = connector.receive(body, via="test")
    [fresh] = result.items
    item.refresh_from_db()
    assert (item.status, fresh.replaces_id, fresh.replace_reason, fresh.subject) == (
        InboxStatus.REPLACED, item.pk, "Thay thế do sai số liệu", FIXED)
    assert connector.receive(body, via="test").duplicate
    assert InboxItem.objects.filter(agency=setup["commune"]).count() == 2
    # A replacement of a document never received here is refused, nothing stored.
    unknown = dataclasses.replace(business, document_id="000.00.00.H40,2026/01/01,9/XX",
                                  replacements=(Replacement("000.00.00.H40,2026/01/01,9/XX", (COMMUNE_ID,)),))
    with pytest.raises(ValidationFailed) as exc:
        connector.receive(_bytes(replacement, business=unknown, document_id="000.00.00.H40,2026/02/02,10/YY"),
                          via="test")
    assert "Không tìm thấy văn bản 000.00.00.H40,2026/01/01,9/XX" in exc.value.message
    assert InboxItem.objects.filter(agency=setup["commune"]).count() == 2


def _transmitted(setup, tmp_path):
    """The document sent to the commune through a drop folder (transmission marked sent)."""
    Peer.objects.create(name="xa", transport=PeerTransport.FOLDER, folder=str(tmp_path), organ_ids=[COMMUNE_ID],
                        key_id="k-xa", secret="s")
    assert connector.send_pending()["sent"] == 1
    return OutboxItem.objects.get(document=setup["document"])


def test_sender_builds_update_recall_and_replace_packages(setup, agency, clerk, tmp_path):
    outbox = _transmitted(setup, tmp_path)
    doc_id = Transmission.objects.get().document_id
    # Update: queued for the external recipient, sent as business 2 with the same DocumentId and the new file.
    result = services.document_update_send(actor=clerk, document=setup["document"], reason="Sửa trích yếu",
                                           changes={"subject": FIXED},
                                           uploads=[pdf_upload("cong-van-sua.pdf", "Ban sua")])
    [send] = result.queued
    package = parse_package(io.BytesIO(connector.business_package_bytes(send)))
    assert (package.document_id, package.subject, package.business.doc_type, package.business.reason,
            package.business.document_id, [a.name for a in package.attachments]) == (
        doc_id, FIXED, 2, "Sửa trích yếu", doc_id, ["cong-van-sua.pdf"])
    assert connector.send_pending()["sent"] == 1
    send.refresh_from_db()
    assert send.state == TransmissionState.SENT
    # Recall: business 1 with the reason, no files.
    services.outbox_recall_request(actor=clerk, item=outbox, reason="Ban hành nhầm")
    recall = BusinessSend.objects.get(business=1)
    package = parse_package(io.BytesIO(connector.business_package_bytes(recall)))
    assert (package.business.doc_type, package.business.reason, package.business.document_id,
            package.attachments) == (1, "Ban hành nhầm", doc_id, ())
    outbox.refresh_from_db()
    assert outbox.recall_state == RecallState.REQUESTED
    # Replace: a new outbox item whose package carries business 3 and the replaced DocumentId.
    replacement = outgoing_register(actor=clerk, agency=agency, data=outgoing_data(
        doc_type="cong_van", drafting_department_id=agency.departments.get(code="VP").pk, subject="Thay thế",
        recipient_names=[COMMUNE], pages=1), uploads=[pdf_upload("thay-the.pdf", "Thay the")])
    [new_out] = services.document_replace_send(actor=clerk, document=setup["document"], replacement=replacement,
                                               reason="Sai số liệu").outbox_items
    assert (new_out.replaces_id, new_out.document_id, new_out.status) == (outbox.pk, replacement.pk, "waiting")
    connector.plan_transmissions()
    package = parse_package(io.BytesIO(connector.package_bytes(new_out.transmission)))
    assert (package.business.doc_type, package.business.reason, package.business.document_id,
            [r.document_id for r in package.business.replacements]) == (3, "Sai số liệu", doc_id, [doc_id])
    assert package.document_id != doc_id


def test_status_15_from_the_recipient_closes_our_recall(setup, clerk, tmp_path):
    from congvu.exchange.edxml import Package, ResponseFor, Status

    outbox = _transmitted(setup, tmp_path)
    doc_id = Transmission.objects.get().document_id
    services.outbox_recall_request(actor=clerk, item=outbox, reason="Ban hành nhầm")
    out = io.BytesIO()
    build_package(Package(kind="status", sender=Organ(organ_id=COMMUNE_ID, name=COMMUNE),
                          response_for=(ResponseFor(organ_id=setup["document"].agency.identifier,
                                                    document_id=doc_id),),
                          status=Status(code="15", description="Đồng ý thu hồi",
                                        timestamp=timezone.localtime().replace(microsecond=0, tzinfo=None))), out)
    connector.receive(out.getvalue(), via="test")
    outbox.refresh_from_db()
    assert outbox.recall_state == RecallState.ACCEPTED
    # A recall accepted: no update goes to that recipient any more.
    with pytest.raises(ValidationFailed):
        services.document_update_send(actor=clerk, document=setup["document"], reason="x",
                                      changes={"subject": FIXED})


# --- the real VNPT packages of the shared test data ---------------------------------------------------

def _first_from_g22(document_id: str) -> bytes:
    """A new document from 000.00.00.G22 (the sender of the VNPT samples) to Quảng Nam, with `document_id`."""
    from congvu.exchange.edxml import Package, Signer

    package = Package(kind="document", sender=Organ(organ_id="000.00.00.G22", name="Văn phòng Chính phủ"),
                      recipients=(Organ(organ_id="000.00.00.H41", name="UBND tỉnh Quảng Nam"),),
                      document_id=document_id, number="7816", notation="VPCP-TTĐT", type_code="1",
                      type_name="Công văn", subject="V/v kết nối, liên thông phần mềm quản lý văn bản",
                      signer=Signer(full_name="Nguyễn Văn A"), business=Business(doc_type=0, reason="Văn bản mới"))
    out = io.BytesIO()
    build_package(package, out)
    return out.getvalue()


def test_the_real_recall_replace_and_update_samples(db):
    from congvu.core.testdata import shared_testdata

    samples = shared_testdata("edxml")
    if samples is None:
        pytest.skip("shared test data (edxml) is absent")
    make_agency(name="UBND tỉnh Quảng Nam", identifier="000.00.00.H41")
    old_id, new_id = "000.00.00.G22,2014/01/30,7806/VPCP-TTĐT", "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    connector.receive(_first_from_g22(old_id), via="test")
    old = InboxItem.objects.get()
    # The replace sample: document 7816 replaces 7806 (ReplacementInfoList); the waiting 7806 is retired.
    result = connector.receive((samples / "document_replace.edxml").read_bytes(), via="test")
    [fresh] = result.items
    old.refresh_from_db()
    assert (result.kind, fresh.exchange_document_id, fresh.replaces_id, fresh.replace_reason, old.status) == (
        "document", new_id, old.pk, "Văn bản thay thế", InboxStatus.REPLACED)
    assert connector.receive((samples / "document_replace.edxml").read_bytes(), via="test").duplicate
    # The recall sample has no target DocumentId in Bussiness: its own DocumentId (7816) is the target.
    assert connector.receive((samples / "document_recall.edxml").read_bytes(), via="test").kind == "recall"
    fresh.refresh_from_db()
    assert (fresh.recall_state, fresh.recall_reason) == (RecallState.REQUESTED, "Thu hồi văn bản điện tử")
    # The update sample targets 000.00.00.G22,2014/02/30,7806/VPCP-TTĐT (a date that does not exist), which never
    # came here: refused, nothing changed.
    with pytest.raises(ValidationFailed) as exc:
        connector.receive((samples / "document_update.edxml").read_bytes(), via="test")
    assert exc.value.message.startswith("Không tìm thấy văn bản 000.00.00.G22,2014/02/30,7806/VPCP-TTĐT do "
                                        "000.00.00.G22")
    assert DeliveryVersion.objects.count() == 0


def test_a_replace_package_naming_no_other_document_replaces_in_place(setup):
    item = _received(setup)
    body = _bytes(setup["document"], subject=FIXED, business=Business(doc_type=3, reason="Văn bản thay thế"))
    result = connector.receive(body, via="test")
    assert (result.kind, result.duplicate) == ("replace", False)
    item.refresh_from_db()
    version = DeliveryVersion.objects.get(item=item)
    assert (item.subject, item.status, version.kind, version.values["subject"]) == (
        FIXED, InboxStatus.WAITING, "replace", "V/v báo cáo chuyển đổi sô")
    assert connector.receive(body, via="test").duplicate
