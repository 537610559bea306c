"""Every write to a draft: creating it, new versions, review (ký nháy), approval (ký duyệt), the clerk's
format check and issuing it as a numbered outgoing document.

Each service is one transaction that locks the draft row, checks who may act and in which state, changes
the draft, records a `DraftEvent` (the timeline, with the comment said) and a journal row, and notifies
the next person. Any refusal raises a domain error with a Vietnamese message and changes nothing.
"""

import dataclasses
import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from congvu.audit.services import journal_record
from congvu.core.dates import parse_vn_date
from congvu.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from congvu.core.folding import nfc
from congvu.documents import files as file_store
from congvu.documents.files import PDF
from congvu.documents.models import Attachment, Direction, Document, Secrecy, StoredFile, Urgency
from congvu.documents.selectors import visible_documents
from congvu.documents.services import OutgoingData, document_type_at, outgoing_register
from congvu.drafting import storage
from congvu.drafting.models import (
    EDITABLE_STATUSES,
    Draft,
    DraftEvent,
    DraftingPolicy,
    DraftStatus,
    DraftVersion,
)
from congvu.drafting.selectors import (
    agency_clerks,
    agency_leaders,
    can_draft,
    default_reviewer,
    reviewers,
    self_approval_allowed,
    visible_drafts,
)
from congvu.notifications.services import notify
from congvu.org.models import Agency, Department, Membership, Official
from congvu.org.selectors import can_manage_agency, can_register, official_for_user
from congvu.signing.config import pkcs11_settings, pki_dir
from congvu.signing.services import stored_file_sign
from congvu.workflow.services import document_replied


@dataclass
class DraftData:
    """The metadata of a draft as an author types it (the same fields as the outgoing form)."""

    doc_type: str = ""  # DocumentType.code
    subject: str = ""
    urgency: str = Urgency.NORMAL
    secrecy: str = Secrecy.NORMAL
    signer: str = ""
    signer_title: str = ""
    drafting_department_id: int | str | None = None
    recipient_agency_ids: list = field(default_factory=list)
    recipient_names: list[str] = field(default_factory=list)
    due_date: dt.date | str | None = None
    notes: str = ""


def draft_data_of(draft: Draft) -> DraftData:
    """The current metadata of `draft`, e.g. to change a few fields and pass it to `draft_revise`."""
    return DraftData(
        doc_type=draft.doc_type.code, subject=draft.subject, urgency=draft.urgency, secrecy=draft.secrecy,
        signer=draft.signer, signer_title=draft.signer_title, drafting_department_id=draft.drafting_department_id,
        recipient_agency_ids=list(draft.recipient_agency_ids), recipient_names=list(draft.recipient_names),
        due_date=draft.due_date, notes=draft.notes,
    )


# --- small validators --------------------------------------------------------------------------

