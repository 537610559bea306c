"""Reads of the registry, always through `visible_documents`: the one place that decides who sees what."""

from django.db.models import Q, QuerySet

from congvu.core.errors import NotFound
from congvu.documents.models import Document, DocumentAccess, Secrecy
from congvu.org.models import Role
from congvu.org.selectors import FULL_VIEW_ROLES, official_for_user, user_access


def visible_documents(user) -> QuerySet[Document]:
    """Documents `user` may see.

    - clerks, leaders and agency admins: every non-secret document of their agencies;
    - officers: non-secret documents addressed to them or their department, or that they registered;
    - one-stop staff: none through this role (their work is dossiers);
    - secret documents (Mật and above): only the officials named on them, whatever their role.
    """
    official = official_for_user(user)
    if official is None:
        return Document.objects.none()
    access = user_access(user)
    full = [a for a, acc in access.items() if acc.roles & FULL_VIEW_ROLES]
    officer = [a for a, acc in access.items() if Role.OFFICER in acc.roles and a not in full]
    # Being named on a secret document counts only while the official holds a position in its agency.
    cond = Q(pk__in=DocumentAccess.objects.filter(official=official).values("document_id"))
    if full:
        cond |= Q(agency_id__in=full, secrecy=Secrecy.NORMAL)
    for agency_id in officer:
        mine = Q(receiving_official=official) | Q(created_by=user)
        depts = access[agency_id].department_ids
        if depts:
            mine |= Q(receiving_department_id__in=depts)
        cond |= Q(agency_id=agency_id, secrecy=Secrecy.NORMAL) & mine
    # Every visible document belongs to one of the user's agencies: saying so first lets the planner walk
    # the agency index in id order instead of merging the alternatives and sorting them.
    return Document.objects.filter(agency_id__in=sorted(access)).filter(cond)


def document_get(*, user, pk: int) -> Document:
    """One document if `user` may see it; otherwise NotFound (we do not reveal that it exists)."""
    doc = (
        visible_documents(user)
        .select_related("doc_type", "register", "agency", "receiving_department", "receiving_official",
                        "drafting_department", "created_by")
        .filter(pk=pk)
        .first()
    )
    if doc is None:
        raise NotFound("Không tìm thấy văn bản hoặc bạn không có quyền xem.")
    return doc


# --- lists -------------------------------------------------------------------------------------

from dataclasses import dataclass  # noqa: E402

from django.utils import timezone  # noqa: E402

from congvu.core.folding import fold_for_index  # noqa: E402
from congvu.documents.models import URGENT_LEVELS  # noqa: E402


@dataclass
class Page:
    """One page of a keyset-paginated list: fetching page 10,000 costs what page 1 costs."""

    items: list
    next_after: int | None  # pass as `after` to get the next (older) page
    prev_before: int | None  # pass as `before` to get the previous (newer) page


def keyset_page(qs: QuerySet, *, after: int | None = None, before: int | None = None, limit: int = 50) -> Page:
    """Newest first by id. `after`=id of the last row seen, `before`=id of the first row seen."""
    limit = max(1, min(int(limit), 200))
    if before is not None:
        rows = list(qs.filter(pk__gt=before).order_by("pk")[: limit + 1])
        has_more_newer = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        return Page(rows, rows[-1].pk if rows else None, rows[0].pk if rows and has_more_newer else None)
    if after is not None:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.order_by("-pk")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].pk if has_more and rows else None, rows[0].pk if after is not None and rows else None)


def agency_documents(*, user, agency_id: int, direction: str | None = None) -> QuerySet[Document]:
    """Visible documents of one agency (the one the user is working in), optionally one direction."""
    qs = visible_documents(user).filter(agency_id=agency_id)
    if direction:
        qs = qs.filter(direction=direction)
    return qs


# Until processing records when a document is handled, an urgent document without a due date counts as
# open for this many days after it arrived.
URGENT_UNDATED_OPEN_DAYS = 7


def _day_start(day):
    return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))


