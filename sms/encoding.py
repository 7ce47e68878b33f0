"""SMS encoding: GSM-7 or UCS-2, exact segment counts, and making text GSM-7 where we can.

One SMS carries 140 bytes. In the GSM 03.38 7-bit alphabet that is 160 characters (153 per
part once a message is split, the rest goes to the concatenation header); characters of
the extension table (^ { } [ ] ~ \\ | EUR and form feed) take two septets and are never split
across two parts. One character outside the alphabet turns the whole message into UCS-2:
70 UTF-16 code units, 67 per part (a character outside the Basic Multilingual Plane takes
two units and is never split either). Every part is billed, so a stray typographic quote
(which would triple the price of a Swahili notice) is transliterated to its ASCII twin
before anything is sent.
"""
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
from anyascii import anyascii

GSM7, UCS2 = "GSM-7", "UCS-2"
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
CODEC = "gsm03.38"


@lru_cache(maxsize=4096)  # every message is analysed character by character; few distinct ones
def septets(char):
    """Septets one character takes in GSM-7 (1, or 2 for the extension table), or None."""
    try:
        return len(char.encode(CODEC))
    except UnicodeEncodeError:
        return None


def is_gsm7(text):
    try:
        text.encode(CODEC)
        return True
    except UnicodeEncodeError:
        return False


def _transliterable(char):
    # Punctuation, spaces and accented Latin letters have sensible ASCII twins (’ -> ',
    # – -> -, ł -> l). Symbols such as emoji do not (anyascii would write ":grinning:") and
    # other scripts would be rewritten into something else, so they stay and the officer is
    # told the text needs UCS-2.
    category = unicodedata.category(char)[0]
    if category in "PZ":
        return True
    return category == "L" and unicodedata.name(char, "").startswith("LATIN")


def to_gsm7(text):
    """`text` with every non-GSM-7 punctuation mark, space or letter replaced by its ASCII twin.

    Characters already in the GSM-7 alphabet (including é, ñ, ü, £) are kept as they are.
    Anything without a GSM-7 twin is left in place: `analyse` then reports UCS-2.
    """
    text = unicodedata.normalize("NFC", text or "")
    out = []
    for char in text:
        if septets(char) is not None or not _transliterable(char):
            out.append(char)
            continue
        twin = anyascii(char)
        out.append(twin if twin and is_gsm7(twin) else char)
    return "".join(out)


def _utf16_units(char):
    return 2 if ord(char) > 0xFFFF else 1


def _count_parts(sizes, single, part):
    """Parts needed for characters of the given sizes; no character is split across parts."""
    total = sum(sizes)
    if total <= single:
        return 1
    parts, used = 1, 0
    for size in sizes:
        if used + size > part:
            parts, used = parts + 1, 0
        used += size
    return parts


@dataclass(frozen=True)
class Analysis:
    text: str  # the text as it will be sent (after transliteration)
    encoding: str  # GSM-7 or UCS-2
    length: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # capacity of one part at this length (160/153 or 70/67)
    non_gsm: tuple  # the characters that force UCS-2 (empty for GSM-7)

    @property
    def remaining(self):
        """Units left in the last part before another part is needed."""
        capacity = self.per_segment * self.segments
        return max(0, capacity - self.length)


def analyse(text, *, transliterate=True):
    """Encoding, length and number of billed parts of `text` as it would be sent."""
    if transliterate:
        text = to_gsm7(text)
    else:
        text = unicodedata.normalize("NFC", text or "")
    sizes = [septets(c) for c in text]
    if all(size is not None for size in sizes):
        segments = _count_parts(sizes, GSM7_SINGLE, GSM7_PART)
        return Analysis(text, GSM7, sum(sizes), segments, GSM7_SINGLE if segments == 1 else GSM7_PART, ())
    units = [_utf16_units(c) for c in text]
    segments = _count_parts(units, UCS2_SINGLE, UCS2_PART)
    bad = tuple(dict.fromkeys(c for c, size in zip(text, sizes) if size is None))
    return Analysis(text, UCS2, sum(units), segments, UCS2_SINGLE if segments == 1 else UCS2_PART, bad)


def segment_count(text):
    return analyse(text, transliterate=False).segments


def preview(text):
    """What an officer sees before sending: a dict with the text as sent, encoding, length,
    parts, and a warning when it still needs UCS-2 (which characters) or spans several parts."""
    result = analyse(text)
    warnings = []
    if result.encoding == UCS2:
        shown = " ".join(result.non_gsm[:10])
        warnings.append(f"needs UCS-2 (70 characters per SMS) because of: {shown}")
    if result.segments > 1:
        warnings.append(f"{result.segments} SMS parts are billed per recipient")
    return {
        "text": result.text,
        "encoding": result.encoding,
        "length": result.length,
        "segments": result.segments,
        "changed": result.text != unicodedata.normalize("NFC", text or ""),
        "warnings": warnings,
    }


def text_septets(text):
    """Septets `text` takes in GSM-7 (extension characters count two), or None when it is
    not GSM-7 at all."""
    try:
        return len(text.encode(CODEC))
    except UnicodeEncodeError:
        return None


def fits_one_sms(text):
    """One GSM-7 part, as written (no transliteration): what every fixed template must be."""
    n = text_septets(text)
    return n is not None and n <= GSM7_SINGLE


def fit_one_sms(candidates, otherwise=None):
    """The one place that fits a text into one SMS: the first of `candidates` (texts, the
    richest first; a generator is only read as far as needed) that is one GSM-7 part. When
    none is, `otherwise()` if given (e.g. a version shortened letter by letter), else the
    last candidate."""
    text = None
    for text in candidates:
        if fits_one_sms(text):
            return text
    return otherwise() if otherwise is not None else text


def template_problems(text, limit=GSM7_SINGLE):
    """Human-readable reasons why `text` is not a single-part GSM-7 SMS (empty list: fine)."""
    if not text or not text.strip():
        return ["empty"]
    n = text_septets(text)
    if n is None:
        bad = sorted({ch for ch in text if septets(ch) is None})
        return ["characters outside GSM-7: " + " ".join(repr(ch) for ch in bad)]
    if n > limit:
        return [f"{n} characters, at most {limit}"]
    return []
