"""Fetching packages from peers that keep a mailbox for us, hub style (docs/decisions/0019).

`fetch_all()` (run by `congvu exchange run` and the periodic job `exchange.run`): for every active peer with
`fetch` set, list what waits for us (`GET /exchange/peer/v1/packages?after=…`, signed), hand each package to
`connector.receive` and acknowledge it only after that committed: received (`{}`), or refused with the reason
(`{"error": …}`, final on the other side). A crash between the receive and the acknowledgement leaves the package
waiting there; the next run fetches it again and the receiver, idempotent, stores it once and acknowledges it.
"""

import base64
import binascii
import hashlib
import logging

from congvu.core.errors import ValidationFailed
from congvu.exchange import connector, transports
from congvu.exchange.models import Peer

log = logging.getLogger("congvu.exchange.pull")
MAX_PAGES = 100  # at most this many pages per peer and run (the next run goes on)


def _ack(peer: Peer, pk: int, error: str = "") -> None:
    transports.http_json(peer, "POST", f"{transports.PACKAGES_PATH}/{pk}/ack", {"error": error} if error else {})


def fetch_from(peer: Peer) -> dict[str, int]:
    """Fetch, receive and acknowledge what `peer` keeps for us. Returns {"received", "refused"}; raises
    `transports.TransportError` when the peer cannot be reached or answers wrongly (nothing more is fetched)."""
    counts = {"received": 0, "refused": 0}
    after = 0
    for _ in range(MAX_PAGES):
        page = transports.http_json(peer, "GET", f"{transports.PACKAGES_PATH}?after={after}")
        entries = page.get("packages") if isinstance(page, dict) else None
        if not isinstance(entries, list) or not entries:
            break
        for entry in entries:
            pk = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(pk, int) or pk <= after:
                raise transports.TransportError(f"{peer.name} trả về danh sách gói không hợp lệ.")
            after = pk
            try:
                data = base64.b64decode(entry.get("package") or "", validate=True)
            except (binascii.Error, ValueError):
                data = None
            if data is None or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                # Damaged on the way: not acknowledged, fetched again next time.
                log.warning("package %s from %s is damaged (base64 or sha256); left for the next run", pk, peer.name)
                continue
            try:
                connector.receive(data, via=f"pull:{peer.name}", peer=peer)
            except ValidationFailed as exc:
                _ack(peer, pk, exc.message)
                counts["refused"] += 1
                continue
            _ack(peer, pk)
            counts["received"] += 1
    return counts


def fetch_all() -> dict[str, int]:
    """Fetch from every active peer we are configured to fetch from. Returns {"peers", "received", "refused",
    "errors"}; a peer that cannot be reached is logged and counted in "errors", the others go on."""
    totals = {"peers": 0, "received": 0, "refused": 0, "errors": 0}
    for peer in Peer.objects.filter(active=True, fetch=True).exclude(base_url="").order_by("pk"):
        totals["peers"] += 1
        try:
            got = fetch_from(peer)
        except transports.TransportError as exc:
            log.warning("exchange fetch from %s failed: %s", peer.name, exc)
            totals["errors"] += 1
            continue
        totals["received"] += got["received"]
        totals["refused"] += got["refused"]
    return totals
