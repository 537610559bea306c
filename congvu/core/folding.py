"""Vietnamese text folding for search (REGULATIONS §7).

One function decides what "the same word" means everywhere: the SQLite and PostgreSQL search
engines index the folded text, and queries are folded the same way, so both engines agree.
Folding removes case, every tone and vowel mark and the đ/d difference; because all marks go,
the two tone-placement conventions ("hoà" / "hòa", "thuỷ" / "thủy") fold to the same letters.
"""

import re
import unicodedata

# đ/Đ have no Unicode decomposition, so stripping combining marks leaves them: map them explicitly.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})
_WORD = re.compile(r"[0-9a-z]+")


def nfc(text: str) -> str:
    """Normalise to NFC, the form congvu stores."""
    return unicodedata.normalize("NFC", text or "")


def fold(text: str) -> str:
    """Lower-case ASCII rendering of `text` with every Vietnamese mark removed."""
    text = text or ""
    if text.isascii():  # nothing to strip; indexing a million rows spends most of its time here
        return text.lower()
    decomposed = unicodedata.normalize("NFD", text).translate(_EXTRA)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower()


def fold_words(text: str) -> list[str]:
    """The folded words of `text`: runs of letters and digits, everything else is a separator."""
    return _WORD.findall(fold(text))


def fold_for_index(text: str) -> str:
    """The folded words joined by single spaces: what the search engines index."""
    return " ".join(fold_words(text))


_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_MARKS = "\u0306\u0302\u031b"  # breve, circumflex, horn: they make a different letter
_TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # ngang, huyền, hỏi, ngã, sắc, nặng


def vi_sort_key(text: str) -> tuple:
    """Sort key for Vietnamese alphabetical order (a ă â b c d đ e ê … o ô ơ … u ư …).

    Letters compare first; tone marks only break ties, in the order ngang, huyền, hỏi, ngã, sắc, nặng.
    A word boundary sorts before any letter ("Hà Nam" before "Hàm Yên") and digits before letters.
    A tone belongs to its syllable, not to the vowel that carries it, so both tone placements sort
    alike ("Hoà" = "Hòa", "Thuỷ" = "Thủy").
    """
    letters: list[int] = []
    tones: list[int] = []
    in_word = False
    for ch in unicodedata.normalize("NFC", (text or "").lower()):
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], parts[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
        idx = _ALPHABET.find(letter) if len(letter) == 1 else -1
        if idx < 0 and not letter.isalnum():  # spaces and punctuation: one boundary, below every letter
            if in_word:
                letters.append(0)
            in_word = False
            continue
        if not in_word:
            tones.append(0)  # a new syllable starts without a tone
            in_word = True
        tone = next((m for m in marks if m in _TONES), "")
        if tone:
            tones[-1] = _TONES.index(tone)
        if idx >= 0:
            letters.append(100 + idx)
        elif letter.isdigit():
            letters.append(10 + int(letter) if letter in "0123456789" else 50)
        else:
            letters.append(1000 + ord(letter[0]))
    if letters and letters[-1] == 0:
        letters.pop()
    return tuple(letters), tuple(tones)
