"""Vietnamese text repair: legacy encodings to Unicode, one normal form, words and header lines put back.

Pure Python, no Django. `repair(text)` is what every reader in `congvu.intake.sources` passes its text
through:

1. **Legacy encodings.** Old Word and text files typed with TCVN3 (ABC, ".VnTime" fonts) or VNI
   (VNI-Windows, "VNI-Times") come out of every extractor as Latin-1 look-alikes ("Céng hoµ", "Coäng
   hoøa"); VIQR is ASCII ("Vie^.t Nam"). A conversion is applied only when it is *confident*: the
   converted words must be real Vietnamese syllables (a phonotactic check, `is_syllable`), far more of
   them than before, and most of the text must read as Vietnamese afterwards. Lines that already hold
   Unicode Vietnamese (any letter beyond Latin-1) are never touched, so correct text is never damaged
   and English or French text is never "converted".
2. **Normal form.** NFC; soft hyphens and zero-width characters removed; Ð/ð used for Đ/đ fixed; one
   tone-mark placement, the classic one of Decree 30/2020's templates ("hòa", "thủy", "Ủy ban": the
   tone on the first vowel of an open oa/oe/uy). `congvu.core.folding` folds both placements alike, so
   search is unaffected either way.
3. **Layout.** Syllables split by a line wrap ("Quả-\\nng", "Quả\\nng") or by letter spacing in
   headers ("Q UẢNG") are joined when the halves are not words and the whole is; the two header columns
   that PDF extraction runs into one line (issuer | national title, motto, place and date) are split
   into separate lines, left column first, then right column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "Repaired", "repair", "detect_legacy", "convert_legacy", "is_syllable",
    "encode_tcvn3", "encode_vni", "encode_viqr", "vietnamese_ratio",
]


@dataclass(frozen=True)
class Repaired:
    text: str
    legacy_encoding: str = ""  # "tcvn3", "vni", "viqr" when the text was converted, else ""
    changes: tuple[str, ...] = field(default_factory=tuple)  # what was done: "legacy:tcvn3", "nfc", ...


# --- Vietnamese syllables --------------------------------------------------------------------------

_TONE_MARKS = {"\u0300": "huyen", "\u0301": "sac", "\u0303": "nga", "\u0309": "hoi", "\u0323": "nang"}
_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x")
_RHYMES_TEXT = """
a ac ach ai am an ang anh ao ap at au ay
ăc ăm ăn ăng ăp ăt
âc âm ân âng âp ât âu ây
e ec em en eng eo ep et
ê êch êm ên ênh êp êt êu
i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
o oc oi om on ong op ot ooc oong
oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oe oen oeo oet
ô ôc ôi ôm ôn ông ôp ôt
ơ ơi ơm ơn ơp ơt
u ua uân uâng uât uây uc uê uêch uên uênh uêt ui um un ung uơ uôc uôi uôm uôn uông uôt up ut
uy uya uych uyên uyêt uynh uyt uyu
ư ưa ưc ưi ưm ưn ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
y yêm yên yêng yêt yêu ynh ych yt
"""
_RHYMES = frozenset(_RHYMES_TEXT.split())
_STOP_CODAS = ("c", "ch", "p", "t")  # a syllable ending so takes only sắc or nặng
_WORD_RE = re.compile(r"[^\W\d_]+")


def _split_tone(lower: str) -> tuple[str, str] | None:
    """(letters without the tone mark, tone name or "") or None when there are two tone marks."""
    tone = ""
    kept = []
    for ch in unicodedata.normalize("NFD", lower):
        if ch in _TONE_MARKS:
            if tone:
                return None
            tone = _TONE_MARKS[ch]
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone


@lru_cache(maxsize=65536)
def is_syllable(word: str) -> bool:
    """Whether `word` is spelled like a Vietnamese syllable (lower, Title or UPPER case, NFC or not).

    A spelling check, not a dictionary: onset + rhyme from Vietnamese orthography, at most one tone
    mark, and a syllable ending in c/ch/p/t takes only the sắc or nặng tone.
    """
    if not word or len(word) > 8:
        return False
    if not (word.islower() or word.isupper() or (word[0].isupper() and (len(word) == 1 or word[1:].islower()))):
        return False
    split = _split_tone(word.lower())
    if split is None:
        return False
    base, tone = split
    candidates = [("", base)]
    for onset in _ONSETS:
        if base.startswith(onset):
            candidates.append((onset, base[len(onset):]))
    for onset, rhyme in candidates:
        if rhyme in _RHYMES or (onset == "gi" and (rhyme == "" or rhyme[0] in "aăâeêoôơuư")):
            if rhyme.endswith(_STOP_CODAS) and tone not in ("sac", "nang"):
                continue
            if onset == "qu" and rhyme[:1] in ("u", "o"):
                continue
            return True
    return False


def vietnamese_ratio(text: str) -> float:
    """Share of the words of `text` (two letters or more) that are Vietnamese syllables."""
    words = [w for w in _WORD_RE.findall(text) if len(w) > 1]
    if not words:
        return 0.0
    return sum(1 for w in words if is_syllable(w)) / len(words)


# --- legacy tables ---------------------------------------------------------------------------------

# TCVN 5712:1993 (VN3, the "ABC" fonts .VnTime, .VnArial ...): one byte per letter, read as Latin-1.
_TCVN3_TEXT = (
    "¡Ă ¢Â £Ê ¤Ô ¥Ơ ¦Ư §Đ ¨ă ©â ªê «ô ¬ơ \u00adư ®đ "
    "µà ¸á ¶ả ·ã ¹ạ »ằ ¾ắ ¼ẳ ½ẵ Æặ Çầ Êấ Èẩ Éẫ Ëậ "
    "Ìè Ðé Îẻ Ïẽ Ñẹ Òề Õế Óể Ôễ Öệ ×ì Ýí Øỉ Üĩ Þị "
    "ßò ãó áỏ âõ äọ åồ èố æổ çỗ éộ êờ íớ ëở ìỡ îợ "
    "ïù óú ñủ òũ ôụ õừ øứ öử ÷ữ ùự úỳ ýý ûỷ üỹ þỵ"
)
TCVN3_DECODE = {pair[0]: pair[1] for pair in _TCVN3_TEXT.split()}
TCVN3_ENCODE = {v: k for k, v in TCVN3_DECODE.items()}

# VNI-Windows: a base letter followed by a mark byte (read as Latin-1); a few letters are one byte.
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_CIRC = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
_VNI_SINGLE = {"ñ": "đ", "Ñ": "Đ", "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư",
               "ò": "ị", "Ò": "Ị", "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ"}


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(seq_lower: str, uni_lower: str) -> None:
        for seq, uni in ((seq_lower, uni_lower), (seq_lower.upper(), uni_lower.upper())):
            table[unicodedata.normalize("NFC", seq)] = unicodedata.normalize("NFC", uni)

    for mark, tone in _VNI_TONES.items():
        for base in "aeiouy":
            add(base + mark, base + tone)
        add("ô" + mark, "ơ" + tone)
        add("ö" + mark, "ư" + tone)
    for mark, tone in _VNI_CIRC.items():
        for base in "aeo":
            add(base + mark, base + "\u0302" + tone)
    for mark, tone in _VNI_BREVE.items():
        add("a" + mark, "a\u0306" + tone)
    for seq, uni in _VNI_SINGLE.items():
        table[seq] = uni
    return table


VNI_DECODE = _build_vni()
VNI_ENCODE = {}
for _seq, _uni in sorted(VNI_DECODE.items(), key=lambda kv: len(kv[0])):
    VNI_ENCODE.setdefault(_uni, _seq)
VNI_ENCODE.update({"ì": "ì", "í": "í", "Ì": "Ì", "Í": "Í"})  # VNI keeps these two Latin-1 letters
_VNI_RE = re.compile("|".join(re.escape(k) for k in sorted(VNI_DECODE, key=len, reverse=True)))

# VIQR (RFC 1456): letter, then ( ^ + for the letter marks, then ' ` ? ~ . for the tone; dd for đ.
_VIQR_LETTER = {"(": "\u0306", "^": "\u0302", "+": "\u031b"}
_VIQR_TONE = {"'": "\u0301", "`": "\u0300", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
_VIQR_RE = re.compile(r"(?:(?<![A-Za-z])|(?<=[A-Z]))(DD|Dd|dd)(?!d)|([aAeEiIoOuUyY])([(^+]?)([`'?~.]?)")


def _viqr_sub(m: re.Match) -> str:
    if m.group(1):
        return "Đ" if m.group(1)[0] == "D" else "đ"
    base, letter, tone = m.group(2), m.group(3), m.group(4)
    if letter and not ((letter == "(" and base in "aA") or (letter == "^" and base in "aAeEoO")
                       or (letter == "+" and base in "oOuU")):
        return m.group(0)
    return unicodedata.normalize("NFC", base + _VIQR_LETTER.get(letter, "") + _VIQR_TONE.get(tone, ""))


def _viqr_word(word: str) -> str:
    return _VIQR_RE.sub(_viqr_sub, word)


def encode_tcvn3(text: str) -> str:
    """Unicode → TCVN3 as its bytes read in Latin-1 (what a .VnTime document looks like extracted)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in TCVN3_ENCODE:
            out.append(TCVN3_ENCODE[ch])
        elif ch.lower() in TCVN3_ENCODE and ch.isupper():
            # TCVN3 has no capital toned letters: .VnTimeH draws the lower-case byte as a capital.
            out.append(TCVN3_ENCODE[ch.lower()])
        else:
            out.append(ch)
    return "".join(out)