def _urgent_open(qs: QuerySet, today) -> QuerySet:
    """Urgent incoming documents still open: due today or later, or undated and recent. Both halves
    are index ranges (doc_due_idx, doc_arrival_idx), so the home page does not read two years of rows."""
    recent = _day_start(today - timezone.timedelta(days=URGENT_UNDATED_OPEN_DAYS))
    return qs.filter(direction="in", urgency__in=URGENT_LEVELS).filter(
        Q(due_date__gte=today) | Q(due_date__isnull=True, registered_at__gte=recent)
    )


def home_counts(*, user, agency_id: int) -> dict:
    """Today's figures for the home page."""
    today = timezone.localdate()
    start = _day_start(today)
    qs = agency_documents(user=user, agency_id=agency_id)
    return {
        "incoming_today": qs.filter(direction="in", registered_at__gte=start).count(),
        "outgoing_today": qs.filter(direction="out", registered_at__gte=start).count(),
        "urgent_open": _urgent_open(qs, today).count(),  # the same documents as `urgent_documents`
        "due_today": qs.filter(direction="in", due_date=today).count(),
    }


def urgent_documents(*, user, agency_id: int, limit: int = 10) -> list[Document]:
    today = timezone.localdate()
    return list(
        _urgent_open(agency_documents(user=user, agency_id=agency_id), today)
        .select_related("doc_type")
        .order_by("-pk")[:limit]
    )


SUGGESTION_WINDOW = 5000  # issuers recur: the agency's latest incoming documents are enough to suggest from


def issuer_suggestions(*, user, agency_id: int, prefix: str, limit: int = 10) -> list[str]:
    """Issuers of earlier documents whose folded name contains the folded prefix, most used first."""
    from django.db.models import Count

    folded = fold_for_index(prefix)
    if not folded:
        return []
    recent = agency_documents(user=user, agency_id=agency_id, direction="in")
    oldest = recent.order_by("-pk").values_list("pk", flat=True)[SUGGESTION_WINDOW - 1: SUGGESTION_WINDOW]
    if oldest:
        recent = recent.filter(pk__gte=oldest[0])
    rows = (
        recent
        .filter(issuer_folded__contains=folded)
        .values("issuer")
        .annotate(n=Count("id"))
        .order_by("-n", "issuer")[:limit]
    )
    return [r["issuer"] for r in rows]


# --- printing a register (Decree 30/2020 Annex IV) -----------------------------------------------

import datetime as dt  # noqa: E402

from congvu.core.dates import parse_vn_date  # noqa: E402
from congvu.core.errors import PermissionDenied, ValidationFailed  # noqa: E402
from congvu.documents.models import Direction, Register  # noqa: E402


@dataclass
class RegisterPrint:
    """One register between two dates, as printed and bound: its rows in number order and the cover's ranges."""

    register: Register
    date_from: dt.date
    date_to: dt.date
    documents: list[Document]
    first_number: int | None
    last_number: int | None


def _named_register_ids(user, agency_ids) -> list[int]:
    """Secret registers holding a document `user` is named on, in those agencies.

    One EXISTS per secret register (an agency has one a year): it stops at the first access row, where a
    join over all of the user's access rows would read thousands for a busy clerk.
    """
    official = official_for_user(user)
    secret = Register.objects.filter(agency_id__in=list(agency_ids), scope=Register.Scope.SECRET)
    return [pk for pk in secret.values_list("pk", flat=True)
            if DocumentAccess.objects.filter(official=official, document__register_id=pk).exists()]


def printable_registers(*, user, agency_id: int, direction: str | None = None) -> list[Register]:
    """The registers of an agency that `user` may print: clerks, leaders and agency admins print the
    agency's visible registers (`visible_registers`); a secret register only once the user is named on
    one of its documents, since a printout holds only those rows (an agency admin named on none has
    nothing to print)."""
    access = user_access(user).get(agency_id)
    if access is None or not access.roles & FULL_VIEW_ROLES:
        return []
    # Named on = a DocumentAccess row (the user holds an active position here, checked above); asked of
    # that small table rather than of every document of the agency.
    secret_seen = _named_register_ids(user, [agency_id])
    qs = visible_registers(user=user, agency_id=agency_id).filter(
        ~Q(scope=Register.Scope.SECRET) | Q(pk__in=secret_seen))
    if direction:
        qs = qs.filter(direction=direction)
    return list(qs.order_by("-year", "direction", "scope", "doc_type_code"))


