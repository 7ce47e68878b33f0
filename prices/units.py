"""Reading and writing gold quantities: grams, purity, KES; numbers and dates per language.

Purity is stored as a fraction of pure gold. People write it as a fraction (0.9), a
percentage (90, 90%) or in karats (22k = 22/24). Numbers and dates are formatted with
Babel in the reader's language (`KES 9,850`, `24 Nov`).
"""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_decimal

from core.i18n import NAIROBI

TROY_OUNCE_GRAMS = Decimal("31.1034768")
MAX_GRAMS = Decimal("100000")  # 100 kg: more than any artisanal sale; longer input is a typo
MAX_KES_PER_GRAM = Decimal("1000000")
MIN_PURITY = Decimal("0.01")  # below 1% it is not gold for sale (and 0 would divide by zero)


class BadQuantity(ValueError):
    """`kind` says what was wrong, so callers can show their own message."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def _decimal(raw, comma="decimal"):
    """A number as people type it. A comma is a decimal comma in a weight (2,5 g) and a
    thousands separator in a price (9,850 KES)."""
    text = (raw or "").strip().replace(" ", "")
    if comma == "decimal" and re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    elif comma == "thousands" and re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", text):
        raise BadQuantity("not_a_number", f"{raw!r} is not a number")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise BadQuantity("not_a_number", f"{raw!r} is not a number") from None


def parse_grams(raw):
    value = _decimal(raw)
    if value <= 0:
        raise BadQuantity("not_positive", "the weight must be more than 0")
    if value > MAX_GRAMS:
        raise BadQuantity("too_large", f"the weight must be at most {MAX_GRAMS} g")
    return value


def parse_purity(raw):
    """'0.9', '90', '90%', '22k', '24K', '22 karat' -> a fraction in (0, 1]."""
    text = str(raw).strip().lower().replace(" ", "")
    karat = re.fullmatch(r"(\d+(?:\.\d+)?)(k|kt|karat|carat|ct)", text)
    if karat:
        value = Decimal(karat.group(1))
        if not 0 < value <= 24:
            raise BadQuantity("bad_purity", "karats go from 1 to 24")
        return (value / 24).quantize(Decimal("0.0001"))
    percent = text.endswith("%")
    value = _decimal(text.rstrip("%"))
    if percent or value > 1:
        value = value / 100
    if not MIN_PURITY <= value <= 1:
        raise BadQuantity("bad_purity", "purity is a fraction (0.9), a percentage (90%) or karats (22k)")
    return value.quantize(Decimal("0.0001"))


def parse_kes(raw):
    value = _decimal(str(raw), comma="thousands")
    if value <= 0 or value > MAX_KES_PER_GRAM:
        raise BadQuantity("bad_price", f"the price must be more than 0 and at most {MAX_KES_PER_GRAM} KES/g")
    return value.quantize(Decimal("0.01"))


def reference_price(usd_per_oz, usd_kes, purity):
    """KES per gram from a world price (USD per troy ounce of fine gold) and a USD/KES rate:
    {"kes_per_gram_24k": ..., "kes_per_gram": ... at `purity`}."""
    fine = Decimal(str(usd_per_oz)) * Decimal(str(usd_kes)) / TROY_OUNCE_GRAMS
    return {"kes_per_gram_24k": fine.quantize(Decimal("0.01"), ROUND_HALF_UP),
            "kes_per_gram": (fine * Decimal(purity)).quantize(Decimal("0.01"), ROUND_HALF_UP)}


# --- formatting for people ------------------------------------------------------------

def babel_locale(locale):
    return "en" if locale == "en" else "sw"


def kes(amount, locale):
    """KES 9,850 (whole shillings: miners do not deal in cents)."""
    rounded = Decimal(amount).quantize(Decimal("1"), ROUND_HALF_UP)
    return "KES " + format_decimal(rounded, format="#,##0", locale=babel_locale(locale))


def grams(value, locale):
    return format_decimal(Decimal(value), format="#,##0.###", locale=babel_locale(locale)) + " g"


def percent(fraction, locale, signed=False):
    """0.9 -> 90%; 0.91667 -> 91.7%."""
    value = Decimal(fraction) * 100
    text = format_decimal(abs(value) if signed else value, format="#,##0.#", locale=babel_locale(locale))
    return text + "%"


def short_date(moment, locale):
    """24 Nov (in the reader's language; the zone is Nairobi's)."""
    return format_date(moment.astimezone(NAIROBI).date(), "d MMM", locale=babel_locale(locale))
