"""What a buyer record must look like, and who miners see. Pure (no I/O, no Flask).

Licence numbers. Dealers in minerals are licensed under the Mining (Dealings in Minerals)
Regulations, LN 88/2017 (domain.md section 3, [K38]), but no source here fixes how the
number is printed, and counties have issued several shapes (e.g. `MDL/2024/0153`,
`DL-MIG-017`). So the pattern is permissive and documented: 4 to 30 characters, letters and
digits in groups joined by one `/`, `-`, `.` or space, with at least one digit; stored in
upper case with single separators. Anything else (a phone number typed in the wrong box,
punctuation, one character, words with no number) is refused with the field named.

Phones: a valid number (any Kenyan line, landlines included: buyers have offices), stored as
E.164. Counties: one of the mining counties (flows/catalog.py), spelt as there.
"""
import re
from datetime import date, datetime, timedelta

from core.i18n import NAIROBI

EXPIRING_DAYS = 30  # the dashboard lists licences that expire within this many days

NAME_MIN, NAME_MAX = 2, 60
MARKET_MIN, MARKET_MAX = 2, 40
LICENCE_MIN, LICENCE_MAX = 4, 30
_LICENCE = re.compile(r"[A-Z0-9]+(?:[/\-. ][A-Z0-9]+)*")
# Names shown on phone screens and in SMS: letters, digits and plain punctuation (GSM-7).
_TEXT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,'&()/-]*")

FIELDS = ("name", "licence_number", "licence_expires", "county", "market", "phone")


class BuyerInvalid(ValueError):
    """`field` is the field that was wrong (API 400 `{"error": {"code": "invalid_<field>"...}}`)."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def today(now=None):
    """Nairobi's date (a licence is valid through its expiry day, Kenyan time)."""
    return (now or datetime.now(NAIROBI)).astimezone(NAIROBI).date()


def is_listed(expires, on):
    """Shown to miners on day `on`: the licence has not expired (valid through `expires`)."""
    if isinstance(expires, str):
        expires = date.fromisoformat(expires)
    return expires >= on


def is_expiring(expires, on, days=EXPIRING_DAYS):
    """Still valid but ends within `days` days."""
    return on <= expires <= on + timedelta(days=days)


def _squash(raw):
    return " ".join(str(raw).split())


def text_field(field, raw, minimum, maximum):
    if raw is None or not isinstance(raw, str):
        raise BuyerInvalid(field, "is required (text)")
    value = _squash(raw)
    if not minimum <= len(value) <= maximum:
        raise BuyerInvalid(field, f"must be {minimum} to {maximum} characters")
    if not _TEXT.fullmatch(value):
        raise BuyerInvalid(field, "use letters, digits and . , ' & ( ) / - only")
    return value


def name(raw):
    return text_field("name", raw, NAME_MIN, NAME_MAX)


def market(raw):
    return text_field("market", raw, MARKET_MIN, MARKET_MAX)


def licence_number(raw):
    if raw is None or not isinstance(raw, str):
        raise BuyerInvalid("licence_number", "is required (text)")
    value = re.sub(r"\s+", " ", raw.strip().upper())
    if not LICENCE_MIN <= len(value) <= LICENCE_MAX:
        raise BuyerInvalid("licence_number", f"must be {LICENCE_MIN} to {LICENCE_MAX} characters")
    if not _LICENCE.fullmatch(value) or not re.search(r"\d", value):
        raise BuyerInvalid("licence_number", "letters and digits in groups joined by / - . or a space, "
                                             "with at least one digit (e.g. MDL/2024/0153)")
    return value


def licence_expires(raw, *, on=None, allow_past=True):
    if isinstance(raw, datetime):
        raise BuyerInvalid("licence_expires", "a date (YYYY-MM-DD), not a time")
    if isinstance(raw, date):
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", raw):
        try:
            value = date.fromisoformat(raw.strip())
        except ValueError:
            raise BuyerInvalid("licence_expires", "not a real date (YYYY-MM-DD)") from None
    else:
        raise BuyerInvalid("licence_expires", "a date as YYYY-MM-DD, e.g. 2027-06-30")
    if not date(2000, 1, 1) <= value <= date(2099, 12, 31):
        raise BuyerInvalid("licence_expires", "must be between 2000-01-01 and 2099-12-31")
    if not allow_past and on is not None and value < on:
        raise BuyerInvalid("licence_expires", "has already passed: a new buyer needs a licence in force")
    return value


def county(raw):
    from flows.catalog import MINING_COUNTIES, county_code

    found = county_code(raw) if isinstance(raw, str) else None
    if found is None:
        raise BuyerInvalid("county", "one of: " + ", ".join(MINING_COUNTIES))
    return found


def phone(raw):
    import phonenumbers

    if raw is None or not isinstance(raw, str) or not raw.strip() or len(raw) > 32:
        raise BuyerInvalid("phone", "is required, e.g. +254712345678 or 0712345678")
    text = raw.strip()
    if text.isdigit() and text.startswith("254") and len(text) == 12:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "KE")
    except phonenumbers.NumberParseException:
        raise BuyerInvalid("phone", "not a phone number, e.g. +254712345678 or 0712345678") from None
    if not phonenumbers.is_valid_number(number):
        raise BuyerInvalid("phone", "not a valid phone number, e.g. +254712345678 or 0712345678")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


VALIDATORS = {"name": name, "licence_number": licence_number, "county": county, "market": market, "phone": phone}


def clean(fields, *, partial=False, on=None, new=False):
    """The record's fields checked and normalised ({field: value}); raises BuyerInvalid naming
    the first wrong field. `partial`: only the fields given (a PATCH)."""
    unknown = [key for key in fields if key not in FIELDS]
    if unknown:
        raise BuyerInvalid(unknown[0], "is not a field of a buyer (fields: " + ", ".join(FIELDS) + ")")
    out = {}
    for field in FIELDS:
        if field not in fields:
            if partial:
                continue
            raise BuyerInvalid(field, "is required")
        raw = fields[field]
        if field == "licence_expires":
            out[field] = licence_expires(raw, on=on, allow_past=not new)
        else:
            out[field] = VALIDATORS[field](raw)
    return out


def _plain(text):
    return re.sub(r"[^a-z0-9]", "", (text or "").casefold())


def find_county(words):
    """The mining county a person named in an SMS ('migori', 'Homa bay', 'homabay', a unique
    beginning such as 'taita'), or None."""
    from flows.catalog import MINING_COUNTIES

    wanted = _plain(words)
    if not wanted:
        return None
    same = [c for c in MINING_COUNTIES if _plain(c) == wanted]
    if same:
        return same[0]
    prefixed = [c for c in MINING_COUNTIES if _plain(c).startswith(wanted)]
    return prefixed[0] if len(prefixed) == 1 else None
