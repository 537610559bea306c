"""Full-text search over the registry: one search box over the subject, every metadata field and the
text of the attachments.

Both engines index the same folded text (congvu.core.folding) and receive a query built from the same
folded words, so they return the same documents:
- SQLite: an FTS5 index over `SearchEntry.body` (migration 0003 creates it and its triggers);
- PostgreSQL: a generated `to_tsvector('simple', body)` column on `SearchEntry` with a GIN index.
Why it is built this way, and how a search combines with the visibility rule: docs/decisions/0002-search.md.

Query language: words are ANDed; "words in quotes" (or joined by punctuation, as in 12/QĐ-UBND) must
appear consecutively and in order; a trailing * makes the last word a prefix ("kế hoạ*"). Anything else
the user types is only text: it can never reach the engine as syntax.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from congvu.core.dates import parse_vn_date
from congvu.core.errors import ValidationFailed
from congvu.core.folding import fold_for_index, fold_words
from congvu.documents.models import (
    Attachment,
    Direction,
    Document,
    DocumentStatus,
    DocumentType,
    Recipient,
    SearchEntry,
    Urgency,
)
from congvu.documents.selectors import Page, keyset_page, visible_documents
from congvu.org.selectors import user_access

# PostgreSQL clamps tsvector positions at 16,383: past that, phrases would match differently on the two
# engines, so both index the same first words. 16,000 words is about 40 pages of attachment text.
MAX_INDEXED_WORDS = 16_000
MAX_QUERY_CHARS = 1_000
MAX_TERMS = 20
MIN_PREFIX_CHARS = 2  # "a*" would expand to most of the vocabulary
TYPE_CODE_RE = re.compile(r"[a-z0-9_]{1,30}")  # the shape of DocumentType.code
LIST_RELATED = ("doc_type", "register", "agency")  # what result lists show beside the document

# --- indexing -----------------------------------------------------------------------------------


def agency_token(agency_id: int) -> str:
    """A word indexed with every document of an agency, so the engine itself can keep to the agencies
    a user works in (a commune's clerk sees a tiny share of a province's corpus). It is an ordinary
    folded word: typing it finds nothing beyond what the user may already see."""
    return f"zzag{agency_id}"


MAX_AGENCY_TOKENS = 30  # beyond this many agencies, visibility alone narrows the matches


def _body(document: Document, recipient_names: list[str], attachment_texts: list[str]) -> str:
    number_forms = [document.number_notation]  # "12/QĐ-UBND": the number, the notation and both together
    # Outgoing numbers are printed padded ("05/QĐ-UBND"); people also type "5/QĐ-UBND".
    if re.fullmatch(r"0+[0-9]+", document.number):
        number_forms.append(f"{int(document.number)}/{document.notation}" if document.notation
                            else str(int(document.number)))
    parts = [
        document.subject, *number_forms, document.issuer,
        document.signer, document.signer_title, document.notes, document.doc_type.name,
        *recipient_names, *attachment_texts,
    ]
    words = [agency_token(document.agency_id)] + " ".join(fold_for_index(p) for p in parts if p).split()
    return " ".join(words[:MAX_INDEXED_WORDS])


def document_body(document: Document) -> str:
    """The folded text the engines index for `document` (metadata first, then attachment text)."""
    names = list(Recipient.objects.filter(document_id=document.pk).order_by("position")
                 .values_list("name", flat=True))
    texts = list(Attachment.objects.filter(document_id=document.pk).order_by("position")
                 .values_list("file__text", flat=True))
    return _body(document, names, texts)


def index_document(document: Document, *, new: bool = False, recipient_names: list[str] | None = None,
                   attachment_texts: list[str] | None = None) -> None:
    """Write the document's folded text to the search index, in the caller's transaction.

    Replaces any earlier row of the same document, so services call it after every change. A service
    that has just created the document passes `new=True` and the recipients' names and attachment
    texts it holds: one INSERT, no reads, which keeps the numbering lock short.
    """
    if new:
        body = _body(document, recipient_names or [], [t for t in attachment_texts or [] if t])
        SearchEntry.objects.create(document_id=document.pk, body=body)
        return
    body = document_body(document)
    if not SearchEntry.objects.filter(document_id=document.pk).update(body=body):
        SearchEntry.objects.create(document_id=document.pk, body=body)


def remove_document(document: Document) -> None:
    """Drop the document from the index (deleting a document does this too, by cascade)."""
    SearchEntry.objects.filter(document_id=document.pk).delete()


def reindex_all(*, chunk_size: int = 2000, progress=None) -> int:
    """Rebuild every document's search row; rows whose text did not change are left alone.

    Works in chunks, each its own transaction, so it can run on a live deployment and on a million
    documents without holding them in memory. Returns the number of rows written.
    """
    written = 0
    last = 0
    while True:
        docs = list(Document.objects.filter(pk__gt=last).select_related("doc_type")
                    .order_by("pk")[:chunk_size])
        if not docs:
            break
        ids = [d.pk for d in docs]
        names: dict[int, list[str]] = {}
        for doc_id, name in (Recipient.objects.filter(document_id__in=ids).order_by("document_id", "position")
                             .values_list("document_id", "name")):
            names.setdefault(doc_id, []).append(name)
        texts: dict[int, list[str]] = {}
        for doc_id, text in (Attachment.objects.filter(document_id__in=ids)
                             .order_by("document_id", "position").values_list("document_id", "file__text")):
            texts.setdefault(doc_id, []).append(text)
        with transaction.atomic():
            existing = dict(SearchEntry.objects.filter(document_id__in=ids)
                            .values_list("document_id", "body"))
            new, changed = [], []
            for d in docs:
                body = _body(d, names.get(d.pk, []), texts.get(d.pk, []))
                if d.pk not in existing:
                    new.append(SearchEntry(document_id=d.pk, body=body))
                elif existing[d.pk] != body:
                    changed.append(SearchEntry(document_id=d.pk, body=body))
            SearchEntry.objects.bulk_create(new, batch_size=500)
            SearchEntry.objects.bulk_update(changed, ["body"], batch_size=500)
        written += len(new) + len(changed)
        last = ids[-1]
        if progress:
            progress(last, written)
    _engine().tidy()
    return written


# --- queries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One thing every result must contain: a word, or a phrase of consecutive words."""

    words: tuple[str, ...]
    prefix: bool = False  # the last word matches as a prefix


