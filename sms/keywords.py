"""The one router for inbound SMS keywords (CONTRACT.md section 2).

Each capability registers its keywords here, English and Swahili, with a handler:

    @keyword("REPORT", "RIPOTI")
    def report(message: Inbound) -> str | None: ...

What a message means is decided by `sms.intake.decide` (safety first: a whole-message
command, then incident evidence, then a keyword anywhere near the start, then help), with
the keywords registered here and the incident detector a capability registers with
`@detector`. The reply (if the handler returns text) goes back in the language of the
message, or the miner's own language for a registered miner; `Inbound.locale` says which.
"""
from dataclasses import dataclass, field
from typing import Callable

from sms import intake


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
    command: str = ""  # the English keyword: one name for the route in both languages


ROUTES = {}  # KEYWORD -> Route
FALLBACKS = []  # handlers asked, in order, when no keyword matches (e.g. incident follow-ups)
KEYWORDS = intake.KeywordSet()  # what sms.intake.decide looks words up in
DETECTORS = []  # the incident detector (text -> evidence or None), registered by its capability
LANGUAGE_GUESSERS = []  # words -> "sw"/"en"/None, registered likewise


def normalise_word(word):
    """'Ripoti,' / 'RIPÓTI' / 'ripoti!' -> 'RIPOTI' (sms.intake's normalising, one word)."""
    return "".join(intake.words_of(word)).upper()


def keyword(english, swahili, *, aliases=None, whole_only=False, distress=False):
    """Register a handler for an English and a Swahili keyword (and aliases {WORD: locale}).

    `whole_only`: the word is a command only as the whole message (STOP, START: a sentence
    that starts with "Acha..." is never an opt-out). `distress`: with any incident words
    the message is a report (HELP, MSAADA, DHARURA)."""

    def register(handler):
        words = {english.upper(): "en", swahili.upper(): "sw"} | {w.upper(): loc for w, loc in (aliases or {}).items()}
        route = Route(words, handler, english.upper())
        for word, locale in route.words.items():
            if word in ROUTES:
                raise ValueError(f"keyword {word} is already registered")
            ROUTES[word] = route
            KEYWORDS.add(intake.Keyword(word, locale, route.command, whole_only=whole_only, distress=distress))
        return handler

    return register


def detector(detect):
    """Register the incident detector `decide` uses (one; the incidents capability's)."""
    DETECTORS[:] = [detect]
    return detect


def language_guesser(guess):
    LANGUAGE_GUESSERS[:] = [guess]
    return guess


def decide(text):
    """What a message means (sms.intake.Decision) with the registered keywords and detector."""
    return intake.decide(text, keywords=KEYWORDS, detect=DETECTORS[0] if DETECTORS else None,
                         votes=LANGUAGE_GUESSERS[0] if LANGUAGE_GUESSERS else None)


def fallback(handler):
    """Register a handler tried for messages with no keyword; it returns None to pass."""
    FALLBACKS.append(handler)
    return handler


def match(text):
    """(KEYWORD, implied locale, rest of text) for a message whose first word is a keyword
    (one typo forgiven in long ones), or (None, None, text). `decide` is the full intake."""
    stripped = (text or "").strip()
    first, _, rest = stripped.partition(" ")
    words = intake.words_of(first)
    found = KEYWORDS.find(words[0]) if len(words) == 1 else None
    if found is None:
        return None, None, stripped
    return found.word, found.locale, rest.strip()
