"""Read the metadata of an official document from its text (Decree 30/2020 layout, Annex I).

`extract_fields(text)` returns two dicts with exactly the keys of `congvu extract`: the fields, valued as
printed on the document (capitals kept, line breaks inside a field joined by single spaces), and a
confidence per field (0..1, the estimated chance that the value is right). A field that cannot be found
is None (recipients: []); nothing is ever made up: every value is cut out of the text, the only changes
being OCR repairs of a notation ("QĐUBND" → "QĐ-UBND" when QĐ is a known type) and spaces.

Where things stand on a Decree 30 page: the left header column holds the parent body, the issuer, "Số:
<number>/<notation>" and, for a công văn, "V/v <subject>"; urgency and secrecy stamps stand under the
number; the right column holds the national motto and "<place>, ngày … tháng … năm …"; the type name
("QUYẾT ĐỊNH") is centred under the header with the subject under it; "Kính gửi:" follows; at the foot,
"Nơi nhận:" on the left and the signature block (TM./KT./TL. lines, title, name) on the right.

Text arrives in every order: columns run together on one line (HTML copies), interleaved block by block
(pdftotext), side by side with wide gaps (pdftotext -layout), or in OCR blocks. Each field is therefore
found by its own anchor and the pieces of the other column are cut away, not by line numbers.

Pure Python, no Django, no database: the registration form, the background job, the command and the
benchmark all call this one function.
"""

import re
import unicodedata
from datetime import date

from congvu.intake import extract_vocab as vocab
from congvu.intake.extract_vocab import fold

EXTRACTOR_VERSION = "1.1"

SCALAR_FIELDS = ("issuer", "parent_issuer", "number", "notation", "doc_type", "place", "date", "subject", "signer",
                 "signer_title", "urgency", "secrecy")
FIELDS = SCALAR_FIELDS + ("recipients",)

HEADER_LIMIT = 8000  # the header never starts later than this in real text

# Confidence per field and per way the value was found (the path, see `explain`): the chance that the
# value is right. Set from bench/extraction (`python -m bench.extraction --calibrate`): for each path seen at
# least 5 times, the observed accuracy smoothed as (right + 1) / (n + 2), capped at 0.98 for text layers
# and 0.97 for OCR (the generated documents share the generator's assumptions: a perfect score there is
# no promise). Paths seen less often keep a judged value below the measured ones. Recipients have no real
# truth to measure against (only generated), hence 0.9 at most for text. See ADR 0011.
CONFIDENCE: dict[str, dict[str, float]] = {
    "issuer": {"head": 0.98, "head_split": 0.98, "plain": 0.7, "absent": 0.0},
    "parent_issuer": {"split": 0.98, "none": 0.98, "absent": 0.0},
    "number": {"colon": 0.98, "loose": 0.85, "absent": 0.0},
    "notation": {"known": 0.98, "plain": 0.98, "repaired": 0.85, "absent": 0.0},
    "doc_type": {"name_agree": 0.98, "name": 0.95, "name_disagree": 0.6, "vv": 0.98, "abbr": 0.9,
                 "no_abbr": 0.6, "absent": 0.0},
    "place": {"line": 0.98, "known": 0.95, "walk": 0.8, "absent": 0.0},
    "date": {"full": 0.98, "loose": 0.8, "blank": 0.9, "absent": 0.0},
    "subject": {"vv": 0.98, "vv_joined": 0.9, "lines": 0.98, "cut": 0.97, "absent": 0.0},
    "signer": {"prefix": 0.98, "title": 0.98, "lines": 0.85, "weak": 0.75, "absent": 0.0},
    "signer_title": {"prefix": 0.98, "title": 0.98, "lines": 0.8, "weak": 0.7, "repaired": 0.85, "absent": 0.0},
    "urgency": {"mark": 0.98, "repaired": 0.8, "none": 0.98, "absent": 0.0},
    "secrecy": {"mark": 0.98, "repaired": 0.8, "none": 0.98, "absent": 0.0},
    "recipients": {"both": 0.9, "one": 0.9, "none": 0.7, "absent": 0.0},
}

# The same for text read by OCR (extract_fields(text, scanned=True)).
CONFIDENCE_SCANNED: dict[str, dict[str, float]] = {
    "issuer": {"head": 0.97, "head_split": 0.9, "plain": 0.6, "absent": 0.0},
    "parent_issuer": {"split": 0.97, "none": 0.97, "absent": 0.0},
    "number": {"colon": 0.97, "loose": 0.8, "absent": 0.0},
    "notation": {"known": 0.97, "plain": 0.94, "repaired": 0.92, "absent": 0.0},
    "doc_type": {"name_agree": 0.97, "name": 0.93, "name_disagree": 0.5, "vv": 0.97, "abbr": 0.85,
                 "no_abbr": 0.5, "absent": 0.0},
    "place": {"line": 0.97, "known": 0.97, "walk": 0.57, "absent": 0.0},
    "date": {"full": 0.97, "loose": 0.75, "blank": 0.85, "absent": 0.0},
    "subject": {"vv": 0.93, "vv_joined": 0.96, "lines": 0.86, "cut": 0.82, "absent": 0.0},
    "signer": {"prefix": 0.96, "title": 0.97, "lines": 0.8, "weak": 0.6, "absent": 0.0},
    "signer_title": {"prefix": 0.97, "title": 0.95, "lines": 0.75, "weak": 0.6, "repaired": 0.94, "absent": 0.0},
    "urgency": {"mark": 0.97, "repaired": 0.8, "none": 0.97, "absent": 0.0},
    "secrecy": {"mark": 0.95, "repaired": 0.8, "none": 0.97, "absent": 0.0},
    "recipients": {"both": 0.74, "one": 0.87, "none": 0.6, "absent": 0.0},
}


# --- characters -------------------------------------------------------------------------------------------

def _letter_class(upper: bool) -> str:
    chars = []
    for cp in list(range(0x41, 0x5B)) + list(range(0x61, 0x7B)) + list(range(0xC0, 0x250)) + \
            list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        if len(fold(ch)) == 1 and "A" <= fold(ch) <= "Z" and (ch.isupper() if upper else ch.islower()):
            chars.append(ch)
    return "".join(chars)


UP = _letter_class(True)
LO = _letter_class(False)
_UPWORD = re.compile(f"[{UP}]+")
_NAMEWORD = f"[{UP}][{LO}]+"
_NAME = re.compile(f"(?<![{UP}{LO}\\w])({_NAMEWORD}(?:[ \\t]+{_NAMEWORD}){{1,4}})(?![{UP}{LO}\\w])")


def _is_upper_word(token: str) -> bool:
    """A word in capitals, punctuation around it allowed ("TRƯỞNG," "(KHẨN)")."""
    core = token.strip(",;:.()“”\"'")
    return bool(core) and _UPWORD.fullmatch(core.replace("-", "")) is not None