_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»＂"})


def parse_query(query) -> list[Term]:
    """The user's query as terms of folded words. Never fails: whatever is not a word is a separator."""
    text = str(query or "").translate(_QUOTES)
    if len(text) > MAX_QUERY_CHARS:  # cut at a space, so no half word becomes a required word
        text = text[:MAX_QUERY_CHARS].rsplit(None, 1)[0]
    pieces = text.split('"')
    terms: list[Term] = []
    for i, piece in enumerate(pieces):
        quoted = i % 2 == 1 and i < len(pieces) - 1  # an unclosed quote is plain text
        chunks = [piece] if quoted else piece.split()
        for chunk in chunks:
            words = tuple(fold_words(chunk))
            if not words:
                continue
            prefix = not quoted and chunk.rstrip().endswith("*") and len(words[-1]) >= MIN_PREFIX_CHARS
            term = Term(words, prefix)
            if term not in terms:
                terms.append(term)
    return terms[:MAX_TERMS]


class _Fts5:
    """SQLite FTS5 over documents_search (external content: documents_searchentry)."""

    table = "documents_search"
    id_column = "documents_search.rowid"
    match = "documents_search MATCH %s"
    # CROSS JOIN makes SQLite keep the FTS table as the outer loop, so rows come in the index's own
    # rowid order and LIMIT stops the scan early.
    join = "CROSS JOIN"
    windowed = False  # FTS5 walks its index in rowid order and stops at LIMIT by itself

    @staticmethod
    def expression(terms: list[Term]) -> str:
        # Every word is quoted, so AND/OR/NOT/NEAR and column filters typed by a user are just words;
        # words are [0-9a-z]+ after folding, so they never hold a quote themselves.
        return " AND ".join('"' + " ".join(t.words) + '"' + (" *" if t.prefix else "") for t in terms)

    @staticmethod
    def within(expression: str, agency_ids: list[int]) -> str:
        return f"({expression}) AND (" + " OR ".join(f'"{agency_token(a)}"' for a in agency_ids) + ")"

    def tidy(self) -> None:
        with connection.cursor() as cur:
            cur.execute("INSERT INTO documents_search(documents_search) VALUES ('optimize')")


class _Tsvector:
    """PostgreSQL tsvector('simple') on documents_searchentry.tsv with a GIN index."""

    table = "documents_searchentry"
    id_column = "documents_searchentry.document_id"
    match = "documents_searchentry.tsv @@ to_tsquery('simple', %s)"
    join = "JOIN"
    windowed = True

    @staticmethod
    def expression(terms: list[Term]) -> str:
        parts = []
        for t in terms:
            words = list(t.words)
            if t.prefix:
                words[-1] += ":*"
            parts.append("(" + " <-> ".join(words) + ")")
        return " & ".join(parts)

    @staticmethod
    def within(expression: str, agency_ids: list[int]) -> str:
        return f"({expression}) & (" + " | ".join(agency_token(a) for a in agency_ids) + ")"

    def tidy(self) -> None:
        with connection.cursor() as cur:
            cur.execute("ANALYZE documents_searchentry")