def register_print(*, user, register_id: int, date_from=None, date_to=None) -> RegisterPrint:
    """The rows of one register that `user` may see, numbered between two dates (dd/mm/yyyy; by default
    the register's whole year up to today), ordered by number.

    Incoming rows are chosen by arrival date, outgoing rows by their date of issue. Raises NotFound for
    a register the user cannot see (another agency's, or a secret one they are named on nothing in),
    PermissionDenied for roles that do not keep registers, ValidationFailed for bad dates.
    """
    register = Register.objects.select_related("agency", "agency__parent").filter(pk=register_id).first()
    access = user_access(user).get(register.agency_id) if register is not None else None
    if access is None:
        raise NotFound("Không tìm thấy sổ văn bản.")
    if not access.roles & FULL_VIEW_ROLES:
        raise PermissionDenied("Chỉ văn thư, lãnh đạo và quản trị cơ quan được in sổ văn bản.")
    rows = visible_documents(user).filter(register=register)
    if register.scope == Register.Scope.SECRET and not rows.exists():
        raise NotFound("Không tìm thấy sổ văn bản.")

    errors: dict[str, str] = {}
    year_start, year_end = dt.date(register.year, 1, 1), dt.date(register.year, 12, 31)
    parsed = {}
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        try:
            parsed[name] = parse_vn_date(value, field=name)
        except ValidationFailed as exc:
            errors.update(exc.fields)
            continue
        if parsed[name] and not year_start <= parsed[name] <= year_end:
            errors[name] = f"Ngày phải thuộc năm {register.year} của sổ."
    if errors:
        raise ValidationFailed("Khoảng ngày in sổ chưa hợp lệ.", fields=errors)
    start = parsed["date_from"] or year_start
    end = parsed["date_to"] or min(year_end, max(year_start, timezone.localdate()))
    if end < start:
        raise ValidationFailed("Khoảng ngày in sổ chưa hợp lệ.",
                               fields={"date_to": "“Đến ngày” không được trước “Từ ngày”."})

    if register.direction == Direction.INCOMING:
        tz = timezone.get_current_timezone()
        rows = rows.filter(registered_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
                           registered_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    else:
        rows = rows.filter(issued_date__gte=start, issued_date__lte=end).prefetch_related("recipients")
    documents = list(rows.select_related("doc_type", "receiving_department", "receiving_official",
                                         "drafting_department").order_by("register_number"))
    return RegisterPrint(register=register, date_from=start, date_to=end, documents=documents,
                         first_number=documents[0].register_number if documents else None,
                         last_number=documents[-1].register_number if documents else None)


# --- registers listed to users -------------------------------------------------------------------

def visible_registers(*, user, agency_id: int | None = None) -> QuerySet[Register]:
    """The registers `user` may see listed (filters, forms, API), counters included; optionally one agency's.

    - every ordinary register of the agencies where the user holds an active position;
    - a secret register ("Sổ văn bản mật") only to the agency admin of its agency and to officials
      named on at least one of its documents: its name and next number tell how many secret
      documents the agency holds.
    """
    access = user_access(user)
    agencies = [a for a in access if agency_id is None or a == agency_id]
    if not agencies:
        return Register.objects.none()
    cond = ~Q(scope=Register.Scope.SECRET) | Q(pk__in=_named_register_ids(user, agencies))
    admin_of = [a for a in agencies if Role.AGENCY_ADMIN in access[a].roles]
    if admin_of:
        cond |= Q(agency_id__in=admin_of)
    return Register.objects.filter(agency_id__in=agencies).filter(cond)