def _has_lower(token: str) -> bool:
    return any(ch in LO for ch in token)


def _spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub("[\u200b\u200c\u200d\u2060\ufeff\u00ad]", "", text)
    text = text.replace("\u00a0", " ").replace("\t", "   ").replace("\f", "\n")
    text = re.sub(r" ?\| ?", "\n", text)  # table cell separators of copied tables
    # blanks left for the number and the day of a document not yet numbered or dated are no column gaps
    text = re.sub(r"(?<=Số:)[ ]{3,}(?=/)|(?<=ngày)[ ]{3,}(?=tháng)|(?<=tháng)[ ]{3,}(?=năm)", " ", text)
    if _GAP.search(text):
        text = _decolumn(text)
    text = re.sub(r"(?m)^[ ]+|[ ]+$", "", text)
    return re.sub(r" {3,}", "\n", text)  # any other wide gap is a column boundary too


_GAP = re.compile(r"\S {3,}\S")


def _decolumn(text: str) -> str:
    """Text laid out in columns side by side (pdftotext -layout, some OCR): each block of lines where the
    header or signature columns stand next to each other is rewritten as the left column, then the right
    one, so that "ỦY BAN NHÂN DÂN … CỘNG HÒA …" / "TỈNH QUẢNG NAM … Độc lập …" reads like a table's cells.
    A block starts at a line with a wide gap and ends at a blank line or a full-width line of the body."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if not _GAP.search(lines[i]):
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].strip() and j - i < 40:
            line = lines[j]
            if not _GAP.search(line) and len(line.strip()) > 60 and len(line) - len(line.lstrip()) < 8:
                break  # a line of the body: full width, starting at the margin
            j += 1
        region = lines[i:j]
        split_at = _right_column(region)
        left, right = [], []
        for line in region:
            for m in re.finditer(r"\S+(?: {1,2}\S+)*", line):
                (right if m.start() >= split_at else left).append(m.group())
        out += left + right
        i = j
    return "\n".join(out)


def _right_column(region: list[str]) -> int:
    """The column where the right-hand column starts: between the furthest end of a left piece and the
    nearest start of a right piece on the lines that hold both."""
    left_end, right_start = 0, 10_000
    for line in region:
        pieces = list(re.finditer(r"\S+(?: {1,2}\S+)*", line))
        if len(pieces) >= 2:
            left_end = max(left_end, max(p.end() for p in pieces[:-1]))
            right_start = min(right_start, pieces[-1].start())
    if right_start == 10_000:
        return 0
    return (left_end + right_start) // 2 + 2 if left_end < right_start else right_start


# --- patterns on the folded text (upper-case ASCII, same positions as the text) --------------------------------

_W = r"\s*"
_MOTTO = [
    re.compile(_W.join("CONGHOAXAHOICHUNGHIAVIETNAM")),
    re.compile(_W.join("CONGHOAXAHOICHUNGHIA")),
    re.compile(r"DOC\s*LAP\s*[-–—.,]?\s*TU\s*DO\s*[-–—.,]?\s*HANH\s*PHUC"),
    re.compile(r"DANG\s+CONG\s+SAN\s+VIET\s+NAM"),
]
_SO = re.compile(r"(?<![A-Z0-9/])S[O06]\s*([:;.]?)\s*(\d{0,6})\s*/\s*(?:((?:19|20)\d{2})\s*/\s*)?"
                 r"([A-Z][A-Z0-9.&]*(?:[ ]?-[ ]?[A-Z0-9][A-Z0-9.&]*)*)")
_DATE = re.compile(r"NGAY\s*(\d{1,3}|[.…_ ]{0,12})\s*THANG\s*(\d{1,2}|[.…_ ]{0,12})\s*NAM\s*((?:19|20)\d{2})")
_BODY = re.compile(r"(?<![A-Z])(CAN\s+CU|KINH\s+GUI|NOI\s+NHAN\s*:|DIEU\s+1\b)")
_VV = re.compile(r"(?<![A-Z/])V\s*/\s*V\b")
_KINH_GUI = re.compile(r"(?<![A-Z])KINH\s+GUI\s*[:;.]?")
_NOI_NHAN = re.compile(r"(?<![A-Z])NOI\s+NHAN\s*[:;.]")
_VIET_NAM_EOL = re.compile(r"(?<![A-Z])VIET\s*NAM[ ]*(?=\n|$)")
_DASHES = re.compile(r"[-_=~*.…—–]{3,}")
_MARKS = re.compile(r"(?<![A-Z])(HOA\s+TOC|THUONG\s+KHAN|KHAN|TUYET\s+MAT|TOI\s+MAT|MAT)(?![A-Z])")
_URGENCY = {"HOA TOC", "THUONG KHAN", "KHAN"}
_MARK_CANONICAL = {"KHAN": "KHẨN", "THUONG KHAN": "THƯỢNG KHẨN", "HOA TOC": "HỎA TỐC", "TOI MAT": "TỐI MẬT",
                   "TUYET MAT": "TUYỆT MẬT"}
_MARK_FORMS = {"KHẨN", "THƯỢNG KHẨN", "HỎA TỐC", "HOẢ TỐC", "MẬT", "TỐI MẬT", "TUYỆT MẬT"}


def _type_name_pattern() -> re.Pattern:
    names = sorted(vocab.type_names(), key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(map(re.escape, name.split())) for name in names)
    return re.compile(f"(?<![A-Z0-9])({alternatives})(?![A-Z0-9])")


_TYPE_NAME = _type_name_pattern()


# --- the reader ------------------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, text: str):
        self.t = _normalise(text)
        self.f = fold(self.t)
        self.values: dict = {k: None for k in SCALAR_FIELDS}
        self.values["recipients"] = []
        self.paths: dict[str, str] = {k: "absent" for k in FIELDS}

    def set(self, field: str, value, path: str) -> None:
        self.values[field] = value
        self.paths[field] = path

    # positions -----------------------------------------------------------------------------------------------
    def locate(self) -> None:
        head = self.f[:HEADER_LIMIT]
        mottos = [(m.start(), m.end()) for p in _MOTTO for m in p.finditer(head)]
        for m in _MOTTO[1].finditer(head):  # "CỘNG HÒA … CHỦ NGHĨA" whose "VIỆT NAM" OCR put at the end of
            if not _MOTTO[0].match(head, m.start()):  # the next line, after the issuer's second line
                stop = m.end()
                for _ in range(3):
                    stop = head.find("\n", stop + 1)
                    if stop < 0:
                        stop = len(head)
                        break
                nxt = _VIET_NAM_EOL.search(head, m.end(), stop)
                if nxt:
                    mottos.append((nxt.start(), nxt.end()))
        self.mottos = _merge(mottos)
        self.body_start = self._body_start()
        self.so = self._find_so()
        self.date_m, self.place_span, self.place_path = self._find_date()
        after = self.so.end() if self.so else (self.mottos[0][1] if self.mottos else 0)
        self.type_m = self._find_type_name(after)
        vv_from = self.so.end() if self.so else after
        m = _VV.search(self.f, vv_from, self._limit())
        self.vv = m if m and (not self.so or m.start() - self.so.end() < 400) else None

    def _limit(self) -> int:
        return self.body_start if self.body_start is not None else min(len(self.t), HEADER_LIMIT)

    def _body_start(self) -> int | None:
        for m in _BODY.finditer(self.f, 0, HEADER_LIMIT):
            if self._opens(m.start()):
                return m.start()
        return None

    def _opens(self, pos: int) -> bool:
        """ "Căn cứ", "Kính gửi" open a paragraph; "căn cứ" is inside a sentence, "THỰC HIỆN" inside a
        subject in capitals ("KÍNH GỬI:" with its colon is the one form in capitals)."""
        ch, nxt = self.t[pos], self.t[pos + 1:pos + 2]
        if not ch.isupper():
            return False
        return nxt.islower() or bool(_KINH_GUI.match(self.f, pos) and ":" in self.t[pos:pos + 12])

    def _find_so(self):
        limit = self._limit()
        loose = None
        for m in _SO.finditer(self.f, 0, limit):
            if self.t[m.start()] != "S" or not self.t[m.start(4)].isupper():
                continue
            if m.group(1) == ":":
                return m
            if loose is None and m.group(2):
                loose = m
        return loose

    def _find_date(self):
        first_loose = None
        for m in _DATE.finditer(self.f, 0, HEADER_LIMIT):
            line_start = self.t.rfind("\n", 0, m.start()) + 1
            before = self.t[line_start:m.start()]
            comma = re.search(r",\s*$", before)
            if comma:
                span, path = _place_before(self.t, line_start, line_start + comma.start())
                if span:
                    return m, span, path
            last = before.split()[-1:]
            in_sentence = bool(last) and last[0][:1].islower()  # "trước ngày 15 tháng 12 …" in the body
            if first_loose is None and not in_sentence and m.start() < self._header_end():
                first_loose = m
        if first_loose is not None:
            line_start = self.t.rfind("\n", 0, first_loose.start()) + 1
            span, path = _place_before(self.t, line_start, first_loose.start())
            return first_loose, span, path
        return None, None, None

    def _header_end(self) -> int:
        """Where a date line can no longer be: the body, or not far after the number."""
        ends = [HEADER_LIMIT]
        if self.body_start is not None:
            ends.append(self.body_start)
        if self.so:
            ends.append(self.so.end() + 600)
        return min(ends)

    def _find_type_name(self, after: int):
        limit = self._limit()
        if self.body_start is not None and self.body_start < after:
            limit = min(len(self.t), after + 1500)
        for m in _TYPE_NAME.finditer(self.f, after, limit):
            printed = self.t[m.start():m.end()]
            if printed != printed.upper() or self.f[m.end():m.end() + 3].lstrip(" ").startswith(":"):
                continue
            if _inside(m.start(), self.mottos):
                continue
            prev = self.t[max(0, m.start() - 40):m.start()]
            prev_tokens = prev.rstrip(" ").split(" ")
            if "\n" not in prev.rstrip(" ")[-1:] and prev_tokens and _is_upper_word(prev_tokens[-1]) \
                    and "\n" not in prev[-(len(prev_tokens[-1]) + 1):]:
                continue  # part of a longer name in capitals ("BỘ KẾ HOẠCH VÀ ĐẦU TƯ")
            return m
        return None

    # fields --------------------------------------------------------------------------------------------------------
    def is_document(self) -> bool:
        return bool(self.mottos or self.so or self.place_span or self.type_m or self.vv)

    def number_notation(self) -> None:
        m = self.so
        if not m:
            return
        number = m.group(2)
        if number:
            self.set("number", number, "colon" if m.group(1) == ":" else "loose")
        raw = self.t[m.start(4):m.end(4)]
        notation, repaired = self._clean_notation(raw)
        if notation:
            known = notation.split("-")[0] in vocab.type_abbreviations()
            self.set("notation", notation, "repaired" if repaired else ("known" if known else "plain"))

    def _clean_notation(self, raw: str) -> tuple[str, bool]:
        s = re.sub(r"\s*-\s*", "-", raw.strip()).strip(".-")
        fixed = re.sub("ĐÐ|ÐĐ", "Đ", s).replace("Ð", "Đ")  # OCR: an Icelandic Ð, alone or beside the Đ it doubles
        repaired = fixed != s
        s = fixed
        groups = s.split("-")
        abbrs = vocab.type_abbreviations()
        first = groups[0]
        if first not in abbrs and fold(first) in vocab.unambiguous_folded_abbreviations() and len(groups) > 1:
            groups[0] = vocab.unambiguous_folded_abbreviations()[fold(first)]
            repaired = True
        elif len(groups) == 1 and first not in abbrs:
            split = self._split_glued(first)
            if split:
                groups = list(split)
                repaired = True
        for i, g in enumerate(groups[1:], start=1):
            if fold(g) == "HDND" and g != "HĐND":
                groups[i] = "HĐND"
                repaired = True
        return "-".join(groups), repaired

    def _split_glued(self, token: str) -> tuple[str, str] | None:
        """ "QĐUBND" → ("QĐ", "UBND") when the document says it is a Quyết định (or does not say otherwise)."""
        type_name = vocab.type_names().get(_spaces(self.f[self.type_m.start():self.type_m.end()])) \
            if self.type_m else None
        for abbr, name in sorted(vocab.type_abbreviations().items(), key=lambda kv: -len(kv[0])):
            for candidate in (abbr, fold(abbr)):
                if not token.startswith(candidate):
                    continue
                rest = token[len(candidate):]
                if len(rest) < 3 or not _UPWORD.fullmatch(rest):
                    continue
                if type_name and type_name != name:
                    continue
                if not type_name and self.vv:
                    continue
                if candidate != abbr and fold(abbr) not in vocab.unambiguous_folded_abbreviations():
                    continue
                return abbr, rest
        return None

    def place_date(self) -> None:
        m = self.date_m
        if not m:
            return
        if self.place_span:
            self.set("place", _spaces(self.t[self.place_span[0]:self.place_span[1]]), self.place_path)
        day, month, year = m.group(1).strip(" ."), m.group(2).strip(" ."), m.group(3)
        if day.isdigit() and month.isdigit():
            try:
                value = date(int(year), int(month), int(day)).isoformat()
            except ValueError:
                return
            self.set("date", value, "full" if self.place_span else "loose")
        elif not day.strip("…_") and not month.strip("…_"):
            self.paths["date"] = "blank"  # "ngày … tháng … năm 2024": not yet dated

    def doc_type(self) -> None:
        abbrs = vocab.type_abbreviations()
        notation = self.values["notation"]
        abbr_type = abbrs.get(notation.split("-")[0]) if notation else None
        vv_first = self.vv and (not self.type_m or self.vv.start() < self.type_m.start())
        if self.type_m and not vv_first:
            name = vocab.type_names()[_spaces(self.f[self.type_m.start():self.type_m.end()])]
            path = "name" if not abbr_type else ("name_agree" if abbr_type == name else "name_disagree")
            self.set("doc_type", name, path)
        elif self.vv:
            self.set("doc_type", "Công văn", "vv")
        elif abbr_type:
            self.set("doc_type", abbr_type, "abbr")
        elif notation and self.so:
            self.set("doc_type", "Công văn", "no_abbr")

    def issuer(self) -> None:
        end = self.so.start() if self.so else None
        if end is None:
            candidates = [p for p in (self.type_m and self.type_m.start(), self.date_m and self.date_m.start(),
                                      self.body_start) if p]
            if not candidates or not self.mottos:
                return
            end = min(candidates)
        region = list(self.t[:end])
        cut = list(self.mottos)
        if self.date_m and self.date_m.start() < end:
            cut.append((self.place_span[0] if self.place_span else self.date_m.start(), self.date_m.end()))
        cut += [(m.start(), m.end()) for m in _DASHES.finditer(self.t, 0, end)]
        cut += [(m.start(), m.end()) for m in _MARKS.finditer(self.f, 0, end) if self._is_mark(m)]
        for s, e in cut:
            for i in range(s, min(e, end)):
                region[i] = "\n" if region[i] == "\n" else " "
        lines = [_spaces(line) for line in "".join(region).split("\n")]
        # the last run of lines in capitals is the issuer block
        block: list[str] = []
        for line in reversed(lines):
            letters = re.findall(f"[{UP}{LO}]", line)
            if len(letters) <= 3 and not any(ch in UP for ch in letters):
                continue  # blank, a rule, OCR specks ("mm", "~")
            tokens = line.split(" ")
            if all(_is_upper_word(tok) or tok in {"-", "&", "–"} for tok in tokens):
                block.insert(0, line)
                continue
            upper_tail = []
            for tok in reversed(tokens):
                if _is_upper_word(tok) or tok in {"-", "&", "–"}:
                    upper_tail.insert(0, tok)
                else:
                    break
            if upper_tail and len(upper_tail) >= 2:
                block.insert(0, " ".join(upper_tail))
            break
        block = [line.strip(" -–") for line in block if line.strip(" -–")]
        if not block:
            return
        parent, issuer, path = _split_agency(block)
        if not issuer:
            return
        self.set("issuer", issuer, path)
        if parent:
            self.set("parent_issuer", parent, "split")
        else:
            self.paths["parent_issuer"] = "none"

    def subject(self) -> None:
        if self.vv and (not self.type_m or self.vv.start() < self.type_m.start()):
            start = self.vv.start()
            end = self._subject_end(start, vv=True)
            lines = self.t[start:end].split("\n")
            for i in range(1, len(lines)):
                # the left column is narrow: a long line, or a paragraph's opening, is the body
                if len(lines[i].strip()) > 60 or _BODY_LINE.match(lines[i].strip()):
                    end = start + len("\n".join(lines[:i]))
                    break
            value = _drop_specks(_spaces(self.t[start:end])).rstrip(" ;,")
            more = _drop_specks(self._vv_continuation(end))
            if more:
                value = f"{value} {more}"
            if len(value) > 4:
                self.set("subject", value, "vv_joined" if more else "vv")
                self.subject_span = (start, end)
            return
        if not self.type_m:
            return
        start = self.type_m.end()
        while True:  # skip blank lines and rules between the type name and the subject
            m = re.match(r"[ \n]+|[-_=~*.…—–]{3,}", self.t[start:])
            if not m:
                break
            start += m.end()
        end = self._subject_end(start, vv=False)
        lines = [_spaces(line) for line in self.t[start:end].split("\n") if line.strip()]
        lines, cut0 = _cut_body_lines(lines)
        lines, cut = _cut_authority_lines(lines)
        cut = cut or cut0
        value = _spaces(" ".join(lines))
        value, cut2 = _cut_case_change(value)
        value, cut3 = self._cut_authority_tail(value)
        value = value.strip(" ;,")
        if len(value) > 4:
            self.set("subject", value, "cut" if (cut or cut2 or cut3) else "lines")
            self.subject_span = (start, end)

    def _vv_continuation(self, end: int) -> str:
        """A V/v subject cut by a piece of the right column (OCR puts "Độc lập - Tự do - Hạnh phúc" or the
        date line between its lines): the left-hand rests of the following lines that continue it."""
        if not (_inside(end, self.mottos) or (self.place_span and end == self.place_span[0])):
            return ""
        parts = []
        pos = end
        for _ in range(6):
            line_end = self.t.find("\n", pos)
            line_end = len(self.t) if line_end < 0 else line_end
            cut = [(s_, e_) for s_, e_ in self.mottos if s_ < line_end and e_ > pos]
            if self.date_m and self.date_m.start() < line_end and self.date_m.end() > pos:
                cut.append((self.place_span[0] if self.place_span else self.date_m.start(), self.date_m.end()))
            cut += [(m.start(), m.end()) for m in _DASHES.finditer(self.t, pos, line_end)]
            rest = list(self.t[pos:line_end])
            for s_, e_ in cut:
                for i in range(max(s_, pos), min(e_, line_end)):
                    rest[i - pos] = " "
            piece = _spaces("".join(rest))
            if re.search(f"[{UP}{LO}0-9]", piece):
                # the left column is narrow: a continuation is a short line, not a paragraph, a heading in
                # capitals or "Kính gửi"
                capitals = bool(re.search(f"[{UP}{LO}]", piece)) and piece == piece.upper()
                if len(piece) > 60 or _BODY_LINE.match(piece) or capitals or \
                        not (piece[0].islower() or piece[0].isdigit() or len(piece) <= 45):
                    break
                parts.append(piece)
            elif not self.t[pos:line_end].strip():
                break  # a blank line ends the header
            pos = line_end + 1
            if pos >= len(self.t):
                break
        return " ".join(parts)

    def _subject_end(self, start: int, *, vv: bool) -> int:
        limit = min(len(self.t), start + 1200)
        ends = [limit]
        blank = re.compile(r"\n[ ]*\n").search(self.t, start, limit)
        if blank:
            ends.append(blank.start())
        for m in (self.date_m,):
            if m and m.start() > start:
                ends.append(self.place_span[0] if self.place_span and self.place_span[0] > start else m.start())
        ends += [s for s, _ in self.mottos if s > start]
        for pattern in (_BODY, _KINH_GUI, _NOI_NHAN):
            for m in pattern.finditer(self.f, start, limit):
                if self._opens(m.start()):
                    ends.append(m.start())
                    break
        m = re.compile(r"\n[-_=~*.…—–]{3,}").search(self.t, start, limit)
        if m:
            ends.append(m.start())
        for m in _MARKS.finditer(self.f, start, limit):
            if self._is_mark(m, own_line=True):
                ends.append(m.start())
        if not vv and self.so and self.so.start() > start:
            ends.append(self.so.start())
        return min(ends)

    def _cut_authority_tail(self, value: str) -> tuple[str, bool]:
        """Cut "… NHẬP KHẨU TỔNG CỤC TRƯỞNG TỔNG CỤC HẢI QUAN" (subject run into the authority line)."""
        issuer = self.values["issuer"]
        bodies = []
        if issuer:
            bodies.append(issuer)
            bodies.append(issuer.replace("ỦY BAN NHÂN DÂN", "UBND").replace("HỘI ĐỒNG NHÂN DÂN", "HĐND"))
            bodies.append(issuer.replace("UBND", "ỦY BAN NHÂN DÂN").replace("HĐND", "HỘI ĐỒNG NHÂN DÂN"))
        folded = fold(value)
        titles = "|".join(re.escape(fold(t)) for t in vocab.LEADER_TITLES)
        session = r"(?:\s+KHOA\s+[IVXLC]+\b.*)?"
        for body in dict.fromkeys(bodies):
            pattern = re.compile(rf"\s+(?:(?:{titles})\s+)?{re.escape(fold(body))}{session}$")
            m = pattern.search(folded)
            if m and not re.search(r"\b(CUA|VOI|CHO|TAI|THUOC|VE|VA|DOI|GIUA)$", folded[:m.start()]):
                return value[:m.start()], True
        # an authority with a leader's title and any agency name ("GIÁM ĐỐC SỞ NỘI VỤ TỈNH QUẢNG NAM")
        heads = "|".join(re.escape(h) for h in sorted(vocab.AGENCY_HEADS, key=len, reverse=True))
        m = re.search(rf"\s+(?:{titles})\s+(?:{heads})(?:\s+[A-Z-]+)*$", folded)
        if m and value[m.start():] == value[m.start():].upper() and \
                not re.search(r"\b(CUA|VOI|CHO|TAI|THUOC|VE|VA|DOI|GIUA)$", folded[:m.start()]):
            return value[:m.start()], True
        return value, False

    def _is_mark(self, m: re.Match, *, own_line: bool = False) -> bool:
        printed = self.t[m.start():m.end()]
        if _spaces(printed) not in _MARK_FORMS:
            # OCR may drop the marks of a stamp ("KHAN"): accepted in capitals at the start of a line only
            line_start = self.t.rfind("\n", 0, m.start()) + 1
            if printed != printed.upper() or self.t[line_start:m.start()].strip() or \
                    _spaces(fold(printed)) == "MAT":  # "MAT" alone is too short to trust
                return False
        line_start = self.t.rfind("\n", 0, m.start()) + 1
        line_end = self.t.find("\n", m.end())
        line_end = len(self.t) if line_end < 0 else line_end
        before = self.t[line_start:m.start()].split()
        after = self.t[m.end():line_end].split()
        if own_line:
            return not before and not after
        neighbours = before[-1:] + after[:1]
        return not any(_is_upper_word(tok) and tok.strip(",;:.()") for tok in neighbours)

    def marks(self) -> None:
        end = self._limit()
        span = getattr(self, "subject_span", None)
        for m in _MARKS.finditer(self.f, 0, end):
            if span and span[0] <= m.start() < span[1]:
                continue
            if _inside(m.start(), self.mottos) or not self._is_mark(m):
                continue
            printed = _spaces(self.t[m.start():m.end()])
            field = "urgency" if _spaces(m.group(1)) in _URGENCY else "secrecy"
            if self.values[field] is None:
                if printed in _MARK_FORMS:
                    self.set(field, printed, "mark")
                else:
                    self.set(field, _MARK_CANONICAL[_spaces(fold(printed))], "repaired")
        for field in ("urgency", "secrecy"):
            if self.values[field] is None:
                self.paths[field] = "none"

    def recipients(self) -> None:
        items: list[str] = []
        sources = 0
        m = _KINH_GUI.search(self.f, 0, HEADER_LIMIT + 2000)
        if m and self.t[m.start()].isupper():
            found = _kinh_gui_items(self.t, m.end())
            if found:
                sources += 1
                items += found
        self.nn = None
        start = self.body_start or 0
        for m in _NOI_NHAN.finditer(self.f, start):
            if self.t[m.start()].isupper():
                self.nn = m
                break
        if self.nn:
            found = _noi_nhan_items(self.t, self.nn.end())
            if found:
                sources += 1
                items += found
        cleaned = []
        for item in items:
            folded = fold(item)
            if re.match(r"(NHU\s+(TREN|DIEU|KHOAN|KINH\s+GUI|MUC|DE\s+GUI))|([L1I|]UU\b)", folded):
                continue
            if item not in cleaned:
                cleaned.append(item)
        self.values["recipients"] = cleaned
        self.paths["recipients"] = "both" if sources == 2 else ("one" if sources else "none")

    def signer(self) -> None:
        t = self.t
        header_end = self.body_start or 0
        nn = getattr(self, "nn", None)
        if nn:
            lo, hi, pick = max(header_end, nn.start() - 600), min(len(t), nn.end() + 3000), "near"
        else:
            end_mark = t.find("./.", header_end)
            if end_mark >= 0:
                lo, hi, pick = end_mark, min(len(t), end_mark + 2000), "first"
            else:
                lo, hi, pick = header_end, len(t), "last"
        window = _unmerge_items(t[lo:hi])
        anchor = window.find("\n", max(0, nn.start() - lo)) if nn else None
        found = _signature(window, pick, anchor)
        if not found:
            filtered = _drop_list_items(window)
            found = _signature(filtered, "first", None) or _signature_lines(filtered)
        else:
            other = _signature(_drop_list_items(window), "first", None)
            if other and other[0] == found[0] and len(other[1]) > len(found[1]) and other[1].endswith(found[1]):
                found = other
        if not found:
            return
        name, title, path = found
        self.set("signer", name, path)
        title, repaired = _repair_title(title)
        self.set("signer_title", title, "repaired" if repaired else path)


# --- helpers -----------------------------------------------------------------------------------------------------

def _drop_specks(text: str) -> str:
    """OCR specks standing alone between words ("việc thực _ hiện")."""
    return " ".join(tok for tok in text.split(" ") if not re.fullmatch(r"[_~|—–=*•]+", tok))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


_PLACE_TOKEN = re.compile(f"[{UP}][{LO}]*\\.?|TP\\.?|-|–")


def _place_before(t: str, line_start: int, comma: int) -> tuple[tuple[int, int] | None, str | None]:
    """The place printed before ", ngày": the capitalised words right before the comma."""
    segment = t[line_start:comma]
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", segment)]
    kept: list[tuple[int, int]] = []
    for i in range(len(tokens) - 1, -1, -1):
        s, e = tokens[i]
        tok = segment[s:e]
        unit_word = tok in {"phố", "xã", "trấn"} and i > 0 and segment[slice(*tokens[i - 1])] in {"Thành", "Thị"}
        if _PLACE_TOKEN.fullmatch(tok) or unit_word:
            kept.insert(0, (s, e))
        else:
            break
        if len(kept) >= 7:
            break
    while kept and segment[kept[0][0]:kept[0][1]] in {"-", "–"}:
        kept.pop(0)
    if not kept:
        return None, None
    words = [segment[s:e] for s, e in kept]
    whole_line = kept[0] == tokens[0]
    for k in range(len(words)):  # the longest known place at the end
        if " ".join(words[k:]) in vocab.PLACES:
            s = line_start + kept[k][0]
            return (s, line_start + kept[-1][1]), ("line" if whole_line and k == 0 else "known")
    if whole_line:
        return (line_start + kept[0][0], line_start + kept[-1][1]), "line"
    if len(words) > 4:
        return None, None
    return (line_start + kept[0][0], line_start + kept[-1][1]), "walk"


_UNIT_WORDS = {"TINH", "PHO", "HUYEN", "QUAN", "XA", "PHUONG", "TRAN"}


def _agency_heads(words: list[str]) -> list[tuple[int, int]]:
    """(index, length) of each agency head noun in the folded words, longest match first."""
    heads = sorted((h.split() for h in vocab.AGENCY_HEADS), key=len, reverse=True)
    found = []
    i = 0
    while i < len(words):
        for head in heads:
            n = len(head)
            if words[i:i + n] == head:
                before = words[i - 1] if i else ""
                after = words[i + n] if i + n < len(words) else ""
                if (before, head[0]) in vocab.FUSED_BEFORE or (head[-1], after) in vocab.FUSED_AFTER:
                    continue
                if n == 1 and i >= 2 and words[i - 2] in _UNIT_WORDS:
                    continue  # "THÀNH PHỐ HẢI PHÒNG": the last syllable of a place name
                found.append((i, n))
                i += n - 1
                break
        i += 1
    return found


def _split_agency(lines: list[str]) -> tuple[str | None, str | None, str]:
    """ "UBND TỈNH QUẢNG NAM / SỞ NỘI VỤ" → parent, issuer. A new body starts at a head noun once the
    words before it name a whole body (a head and at least one word after it); line starts are preferred."""
    tokens: list[tuple[str, int]] = []
    for li, line in enumerate(lines):
        tokens += [(tok, li) for tok in line.split(" ") if tok]
    words = [re.sub(r"[^A-Z0-9]", "", fold(tok)) for tok, _ in tokens]
    heads = _agency_heads(words)
    splits = []
    seg_start = heads[0][0] if heads and heads[0][0] == 0 else None
    seg_head_len = heads[0][1] if seg_start is not None else 0
    for idx, n in heads[1:] if seg_start is not None else []:
        if idx - seg_start > seg_head_len:  # the segment so far has words after its head
            line_start = idx == 0 or tokens[idx][1] != tokens[idx - 1][1]
            splits.append((idx, line_start))
            seg_start, seg_head_len = idx, n
    multi_line = len(lines) > 1
    if splits and multi_line and any(ls for _, ls in splits):
        splits = [s for s in splits if s[1]]
    elif splits and multi_line:
        splits = []  # lines given, none starts a body: one name wrapped over lines
    text = [tok for tok, _ in tokens]
    starts_with_head = bool(heads) and heads[0][0] == 0
    if not splits:
        return None, _spaces(" ".join(text)).strip(" ,"), "head" if starts_with_head else "plain"
    at = splits[-1][0]
    return _spaces(" ".join(text[:at])).strip(" ,"), _spaces(" ".join(text[at:])).strip(" ,"), "head_split"


_BODY_LINE = re.compile(
    r"(Căn cứ|Thực hiện|Theo|Trong|Để|Nhằm|Ngày|Triển khai|Thi hành|Xét|Sau khi|Trên cơ sở|Qua|Hiện nay|Vừa qua|"
    r"Thời gian|Tiếp theo|Phúc đáp|Trả lời|Nhận được|Kính gửi|Điều \d)\b|\d+\.\s|[IVX]+\.\s|[a-zđ]\)\s")


def _cut_body_lines(lines: list[str]) -> tuple[list[str], bool]:
    """Stop a subject at the first line of the body: a paragraph opener ("Thực hiện …", "1. …") or a long
    line that ends a sentence. The subject itself may start with such a word ("Thực hiện …" of a Hướng dẫn)."""
    for i in range(1, len(lines)):
        if _BODY_LINE.match(lines[i]) or (len(lines[i]) > 60 and re.search(r"[.:;]$", lines[i])):
            return lines[:i], True
    if len(lines) > 6:
        return lines[:6], True
    return lines, False


_CONNECTORS = {"CUA", "VOI", "CHO", "TAI", "THUOC", "VE", "VA", "DOI", "GIUA", "TU", "DEN", "O", "TRONG", "TREN"}


def _cut_authority_lines(lines: list[str]) -> tuple[list[str], bool]:
    """Stop the subject at a line naming the authority ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …", "BỘ TRƯỞNG BỘ …"),
    or at the first line in capitals after lines that are not."""
    titles = [fold(t) for t in vocab.LEADER_TITLES]
    heads = [h for h in vocab.AGENCY_HEADS]
    for i in range(1, len(lines)):
        prev_last = fold(lines[i - 1]).split(" ")[-1] if lines[i - 1] else ""
        if prev_last in _CONNECTORS:
            continue
        folded = fold(lines[i])
        upper = lines[i] == lines[i].upper()
        if upper and any(folded.startswith(t + " ") or folded == t for t in titles):
            return lines[:i], True
        if upper and any(folded.startswith(h + " ") for h in heads) and lines[i - 1] != lines[i - 1].upper():
            return lines[:i], True
        words = [w for w in lines[i].split(" ") if len(w.strip(",.;:")) >= 2 and w.strip(",.;:").isalpha()]
        if upper and lines[i - 1] != lines[i - 1].upper() and len(words) >= 3:
            return lines[:i], True
    return lines, False


def _cut_case_change(value: str) -> tuple[str, bool]:
    """A subject in capitals ends where sentence-case text starts (run-together HTML copies)."""
    words = value.split(" ")
    head = [w for w in words[:4] if re.search(f"[{UP}{LO}]", w)]
    if len(head) < 2 or not all(not _has_lower(w) for w in head):
        return value, False
    for i, w in enumerate(words):
        core = w.strip(",;:.()“”\"'")
        if re.fullmatch(f"[{UP}{LO}]+", core or "-") and _has_lower(core) and i > 0:
            return " ".join(words[:i]), True
    return value, False


_BODY_STARTERS = ("Phúc đáp", "Thực hiện", "Căn cứ", "Theo", "Để", "Ngày", "Trả lời", "Tiếp nhận", "Vừa qua",
                  "Nhằm", "Trên cơ sở", "Sau khi", "Hiện nay", "Qua", "Triển khai", "Xét", "Nhận được", "Trong",
                  "Tiếp theo", "Căn")


def _kinh_gui_items(t: str, start: int) -> list[str]:
    rest = t[start:start + 3000]
    rest_stripped = rest.lstrip(" ")
    if rest_stripped.startswith("\n"):
        items = []
        for line in rest_stripped.split("\n")[1:]:
            line = line.strip()
            if not line:
                if items:
                    break
                continue
            if re.match(r"[-+•–]\s*", line):
                items.append(re.sub(r"^[-+•–]\s*", "", line))
            elif items and not re.search(r"[;.]$", items[-1]) and len(items[-1]) < 200:
                items[-1] += " " + line
            else:
                if not items:
                    items.append(line)
                break
        return [x for x in (_clean_item(i) for i in items) if x]
    line = rest_stripped.split("\n", 1)[0]
    if re.match(r"[-+•–]\s", line):  # "Kính gửi: - A; - B" on one line
        parts = re.split(r"(?:^|\s)[-+•–]\s", line)
        return [x for x in (_clean_item(p) for p in parts) if x]
    m = re.search(r"[;.](\s|$)", line)
    if m:
        line = line[:m.start()]
    cuts = [k for k in (line.find(" " + starter + " ") for starter in _BODY_STARTERS) if k > 0]
    if cuts:
        line = line[:min(cuts)]
    item = _clean_item(line)
    return [item] if item else []


def _noi_nhan_items(t: str, start: int) -> list[str]:
    items: list[str] = []
    for line in _unmerge_items(t[start:start + 3000]).split("\n"):
        line = line.strip()
        if not line:
            continue
        m = _ITEM.match(line)
        if m:
            items.append(line[m.end():])
            if re.match(r"[L1I|]UU\b", fold(line[m.end():])):  # "Lưu", or OCR's "1ưu"
                break
        elif items and not re.search(r"[;.]$", items[-1]) and not _is_upper_line(line):
            items[-1] += " " + line
        elif _is_upper_line(line) or _SIGNED_NOTE.fullmatch(line):
            continue  # a signature line interleaved with the list
        else:
            break
    out = []
    for item in items:
        sig = re.search(r"\b(TM|KT|TL|TUQ)\.\s", item)
        if sig:
            item = item[:sig.start()]
        item = item.split("; ")[0]  # items are separated by ";": anything after one is another column
        cleaned = _clean_item(item)
        if cleaned:
            out.append(cleaned)
    return out


def _is_upper_line(line: str) -> bool:
    return bool(_UPWORD.search(line)) and line == line.upper()


def _clean_item(item: str) -> str:
    return _spaces(item).strip(" ;:,.").strip()


_TITLE_TAIL = re.compile(f"\\s((?:[{UP}]+,?\\s+){{1,6}}[{UP}]+)\\s*$")
_ITEM = re.compile(r"[-+•–=](?![-—–_=])\s?")  # "=" is how OCR often reads a list's dash
_JUNK = re.compile(r"[^\w]*[a-zl|]?[^\w]*")


def _unmerge_items(text: str) -> str:
    """OCR and HTML copies run the signature column into the recipients' list, one line each:
    "Nơi nhận: BỘ TRƯỞNG", "- Như trên; THỨ TRƯỞNG", "- Lưu: VT, VP. Nguyễn Văn A". Put such tails on lines
    of their own."""
    out = []
    in_list = False
    for line in text.split("\n"):
        stripped = line.strip()
        head = re.match(r"N[ơo]i nh[ậa]n\s*:\s*", stripped)
        if head:
            in_list = True
            rest = stripped[head.end():]
            if rest and all(_is_upper_word(tok) or _PREFIX.match(tok) for tok in rest.split()):
                out += [stripped[:head.end()].rstrip(), rest]
                continue
            out.append(line)
            continue
        item = _ITEM.match(stripped)
        if not item and not in_list:
            out.append(line)
            continue
        in_list = bool(item) or (in_list and bool(stripped))
        title_tail = _TITLE_TAIL.search(stripped)
        if title_tail and any(k in fold(title_tail.group(1)) for k in vocab.TITLE_KEYWORDS) and \
                not re.search(r"[;.]\s", stripped[title_tail.start():]):
            out += [stripped[:title_tail.start()].rstrip(), title_tail.group(1)]  # "… trực thuộc PHÓ GIÁM ĐỐC"
            continue
        archive_name = re.search(r",\s+(" + _NAME.pattern + r")\s*$", stripped) if item and \
            re.match(r"[L1I|]UU\b", fold(stripped[item.end():])) else None
        if archive_name and archive_name.group(1).split()[0] in vocab.SURNAMES:
            out += [stripped[:archive_name.start()] + ".", archive_name.group(1)]  # "- Lưu: VT, VP, Đinh Công Hà"
            continue
        named = re.fullmatch(r"((?:\S+\s+){1,2}?)(" + _NAME.pattern + ")", stripped)
        if named and not item and all(_is_upper_word(t) or _PREFIX.match(t) for t in named.group(1).split()):
            out += [named.group(1).strip(), named.group(2)]  # "KT. Huỳnh Xuân Nga": a unit of "Lưu: VT, KT."
            continue
        for m in re.finditer(r"[;.]\s+", stripped):
            if _PREFIX.match(stripped[:m.start() + 1].split()[-1]):
                continue  # "TL. CHỦ TỊCH": the dot of a signing prefix
            tail = stripped[m.end():].split()
            while tail and _JUNK.fullmatch(tail[-1]):
                tail.pop()
            if not tail:
                stripped = stripped[:m.end()].rstrip()
                break
            rest = " ".join(tail)
            if all(_is_upper_word(tok) or _PREFIX.match(tok) for tok in tail) or _NAME.fullmatch(rest) or \
                    _SIGNED_NOTE.fullmatch(rest):
                out.append(stripped[:m.end()].rstrip())
                stripped = rest
                break
        out.append(stripped)
    return "\n".join(out)


def _drop_list_items(window: str) -> str:
    """The signature block without the recipients' list it may be interleaved with."""
    out = []
    in_item = False
    for line in window.split("\n"):
        stripped = line.strip()
        if _ITEM.match(stripped) or re.match(r"N[ơo]i nh[ậa]n", stripped):
            in_item = not re.search(r"[;.]$", stripped)
            continue
        if in_item and stripped and not _is_upper_line(stripped) and not _NAME.fullmatch(stripped):
            in_item = not re.search(r"[;.]$", stripped)
            continue
        in_item = False
        out.append(line)
    return "\n".join(out)