def _engine():
    if connection.vendor == "sqlite":
        return _Fts5()
    if connection.vendor == "postgresql":
        return _Tsvector()
    raise RuntimeError(f"Search is not available on {connection.vendor}.")


def _match_once(engine, expression: str, *, limit: int, where, below: int | None, above: int | None,
                newest_first: bool) -> list[int]:
    sql = f"SELECT {engine.id_column} FROM {engine.table}"
    params: list = []
    if where is not None:
        sql += f" {engine.join} documents_document ON documents_document.id = {engine.id_column}"
    sql += f" WHERE {engine.match}"
    params.append(expression)
    if below is not None:
        sql += f" AND {engine.id_column} < %s"
        params.append(below)
    if above is not None:
        sql += f" AND {engine.id_column} > %s"
        params.append(above)
    if where is not None:
        sql += f" AND ({where[0]})"
        params += where[1]
    sql += f" ORDER BY {engine.id_column} {'DESC' if newest_first else 'ASC'} LIMIT %s"
    params.append(limit)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]


FIRST_WINDOW = 50_000  # ids; each further window is four times wider


def _match_ids(engine, expression: str, *, limit: int, where: tuple[str, list] | None = None,
               below: int | None = None, above: int | None = None) -> list[int]:
    """Matching ids newest first (below `below`), or oldest first above `above`.

    With `where` (SQL over documents_document), the engine's rows are joined to the documents and
    checked as they come, so the work stops after `limit` rows that pass.
    """
    newest_first = above is None
    if not engine.windowed:
        return _match_once(engine, expression, limit=limit, where=where, below=below, above=above,
                           newest_first=newest_first)
    # PostgreSQL's GIN index yields matches in no useful order, so an unbounded query fetches every
    # match to sort them. Asking for the newest ids in widening windows keeps each query to the matches
    # of one window; common words fill the page from the first window.
    with connection.cursor() as cur:
        cur.execute(f"SELECT max({engine.id_column}) FROM {engine.table}")
        top = (cur.fetchone()[0] or 0) + 1
    ids: list[int] = []
    width = FIRST_WINDOW
    if newest_first:
        hi = top if below is None else min(below, top)
        while hi > 0 and len(ids) < limit:  # window: lo <= id < hi
            lo = max(hi - width, 0)
            ids += _match_once(engine, expression, limit=limit - len(ids), where=where, below=hi, above=lo - 1,
                               newest_first=True)
            hi, width = lo, width * 4
    else:
        lo = above
        while lo < top and len(ids) < limit:  # window: lo < id <= lo + width
            ids += _match_once(engine, expression, limit=limit - len(ids), where=where, below=lo + width + 1,
                               above=lo, newest_first=False)
            lo, width = lo + width, width * 4
    return ids


def _expression(engine, terms: list[Term], agency_ids: list[int] | None) -> str:
    expression = engine.expression(terms)
    if agency_ids and len(agency_ids) <= MAX_AGENCY_TOKENS:
        expression = engine.within(expression, sorted(agency_ids))
    return expression


def raw_engine_search(folded_terms_or_query: str, limit: int, agency_ids: list[int] | None = None) -> list[int]:
    """The ids the engine itself returns for a query, newest first: no visibility, no filters, no ORM.
    `agency_ids` keeps to those agencies' documents, as the service does for a user's agencies.

    It is the yardstick for `search_documents` in bench/search.py.
    """
    terms = parse_query(folded_terms_or_query)
    if not terms:
        return []
    engine = _engine()
    return _match_ids(engine, _expression(engine, terms, agency_ids), limit=limit)


def search_agencies(user, agency_id=None) -> list[int]:
    """The agencies whose documents a search by `user` can return: every visible document belongs to an
    agency where the user holds an active position (visible_documents), or to the one filtered on."""
    agencies = sorted(user_access(user))
    if agency_id not in (None, ""):
        wanted = _int(agency_id, "agency_id", {})
        agencies = [a for a in agencies if a == wanted]
    return agencies


def _where_sql(qs: QuerySet) -> tuple[str, list] | None:
    """The WHERE clause of a queryset over documents_document alone, as SQL; None if it matches nothing."""
    query = qs.query
    joined = [alias for alias, refs in query.alias_refcount.items() if refs and alias != query.base_table]
    if joined:  # the clause must only name documents_document's own columns
        raise ValueError("search filters must not join other tables")
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(query.where)
    except EmptyResultSet:
        return None
    except FullResultSet:
        return "1 = 1", []
    return sql, list(params)


# --- the service --------------------------------------------------------------------------------


_MAX_ID = 2**63 - 1  # both databases' 64-bit integers: a larger number would fail in the driver


def _int(value, field: str, errors: dict) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= _MAX_ID:
        errors[field] = "Giá trị không hợp lệ."
        return None
    return number


