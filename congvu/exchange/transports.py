"""How a package reaches a peer (docs/decisions/0017): HTTP(S) with signed requests, or a drop folder.

Request signing (both sides share `key_id` and `secret`): HMAC-SHA256 over
"METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256(BODY)" in hex, sent in the headers X-Congvu-Key, X-Congvu-Timestamp
(Unix seconds), X-Congvu-Nonce and X-Congvu-Signature. The receiver refuses a request more than
`MAX_SKEW` old (or ahead) and a nonce it has seen.
"""

import hashlib
import hmac
import os
import secrets
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from congvu.exchange.models import Peer, PeerTransport

MAX_SKEW = 300  # seconds
PACKAGES_PATH = "/exchange/peer/v1/packages"
TIMEOUT = 30


class TransportError(Exception):
    """The package did not reach the peer (try again later)."""


def signature(secret: str, *, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed_headers(peer: Peer, *, method: str, path: str, body: bytes, timestamp: int | None = None,
                   nonce: str | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    return {
        "X-Congvu-Key": peer.key_id, "X-Congvu-Timestamp": ts, "X-Congvu-Nonce": nonce,
        "X-Congvu-Signature": signature(peer.secret, method=method, path=path, timestamp=ts, nonce=nonce, body=body),
        "Content-Type": "application/xml",
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


def send(peer: Peer, body: bytes, *, name: str) -> None:
    """Hand `body` to `peer`; raises TransportError when it did not get there."""
    if peer.transport == PeerTransport.FOLDER:
        write_folder(peer, body, name)
    else:
        send_http(peer, body)
