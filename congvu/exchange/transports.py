"""How a package reaches a peer (docs/decisions/0017): HTTP(S) with signed requests, a drop folder, or (a peer that
fetches its packages, docs/decisions/0019) its mailbox here.

Request signing (both sides share `key_id` and `secret`): HMAC-SHA256 over
"METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256(BODY)" in hex, sent in the headers X-Congvu-Key, X-Congvu-Timestamp
(Unix seconds), X-Congvu-Nonce and X-Congvu-Signature. PATH includes the query string when there is one (the
`after` cursor of a GET is signed). The receiver refuses a request more than `MAX_SKEW` old (or ahead) and a nonce
it has seen.
"""

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from congvu.documents import files as file_store
from congvu.documents.models import StoredFile
from congvu.exchange.models import Peer, PeerTransport, PullPackage

MAX_SKEW = 300  # seconds
PACKAGES_PATH = "/exchange/peer/v1/packages"
TIMEOUT = 30


class TransportError(Exception):
    """The package did not reach the peer (try again later)."""


def signature(secret: str, *, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed_headers(peer: Peer, *, method: str, path: str, body: bytes, timestamp: int | None = None,
                   nonce: str | None = None, content_type: str = "application/xml") -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    return {
        "X-Congvu-Key": peer.key_id, "X-Congvu-Timestamp": ts, "X-Congvu-Nonce": nonce,
        "X-Congvu-Signature": signature(peer.secret, method=method, path=path, timestamp=ts, nonce=nonce, body=body),
        "Content-Type": content_type,
    }


def http_post(peer: Peer, path: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    url = peer.base_url.rstrip("/") + path
    headers = headers or signed_headers(peer, method="POST", path=path, body=body)
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def http_get(peer: Peer, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """A signed GET of `path` (with its query string) at the peer."""
    url = peer.base_url.rstrip("/") + path
    headers = headers or signed_headers(peer, method="GET", path=path, body=b"")
    request = urllib.request.Request(url, method="GET", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def http_json(peer: Peer, method: str, path: str, payload: dict | None = None) -> dict:
    """A signed JSON request to the peer; raises TransportError unless it answers 200 or 201 with JSON."""
    try:
        if method == "GET":
            status, answer = http_get(peer, path)
        else:
            body = json.dumps(payload or {}).encode()
            status, answer = http_post(peer, path, body, signed_headers(
                peer, method="POST", path=path, body=body, content_type="application/json"))
    except (OSError, urllib.error.URLError) as exc:
        raise TransportError(f"Không kết nối được {peer.name}: {exc}") from exc
    if status not in (200, 201):
        try:
            message = json.loads(answer)["error"]
        except (ValueError, KeyError, TypeError):
            message = answer[:500].decode(errors="replace")
        raise TransportError(f"{peer.name} trả lời {status}: {message}")
    try:
        return json.loads(answer)
    except ValueError as exc:
        raise TransportError(f"{peer.name} trả lời không phải JSON.") from exc


def send_http(peer: Peer, body: bytes) -> None:
    try:
        status, answer = http_post(peer, PACKAGES_PATH, body)
    except (OSError, urllib.error.URLError) as exc:
        raise TransportError(f"Không kết nối được {peer.name}: {exc}") from exc
    if status not in (200, 201):
        raise TransportError(f"{peer.name} trả lời {status}: {answer[:500].decode(errors='replace')}")


def write_folder(peer: Peer, body: bytes, name: str) -> Path:
    """Write the package into `<folder>/<peer>/outbox/<name>.edxml` (through a temporary name, atomically)."""
    target_dir = Path(peer.folder) / peer.name / "outbox"
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{name}.edxml"
        fd, tmp = tempfile.mkstemp(dir=target_dir, suffix=".part")
        with os.fdopen(fd, "wb") as out:
            out.write(body)
        os.replace(tmp, target)
    except OSError as exc:
        raise TransportError(f"Không ghi được vào thư mục trao đổi {target_dir}: {exc}") from exc
    return target


def _stored(body: bytes, peer: Peer) -> StoredFile:
    digest = hashlib.sha256(body).hexdigest()
    stored = StoredFile.objects.filter(sha256=digest).first()
    if stored is not None:
        return stored
    fd, tmp = tempfile.mkstemp(suffix=".edxml")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(body)
        written = file_store.put_file(file_store.PreparedFile("package.edxml", "application/xml", len(body), digest,
                                                              Path(tmp)))
    except OSError as exc:
        raise TransportError(f"Không lưu được gói chờ {peer.name} lấy về: {exc}") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    try:
        with transaction.atomic():
            return StoredFile.objects.create(sha256=digest, size=len(body), content_type="application/xml",
                                             path=written)
    except IntegrityError:  # the same bytes stored at the same moment by another worker
        return StoredFile.objects.get(sha256=digest)


def queue_for_pull(peer: Peer, body: bytes, name: str) -> PullPackage:
    """Put the package in the mailbox of a peer that fetches its packages (ADR 0019), once per (peer, name): a
    resend after a crash finds the row already there and changes nothing."""
    name = name[:100]
    existing = PullPackage.objects.filter(peer=peer, name=name).first()
    if existing is not None:
        return existing
    stored = _stored(body, peer)
    try:
        with transaction.atomic():
            return PullPackage.objects.create(peer=peer, name=name, file=stored, queued_at=timezone.now())
    except IntegrityError:  # another worker queued the same package at that moment
        return PullPackage.objects.get(peer=peer, name=name)


def send(peer: Peer, body: bytes, *, name: str) -> None:
    """Hand `body` to `peer`; raises TransportError when it did not get there. For a peer that fetches its
    packages, "handed over" means "waiting in its mailbox", as the drop folder means "written to its outbox"."""
    if peer.transport == PeerTransport.FOLDER:
        write_folder(peer, body, name)
    elif peer.transport == PeerTransport.PULL:
        queue_for_pull(peer, body, name)
    else:
        send_http(peer, body)
