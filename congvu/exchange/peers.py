"""Peers: the other systems the connector exchanges packages with (docs/decisions/0017).

Writes (system admin only, or the command line; journaled, all-or-nothing): `peer_save`. The shared secret is
stored as the model stores it (the sender signs with the raw secret) but never journaled and never shown again:
a generated one is returned once to the caller, and saving without a secret keeps the one already set.
Reads: `peer_rows` (the admin page: what each peer serves and how the exchange with it is going).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery

from congvu.audit.services import journal_record
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.exchange.directory import is_directory_admin
from congvu.exchange.models import (
    Nonce,
    Peer,
    PeerTransport,
    PullPackage,
    Transmission,
    TransmissionState,
    identifier_format,
)

CONCURRENT = "Hệ thống liên thông vừa được người khác sửa; hãy tải lại trang và thử lại."
MIN_SECRET_LENGTH = 16  # what the page asks of a secret typed in (the command accepts what the other side chose)


def is_peer_admin(user) -> bool:
    """Peers are server configuration: the system admin's, like the agency directory."""
    return is_directory_admin(user)


def _require_admin(actor, as_system: bool) -> None:
    if as_system and actor is None:  # the command line: whoever runs it administers the server
        return
    if not is_peer_admin(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được khai báo hệ thống liên thông.")


def parse_organ_ids(value: str | list[str]) -> list[str]:
    """Identifiers separated by commas, spaces or new lines, in order, each once."""
    parts = value if isinstance(value, list) else value.replace(",", " ").split()
    seen: list[str] = []
    for p in (p.strip() for p in parts):
        if p and p not in seen:
            seen.append(p)
    return seen


@dataclass
class PeerSaved:
    peer: Peer
    created: bool
    generated_secret: str = ""  # set only when the secret was generated here: show it once, it is not kept elsewhere


def _snapshot(peer: Peer) -> dict:
    return {"name": peer.name, "transport": peer.transport, "fetch": peer.fetch, "base_url": peer.base_url,
            "folder": peer.folder, "organ_ids": list(peer.organ_ids or []), "key_id": peer.key_id,
            "active": peer.active}


def peer_save(*, actor, name: str, url: str = "", folder: str = "", organ_ids: str | list[str], key_id: str,
              secret: str = "", active: bool = True, transport: str | None = None, fetch: bool = False,
              existing: int | None = None, as_system: bool = False) -> PeerSaved:
    """Add or change a peer: by its id (`existing`, the page) or else by its name (the command's upsert).

    `transport`: http (needs `url`, http:// or https://), folder (needs `folder`) or pull (it fetches from us,
    ADR 0019: no folder, `url` optional); None means folder when a folder is given, else http, and then exactly
    one of `url` or `folder`. `fetch` (we fetch from it) needs `url`. At least one well-formed agency identifier;
    name and `key_id` unique. `secret`: a new shared secret (at most 200 characters); empty keeps the current one,
    or generates one for a new peer (returned in `generated_secret`). Journaled as `exchange.peer_save` without the
    secret (only whether it changed). Raises ValidationFailed with fields.
    `as_system` with actor=None is the command line (journaled as the system)."""
    _require_admin(actor, as_system)
    name, url, folder, key_id, secret = (v.strip() for v in (name or "", url or "", folder or "", key_id or "",
                                                               secret or ""))
    ids = parse_organ_ids(organ_ids or "")
    fields: dict[str, str] = {}
    if not name:
        fields["name"] = "Nhập tên hệ thống liên thông."
    elif len(name) > 100:
        fields["name"] = "Tên hệ thống tối đa 100 ký tự."
    if transport is None:
        if bool(url) == bool(folder):
            fields["url"] = "Cần đúng một trong địa chỉ HTTP hoặc thư mục trao đổi."
        transport = PeerTransport.FOLDER if folder else PeerTransport.HTTP
    elif transport not in PeerTransport.values:
        fields["transport"] = "Chọn cách kết nối."
    elif transport == PeerTransport.HTTP and (not url or folder):
        fields["url"] = "Kết nối HTTP(S): nhập địa chỉ, để trống thư mục trao đổi."
    elif transport == PeerTransport.FOLDER and (not folder or url):
        fields["folder"] = "Kết nối qua thư mục: nhập thư mục trao đổi, để trống địa chỉ HTTP."
    elif transport == PeerTransport.PULL and folder:
        fields["folder"] = "Hệ thống tự lấy gói về không dùng thư mục trao đổi."
    if fetch and not url:
        fields.setdefault("url", "Lấy gói từ hệ thống này cần địa chỉ HTTP(S) của nó.")
    if url and not url.startswith(("http://", "https://")):
        fields.setdefault("url", "Địa chỉ phải bắt đầu bằng http:// hoặc https://.")
    if len(url) > 300:
        fields.setdefault("url", "Tối đa 300 ký tự.")
    if len(folder) > 300:
        fields.setdefault("folder", "Tối đa 300 ký tự.")
    wrong = [c for c in ids if identifier_format(c) is None]
    if not ids or wrong:
        fields["organ_ids"] = f"Mã định danh không đúng cấu trúc: {', '.join(wrong) or '(trống)'}."
    if not key_id:
        fields["key_id"] = "Nhập mã khóa (key id) đã thỏa thuận với hệ thống kia."
    elif len(key_id) > 100:
        fields["key_id"] = "Mã khóa tối đa 100 ký tự."
    if len(secret) > 200:
        fields["secret"] = "Khóa bí mật chung tối đa 200 ký tự."
    others = Peer.objects.exclude(pk=existing) if existing is not None else Peer.objects.exclude(name=name)
    if name and existing is not None and others.filter(name=name).exists():
        fields.setdefault("name", f"Đã có hệ thống liên thông tên “{name}”.")
    if key_id and others.filter(key_id=key_id).exists():
        fields.setdefault("key_id", f"Mã khóa “{key_id}” đã dùng cho hệ thống khác.")
    if fields:
        raise ValidationFailed("Thông tin hệ thống liên thông chưa đúng.", fields=fields)
    values = {"name": name, "transport": transport, "base_url": url, "folder": folder, "organ_ids": ids,
              "key_id": key_id, "active": bool(active), "fetch": bool(fetch)}
    try:
        with transaction.atomic():
            if existing is not None:
                peer = Peer.objects.select_for_update().filter(pk=existing).first()
                if peer is None:
                    raise NotFound("Không tìm thấy hệ thống liên thông.")
            else:
                peer = Peer.objects.select_for_update().filter(name=name).first()
            created = peer is None
            before = None if created else _snapshot(peer)
            generated = ""
            if not secret and created:
                secret = generated = secrets.token_urlsafe(32)
            if created:
                peer = Peer.objects.create(secret=secret, **values)
            else:
                for field, value in values.items():
                    setattr(peer, field, value)
                if secret:
                    peer.secret = secret
                peer.save()
            journal_record(actor=actor, agency_id=None, action="exchange.peer_save", obj=peer, before=before,
                           after={**_snapshot(peer), "secret_changed": bool(secret)})
    except IntegrityError:  # another admin saved the same name or key id meanwhile; nothing was written
        raise Conflict(CONCURRENT) from None
    return PeerSaved(peer=peer, created=created, generated_secret=generated)


@dataclass
class PeerRow:
    """One peer as the admin page lists it."""

    peer: Peer
    pending: int  # transmissions waiting to be sent (or retried) to it
    mailbox: int  # packages waiting in its mailbox for it to fetch (pull peers, ADR 0019)
    failed: int  # transmissions it gave up on
    last_sent_at: object | None  # the last package it accepted from us
    last_request_at: object | None  # the last signed request it made to us (replay-protection nonces)
    last_error: str  # the latest error of a transmission not sent yet, if any


def peer_get(*, user, pk: int) -> Peer:
    _require_admin(user, False)
    peer = Peer.objects.filter(pk=pk).first()
    if peer is None:
        raise NotFound("Không tìm thấy hệ thống liên thông.")
    return peer


def peer_rows(*, user) -> list[PeerRow]:
    """Every peer by name, with its pending and failed transmissions, last contact and last error."""
    _require_admin(user, False)
    unsent_errors = (Transmission.objects.filter(peer=OuterRef("pk"), sent_at__isnull=True).exclude(last_error="")
                     .order_by("-next_attempt_at", "-pk").values("last_error")[:1])
    waiting = (PullPackage.objects.filter(peer=OuterRef("pk"), fetched_at__isnull=True, error="")
               .order_by().values("peer").annotate(n=Count("pk")).values("n"))
    last_request = Nonce.objects.filter(peer=OuterRef("pk")).order_by("-seen_at").values("seen_at")[:1]
    peers = Peer.objects.order_by("name").annotate(
        pending=Count("transmissions", filter=Q(transmissions__state=TransmissionState.PENDING)),
        failed=Count("transmissions", filter=Q(transmissions__state=TransmissionState.FAILED)),
        last_sent_at=Max("transmissions__sent_at"),
        mailbox=Subquery(waiting, output_field=IntegerField()),
        last_request_at=Subquery(last_request), last_error=Subquery(unsent_errors))
    return [PeerRow(peer=p, pending=p.pending, mailbox=p.mailbox or 0, failed=p.failed, last_sent_at=p.last_sent_at,
                    last_request_at=p.last_request_at, last_error=p.last_error or "") for p in peers]
