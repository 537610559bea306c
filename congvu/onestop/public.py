"""What the public sees without logging in: the dossier lookup, the satisfaction rating, and the per-client
rate limits that protect both (and online submission).

Privacy: the lookup shows the procedure, the agency, the status, the dates and the timeline's kinds, times
and statuses, and the applicant's name masked (“Nguyễn V** A*”); never an ID number, phone, address, note or
official's name. A code that does not exist and a code that was guessed get the same answer, and every failed
try counts against the client (its address, kept only as a keyed hash in PublicLookupAttempt); past the limit
the client gets 429 whatever it asks, so codes cannot be enumerated.

Rating (TT 01/2018/TT-VPCP, REGULATIONS §4.9): once per dossier, only after the result was returned, proven
by the code plus the last four digits of the ID number or of the phone number on file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from congvu.onestop.events import EventKind, event_add, event_label
from congvu.onestop.models import (
    Dossier,
    DossierStatus,
    PublicLookupAttempt,
    Rating,
)

# --- rate limiting ---------------------------------------------------------------------------------------


class TooManyAttempts(DomainError):
    code = "too_many_requests"
    status = 429


@dataclass(frozen=True)
class Limit:
    kind: str
    attempts: int  # at most this many counted rows ...
    window: dt.timedelta  # ... within this window
    message: str


# Failed look-ups: 10 in 15 minutes is far more than a citizen mistyping a code, far too few to guess one.
LOOKUP = Limit("lookup", 10, dt.timedelta(minutes=15),
               "Bạn đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau 15 phút.")
# Every look-up, found or not: dossier codes are sequential ({agency}-{yyMMdd}-{NNNN}), so a client walking a
# day's codes hits only dossiers that exist and would never fail. 60 in 15 minutes is plenty for a family or a
# shared office connection, and stops a sweep of every dossier's procedure, status and masked name.
LOOKUP_ANY = Limit("lookup_any", 60, dt.timedelta(minutes=15),
                   "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau 15 phút.")
RATING = Limit("rating", 5, dt.timedelta(minutes=15),
               "Bạn đã nhập sai thông tin xác minh quá nhiều lần. Vui lòng thử lại sau 15 phút.")
# Online submissions (every submission counts, not only failures).
SUBMIT = Limit("submit", 5, dt.timedelta(hours=1),
               "Bạn đã nộp quá nhiều hồ sơ trong thời gian ngắn. Vui lòng thử lại sau 1 giờ.")
KEEP = dt.timedelta(days=1)  # rows older than this are dropped when the client is counted again


def client_key(request) -> str:
    """The client's address as a keyed hash (HMAC-SHA-256 with the deployment's secret): rate limits need
    to recognise a client, not to know it."""
    address = request.META.get("REMOTE_ADDR", "") or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        pass
    else:  # an IPv6 client owns its whole /64: counting single addresses would let it rotate past the limit
        if ip.version == 6 and not ip.ipv4_mapped:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
        elif ip.version == 6:
            address = str(ip.ipv4_mapped)
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def attempts_check(*, client: str, limit: Limit, now: dt.datetime | None = None) -> None:
    """TooManyAttempts when `client` has used up `limit` within its window."""
    now = now or timezone.now()
    used = PublicLookupAttempt.objects.filter(client=client, kind=limit.kind, at__gt=now - limit.window).count()
    if used >= limit.attempts:
        raise TooManyAttempts(limit.message)


def attempt_record(*, client: str, limit: Limit, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    PublicLookupAttempt.objects.filter(client=client, at__lt=now - KEEP).delete()
    PublicLookupAttempt.objects.create(client=client, kind=limit.kind, at=now)


# --- masking and codes ----------------------------------------------------------------------------------------

def mask_name(name: str) -> str:
    """“Nguyễn Văn An” → “Nguyễn V** A*”: the first word whole (a family name says little), then each word's
    first letter and one star per remaining letter. A single word keeps only its first letter."""
    words = unicodedata.normalize("NFC", name or "").split()
    if not words:
        return ""
    masked = [w[0] + "*" * (len(w) - 1) for w in words]
    if len(words) > 1:
        masked[0] = words[0]
    return " ".join(masked)


CODE_MAX = 60
CODE_RE = re.compile(r"^[0-9A-Za-z.\-]+$")


def normalise_code(raw: str) -> str:
    """The code as typed or scanned, without spaces (case is matched in `_find`)."""
    return re.sub(r"\s+", "", raw or "")[:CODE_MAX + 1]


NOT_FOUND = "Không tìm thấy hồ sơ có mã này. Vui lòng kiểm tra lại mã hồ sơ trên giấy tiếp nhận."


def _find(code: str, *, lock: bool = False) -> Dossier | None:
    if not code or len(code) > CODE_MAX or not CODE_RE.match(code):
        return None
    # Exact matches only, so the unique index on code answers (an iexact scan would read every dossier):
    # codes are made upper case by their templates, and a code as stored is tried as typed too.
    qs = Dossier.objects.filter(code__in={code, code.upper()})
    if lock:
        qs = qs.select_for_update()
    return qs.select_related("agency", "procedure_version__procedure").first()


# --- the lookup -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicEvent:
    at: dt.datetime
    label: str
    status_label: str


@dataclass(frozen=True)
class PublicDossier:
    """Everything the public page shows; nothing personal beyond the masked name."""

    code: str
    procedure: str
    agency: str
    status: int
    status_label: str
    channel_label: str
    applicant: str  # masked
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    finished_at: dt.datetime | None
    timeline: list[PublicEvent] = field(default_factory=list)
    rated: bool = False

    @property
    def can_rate(self) -> bool:
        return self.status == DossierStatus.RETURNED and not self.rated


def _public_label(kind: str) -> str:
    label = event_label(kind)
    return "Cập nhật tình trạng hồ sơ" if label == kind else label  # never an internal code name


def public_view(dossier: Dossier) -> PublicDossier:
    events = [PublicEvent(at=e.at, label=_public_label(e.kind), status_label=DossierStatus(e.status).label)
              for e in dossier.events.order_by("at", "id")]
    return PublicDossier(
        code=dossier.code, procedure=dossier.procedure_version.procedure.name, agency=dossier.agency.name,
        status=dossier.status, status_label=DossierStatus(dossier.status).label,
        channel_label=dossier.get_channel_display(), applicant=mask_name(dossier.applicant_name),
        submitted_at=dossier.submitted_at, accepted_at=dossier.accepted_at, due_at=dossier.due_at,
        finished_at=dossier.finished_at, timeline=events, rated=Rating.objects.filter(dossier=dossier).exists())


def public_lookup(*, client: str, code: str) -> PublicDossier:
    """The public view of the dossier `code`. NotFound (the same message for a missing, malformed or guessed
    code) counts as a failed try; TooManyAttempts once the client has failed LOOKUP.attempts times, or has
    looked up LOOKUP_ANY.attempts dossiers that exist (codes are sequential: a sweep never fails)."""
    attempts_check(client=client, limit=LOOKUP)
    attempts_check(client=client, limit=LOOKUP_ANY)
    dossier = _find(normalise_code(code))
    if dossier is None:
        attempt_record(client=client, limit=LOOKUP)
        raise NotFound(NOT_FOUND)
    attempt_record(client=client, limit=LOOKUP_ANY)
    return public_view(dossier)


# --- the rating -------------------------------------------------------------------------------------------

# TT 01/2018/TT-VPCP indicators a citizen can answer from their own experience (REGULATIONS §4.9), each
# scored 2 / 1 / 0, plus ease of use (Thanh Hóa) and the overall verdict.
INDICATORS: tuple[tuple[str, str, tuple[str, str, str]], ...] = (
    ("time", "Thời gian giải quyết so với thời hạn đã hẹn",
     ("Sớm hơn hẹn", "Đúng hẹn", "Trễ hẹn")),
    ("contacts", "Số lần phải liên hệ để hoàn thiện hồ sơ",
     ("Không phải liên hệ thêm", "Một lần", "Hai lần trở lên")),
    ("bodies", "Số cơ quan, đơn vị phải liên hệ",
     ("Chỉ Bộ phận tiếp nhận và trả kết quả", "Thêm một cơ quan, đơn vị", "Nhiều cơ quan, đơn vị")),
    ("attitude", "Thái độ của cán bộ, công chức",
     ("Lịch sự, tận tình", "Bình thường", "Chưa đúng mực")),
    ("ease", "Mức độ thuận tiện khi thực hiện thủ tục",
     ("Rất thuận tiện", "Thuận tiện", "Không thuận tiện")),
)
OVERALL = ("overall", "Mức độ hài lòng chung", ("Rất hài lòng", "Hài lòng", "Không hài lòng"))
# Choice i of an indicator scores 2 - i: the first answer is the best.
SCORE_OF_CHOICE = (2, 1, 0)
COMMENT_MAX = 1000

BAD_PROOF = ("Mã hồ sơ hoặc thông tin xác minh không đúng. Vui lòng nhập đúng mã hồ sơ và 4 chữ số cuối của số "
             "định danh hoặc số điện thoại đã khai khi nộp hồ sơ.")
NOT_RETURNED = "Hồ sơ chưa được trả kết quả nên chưa thể đánh giá. Vui lòng đánh giá sau khi nhận kết quả."
ALREADY_RATED = "Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần."


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def proof_matches(dossier: Dossier, proof: str) -> bool:
    """`proof` is the last four digits of the ID number or of the phone number on file."""
    candidates = [d[-4:] for d in (_digits(dossier.applicant_id_number), _digits(dossier.applicant_phone))
                  if len(d) >= 4]
    ok = False
    for candidate in candidates:  # compare all, in constant time, so timing tells nothing
        ok |= hmac.compare_digest(candidate, proof)
    return ok


def _parse_scores(answers: dict) -> tuple[int, dict[str, int]]:
    errors: dict[str, str] = {}
    scores: dict[str, int] = {}
    for key, label, _choices in (*INDICATORS, OVERALL):
        raw = answers.get(key)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value not in SCORE_OF_CHOICE:
            errors[key] = f"Chọn một mức cho “{label}”."
        else:
            scores[key] = value
    if errors:
        raise ValidationFailed("Vui lòng trả lời đủ các câu hỏi đánh giá.", fields=errors)
    overall = scores.pop("overall")
    return overall, scores


def rating_submit(*, client: str, code: str, proof: str, answers: dict, comment: str = "",
                  now: dt.datetime | None = None) -> Rating:
    """Record the applicant's rating of dossier `code`, once, after the result was returned.

    Order of checks: the client's rate limit (TooManyAttempts); the answers and the proof's format
    (ValidationFailed, not counted); the code and proof together (one message for both, counted as a failed
    try); returned yet (ValidationFailed); rated before (Conflict). Any failure changes nothing."""
    attempts_check(client=client, limit=RATING)
    proof = _digits(proof)
    overall, scores = _parse_scores(answers)
    if len(proof) != 4:
        raise ValidationFailed("Nhập đúng 4 chữ số cuối của số định danh hoặc số điện thoại.",
                               fields={"proof": "Cần đúng 4 chữ số."})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed(f"Ý kiến góp ý tối đa {COMMENT_MAX} ký tự.", fields={"comment": "Quá dài."})
    now = now or timezone.now()
    try:
        with transaction.atomic():
            dossier = _find(normalise_code(code), lock=True)
            if dossier is None or not proof_matches(dossier, proof):
                raise _BadProof()
            if dossier.status != DossierStatus.RETURNED:
                raise ValidationFailed(NOT_RETURNED)
            if Rating.objects.filter(dossier=dossier).exists():
                raise Conflict(ALREADY_RATED)
            try:
                with transaction.atomic():
                    rating = Rating.objects.create(dossier=dossier, created_at=now, overall=overall, scores=scores,
                                                   comment=comment)
            except IntegrityError:  # rated at the same moment by another request
                raise Conflict(ALREADY_RATED) from None
            event_add(dossier=dossier, kind=EventKind.RATED, actor=None, at=now)
            journal_record(actor=None, agency_id=dossier.agency_id, action="onestop.dossier_rate", obj=rating,
                           after={"dossier": dossier.code, "overall": overall, "scores": scores,
                                  "comment": comment})
    except _BadProof:
        attempt_record(client=client, limit=RATING)
        raise ValidationFailed(BAD_PROOF, fields={"proof": "Thông tin xác minh không đúng."}) from None
    return rating


class _BadProof(Exception):
    pass
