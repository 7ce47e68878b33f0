"""The one router for inbound SMS keywords (CONTRACT.md section 2).

Each capability registers its keywords here, English and Swahili, with a handler:

    @keyword("REPORT", "RIPOTI")
    def report(message: Inbound) -> str | None: ...

Matching is on the first word, case-insensitive, accents and punctuation ignored. The
reply (if the handler returns text) goes back in the language of the keyword used, or the
miner's own language for a registered miner; `Inbound.locale` already says which.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable


@dataclass
class Inbound:
    """One inbound SMS, as the handlers see it."""

    phone: str  # E.164
    text: str  # the whole message as sent
    keyword: str | None  # the matched keyword, upper case (None for the fallback)
    args: str  # the text after the keyword
    locale: str  # the language to answer in
    at_id: str | None = None  # AT's id for the message (deduplication key)
    miner_id: int | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    words: dict  # KEYWORD -> locale it implies
    handler: Callable[[Inbound], str | None]


ROUTES = {}  # KEYWORD -> Route
FALLBACKS = []  # handlers asked, in order, when no keyword matches (e.g. incident follow-ups)


def normalise_word(word):
    """'Ripoti,' / 'RIPÓTI' / 'ripoti!' -> 'RIPOTI'."""
    decomposed = unicodedata.normalize("NFKD", word)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9]", "", plain).upper()


def keyword(english, swahili):
    """Register a handler for an English and a Swahili keyword."""

    def register(handler):
        route = Route({english.upper(): "en", swahili.upper(): "sw"}, handler)
        for word in route.words:
            if word in ROUTES:
                raise ValueError(f"keyword {word} is already registered")
            ROUTES[word] = route
        return handler

    return register


def fallback(handler):
    """Register a handler tried for messages with no keyword; it returns None to pass."""
    FALLBACKS.append(handler)
    return handler


def match(text):
    """(KEYWORD, implied locale, rest of text) for a message, or (None, None, text)."""
    stripped = (text or "").strip()
    first, _, rest = stripped.partition(" ")
    if not first:
        return None, None, stripped
    word = normalise_word(first)
    route = ROUTES.get(word)
    if route is None:
        return None, None, stripped
    return word, route.words[word], rest.strip()