def encode_vni(text: str) -> str:
    """Unicode → VNI-Windows as its bytes read in Latin-1."""
    return "".join(VNI_ENCODE.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


_VIQR_ENC_LETTER = {v: k for k, v in _VIQR_LETTER.items()}
_VIQR_ENC_TONE = {v: k for k, v in _VIQR_TONE.items()}


def encode_viqr(text: str) -> str:
    """Unicode → VIQR ("Việt Nam" → "Vie^.t Nam")."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in "đĐ":
            out.append("dd" if ch == "đ" else "DD")
            continue
        parts = unicodedata.normalize("NFD", ch)
        if len(parts) == 1:
            out.append(ch)
            continue
        out.append(parts[0] + "".join(_VIQR_ENC_LETTER.get(m, "") for m in parts[1:])
                   + "".join(_VIQR_ENC_TONE.get(m, "") for m in parts[1:]))
    return "".join(out)


def _tcvn3_word(word: str) -> str:
    return "".join(TCVN3_DECODE.get(ch, ch) for ch in word)


def _vni_word(word: str) -> str:
    return _VNI_RE.sub(lambda m: VNI_DECODE[m.group(0)], word)


_CONVERTERS = {"tcvn3": _tcvn3_word, "vni": _vni_word, "viqr": _viqr_word}

# A line holding any letter beyond Latin-1 (ơ, ư, ệ, combining marks ...) is Unicode Vietnamese already.
_UNICODE_VI = re.compile(r"[\u0100-\u024f\u0300-\u036f\u1ea0-\u1ef9]")
_LATIN1_HIGH = re.compile(r"[\u00a0-\u00ff]")
# Words as legacy text shows them: letters plus the Latin-1 symbols TCVN3 uses for letters.
_LEGACY_TOKEN = re.compile(r"[A-Za-z\u00a1-\u00ff]+")
_VIQR_TOKEN = re.compile(r"[A-Za-z][A-Za-z(^+`'?~.\\]*")
_VIQR_HINT = re.compile(r"[aAeEoO]\^|[aA]\(|[oOuU]\+|[aeiouyAEIOUY][`'?~.][a-zA-Z]|(?<![A-Za-z])[dD][dD][aeiouyAEIOUY]")
_LETTERS_ONLY = re.compile(r"[^\W\d_]+")


def _word_valid(word: str) -> bool:
    return bool(_LETTERS_ONLY.fullmatch(word)) and is_syllable(word)


def _candidate_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if not _UNICODE_VI.search(line)]


def _ascii_caps(token: str) -> int:
    """Number of ASCII letters of `token` when all of them are capitals, else 0."""
    letters = [c for c in token if c.isascii() and c.isalpha()]
    return len(letters) if letters and all(c.isupper() for c in letters) else 0


def _line_pairs(line: str, encoding: str):
    """(start, end, original, converted) for each word of `line` read in `encoding`."""
    convert = _CONVERTERS[encoding]
    token_re = _VIQR_TOKEN if encoding == "viqr" else _LEGACY_TOKEN
    found = []
    for m in token_re.finditer(line):
        token = m.group(0)
        if encoding == "viqr":
            # "\\." and "\\?" escape punctuation. A final "?" is the hỏi tone when that makes a syllable
            # (official documents hardly ask questions). A final "." is punctuation when only the word without
            # it is Vietnamese, at the line's end, and before a capital unless the word itself is capitalised
            # ("Bo^. Ta`i chi'nh" is "Bộ Tài chính", "kho. Ne^'u" is "kho. Nếu", "I. Ca'c" stays "I. Các").
            if "\\" in token:
                token = token[:token.index("\\")]
            if len(token) > 1 and token[-1] in ".?":
                rest = line[m.start() + len(token):].lstrip(" \t")
                bare = token[:-1]
                with_tone, without = _word_valid(convert(token)), _word_valid(convert(bare))
                capital = len(bare) > 1 and bare[0].isupper() and (bare[1:].islower() or bare[1:].isupper())
                if not with_tone or (without and token[-1] == "." and (
                        not rest or (rest[0].isupper() and not capital))):
                    token = bare
            if not token:
                continue
        found.append((m.start(), m.start() + len(token), token, convert(token)))
    if encoding == "tcvn3":
        # TCVN3 has no toned capitals: headings typed in a ".VnTimeH" font are ASCII capitals with lower-case
        # toned bytes ("CéNG HßA X·"). On a line without lower-case ASCII every changed word is a capital
        # word; elsewhere a word is when only its capital form is Vietnamese ("CéNG" → "CộNG" → "CỘNG"), and
        # so is a changed word with one capital ("X·", "Bé") next to such a word.
        # A heading line: no lower-case ASCII, and two Vietnamese words in capitals ("QUAN", "BAN") or only
        # changed words that are Vietnamese in capitals ("Bé Y TÕ" → "BỘ Y TẾ").
        changed = [after for _s, _e, token, after in found if after != token]
        heading = not any(c.isascii() and c.islower() for c in line) and (
            sum(1 for _s, _e, token, after in found
                if _ascii_caps(token) >= 2 and after.isupper() and _word_valid(after)) >= 2
            or (len(changed) >= 2 and all(_word_valid(a.upper()) for a in changed)))
        ascii_lower = not heading
        caps = [_ascii_caps(token) if after != token else 0 for _s, _e, token, after in found]
        upper = [c >= 1 and (not ascii_lower or not _word_valid(after) and _word_valid(after.upper()))
                 for c, (_s, _e, _t, after) in zip(caps, found)]
        spread = True
        while spread:
            spread = False
            for i, c in enumerate(caps):
                if c == 1 and not upper[i] and ((i > 0 and upper[i - 1]) or (i + 1 < len(found) and upper[i + 1])):
                    upper[i] = spread = True
        for i, (start, end, token, after) in enumerate(found):
            if upper[i]:
                found[i] = (start, end, token, after.upper())
    yield from found


def _score(lines: list[str], encoding: str) -> tuple[int, int, int, float]:
    """(words changed, of them valid after, gain in valid words, Vietnamese share after) over `lines`."""
    changed = valid_after = valid_before = 0
    words_after = vi_after = 0
    for line in lines:
        for _start, _end, token, after in _line_pairs(line, encoding):
            if after != token:
                changed += 1
                valid_after += _word_valid(after)
                valid_before += _word_valid(token)
            if len(after) > 1:
                words_after += 1
                vi_after += _word_valid(after)
    ratio = vi_after / words_after if words_after else 0.0
    return changed, valid_after, valid_after - valid_before, ratio


def detect_legacy(text: str) -> tuple[str, float]:
    """The legacy encoding `text` is written in ("tcvn3", "vni", "viqr") and a confidence, or ("", 0.0).

    Only lines without Unicode Vietnamese letters are considered; an encoding is reported only when its
    conversion turns words that are not Vietnamese into words that are, in quantity, and leaves most of
    those lines reading as Vietnamese.
    """
    lines = _candidate_lines(text)
    if not lines:
        return "", 0.0
    sample = "\n".join(lines)
    encodings = []
    if _LATIN1_HIGH.search(sample):
        encodings += ["tcvn3", "vni"]
    if len(_VIQR_HINT.findall(sample)) >= 2:
        encodings.append("viqr")
    best = ("", 0.0)
    best_gain = 0
    for encoding in encodings:
        changed, valid_after, gain, ratio = _score(lines, encoding)
        if changed < 2 or valid_after < 0.8 * changed or gain < max(2, changed // 2) or ratio < 0.6:
            continue
        confidence = round(min(0.99, 0.5 + 0.5 * ratio * min(1.0, gain / 10)), 2)
        if gain > best_gain:
            best, best_gain = (encoding, confidence), gain
    return best


def _convert_line(line: str, encoding: str, *, mixed: bool) -> str:
    """Convert one line's words. In a document that also holds Unicode Vietnamese lines (`mixed`), a line
    is converted only when some word needs it; a word that is Vietnamese as it stands and would not be
    after conversion is always kept."""
    pieces = []
    improved = kept_valid = False
    pos = 0
    for start, end, token, after in _line_pairs(line, encoding):
        if after == token:
            continue
        before_ok, after_ok = _word_valid(token), _word_valid(after)
        if after_ok and not before_ok:
            improved = True
        elif before_ok:
            kept_valid = True
            if not after_ok:
                after = token  # a real word that this table would spoil
        pieces.append(line[pos:start])
        pieces.append(after)
        pos = end
    if mixed and not improved and kept_valid:
        return line  # nothing on this line needed converting
    pieces.append(line[pos:])
    return "".join(pieces)


def convert_legacy(text: str, encoding: str) -> str:
    """Convert the lines of `text` written in `encoding`; Unicode Vietnamese lines are left alone."""
    lines = text.split("\n")
    unicode_lines = [bool(_UNICODE_VI.search(line)) for line in lines]
    mixed = any(unicode_lines)
    return "\n".join(line if is_unicode else _convert_line(line, encoding, mixed=mixed)
                     for line, is_unicode in zip(lines, unicode_lines))


# --- Unicode clean-up ------------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_ETH_WORD = re.compile(r"[^\W\d_]*[Ðð][^\W\d_]*")
# Modern placement (tone on the second vowel of an open oa/oe/uy) → classic (on the first).
_TONED = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_PLACEMENT = re.compile(r"(?i)(?<![^\W\d_])([^\W\d_]*?)([ou])([^\W\d_])(?![^\W\d_])")


def _classic_placement(m: re.Match) -> str:
    onset, first, second = m.group(1), m.group(2), m.group(3)
    if onset.lower().endswith("q") or onset.lower() == "g" and first.lower() == "i":
        return m.group(0)
    decomposed = unicodedata.normalize("NFD", second)
    base = decomposed[0]
    marks = decomposed[1:]
    pair = (first.lower() + base.lower())
    if pair not in ("oa", "oe", "uy") or len(marks) != 1 or marks not in _TONED:
        return m.group(0)
    if not is_syllable(onset + first + second):
        return m.group(0)
    return onset + unicodedata.normalize("NFC", first + marks) + base


def _fix_eth(m: re.Match) -> str:
    word = m.group(0)
    fixed = word.replace("Ð", "Đ").replace("ð", "đ")
    return fixed if is_syllable(fixed) else word


# --- words broken by wraps and spacing -------------------------------------------------------------

_WRAP = re.compile(r"([^\W\d_]+)(-?)[ \t]*\n[ \t]*([^\W\d_]+)[ \t]*")


def _case_compatible(a: str, b: str) -> bool:
    if a.isupper() and b.isupper():
        return True
    return b.islower() and (a.islower() or (a[0].isupper() and (len(a) == 1 or a[1:].islower())))


def _joinable(a: str, b: str) -> bool:
    if is_syllable(a) and is_syllable(b):
        return False
    return _case_compatible(a, b) and is_syllable(a + b)


def _rejoin(text: str) -> tuple[str, int]:
    count = 0

    def wrap(m: re.Match) -> str:
        nonlocal count
        a, b = m.group(1), m.group(3)
        if _joinable(a, b):
            count += 1
            at_end = m.string[m.end():m.end() + 1] in ("", "\n")
            return a + b + ("" if at_end else "\n")
        return m.group(0)

    text = _WRAP.sub(wrap, text)
    lines = []
    for line in text.split("\n"):
        if " " not in line:
            lines.append(line)
            continue
        parts = line.split(" ")
        out = [parts[0]]
        for part in parts[1:]:
            prev = out[-1]
            words = prev and part and _LETTERS_ONLY.fullmatch(prev) and _LETTERS_ONLY.fullmatch(part)
            if words and _joinable(prev, part):
                out[-1] = prev + part
                count += 1
            else:
                out.append(part)
        lines.append(" ".join(out))
    text = "\n".join(lines)
    return text, count


# --- header columns --------------------------------------------------------------------------------

_DASH = r"[-–—‐‑]"
_NATIONAL = re.compile(r"cong\s*hoa\s*xa\s*hoi\s*chu\s*nghia\s*viet\s*nam")
_MOTTO = re.compile(rf"doc\s*lap\s*{_DASH}*\s*tu\s*do\s*{_DASH}*\s*hanh\s*phuc")
_RULE = re.compile(r"[-_–—=*]{4,}")
_NUMBER = re.compile(r"(?<![a-z])so\s*:\s*[0-9.…\s]*/\s*[^\s]+|(?<![a-z])so\s*:\s*[0-9]+\b")
_VV = re.compile(r"(?<![a-z/])v\s*/\s*v\b")
_DATE = re.compile(r",\s*ngay\s+\S{1,3}\s+thang\s+\S{1,3}\s+nam\s+[0-9]{4}")  # "<place>, ngày … năm …"
_DEAR = re.compile(r"(?<![a-z])kinh\s*gui\s*:")
_HEADER_ZONE = 15


def _fold_chars(line: str) -> str:
    """Lower-case, marks removed, one character for one character (positions stay valid)."""
    out = []
    for ch in line:
        base = unicodedata.normalize("NFD", ch)[0]
        out.append("d" if ch in "đĐ" else base.lower())
    return "".join(out)


def _segments(line: str) -> list[tuple[str, str]]:
    """Split one header line at the national title, motto, rules, number, V/v, date and Kính gửi.

    Returns (kind, text) pieces; kind is national, motto, rule, number, vv, date, dear or text."""
    folded = _fold_chars(line)
    matches: list[tuple[int, int, str]] = []
    for kind, pattern in (("national", _NATIONAL), ("motto", _MOTTO), ("number", _NUMBER), ("vv", _VV),
                          ("dear", _DEAR), ("date", _DATE), ("rule", _RULE)):
        for m in pattern.finditer(folded):
            if not any(m.start() < e and s < m.end() for s, e, _ in matches):
                matches.append((m.start(), m.end(), kind))
    bounds = {0, len(line)}
    for m in re.finditer(r"\|", line):  # a table's column separator, as some extractors print it
        bounds.update((m.start(), m.end()))
    kinds: dict[int, str] = {}
    for start, end, kind in matches:
        if kind == "date":
            bounds.add(end)  # the place before "ngày" belongs to the date: cut after the year only
            continue
        bounds.add(start)
        kinds[start] = kind
        if kind in ("national", "motto", "rule", "number"):
            bounds.add(end)
    ordered = sorted(bounds)
    result = []
    for a, b in zip(ordered, ordered[1:]):
        piece = line[a:b].strip()
        if not piece:
            continue
        kind = kinds.get(a, "text")
        if kind == "text" and _DATE.search(_fold_chars(piece)):
            kind = "date"
        result.append((kind, piece))
    return result


def _split_header(text: str) -> tuple[str, int]:
    """Put the left header column (issuer, number) before the right one (national title, motto, date)."""
    lines = text.split("\n")
    zone_end = None
    found_national = False
    for i, line in enumerate(lines[:_HEADER_ZONE]):
        folded = _fold_chars(line)
        if _NATIONAL.search(folded) or _MOTTO.search(folded):
            found_national = True
        if found_national and (_DATE.search(folded) or _NUMBER.search(folded)):
            zone_end = i
            for j in range(i + 1, min(i + 3, len(lines))):  # the number and the date share a row
                folded_j = _fold_chars(lines[j])
                if _DATE.search(folded_j) or _NUMBER.search(folded_j):
                    zone_end = j
            break
    if not found_national:
        return text, 0
    if zone_end is None:
        zone_end = next((i for i, line in enumerate(lines[:_HEADER_ZONE]) if _MOTTO.search(_fold_chars(line))),
                        None)
        if zone_end is None:
            return text, 0
    segmented = [_segments(line) for line in lines[:zone_end + 1]]
    if not any(len(pieces) > 1 for pieces in segmented):
        return text, 0  # no line runs two columns together: keep the extractor's order
    left: list[str] = []
    right: list[str] = []
    after: list[str] = []
    side = "left"
    rest = False  # past the header: "Kính gửi", or the title running on after the date
    for pieces in segmented:
        date_seen = False
        for position, (kind, piece) in enumerate(pieces):
            if piece == "|":
                continue
            if rest or kind == "dear" or (date_seen and kind in ("text", "vv")):
                rest = True
                after.append(piece)
                continue
            if kind in ("national", "motto", "date"):
                side = "right"
                date_seen = date_seen or kind == "date"
            elif kind != "rule" or (position == 0 and len(pieces) > 1):
                side = "left"  # a rule keeps the side of what precedes it, unless it opens a two-column row
            elif position > 0 and pieces[position - 1][0] == "rule":
                side = "right"  # "------- ---------------": the two columns' rules side by side
            (right if side == "right" else left).append(piece)
    new_head = left + right + after
    if [s.strip() for s in lines[:zone_end + 1] if s.strip()] == new_head:
        return text, 0
    return "\n".join(new_head + lines[zone_end + 1:]), 1


_SIGN_MARK = re.compile(r"(?<=\S)[ \t]+(?=(?:TM|KT|TL|TUQ|Q)\.[ \t]*[^\W\d_])")


def _split_signature_marks(text: str) -> tuple[str, int]:
    """"Nơi nhận: TM. ỦY BAN NHÂN DÂN" → two lines: the signing marks start the right column."""
    new, n = _SIGN_MARK.subn("\n", text)
    return new, n


# --- the whole repair ------------------------------------------------------------------------------


def repair(text: str) -> Repaired:
    """Legacy encodings converted (when confident), NFC, one tone placement, words and header rejoined."""
    changes: list[str] = []
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    encoding, _confidence = detect_legacy(text)
    if encoding:
        converted = convert_legacy(text, encoding)
        if converted != text:
            text = converted
            changes.append(f"legacy:{encoding}")
        else:
            encoding = ""
    normal = unicodedata.normalize("NFC", text)
    if normal != text:
        changes.append("nfc")
        text = normal
    cleaned = _INVISIBLE.sub("", text)
    cleaned = re.sub(r"[ \t]+([\u0300-\u036f])", r"\1", cleaned)
    cleaned = unicodedata.normalize("NFC", cleaned)
    if cleaned != text:
        changes.append("invisible")
        text = cleaned
    if "Ð" in text or "ð" in text:
        fixed = _ETH_WORD.sub(_fix_eth, text)
        if fixed != text:
            changes.append("eth")
            text = fixed
    placed = _PLACEMENT.sub(_classic_placement, text)
    if placed != text:
        changes.append("tone_placement")
        text = placed
    text, joined = _rejoin(text)
    if joined:
        changes.append("rejoined")
    pages = []
    split = 0
    for page in text.split("\f"):  # a form feed separates pages: each page may start with a header
        body = page.strip("\n")
        if body:
            lead = page[:len(page) - len(page.lstrip("\n"))]
            trail = page[len(page.rstrip("\n")):]
            body, n = _split_header(body)
            page = lead + body + trail
            split += n
        pages.append(page)
    text = "\f".join(pages)
    if split:
        changes.append("header_columns")
    text, marks = _split_signature_marks(text)
    if marks:
        changes.append("signature_columns")
    return Repaired(text=text, legacy_encoding=encoding, changes=tuple(changes))