def _choices(value, choices, field: str, label: str, errors: dict) -> list[str]:
    values = [str(v) for v in value] if isinstance(value, (list, tuple, set)) else [str(value)]
    bad = [v for v in values if v not in choices.values]
    if bad:
        errors[field] = f"{label.capitalize()} “{bad[0]}” không hợp lệ."
    return values


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_documents(qs: QuerySet, *, direction=None, doc_type=None, issuer=None, date_from=None, date_to=None,
                     urgency=None, register_id=None, status=None, agency_id=None) -> QuerySet:
    """The search filters. Dates are the registering date (ngày đến for incoming documents), inclusive,
    as dates or dd/mm/yyyy text; `doc_type` is a type code or id; `urgency` one value or several.
    Raises ValidationFailed with Vietnamese messages for values that cannot be right."""
    errors: dict[str, str] = {}
    if direction:
        qs = qs.filter(direction__in=_choices(direction, Direction, "direction", "loại sổ", errors))
    if doc_type:
        if isinstance(doc_type, int) or str(doc_type).strip().isdigit():
            qs = qs.filter(doc_type_id=_int(doc_type, "doc_type", errors))
        elif not TYPE_CODE_RE.fullmatch(str(doc_type).strip()):
            errors["doc_type"] = "Loại văn bản không hợp lệ."
        else:  # a subquery, not a join: the search statement reads documents_document alone
            qs = qs.filter(doc_type_id__in=DocumentType.objects.filter(code=str(doc_type).strip()).values("pk"))
    if issuer and (folded := fold_for_index(str(issuer))):
        qs = qs.filter(issuer_folded__contains=folded)
    for field, value in (("date_from", date_from), ("date_to", date_to)):
        try:
            day = parse_vn_date(value, field=field) if value else None
        except ValidationFailed as exc:
            errors.update(exc.fields)
            continue
        if day and field == "date_from":
            qs = qs.filter(registered_at__gte=_day_start(day))
        elif day:
            qs = qs.filter(registered_at__lt=_day_start(day + dt.timedelta(days=1)))
    if urgency:
        qs = qs.filter(urgency__in=_choices(urgency, Urgency, "urgency", "độ khẩn", errors))
    if status:
        qs = qs.filter(status__in=_choices(status, DocumentStatus, "status", "trạng thái", errors))
    if register_id not in (None, ""):
        qs = qs.filter(register_id=_int(register_id, "register_id", errors))
    if agency_id not in (None, ""):
        qs = qs.filter(agency_id=_int(agency_id, "agency_id", errors))
    if errors:
        raise ValidationFailed("Điều kiện tìm kiếm chưa hợp lệ.", fields=errors)
    return qs


def search_documents(*, user, query: str = "", direction=None, doc_type=None, issuer=None, date_from=None,
                     date_to=None, urgency=None, register_id=None, status=None, agency_id=None,
                     after: int | None = None, limit: int = 50, before: int | None = None) -> Page:
    """Documents `user` may see that match `query` and the filters, newest first, one keyset page.

    Only `visible_documents(user)` is ever searched. An empty query (or one with no words) gives the
    filtered list. `after` is the id of the last row seen (next page); `before` the first (previous page).
    Never raises for any query text; raises ValidationFailed for impossible filter values.
    """
    qs = filter_documents(
        visible_documents(user), direction=direction, doc_type=doc_type, issuer=issuer, date_from=date_from,
        date_to=date_to, urgency=urgency, register_id=register_id, status=status, agency_id=agency_id,
    )
    after = _int(after, "after", {}) if after not in (None, "") else None
    before = _int(before, "before", {}) if before not in (None, "") else None
    limit = _int(limit, "limit", {})
    limit = 50 if limit is None else max(1, min(limit, 200))
    terms = parse_query(query)
    if not terms:
        return keyset_page(qs.select_related(*LIST_RELATED), after=after, before=before, limit=limit)

    where = _where_sql(qs)
    if where is None:
        return Page([], None, None)
    engine = _engine()
    backwards = before is not None
    # One statement: the engine yields matches newest first, each is checked against visibility and the
    # filters by primary key, and the scan stops at limit+1 (see docs/decisions/0002-search.md).
    ids = _match_ids(engine, _expression(engine, terms, search_agencies(user, agency_id)), limit=limit + 1,
                     where=where,
                     below=None if backwards else after, above=before)
    rows = list(Document.objects.filter(pk__in=ids).select_related(*LIST_RELATED)
                .order_by("pk" if backwards else "-pk"))
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
        return Page(rows, rows[-1].pk if rows else None, rows[0].pk if rows and more else None)
    return Page(rows, rows[-1].pk if more and rows else None,
                rows[0].pk if after is not None and rows else None)
