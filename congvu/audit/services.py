"""Writing and verifying the journal. Every other app journals through `journal_record`."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from congvu.audit.models import JournalChain, JournalEntry


def _canonical(value):
    """JSON-safe, deterministic form of before/after values (dates as ISO strings)."""
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def entry_hash(*, prev_hash: str, seq: int, chain_key: str, created_at: dt.datetime, actor_id, actor_name: str,
               agency_id, action: str, object_type: str, object_id: str, before, after) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "seq": seq,
            "chain": chain_key,
            "at": created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor_id,
            "actor_name": actor_name,
            "agency": agency_id,
            "action": action,
            "type": object_type,
            "id": object_id,
            "before": before,
            "after": after,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def journal_record(*, actor, agency_id: int | None, action: str, obj=None, object_type: str = "",
                   object_id: str = "", before: dict | None = None, after: dict | None = None) -> JournalEntry:
    """Append one journal row in the caller's transaction.

    Must run inside `transaction.atomic()`: the row is written with the change it describes, or not
    at all. The chain head is locked, so rows of one agency get consecutive sequence numbers.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("journal_record must be called inside a transaction")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    chain_key = f"agency:{agency_id}" if agency_id else "system"
    chain = JournalChain.objects.select_for_update().filter(key=chain_key).first()
    if chain is None:
        try:
            with transaction.atomic():
                JournalChain.objects.create(key=chain_key)
        except IntegrityError:  # another writer started the chain first
            pass
        chain = JournalChain.objects.select_for_update().get(key=chain_key)
    seq = chain.last_seq + 1
    created_at = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    before_c, after_c = _canonical(before), _canonical(after)
    actor_name = actor.get_username() if actor_id else "hệ thống"
    digest = entry_hash(prev_hash=chain.last_hash, seq=seq, chain_key=chain_key, created_at=created_at,
                        actor_id=actor_id, actor_name=actor_name, agency_id=agency_id, action=action,
                        object_type=object_type, object_id=str(object_id), before=before_c, after=after_c)
    entry = JournalEntry.objects.create(
        chain=chain, seq=seq, created_at=created_at, actor_id=actor_id,
        actor_name=actor_name, agency_id_ref=agency_id,
        action=action, object_type=object_type, object_id=str(object_id), before=before_c, after=after_c,
        prev_hash=chain.last_hash, hash=digest,
    )
    JournalChain.objects.filter(pk=chain.pk).update(last_seq=seq, last_hash=digest)
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad: JournalEntry | None = None
    reason: str = ""


def journal_verify() -> VerifyResult:
    """Recompute every chain; report the first row whose content or link does not match."""
    checked = 0
    for chain in JournalChain.objects.order_by("pk"):
        prev = ""
        expected_seq = 1
        for entry in JournalEntry.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=2000):
            checked += 1
            if entry.seq != expected_seq:
                return VerifyResult(False, checked, entry, f"thiếu dòng trước số thứ tự {entry.seq}")
            if entry.prev_hash != prev:
                return VerifyResult(False, checked, entry, "liên kết với dòng trước không khớp")
            digest = entry_hash(prev_hash=entry.prev_hash, seq=entry.seq, chain_key=chain.key,
                                created_at=entry.created_at, actor_id=entry.actor_id,
                                actor_name=entry.actor_name, agency_id=entry.agency_id_ref, action=entry.action,
                                object_type=entry.object_type, object_id=entry.object_id,
                                before=entry.before, after=entry.after)
            if digest != entry.hash:
                return VerifyResult(False, checked, entry, "nội dung đã bị sửa")
            prev = entry.hash
            expected_seq += 1
        if chain.last_seq != expected_seq - 1 or chain.last_hash != prev:
            return VerifyResult(False, checked, None, f"chuỗi {chain.key}: dòng cuối bị xóa")
    return VerifyResult(True, checked)
