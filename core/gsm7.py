"""GSM-7 checks: an SMS in the GSM 03.38 alphabet fits 160 septets in one segment; one
character outside it (a curly quote, an emoji) makes the whole SMS UCS-2 (70 per segment)."""
import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

SINGLE_SEGMENT = 160


def septets(text):
    """Septets `text` takes in GSM-7 (extension characters such as [ ] count two), or None
    when it is not GSM-7 at all."""
    try:
        return len(text.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def fits_one_sms(text):
    n = septets(text)
    return n is not None and n <= SINGLE_SEGMENT


def problems(text, limit=SINGLE_SEGMENT):
    """Human-readable reasons why `text` is not a single-segment GSM-7 SMS (empty: fine)."""
    if not text or not text.strip():
        return ["empty"]
    n = septets(text)
    if n is None:
        bad = sorted({ch for ch in text if septets(ch) is None})
        return ["characters outside GSM-7: " + " ".join(repr(ch) for ch in bad)]
    if n > limit:
        return [f"{n} characters, at most {limit}"]
    return []