def _clean(value) -> str:
    text = "".join(ch for ch in nfc(str(value or "")) if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\n\t")
    return " ".join(text.split())


def _text(value, *, name: str, label: str, errors: dict, required=False, max_length: int) -> str:
    text = _clean(value)
    if required and not text:
        errors[name] = f"Vui lòng nhập {label}."
    elif len(text) > max_length:
        errors[name] = f"{label.capitalize()} dài quá {max_length} ký tự."
    return text


def _comment(value, *, required_message: str | None = None, name: str = "comment") -> str:
    """A comment or reason, kept with its line breaks; required where the regulation asks for a reason."""
    text = "\n".join(_clean(line) for line in nfc(str(value or "")).splitlines()).strip()
    if required_message and not text:
        raise ValidationFailed(required_message, fields={name: required_message})
    if len(text) > 4000:
        raise ValidationFailed("Ý kiến dài quá 4000 ký tự.", fields={name: "Dài quá 4000 ký tự."})
    return text


def _to_id(value) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if 0 < n < 2**63 else None


def _official(actor) -> Official:
    official = official_for_user(actor)
    if official is None:
        raise PermissionDenied("Tài khoản chưa gắn với cán bộ nào.")
    return official


def _clean_data(*, agency: Agency, author: Official, data: DraftData, errors: dict) -> dict:
    """Validated field values of a draft, or per-field messages in `errors`."""
    today = timezone.localdate()
    values: dict = {}
    code = str(data.doc_type or "").strip()
    doc_type = document_type_at(code, today) if code else None
    if not code:
        errors["doc_type"] = "Vui lòng chọn loại văn bản."
    elif doc_type is None:
        errors["doc_type"] = f"Loại văn bản “{code[:30]}” không có trong danh mục."
    values["doc_type"] = doc_type
    values["subject"] = _text(data.subject, name="subject", label="trích yếu", errors=errors, required=True,
                              max_length=2000)
    values["signer"] = _text(data.signer, name="signer", label="người ký", errors=errors, max_length=100)
    values["signer_title"] = _text(data.signer_title, name="signer_title", label="chức vụ người ký", errors=errors,
                                   max_length=200)
    values["notes"] = _text(data.notes, name="notes", label="ghi chú", errors=errors, max_length=2000)
    for name, choices, label in (("urgency", Urgency, "độ khẩn"), ("secrecy", Secrecy, "độ mật")):
        value = getattr(data, name) or choices.NORMAL
        if value not in choices.values:
            errors[name] = f"{label.capitalize()} “{str(value)[:20]}” không hợp lệ."
            value = choices.NORMAL
        values[name] = value
    try:
        due = parse_vn_date(data.due_date, field="due_date")
    except ValidationFailed as exc:
        errors.update(exc.fields)
        due = None
    if due and due < today:
        errors["due_date"] = "Hạn trả lời không được trước hôm nay."
    values["due_date"] = due

    dept_id = data.drafting_department_id
    if dept_id in (None, ""):
        # The author's own unit, when they belong to exactly one in this agency.
        mine = set(Membership.objects.filter(official=author, agency=agency, active=True, department__isnull=False)
                   .values_list("department_id", flat=True))
        dept_id = mine.pop() if len(mine) == 1 else None
    dept = None
    if dept_id in (None, ""):
        errors["drafting_department_id"] = "Vui lòng chọn đơn vị soạn thảo."
    else:
        pk = _to_id(dept_id)
        dept = Department.objects.filter(pk=pk, agency=agency, active=True).first() if pk else None
        if dept is None:
            errors["drafting_department_id"] = "Đơn vị soạn thảo không thuộc cơ quan."
    values["drafting_department"] = dept

    raw_ids = [i for i in data.recipient_agency_ids or [] if str(i).strip()]
    ids = [_to_id(i) for i in raw_ids]
    agencies: list[Agency] = []
    if None in ids:
        errors["recipient_agency_ids"] = "Mã cơ quan nhận không hợp lệ."
    else:
        found = Agency.objects.in_bulk(set(ids))
        agencies = [found[i] for i in dict.fromkeys(ids) if i in found]
        if len(found) != len(set(ids)):
            errors["recipient_agency_ids"] = "Có cơ quan nhận không tồn tại."
        elif any(a.pk == agency.pk for a in agencies):
            errors["recipient_agency_ids"] = "Không gửi văn bản cho chính cơ quan ban hành."
        elif ended := [a.name for a in agencies if a.active_to and a.active_to < today]:
            errors["recipient_agency_ids"] = f"{ended[0]} đã ngừng hoạt động."
    values["recipient_agency_ids"] = [a.pk for a in agencies]
    names = [n for n in (_clean(x)[:300] for x in data.recipient_names or []) if n]
    if len(names) > 500:
        errors["recipient_names"] = "Nhiều quá 500 nơi nhận."
    values["recipient_names"] = list(dict.fromkeys(names))
    if not agencies and not names and "recipient_agency_ids" not in errors:
        errors["recipients"] = "Vui lòng nhập nơi nhận."
    return values


def metadata_snapshot(draft: Draft) -> dict:
    """The metadata of `draft` as one version keeps it: codes for machines and names for people, so a
    comparison reads the same after a unit or an agency is renamed."""
    agencies = Agency.objects.in_bulk(draft.recipient_agency_ids or [])
    return {
        "doc_type": draft.doc_type.code, "doc_type_name": draft.doc_type.name, "subject": draft.subject,
        "urgency": draft.urgency, "secrecy": draft.secrecy, "signer": draft.signer,
        "signer_title": draft.signer_title, "drafting_department_id": draft.drafting_department_id,
        "drafting_department": draft.drafting_department.name,
        "recipient_agency_ids": list(draft.recipient_agency_ids),
        "recipient_agencies": [agencies[i].name for i in draft.recipient_agency_ids if i in agencies],
        "recipient_names": list(draft.recipient_names),
        "due_date": draft.due_date.isoformat() if draft.due_date else None, "notes": draft.notes,
    }


def _journal(actor, draft: Draft, action: str, *, before: dict | None = None, after: dict | None = None):
    journal_record(actor=actor, agency_id=draft.agency_id, action=action, obj=draft, before=before, after=after)


def _event(draft: Draft, action: str, actor: Official, *, target: Official | None = None, comment: str = "",
           version_number: int | None = None) -> DraftEvent:
    return DraftEvent.objects.create(draft=draft, action=action, actor=actor, target=target, comment=comment,
                                     version_number=version_number)


def _url(draft: Draft) -> str:
    return reverse("drafting:detail", kwargs={"pk": draft.pk})


def _tell(recipients, draft: Draft, *, kind: str, title: str, body: str = "", event: DraftEvent) -> None:
    """Notify people about a step of `draft`, once per step (the event id makes the key)."""
    notify(recipients=[r for r in recipients if r is not None], agency_id=draft.agency_id, kind=kind,
           title=title, body=body, url=_url(draft), key=f"draft:{draft.pk}:{event.action}:{event.pk}",
           confidential=draft.secrecy != Secrecy.NORMAL)


def _locked(actor, draft: Draft) -> Draft:
    """The draft row, locked, if `actor` may see it; otherwise NotFound (nothing is revealed)."""
    locked = (visible_drafts(actor).select_for_update(of=("self",)).select_related("doc_type", "drafting_department")
              .filter(pk=draft.pk).first())
    if locked is None:
        raise NotFound("Không tìm thấy dự thảo hoặc bạn không có quyền xem.")
    return locked


def _in_state(draft: Draft, *allowed: str, message: str) -> None:
    if draft.status not in allowed:
        raise Conflict(f"{message} (dự thảo đang ở trạng thái “{draft.get_status_display()}”).",
                       code="wrong_state")


def draft_request_token(actor, token: str | None) -> str | None:
    """The stored form of a create form's one-time token, bound to the user."""
    if not token:
        return None
    return hashlib.sha256(f"draft:{actor.pk}:{token}".encode()).hexdigest()


# --- creating and revising ---------------------------------------------------------------------

def draft_create(*, actor, agency: Agency, data: DraftData, upload, note: str = "", reply_to_id: int | None = None,
                 request_token: str | None = None) -> Draft:
    """Start a draft with its first file (version 1), optionally as the reply to an incoming document.

    The author is the acting official; the drafting unit defaults to theirs. A reply to a document the
    author cannot see is NotFound; without recipients, a reply goes back to the document's issuer.
    A repeated `request_token` returns the draft the first request created.
    """
    author = _official(actor)
    if not can_draft(actor, agency.pk):
        raise PermissionDenied("Bạn không có quyền soạn thảo văn bản của cơ quan này.")
    token = draft_request_token(actor, request_token)
    if token and (existing := Draft.objects.filter(request_token=token).first()) is not None:
        return existing
    reply_to = None
    if reply_to_id not in (None, ""):
        pk = _to_id(reply_to_id)
        reply_to = (visible_documents(actor).filter(pk=pk, agency=agency, direction=Direction.INCOMING).first()
                    if pk else None)
        if reply_to is None:
            raise NotFound("Không tìm thấy văn bản đến cần trả lời hoặc bạn không có quyền xem.")
        if not data.recipient_agency_ids and not data.recipient_names:
            # A reply goes back to whoever sent the document.
            if reply_to.issuer_agency_id and reply_to.issuer_agency_id != agency.pk:
                data = dataclasses.replace(data, recipient_agency_ids=[reply_to.issuer_agency_id])
            else:
                data = dataclasses.replace(data, recipient_names=[reply_to.issuer])
    errors: dict[str, str] = {}
    values = _clean_data(agency=agency, author=author, data=data, errors=errors)
    note = _text(note, name="note", label="ghi chú phiên bản", errors=errors, max_length=2000)
    if upload is None:
        errors["file"] = "Vui lòng chọn tệp dự thảo."
    if errors:
        raise ValidationFailed("Thông tin dự thảo chưa hợp lệ.", fields=errors)
    prepared = storage.prepare(upload)
    try:
        with transaction.atomic(), storage.storing(prepared) as stored:
            draft = Draft.objects.create(agency=agency, author=author, reply_to=reply_to, request_token=token,
                                         version_count=1, **values)
            version = DraftVersion.objects.create(draft=draft, number=1, file=stored, author=author, note=note,
                                                  original_name=prepared.original_name[:255],
                                                  metadata=metadata_snapshot(draft))
            _event(draft, DraftEvent.Action.CREATE, author, comment=note, version_number=1)
            _journal(actor, draft, "draft.create", after=version.metadata | {
                "version": 1, "file_sha256": stored.sha256, "reply_to_id": reply_to.pk if reply_to else None})
            return draft
    except IntegrityError:
        if token and (existing := Draft.objects.filter(request_token=token).first()) is not None:
            return existing  # a double submit won the race
        raise
    finally:
        storage.discard(prepared)


def draft_revise(*, actor, draft: Draft, data: DraftData, upload=None, note: str = "") -> DraftVersion:
    """Record a new version: a new file and/or changed metadata, while the draft is with its author.

    Without a new file the previous version's file is kept. A revision that changes nothing is refused.
    """
    author = _official(actor)
    prepared = None
    try:
        with transaction.atomic():
            locked = _locked(actor, draft)
            if locked.author_id != author.pk:
                raise PermissionDenied("Chỉ người soạn được cập nhật dự thảo.")
            _in_state(locked, *EDITABLE_STATUSES, message="Chỉ cập nhật được dự thảo đang soạn hoặc bị trả lại")
            errors: dict[str, str] = {}
            values = _clean_data(agency=locked.agency, author=author, data=data, errors=errors)
            note = _text(note, name="note", label="ghi chú phiên bản", errors=errors, max_length=2000)
            if errors:
                raise ValidationFailed("Thông tin dự thảo chưa hợp lệ.", fields=errors)
            previous = locked.versions.order_by("-number").select_related("file").first()
            if upload is not None:
                prepared = storage.prepare(upload)
            before = metadata_snapshot(locked)
            for key, value in values.items():
                setattr(locked, key, value)
            after = metadata_snapshot(locked)
            if after == before and (prepared is None or prepared.sha256 == previous.file.sha256):
                raise ValidationFailed("Không có gì thay đổi so với phiên bản trước.",
                                       fields={"file": "Chọn tệp mới hoặc sửa thông tin dự thảo."})
            with storage.storing(prepared) as stored:
                number = locked.version_count + 1
                version = DraftVersion.objects.create(
                    draft=locked, number=number, file=stored or previous.file, author=author, note=note,
                    original_name=(prepared.original_name if prepared else previous.original_name)[:255],
                    metadata=after)
                locked.version_count = number
                locked.save()
            _event(locked, DraftEvent.Action.REVISE, author, comment=note, version_number=number)
            _journal(actor, locked, "draft.revise",
                     before={k: v for k, v in before.items() if after[k] != v},
                     after={k: v for k, v in after.items() if before[k] != v}
                     | {"version": number, "file_sha256": version.file.sha256})
            return version
    finally:
        if prepared is not None:
            storage.discard(prepared)


# --- review and approval -----------------------------------------------------------------------

def _leader_of(agency_id: int, official_id, *, field_name: str, label: str) -> Official:
    pk = _to_id(official_id)
    found = agency_leaders(agency_id).filter(pk=pk).first() if pk else None
    if found is None:
        message = f"{label.capitalize()} phải là lãnh đạo đang công tác tại cơ quan."
        raise ValidationFailed(message, fields={field_name: message})
    return found


def draft_submit_for_review(*, actor, draft: Draft, reviewer_id: int | None = None, comment: str = "") -> Draft:
    """Send the draft to the unit head for initials (ký nháy).

    The reviewer is the one chosen (a leader of the agency other than the author) or, by default, the
    leader of the drafting unit. Only the author submits, and only a draft in their hands.
    """
    author = _official(actor)
    comment = _comment(comment)
    with transaction.atomic():
        locked = _locked(actor, draft)
        if locked.author_id != author.pk:
            raise PermissionDenied("Chỉ người soạn được trình dự thảo.")
        _in_state(locked, *EDITABLE_STATUSES, message="Dự thảo đã được trình")
        if reviewer_id in (None, ""):
            reviewer = default_reviewer(locked)
            if reviewer is None:
                message = f"{locked.drafting_department.name} chưa có lãnh đạo; vui lòng chọn người ký nháy."
                raise ValidationFailed(message, fields={"reviewer_id": message})
        else:
            pk = _to_id(reviewer_id)
            reviewer = (reviewers(locked.agency_id, locked.drafting_department_id).filter(pk=pk).first()
                        if pk else None)
            if reviewer is None:
                message = "Người ký nháy phải là lãnh đạo cơ quan hoặc lãnh đạo đơn vị soạn thảo."
                raise ValidationFailed(message, fields={"reviewer_id": message})
        if reviewer.pk == author.pk:
            raise ValidationFailed("Không tự ký nháy dự thảo của mình; chọn lãnh đạo khác.",
                                   fields={"reviewer_id": "Chọn lãnh đạo khác người soạn."})
        before = _state(locked)
        locked.status, locked.reviewer, locked.approver = DraftStatus.IN_REVIEW, reviewer, None
        locked.approved_at = locked.format_checked_at = None
        locked.format_checked_by = None
        locked.save()
        event = _event(locked, DraftEvent.Action.SUBMIT, author, target=reviewer, comment=comment,
                       version_number=locked.version_count)
        _journal(actor, locked, "draft.submit", before=before, after=_state(locked) | {"comment": comment})
        _tell([reviewer], locked, kind="drafting.review", event=event,
              title=f"Dự thảo chờ ký nháy: {locked.subject[:200]}", body=f"{author.full_name} trình ký nháy.")
        return locked


def _state(draft: Draft) -> dict:
    return {"status": draft.status, "reviewer_id": draft.reviewer_id, "approver_id": draft.approver_id}


def draft_review(*, actor, draft: Draft, forward: bool, approver_id: int | None = None, comment: str = "") -> Draft:
    """The unit head's initials (ký nháy): forward to a leader for approval, or return to the author with
    comments (required). Only the reviewer the draft was sent to acts."""
    me = _official(actor)
    comment = _comment(comment, required_message=None if forward else "Vui lòng ghi ý kiến khi trả lại dự thảo.")
    with transaction.atomic():
        locked = _locked(actor, draft)
        if locked.reviewer_id != me.pk:
            raise PermissionDenied("Chỉ người được trình ký nháy được xử lý dự thảo này.")
        _in_state(locked, DraftStatus.IN_REVIEW, message="Dự thảo không chờ ký nháy")
        before = _state(locked)
        if forward:
            if approver_id in (None, ""):
                raise ValidationFailed("Vui lòng chọn lãnh đạo ký duyệt.",
                                       fields={"approver_id": "Vui lòng chọn lãnh đạo ký duyệt."})
            approver = _leader_of(locked.agency_id, approver_id, field_name="approver_id", label="người ký duyệt")
            locked.status, locked.approver = DraftStatus.REVIEWED, approver
            locked.save()
            event = _event(locked, DraftEvent.Action.FORWARD, me, target=approver, comment=comment,
                           version_number=locked.version_count)
            _journal(actor, locked, "draft.review_forward", before=before, after=_state(locked) | {"comment": comment})
            _tell([approver], locked, kind="drafting.approve", event=event,
                  title=f"Dự thảo chờ ký duyệt: {locked.subject[:200]}", body=f"{me.full_name} đã ký nháy.")
        else:
            locked.status = DraftStatus.RETURNED
            locked.save()
            event = _event(locked, DraftEvent.Action.REVIEW_RETURN, me, target=locked.author, comment=comment,
                           version_number=locked.version_count)
            _journal(actor, locked, "draft.review_return", before=before, after=_state(locked) | {"comment": comment})
            _tell([locked.author], locked, kind="drafting.returned", event=event,
                  title=f"Dự thảo bị trả lại: {locked.subject[:200]}", body=f"{me.full_name}: {comment}")
        return locked


def draft_approve(*, actor, draft: Draft, comment: str = "") -> Draft:
    """The leader's approval (ký duyệt). Committed on its own: a failure while numbering later leaves the
    draft approved and unnumbered. Approving one's own draft is refused unless the agency allows it.

    When the leader has a personal key (<pki dir>/<username>.p12) and the final version is a PDF, the approval
    signs it: the signed copy becomes a new version (the approved one is kept). No key: approved unsigned,
    the timeline says so.

    The signer defaults to the approving leader when the draft does not name one."""
    me = _official(actor)
    comment = _comment(comment)
    signed: list[StoredFile] = []
    try:
        return _approve(actor, draft, me, comment, signed)
    except BaseException:
        _forget_unlinked(signed)
        raise


def _approve(actor, draft: Draft, me: Official, comment: str, signed: list[StoredFile]) -> Draft:
    with transaction.atomic():
        locked = _locked(actor, draft)
        if locked.approver_id != me.pk:
            raise PermissionDenied("Chỉ lãnh đạo được trình ký duyệt được duyệt dự thảo này.")
        _in_state(locked, DraftStatus.REVIEWED, message="Dự thảo không chờ ký duyệt")
        if locked.author_id == me.pk and not self_approval_allowed(locked.agency_id):
            raise PermissionDenied("Cơ quan không cho phép tự ký duyệt dự thảo do mình soạn.",
                                   code="self_approval_forbidden")
        before = _state(locked) | {"signer": locked.signer, "signer_title": locked.signer_title}
        locked.status, locked.approved_at = DraftStatus.APPROVED, timezone.now()
        if not locked.signer:
            locked.signer = me.full_name[:100]
            if not locked.signer_title:
                position = (Membership.objects.filter(official=me, agency_id=locked.agency_id, active=True,
                                                      position__isnull=False)
                            .select_related("position").order_by("-position__is_leader").first())
                locked.signer_title = position.position.name.upper()[:200] if position else ""
        version, note = _sign_at_approval(actor, locked, me, signed)
        locked.save()
        event = _event(locked, DraftEvent.Action.APPROVE, me, comment=_with_note(comment, note), version_number=version)
        _journal(actor, locked, "draft.approve", before=before,
                 after=_state(locked) | {"signer": locked.signer, "signer_title": locked.signer_title,
                                         "comment": comment, "signed_version": version if signed else None})
        _tell([locked.author], locked, kind="drafting.approved", event=event,
              title=f"Dự thảo đã được ký duyệt: {locked.subject[:200]}", body=f"{me.full_name} đã ký duyệt.")
        _tell(agency_clerks(locked.agency_id), locked, kind="drafting.to_issue", event=event,
              title=f"Dự thảo chờ kiểm tra thể thức và cấp số: {locked.subject[:200]}",
              body=f"{me.full_name} đã ký duyệt.")
        return locked


def draft_return(*, actor, draft: Draft, reason: str) -> Draft:
    """The leader returns the draft to its author instead of approving it; the reason is required."""
    me = _official(actor)
    reason = _comment(reason, required_message="Vui lòng ghi lý do trả lại dự thảo.", name="reason")
    with transaction.atomic():
        locked = _locked(actor, draft)
        if locked.approver_id != me.pk:
            raise PermissionDenied("Chỉ lãnh đạo được trình ký duyệt được trả lại dự thảo này.")
        _in_state(locked, DraftStatus.REVIEWED, message="Dự thảo không chờ ký duyệt")
        before = _state(locked)
        locked.status = DraftStatus.RETURNED
        locked.save()
        event = _event(locked, DraftEvent.Action.APPROVE_RETURN, me, target=locked.author, comment=reason,
                       version_number=locked.version_count)
        _journal(actor, locked, "draft.approve_return", before=before, after=_state(locked) | {"reason": reason})
        _tell([locked.author], locked, kind="drafting.returned", event=event,
              title=f"Dự thảo bị trả lại: {locked.subject[:200]}", body=f"{me.full_name}: {reason}")
        return locked


# --- the clerk: format check and issuing -------------------------------------------------------

def draft_check_format(*, actor, draft: Draft, ok: bool, comment: str = "") -> Draft:
    """The clerk checks the format (thể thức) of an approved draft: ok, or back to the author with a
    comment (required), who then revises and submits it again. Checking ok twice changes nothing."""
    me = _official(actor)
    comment = _comment(comment, required_message=None if ok else "Vui lòng ghi lỗi thể thức cần sửa.")
    with transaction.atomic():
        locked = _locked(actor, draft)
        if not can_register(actor, locked.agency_id):
            raise PermissionDenied("Chỉ văn thư của cơ quan được kiểm tra thể thức.")
        _in_state(locked, DraftStatus.APPROVED, message="Chỉ kiểm tra thể thức dự thảo đã được ký duyệt")
        if ok and locked.format_checked_at is not None:
            return locked
        before = _state(locked) | {"format_checked_by_id": locked.format_checked_by_id}
        if ok:
            locked.format_checked_by, locked.format_checked_at = me, timezone.now()
            locked.save()
            _event(locked, DraftEvent.Action.FORMAT_OK, me, comment=comment, version_number=locked.version_count)
            _journal(actor, locked, "draft.format_ok", before=before,
                     after=_state(locked) | {"format_checked_by_id": me.pk, "comment": comment})
        else:
            locked.status, locked.approved_at = DraftStatus.RETURNED, None
            locked.format_checked_by = locked.format_checked_at = None
            locked.save()
            event = _event(locked, DraftEvent.Action.FORMAT_RETURN, me, target=locked.author, comment=comment,
                           version_number=locked.version_count)
            _journal(actor, locked, "draft.format_return", before=before,
                     after=_state(locked) | {"format_checked_by_id": None, "comment": comment})
            _tell([locked.author], locked, kind="drafting.returned", event=event,
                  title=f"Dự thảo cần sửa thể thức: {locked.subject[:200]}", body=f"{me.full_name}: {comment}")
        return locked


def draft_issue(*, actor, draft: Draft) -> Document:
    """Number an approved, format-checked draft from the outgoing register and record it as an outgoing
    document whose file is the final version's. Returns that document.

    When the agency has a key (PKCS#11 token or <pki dir>/agency.p12), the document's PDFs are signed in the
    same transaction once the number is known (ADR 0014 "Signing at approval and issue"): the main file gets
    the agency signature over the personal one, other PDFs the attachment signature with the number and
    time; the document then links to the signed copies (new StoredFiles; the draft's versions are untouched).
    Without a key, or for a Word draft, it is issued unsigned and the timeline says so.

    One transaction with the draft row locked: the number, the document, the link on the draft and the
    journal commit together or not at all. A second call (a double click, a retry after a crash) finds
    the link and returns the same document: a draft is never numbered twice, and a failed attempt gives
    its number back, so the register has no gap.
    """
    me = _official(actor)
    signed: list[StoredFile] = []
    try:
        return _issue(actor, draft, me, signed)
    except BaseException:
        _forget_unlinked(signed)  # a crash after signing: the signed copies go with the rolled-back rows
        raise


def _issue(actor, draft: Draft, me: Official, signed: list[StoredFile]) -> Document:
    with transaction.atomic():
        locked = _locked(actor, draft)
        if not can_register(actor, locked.agency_id):
            raise PermissionDenied("Chỉ văn thư của cơ quan được cấp số văn bản đi.")
        if locked.document_id is not None:
            return locked.document
        _in_state(locked, DraftStatus.APPROVED, message="Chỉ cấp số dự thảo đã được ký duyệt")
        if locked.format_checked_at is None:
            raise Conflict("Văn thư cần kiểm tra thể thức trước khi cấp số.", code="format_not_checked")
        final = locked.versions.order_by("-number").select_related("file").first()
        people = [p for p in (locked.author_id, locked.reviewer_id, locked.approver_id) if p]
        data = OutgoingData(
            doc_type=locked.doc_type.code, subject=locked.subject, signer=locked.signer,
            signer_title=locked.signer_title, issued_date=timezone.localdate(), urgency=locked.urgency,
            secrecy=locked.secrecy, due_date=locked.due_date, drafting_department_id=locked.drafting_department_id,
            recipient_agency_ids=list(locked.recipient_agency_ids), recipient_names=list(locked.recipient_names),
            notes=locked.notes,
            # A secret document is seen only by those named on it: the people who drafted and signed it.
            access_official_ids=[p for p in people if _still_member(p, locked.agency_id)] if locked.is_secret else [],
        )
        document = outgoing_register(actor=actor, agency=locked.agency, data=data,
                                     stored_files=[(final.file, final.original_name)],
                                     request_token=f"draft-issue:{locked.pk}")
        note = _sign_at_issue(actor, document, signed)
        locked.document, locked.status, locked.issued_at = document, DraftStatus.ISSUED, timezone.now()
        locked.save()
        event = _event(locked, DraftEvent.Action.ISSUE, me, version_number=final.number,
                       comment=f"Số, ký hiệu: {document.number_notation}. {note}")
        _journal(actor, locked, "draft.issue", before={"status": DraftStatus.APPROVED},
                 after={"status": locked.status, "document_id": document.pk, "version": final.number,
                        "number_notation": document.number_notation, "signed_files": [f.sha256 for f in signed]})
        if locked.reply_to_id:
            # The reply is the author's work on the incoming document: their lead assignment on it is
            # submitted for the leader's acceptance (and the reply goes on its processing timeline).
            document_replied(actor=locked.author.user, incoming_document=locked.reply_to, reply_document=document)
        _tell([locked.author], locked, kind="drafting.issued", event=event,
              title=f"Văn bản {document.number_notation} đã được cấp số, ban hành",
              body=locked.subject[:500])
        return document



# --- digital signatures at approval and issue (ADR 0014) ----------------------------------------

def _has_key(kind: str, user=None) -> bool:
    """Whether the deployment has a key to sign with (a missing key is not an error: nothing is signed)."""
    if kind == "personal":
        username = getattr(user, "username", "") or ""
        return bool(username) and (pki_dir() / f"{username}.p12").is_file()
    return bool(pkcs11_settings()) or (pki_dir() / "agency.p12").is_file()


def _with_note(comment: str, note: str) -> str:
    return f"{comment} ({note})" if comment and note else comment or note


def _forget_unlinked(files: list[StoredFile]) -> None:
    """After a rollback: delete the bytes of signed files whose row did not survive (nothing points to them)."""
    from pathlib import Path

    from django.conf import settings

    for row in files:
        if not StoredFile.objects.filter(sha256=row.sha256).exists():
            (Path(settings.MEDIA_ROOT) / file_store.storage_relpath(row.sha256)).unlink(missing_ok=True)


def _sign_at_approval(actor, draft: Draft, me: Official, signed: list[StoredFile]) -> tuple[int, str]:
    """Sign the approved version with the approver's personal key, as a new version (the signed file is a new
    StoredFile; the version approved stays as it was). Returns (version number now final, timeline note)."""
    final = draft.versions.order_by("-number").select_related("file").first()
    if final.file.content_type != PDF:
        return final.number, "Chưa ký số: chỉ ký số được tệp PDF, dự thảo này là tệp Word."
    if not _has_key("personal", actor):
        return final.number, f"Chưa ký số: tài khoản {actor.username} chưa có chứng thư số cá nhân."
    row = stored_file_sign(actor=actor, stored_file=final.file, kind="personal", agency_id=draft.agency_id)
    signed.append(row)
    draft.version_count = final.number + 1
    DraftVersion.objects.create(draft=draft, number=draft.version_count, file=row, original_name=final.original_name,
                                metadata=final.metadata, author=me,
                                note=f"Bản phiên bản {final.number} đã ký số cá nhân của {me.full_name}.")
    return draft.version_count, f"Đã ký số cá nhân vào phiên bản {draft.version_count}."


def _carries_signature(stored: StoredFile) -> bool:
    """Whether a stored PDF already holds a signed signature field (ours, or one made by another tool)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with file_store.open_stored(stored) as fh:
            fields = PdfReader(fh).get_fields() or {}
            return any(f.get("/FT") == "/Sig" and f.get("/V") is not None for f in fields.values())
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        return False


def _sign_at_issue(actor, document: Document, signed: list[StoredFile]) -> str:
    """Sign the issued document's files with the agency key, in the issuing transaction once the number is
    known: the main file (position 0) with the seal over the personal signature, the others as attachments
    (number and time at the top right). Each attachment then points to the signed copy. Returns a note.

    The agency signature goes with the competent person's (Decree 30 Art. 5): a main PDF without a personal
    signature is issued unsigned, never sealed alone."""
    attachments = list(Attachment.objects.filter(document=document).select_related("file").order_by("position"))
    if not attachments or attachments[0].file.content_type != PDF:
        return "Ban hành không ký số: chỉ ký số được tệp PDF, dự thảo này là tệp Word."
    if not _has_key("agency"):
        return "Ban hành không ký số: chưa cấu hình chứng thư số của cơ quan."
    if not _carries_signature(attachments[0].file):
        return "Ban hành không ký số của cơ quan: bản cuối chưa có chữ ký số cá nhân của người ký."
    for a in attachments:
        if a.file.content_type != PDF:
            continue
        row = stored_file_sign(actor=actor, stored_file=a.file, kind="agency" if a.position == 0 else "attachment",
                               agency_id=document.agency_id, number=document.number_notation)
        signed.append(row)
        a.file = row
        a.save(update_fields=["file"])
    return "Đã ký số của cơ quan."


def _still_member(official_id: int, agency_id: int) -> bool:
    return Membership.objects.filter(official_id=official_id, agency_id=agency_id, active=True).exists()


# --- the agency's rule -------------------------------------------------------------------------

def drafting_policy_set(*, actor, agency: Agency, allow_self_approval: bool) -> DraftingPolicy:
    """The agency admin decides whether a leader may approve a draft they wrote themselves."""
    if not can_manage_agency(actor, agency.pk):
        raise PermissionDenied("Chỉ quản trị cơ quan được đổi quy định soạn thảo.")
    with transaction.atomic():
        policy, _ = DraftingPolicy.objects.select_for_update().get_or_create(agency=agency)
        if policy.allow_self_approval == bool(allow_self_approval):
            return policy
        before = {"allow_self_approval": policy.allow_self_approval}
        policy.allow_self_approval = bool(allow_self_approval)
        policy.save()
        journal_record(actor=actor, agency_id=agency.pk, action="drafting.policy", obj=policy, before=before,
                       after={"allow_self_approval": policy.allow_self_approval})
        return policy


def version_file(*, actor, draft: Draft, number: int) -> tuple[DraftVersion, StoredFile]:
    """One version of a visible draft with its stored file, for download."""
    if not visible_drafts(actor).filter(pk=draft.pk).exists():
        raise NotFound("Không tìm thấy dự thảo hoặc bạn không có quyền xem.")
    version = draft.versions.select_related("file").filter(number=number).first()
    if version is None:
        raise NotFound("Không tìm thấy phiên bản dự thảo.")
    if draft.is_secret:
        with transaction.atomic():
            journal_record(actor=actor, agency_id=draft.agency_id, action="draft.download", obj=draft,
                           after={"version": number})
    return version, version.file