def _signature_lines(window: str) -> tuple[str, str, str] | None:
    """Last resort for OCR text: the lines in capitals holding a leader's title, then the first line that is
    a name, whatever specks of ink stand between them."""
    titles: list[str] = []
    for raw in window.split("\n"):
        line = raw.strip()
        if _PREFIX.match(line) or re.match(r"^(TM|KT|TL|TUQ|Q|PP)\.\s", line):
            titles.append(line)
            continue
        if not line or _SIGNED_NOTE.fullmatch(line) or not re.search(f"[{UP}{LO}]{{3,}}", line):
            continue  # blank, "(Đã ký)", specks
        if _is_upper_line(line):
            titles.append(line)
            continue
        if re.search(r"[;.]$", line) and len(line) <= 80:
            continue  # a recipient or the archive line between the title lines
        if titles and _NAME.fullmatch(line):
            title = " ".join(titles)
            if any(k in fold(title) for k in vocab.TITLE_KEYWORDS):
                prefixed = any(_PREFIX.match(tok) for tok in title.split())
                return line, title, "weak" if not prefixed else "lines"
        titles = []
    return None


def _repair_title(title: str) -> tuple[str, bool]:
    """Spell back title words OCR misread ("VU TRƯỞNG" → "VỤ TRƯỞNG") when only one title word folds alike."""
    words = vocab.title_words()
    known = set(words.values())
    out, repaired = [], False
    for token in title.split(" "):
        core = token.rstrip(",.")
        if core and core not in known and not _PREFIX.match(token) and fold(core) in words:
            token = words[fold(core)] + token[len(core):]
            repaired = True
        out.append(token)
    return " ".join(out), repaired


