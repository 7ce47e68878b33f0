"""Phone numbers: E.164 with '+' everywhere inside the service (the AT SDK rejects anything else).

Phone numbers are personal data (Kenya Data Protection Act 2019): `mask` them in logs and
for officers whose role does not allow the full number.
"""
import re
from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "KE"


class InvalidPhone(ValueError):
    pass


def normalise(raw, region=DEFAULT_REGION):
    """'0712 345 678', '254712345678' or '+254712345678' -> '+254712345678'.

    Raises InvalidPhone for anything that is not a possible number.
    """
    if raw is None:
        raise InvalidPhone("no phone number")
    return _normalise(str(raw), region)


# Every hop of a USSD session carries the same phoneNumber, and parsing it costs more than
# anything else in reading the callback: remember recent answers (invalid ones raise and
# are not cached).
@lru_cache(maxsize=8192)
def _normalise(raw, region):
    text = raw.strip()
    if not text or len(text) > 32:
        raise InvalidPhone("phone number missing or too long")
    if text.isdigit() and text.startswith("254") and len(text) == 12:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone):
    """'+254712345678' -> '+2547******78' (contract: +2547******12)."""
    if not phone:
        return ""
    phone = str(phone)
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:5] + "*" * (len(phone) - 7) + phone[-2:]


# Anything that looks like a Kenyan or international mobile number inside free text: a
# Kenyan one also as people write it, with spaces, dashes, dots or brackets between the
# groups ("+254 712 345 678", "0712-345-678", "(0712) 345.678", "(+254) 712345678"). Only
# those shapes: prices, counts, dates and references are left alone.
_SEP = r"(?:[ .\-]|\)\s?)?"
_PHONE_IN_TEXT = re.compile(
    r"(?<![\w*+(])\(?(?:\+\s?)?(?:254|0)" + _SEP + r"\(?[17]\d{2}" + _SEP + r"\d{3}" + _SEP + r"\d{3}(?!\d)"
    r"|(?<![\w*])\+\d{10,14}(?!\d)")


def mask_in_text(text):
    """Mask every phone number found in a log line or other free text."""
    def _masked(match):
        try:
            return mask(normalise(match.group(0)))
        except InvalidPhone:
            return mask(match.group(0))

    return _PHONE_IN_TEXT.sub(_masked, text)


def dialled(phone):
    """'+254712345678' -> '0712 345678': how a Kenyan officer dials it (others: E.164, as given)."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    if number.country_code == 254:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phone
