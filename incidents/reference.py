"""Incident references such as MS-7K3Q: short enough to read out on the phone and type
into an SMS, with no characters that are easy to confuse (no O/0, no I/1).

Pure functions (no I/O): the USSD flow makes the reference before the END screen, and the
same reference is the key that makes filing idempotent.
"""
import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: digits 2-9, letters without I and O
PREFIX = "MS-"
_random = secrets.SystemRandom()  # tests swap in a seeded random.Random
LENGTH = 4  # 32**4 = 1,048,576 references; a clash is found when filing, which draws again (service.store_report)

# In text typed by people: "MS-7K3Q", "ms 7k3q", "MS7K3Q:".
_IN_TEXT = re.compile(r"^\s*MS\s*[-_.:/]?\s*([A-Z0-9]{%d})(?![A-Z0-9])" % LENGTH, re.IGNORECASE)


def new_reference():
    return PREFIX + "".join(_random.choice(ALPHABET) for _ in range(LENGTH))


def leading_reference(text):
    """(reference, rest of text) when `text` starts with a reference, else (None, text)."""
    match = _IN_TEXT.match(text or "")
    if not match:
        return None, text
    code = match.group(1).upper()
    if any(ch not in ALPHABET for ch in code):  # O, 0, I, 1 are never issued
        return None, text
    return PREFIX + code, text[match.end():].strip(" .,:;-")