def _starts_line(text: str, k: int, tokens: list[str]) -> bool:
    """Whether the k-th whitespace-separated token of `text` is the first of its line."""
    seen = -1
    for m in re.finditer(r"\S+", text):
        seen += 1
        if seen == k:
            return m.start() == 0 or text[m.start() - 1] == "\n"
    return False


_PREFIX = re.compile(r"^(TM|KT|TL|TUQ|Q|PP|T/M|K/T|T/L)\.?$")
_SIGNED_NOTE = re.compile(r"\(?\[?\s*(đã ký|Đã ký|ĐÃ KÝ|ký|Ký|signed)\s*\]?\)?\s*$")


def _signature(window: str, pick: str, anchor: int | None) -> tuple[str, str, str] | None:
    """(name, title, path) of the signature block in the window: a name in Title Case right after a
    run of capitals that holds a leader's title."""
    found = []
    for m in _NAME.finditer(window):
        name = m.group(1)
        before = window[:m.start()]
        before = _SIGNED_NOTE.sub("", before.rstrip())
        tokens = before.split()
        run: list[str] = []
        for k in range(len(tokens) - 1, -1, -1):
            tok = tokens[k]
            if _PREFIX.match(tok) or re.match(r"^(TM|KT|TL|TUQ|Q|PP)\.\S", tok):
                if k and tokens[k - 1].endswith((",", ":")) and not _starts_line(before, k, tokens):
                    break  # "Lưu: VT, KT." — a unit in the archive line, not "KT." of a signature
                run.insert(0, tok)
            elif _is_upper_word(tok) and not re.search(r"[.;:()]$", tok.rstrip(",")) and not re.search(r"\d", tok):
                run.insert(0, tok)
            else:
                break
        if not run:
            continue
        prefixes = [i for i, tok in enumerate(run) if _PREFIX.match(tok) or re.match(r"^(TM|KT|TL|TUQ|Q|PP)\.", tok)]
        if prefixes:
            run = run[prefixes[0]:]
        else:
            while run and (run[0].endswith(",") or not re.search(r"[AEIOUY]", fold(run[0]))):
                run.pop(0)
        while run and (_PREFIX.match(run[-1]) or len(run[-1].strip(",.")) <= 1):
            run.pop()  # a prefix must be followed by a title; one letter is a speck
        title = " ".join(run)
        title = re.sub(r"\b(TM|KT|TL|TUQ|PP)\.(?=\S)", r"\1. ", title)
        folded = fold(title)
        if not title or not any(k in folded for k in vocab.TITLE_KEYWORDS):
            continue
        if _is_upper_word(name.split()[0]):
            continue
        path = "prefix" if prefixes else ("title" if name.split()[0] in vocab.SURNAMES else "weak")
        found.append((m.start(), name, title, path))
    if not found:
        return None
    if pick == "near" and anchor is not None:
        after = [x for x in found if x[0] >= anchor]
        choice = after[0] if after else found[-1]
    elif pick == "last":
        choice = found[-1]
    else:
        choice = found[0]
    return choice[1], choice[2], choice[3]


