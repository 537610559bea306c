"""Two deployments started on localhost, each its own `congvu` process and SQLite database, exchange a signed
document end to end over HTTP (issue 5): A issues and signs a document addressed to B's agency, `congvu exchange
run` on A sends it, B verifies the signatures, B's clerk and officials process it through B's JSON API, and the
statuses 01, 03, 04, 05, 06 flow back to A one `congvu exchange run` on B at a time; then A recalls it and B
accepts (13, 15).

The child deployments use SQLite in their own data dirs whatever database the test run uses (they are other
installations); the test is marked `deployments` (`pytest -m deployments`, or `-m "not deployments"` to skip).
On an idle machine it takes about a minute, most of it starting `congvu` commands."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from harness import Deployment

from congvu.documents.tests.factories import minimal_pdf

A = {"name": "UBND xã Quế Trung", "identifier": "000.21.33.H40"}
B = {"name": "UBND xã Quế Phước", "identifier": "000.22.33.H40"}
SECRET = "bi-mat-chung-cua-hai-xa-0123456789"
SUBJECT = "V/v phối hợp kiểm tra hiện trạng đê điều"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("deployments")
    a, b = Deployment(root, "a"), Deployment(root, "b")
    try:
        # The two installations are independent: set them up side by side.
        with ThreadPoolExecutor(2) as pool:
            done = [pool.submit(a.setup_agency, **A, departments={"VP": "Văn phòng HĐND và UBND",
                                                                  "NV": "Phòng Nội vụ"}, officials=[
                {"username": "chuyenvien", "role": "officer", "full_name": "Phạm Văn Soạn", "department": "NV"},
                {"username": "truongphong", "role": "leader", "full_name": "Trần Thị Bích", "department": "NV"},
                {"username": "chutich", "role": "leader", "full_name": "Nguyễn Văn An"},
                {"username": "vanthu", "role": "clerk", "full_name": "Lê Thị Thư", "department": "VP"}]),
                pool.submit(b.setup_agency, **B, departments={"VP": "Văn phòng HĐND và UBND",
                                                              "KT": "Phòng Kinh tế"}, officials=[
                {"username": "vanthu", "role": "clerk", "full_name": "Hồ Thị Nhận", "department": "VP"},
                {"username": "chutich", "role": "leader", "full_name": "Võ Văn Chỉ"},
                {"username": "chuyenvien", "role": "officer", "full_name": "Đặng Văn Xử", "department": "KT"}])]
            for future in done:
                future.result()
        a.directory_import([(B["identifier"], B["name"])])
        b.trust(a)
        a.run("exchange", "peer-set", "xa-que-phuoc", "--url", b.url, "--organ-ids", B["identifier"],
              "--key-id", "que-trung-que-phuoc", "--secret", SECRET)
        b.run("exchange", "peer-set", "xa-que-trung", "--url", a.url, "--organ-ids", A["identifier"],
              "--key-id", "que-trung-que-phuoc", "--secret", SECRET)
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


def exchange_run(d: Deployment) -> str:
    return d.run("exchange", "run").stdout


def last_status(a: Deployment, document_id: int):
    [row] = a.api("vanthu", "GET", f"/documents/{document_id}/external-deliveries")
    return row["state"], row["organ_id"], (row["last_status"] or {}).get("code")


def test_a_signed_document_and_its_statuses_travel_between_two_deployments(pair):
    a, b = pair
    # A: the officer drafts, the unit head forwards, the chairman approves (personal signature), the clerk issues
    # (agency signature) and dispatches: B's agency is outside A's deployment, so it waits in A's outbox.
    draft = a.api("chuyenvien", "POST", "/drafts", {"doc_type": "cong_van", "subject": SUBJECT,
                                                    "recipient_names": [B["name"]]},
                  files=[("cong-van.pdf", minimal_pdf("Cong van phoi hop kiem tra de dieu"))])
    a.api("chuyenvien", "POST", f"/drafts/{draft['id']}/submit", {})
    a.api("truongphong", "POST", f"/drafts/{draft['id']}/review",
          {"decision": "forward", "approver_id": a.officials["chutich"]})
    assert a.api("chutich", "POST", f"/drafts/{draft['id']}/approve", {"comment": "Đồng ý"})["status"] == "approved"
    a.api("vanthu", "POST", f"/drafts/{draft['id']}/format-check", {"ok": True})
    issued = a.api("vanthu", "POST", f"/drafts/{draft['id']}/issue", {"dispatch": True})
    assert (issued["dispatched"], issued["delivered_to"], issued["outbox"]) == (True, [], [B["name"]])
    document = issued["document"]
    assert last_status(a, document["id"]) == (None, None, None)

    # A sends it over HTTP; B's endpoint stores it and records 01, which B sends back.
    assert exchange_run(a).splitlines() == ["Đã gửi 1 gói, 0 gói lỗi (sẽ thử lại)."]
    assert last_status(a, document["id"]) == ("sent", B["identifier"], None)
    assert exchange_run(a).splitlines() == ["Đã gửi 0 gói, 0 gói lỗi (sẽ thử lại)."]  # sent once
    [item] = b.api("vanthu", "GET", "/inbox")
    assert (item["subject"], f"{item['number']}/{item['notation']}", item["sender_name"], item["signer"]) == (
        SUBJECT, document["number_notation"], A["name"], "Nguyễn Văn An")
    assert "Đã gửi 1 gói trạng thái, 0 gói lỗi." in exchange_run(b)
    assert last_status(a, document["id"]) == ("sent", B["identifier"], "01")

    # 03: B's clerk registers it; the signatures are checked on registration against B's trust roots (A's CA).
    # (QCVN 102's DocumentType code is only "1"/"2": B matched the type name to its own catalogue.)
    assert (item["doc_type"], item["doc_type_name"]) == ("cong_van", "Công văn")
    registered = b.api("vanthu", "POST", f"/inbox/{item['id']}/register", {})
    [checked] = b.api("vanthu", "GET", f"/documents/{registered['id']}/signatures")
    assert checked["check"]["label"] == "valid", checked
    signers = {(s["signer_name"], s["organisation"], s["status"]) for s in checked["check"]["signatures"]}
    assert signers == {("Nguyễn Văn An", A["name"], "valid"), (A["name"], A["name"], "valid")}
    exchange_run(b)
    assert last_status(a, document["id"]) == ("sent", B["identifier"], "03")

    # 04: B's chairman assigns it to an officer.
    processing = b.api("chutich", "POST", f"/documents/{registered['id']}/directions",
                       {"text": "Giao Phòng Kinh tế chủ trì", "lead": f"o:{b.officials['chuyenvien']}"})
    [assignment] = [x for x in processing["assignments"] if x["role"] == "lead"]
    exchange_run(b)
    assert last_status(a, document["id"]) == ("sent", B["identifier"], "04")

    # 05: the officer reports progress; 06: the chairman accepts the result.
    b.api("chuyenvien", "POST", f"/assignments/{assignment['id']}/progress", {"percent": 50, "note": "Đã khảo sát"})
    exchange_run(b)
    assert last_status(a, document["id"]) == ("sent", B["identifier"], "05")
    b.api("chuyenvien", "POST", f"/assignments/{assignment['id']}/submit", {"note": "Đã kiểm tra xong"})
    b.api("chutich", "POST", f"/assignments/{assignment['id']}/accept", {"note": "Đạt"})
    assert "Đã gửi 1 gói trạng thái, 0 gói lỗi." in exchange_run(b)
    assert last_status(a, document["id"]) == ("sent", B["identifier"], "06")

    # Recall (13 → 15): A's clerk asks for it back; the recall package goes out with A's next run, B's clerk
    # accepts and the 15 flows back to A.
    [external] = a.api("vanthu", "GET", f"/documents/{document['id']}/external-deliveries")
    recall = a.api("vanthu", "POST", f"/outbox/{external['outbox_item_id']}/recall",
                   {"reason": "Văn bản ban hành nhầm đối tượng"})
    assert (recall["recall_state"], recall["recall_reason"]) == ("requested", "Văn bản ban hành nhầm đối tượng")
    exchange_run(a)
    asked = b.api("vanthu", "GET", f"/inbox/{item['id']}/statuses")
    assert (asked["recall_state"], asked["recall_reason"]) == ("requested", "Văn bản ban hành nhầm đối tượng")
    assert [s["code"] for s in asked["statuses"]] == ["01", "03", "04", "05", "06", "13"]
    accepted = b.api("vanthu", "POST", f"/inbox/{item['id']}/recall/accept", {"note": "Đồng ý"})
    assert accepted["recall_state"] == "accepted"
    assert "Đã gửi 1 gói trạng thái, 0 gói lỗi." in exchange_run(b)
    assert last_status(a, document["id"]) == ("sent", B["identifier"], "15")
    # Nothing travels twice: both sides have nothing left to send.
    assert exchange_run(a).splitlines() == ["Đã gửi 0 gói, 0 gói lỗi (sẽ thử lại)."]
    assert "trạng thái" not in exchange_run(b)


def test_b_fetches_from_a_hub_style_and_its_statuses_still_come_back(pair):
    a, b = pair
    # A keeps a mailbox for B (B fetches, A never calls B); B fetches from A and pushes its statuses to A.
    a.run("exchange", "peer-set", "xa-que-phuoc", "--pull", "--organ-ids", B["identifier"],
          "--key-id", "que-trung-que-phuoc", "--secret", SECRET)
    b.run("exchange", "peer-set", "xa-que-trung", "--url", a.url, "--fetch", "--organ-ids", A["identifier"],
          "--key-id", "que-trung-que-phuoc", "--secret", SECRET)
    subject = "V/v lấy ý kiến dự thảo quy chế phối hợp"
    document = a.api("vanthu", "POST", "/documents/outgoing", {
        "doc_type": "quyet_dinh", "subject": subject, "signer": "Nguyễn Văn An", "signer_title": "CHỦ TỊCH",
        "recipient_names": [B["name"]]}, files=[("quyet-dinh.pdf", minimal_pdf("Quyet dinh quy che"))])
    assert a.api("vanthu", "POST", f"/documents/{document['id']}/dispatch", {})["outbox"] == [B["name"]]

    assert exchange_run(a).splitlines() == ["Đã gửi 1 gói, 0 gói lỗi (sẽ thử lại)."]  # into B's mailbox at A
    assert [i["subject"] for i in b.api("vanthu", "GET", "/inbox")].count(subject) == 0
    # B's run fetches it, acknowledges it and sends the 01 back in the same run.
    assert exchange_run(b).splitlines() == ["Đã gửi 0 gói, 0 gói lỗi (sẽ thử lại).",
                                            "Đã gửi 1 gói trạng thái, 0 gói lỗi.", "Đã lấy về 1 gói, từ chối 0 gói."]
    assert [i["subject"] for i in b.api("vanthu", "GET", "/inbox")].count(subject) == 1
    assert last_status(a, document["id"]) == ("sent", B["identifier"], "01")
    assert exchange_run(b).splitlines() == ["Đã gửi 0 gói, 0 gói lỗi (sẽ thử lại).", "Đã lấy về 0 gói, từ chối 0 gói."]
