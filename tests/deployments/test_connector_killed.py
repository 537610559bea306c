"""The connector killed mid-send (SIGKILL of a `congvu exchange run` process) and restarted delivers exactly once
(issue 5). Deployment A sends to deployment B through a small proxy in this test process, which tells the test
where the request is so it can kill A there: before B got the package, and after B stored it but before A heard
back (so A could not mark it sent). Each time a restarted run sends it again and B stores it once."""

import http.server
import signal
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from harness import Deployment

from congvu.documents.tests.factories import minimal_pdf

A = {"name": "UBND xã Quế Trung", "identifier": "000.21.33.H40"}
B = {"name": "UBND xã Quế Phước", "identifier": "000.22.33.H40"}
SECRET = "bi-mat-chung-cua-hai-xa-0123456789"


class Proxy:
    """Forwards peer requests to B. `hold`: "before" keeps the request without forwarding it, "after" forwards it
    and keeps B's answer; either way until `release` (then the connection is dropped)."""

    def __init__(self, target: str):
        self.target = target
        self.hold: str | None = None
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.forwarded: list[int] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hold = proxy.hold
                if hold != "before":
                    headers = {k: v for k, v in self.headers.items() if k.lower().startswith("x-congvu-")}
                    headers["Content-Type"] = self.headers["Content-Type"]
                    request = urllib.request.Request(proxy.target + self.path, data=body, headers=headers)
                    try:
                        with urllib.request.urlopen(request, timeout=60) as response:
                            status, answer = response.status, response.read()
                    except urllib.error.HTTPError as exc:
                        status, answer = exc.code, exc.read()
                    proxy.forwarded.append(status)
                if hold is not None:
                    proxy.arrived.set()
                    proxy.release.wait(120)
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("killed")
    a, b = Deployment(root, "a"), Deployment(root, "b")
    proxy = None
    try:
        with ThreadPoolExecutor(2) as pool:
            for future in [pool.submit(d.setup_agency, **agency, departments={"VP": "Văn phòng"}, pki=False,
                                       officials=[{"username": "vanthu", "role": "clerk", "full_name": clerk,
                                                   "department": "VP"}])
                           for d, agency, clerk in ((a, A, "Lê Thị Thư"), (b, B, "Hồ Thị Nhận"))]:
                future.result()
        a.directory_import([(B["identifier"], B["name"])])
        b.run("exchange", "peer-set", "xa-que-trung", "--url", a.url, "--organ-ids", A["identifier"],
              "--key-id", "que-trung-que-phuoc", "--secret", SECRET)
        a.start()
        b.start()
        proxy = Proxy(b.url)
        a.run("exchange", "peer-set", "xa-que-phuoc", "--url", proxy.url, "--organ-ids", B["identifier"],
              "--key-id", "que-trung-que-phuoc", "--secret", SECRET)
        yield a, b, proxy
    finally:
        if proxy is not None:
            proxy.close()
        a.stop()
        b.stop()


def issue(a: Deployment, subject: str) -> int:
    """A's clerk registers a signed decision addressed to B's agency and dispatches it (B waits in the outbox)."""
    document = a.api("vanthu", "POST", "/documents/outgoing", {
        "doc_type": "quyet_dinh", "subject": subject, "signer": "Nguyễn Văn An", "signer_title": "CHỦ TỊCH",
        "recipient_names": [B["name"]]}, files=[("quyet-dinh.pdf", minimal_pdf("Quyet dinh " + subject[-2:]))])
    dispatched = a.api("vanthu", "POST", f"/documents/{document['id']}/dispatch", {})
    assert dispatched["outbox"] == [B["name"]], dispatched
    return document["id"]


def transmission(a: Deployment, document_id: int):
    [row] = a.api("vanthu", "GET", f"/documents/{document_id}/external-deliveries")
    return row["state"], row["attempts"]


def received(b: Deployment, subject: str) -> int:
    return sum(1 for item in b.api("vanthu", "GET", "/inbox") if item["subject"] == subject)


def kill_mid_send(a: Deployment, proxy: Proxy, hold: str) -> None:
    proxy.hold, proxy.forwarded = hold, []
    proxy.arrived.clear()
    proxy.release.clear()
    run = a.popen("exchange", "run")
    try:
        assert proxy.arrived.wait(120), "the connector never reached the peer"
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(30)
        proxy.hold = None
        proxy.release.set()
    assert run.returncode == -signal.SIGKILL


def lease_runs_out(a: Deployment) -> None:
    # The dead worker's five-minute lease: moved back rather than waited for.
    a.sql("UPDATE exchange_transmission SET lease_until = NULL WHERE state = 'pending'")


@pytest.mark.parametrize("hold", ["before", "after"], ids=["before-the-peer-got-it", "after-the-peer-stored-it"])
def test_killed_mid_send_and_restarted_delivers_exactly_once(pair, hold):
    a, b, proxy = pair
    subject = f"V/v điều chỉnh kế hoạch ({hold})"
    document_id = issue(a, subject)

    kill_mid_send(a, proxy, hold)
    # The package was claimed (attempt 1) and never marked sent; B has it only if it got that far.
    assert transmission(a, document_id) == ("pending", 1)
    assert received(b, subject) == (1 if hold == "after" else 0)
    assert proxy.forwarded == ([201] if hold == "after" else [])
    # Still leased: a run straight after the crash leaves it alone.
    assert a.run("exchange", "run").stdout.splitlines() == ["Đã gửi 0 gói, 0 gói lỗi (sẽ thử lại)."]

    lease_runs_out(a)
    assert a.run("exchange", "run").stdout.splitlines() == ["Đã gửi 1 gói, 0 gói lỗi (sẽ thử lại)."]
    assert transmission(a, document_id) == ("sent", 2)
    # B answered 200 (a duplicate, nothing stored) or 201 (the first copy): one delivery either way.
    assert proxy.forwarded == ([201, 200] if hold == "after" else [201])
    assert received(b, subject) == 1
    assert a.run("exchange", "run").stdout.splitlines() == ["Đã gửi 0 gói, 0 gói lỗi (sẽ thử lại)."]
    assert received(b, subject) == 1