# --- public ------------------------------------------------------------------------------------------------------

def empty_fields() -> dict:
    fields: dict = {k: None for k in SCALAR_FIELDS}
    fields["recipients"] = []
    return fields


def extract_fields(text: str, *, scanned: bool = False) -> tuple[dict, dict]:
    """The metadata printed on a document, and a confidence per field. See the module's docstring.
    `scanned`: the text comes from OCR, whose confidences are lower (CONFIDENCE_SCANNED)."""
    fields, confidence, _paths = explain(text, scanned=scanned)
    return fields, confidence


def explain(text: str, *, scanned: bool = False) -> tuple[dict, dict, dict]:
    """`extract_fields` and, per field, the way its value was found (the keys of CONFIDENCE[field]):
    what the benchmark calibrates the confidences with."""
    reader = _Reader(text or "")
    reader.locate()
    if not reader.is_document():
        return empty_fields(), {k: 0.0 for k in FIELDS}, {k: "absent" for k in FIELDS}
    reader.number_notation()
    reader.place_date()
    reader.doc_type()
    reader.issuer()
    reader.subject()
    reader.marks()
    reader.recipients()
    reader.signer()
    table = CONFIDENCE_SCANNED if scanned else CONFIDENCE
    confidence = {k: table[k].get(reader.paths[k], 0.0) for k in FIELDS}
    return dict(reader.values), confidence, dict(reader.paths)
