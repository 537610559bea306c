"""The REST endpoint of other systems (docs/decisions/0017, 0019), in the style of the provincial hubs, every
request signed per peer (see `congvu.exchange.transports`):

- `POST /exchange/peer/v1/packages`: send us a package (document, status, recall/update/replace) as the body;
- `GET /exchange/peer/v1/packages?after=<id>&limit=<n>`: the packages waiting for the calling peer (a peer with
  transport `pull`), oldest first, each with its id and the package in base64;
- `POST /exchange/peer/v1/packages/<id>/ack`: the calling peer received it (`{}`) or refused it
  (`{"error": "…"}`); idempotent.
"""

import base64
import datetime as dt
import hmac
import json
import logging
import time

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from congvu.audit.services import journal_record
from congvu.core.errors import ValidationFailed
from congvu.documents.files import open_stored
from congvu.exchange import connector
from congvu.exchange.edxml.parse import MAX_PACKAGE_BYTES
from congvu.exchange.models import Nonce, Peer, PullPackage
from congvu.exchange.transports import MAX_SKEW, signature

log = logging.getLogger("congvu.exchange.peer_api")
MAX_BODY = MAX_PACKAGE_BYTES
PAGE = 10  # packages per GET, at most (they travel in memory, base64 in JSON)
MAX_ACK_BODY = 8192


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
    # The path as requested, with its query string (the cursor of a GET is signed too).
    expected = signature(peer.secret, method=request.method, path=request.get_full_path(), timestamp=ts,
                         nonce=nonce, body=body)
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
@require_http_methods(["GET", "POST"])
def packages(request):
    if request.method == "GET":
        return _waiting(request)
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


def _int(value: str, *, default: int, low: int, high: int) -> int | None:
    if value == "":
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        return None
    return int(value)


def _waiting(request):
    """The packages waiting for the calling peer, after the cursor."""
    peer, refused = authenticate(request, b"")
    if refused is not None:
        return refused
    after = _int(request.GET.get("after", ""), default=0, low=0, high=2**62)
    limit = _int(request.GET.get("limit", ""), default=PAGE, low=1, high=PAGE)
    if after is None or limit is None:
        return _refused(400, f"Tham số after (số không âm) hoặc limit (1–{PAGE}) không hợp lệ.")
    rows = list(PullPackage.objects.filter(peer=peer, fetched_at__isnull=True, error="", pk__gt=after)
                .select_related("file").order_by("pk")[:limit])
    out = []
    for row in rows:
        with open_stored(row.file) as handle:
            data = handle.read()
        out.append({"id": row.pk, "name": row.name, "queued_at": row.queued_at.isoformat(), "sha256": row.file.sha256,
                    "size": len(data), "package": base64.b64encode(data).decode()})
    if rows:
        PullPackage.objects.filter(pk__in=[r.pk for r in rows]).update(listed=F("listed") + 1)
    return JsonResponse({"packages": out, "next": rows[-1].pk if rows else after})


@csrf_exempt
@require_POST
def package_ack(request, pk: int):
    """The calling peer took package `pk`: received (`{}`) or refused (`{"error": reason}`, final). Acknowledging
    again answers the same and changes nothing."""
    length = request.headers.get("Content-Length") or "0"
    if not length.isdigit() or int(length) > MAX_ACK_BODY:
        return _refused(413, "Nội dung xác nhận quá lớn.")
    body = request.read(int(length))
    peer, refused = authenticate(request, body)
    if refused is not None:
        return refused
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("error", ""), str):
        return _refused(400, "Nội dung xác nhận phải là JSON {} hoặc {\"error\": \"lý do\"}.")
    error = payload.get("error", "").strip()[:4000]
    with transaction.atomic():
        row = PullPackage.objects.select_for_update().filter(pk=pk, peer=peer).first()
        if row is None:
            return _refused(404, f"Không có gói số {pk} chờ {peer.name} lấy về.")
        if row.fetched_at is None and not row.error:
            before = {"fetched_at": None, "error": ""}
            if error:
                row.error = error
            else:
                row.fetched_at = timezone.now()
            row.save(update_fields=["fetched_at", "error"])
            journal_record(actor=None, agency_id=None, action="exchange.pull_ack", obj=row, before=before,
                           after={"peer": peer.name, "name": row.name, "received": not error, "error": error})
            if error:
                log.warning("peer %s refused package %s (%s): %s", peer.name, row.pk, row.name, error)
    state = "refused" if row.error else "received"
    return JsonResponse({"id": row.pk, "state": state, "error": row.error})
