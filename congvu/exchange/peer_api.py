"""The REST endpoint other systems push to (docs/decisions/0017): POST /exchange/peer/v1/packages with an edXML
document or status package as the body, signed per peer (see `congvu.exchange.transports`)."""

import datetime as dt
import hmac
import logging
import time

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from congvu.core.errors import ValidationFailed
from congvu.exchange import connector
from congvu.exchange.edxml.parse import MAX_PACKAGE_BYTES
from congvu.exchange.models import Nonce, Peer
from congvu.exchange.transports import MAX_SKEW, signature

log = logging.getLogger("congvu.exchange.peer_api")
MAX_BODY = MAX_PACKAGE_BYTES


def _refused(status: int, message: str) -> JsonResponse:
    log.warning("peer request refused (%s): %s", status, message)
    return JsonResponse({"error": message}, status=status)


def authenticate(request, body: bytes) -> tuple[Peer | None, JsonResponse | None]:
    """The peer that signed `request`, or the response refusing it. Records the nonce (replay protection)."""
    key = request.headers.get("X-Congvu-Key", "")
    ts = request.headers.get("X-Congvu-Timestamp", "")
    nonce = request.headers.get("X-Congvu-Nonce", "")
    given = request.headers.get("X-Congvu-Signature", "")
    peer = Peer.objects.filter(key_id=key, active=True).first() if key else None
    if peer is None or not ts.isdigit() or not (8 <= len(nonce) <= 64) or not given:
        return None, _refused(401, "Yêu cầu không được xác thực (thiếu khóa, thời điểm, nonce hoặc chữ ký).")
    expected = signature(peer.secret, method=request.method, path=request.path, timestamp=ts, nonce=nonce,
                         body=body)
    if not hmac.compare_digest(expected, given):
        return None, _refused(401, "Chữ ký yêu cầu không đúng.")
    if abs(time.time() - int(ts)) > MAX_SKEW:
        return None, _refused(401, "Yêu cầu quá cũ hoặc sai giờ (quá 5 phút).")
    now = timezone.now()
    try:
        with transaction.atomic():
            Nonce.objects.create(peer=peer, value=nonce, seen_at=now)
    except IntegrityError:
        return None, _refused(409, "Yêu cầu đã được gửi trước đó (nonce lặp lại).")
    Nonce.objects.filter(peer=peer, seen_at__lt=now - dt.timedelta(seconds=2 * MAX_SKEW)).delete()
    return peer, None


@csrf_exempt
@require_POST
def packages(request):
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        return _refused(413, f"Gói quá lớn (tối đa {MAX_BODY // (1024 * 1024)} MB).")
    # Read the stream directly: a package is bigger than DATA_UPLOAD_MAX_MEMORY_SIZE, which guards forms.
    body = request.read(int(length))
    peer, refused = authenticate(request, body)
    if refused is not None:
        return refused
    try:
        result = connector.receive(body, via=f"peer:{peer.name}", peer=peer)
    except ValidationFailed as exc:
        return JsonResponse({"error": exc.message}, status=422)
    return JsonResponse({"kind": result.kind, "document_id": result.document_id, "duplicate": result.duplicate,
                         "items": len(result.items)}, status=201 if result.items else 200)
