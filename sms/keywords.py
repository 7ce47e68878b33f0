"""The one router for inbound SMS keywords (CONTRACT.md section 2).

Each capability declares its keywords (core.capability.Keyword: English and Swahili, a
handler) and, for the incidents capability, the incident detector, the language guesser and
a fallback (core.capability.Inbound). The registry builds one `KeywordRouter` from them
(`app.extensions["capabilities"].keyword_router`; `router()` in a request or job).

What a message means is decided by `sms.intake.decide` (safety first: a whole-message
command, then incident evidence, then a keyword anywhere near the start, then help), with
the router's keywords and detector. The reply (if the handler returns text) goes back in the language of the
message, or the miner's own language for a registered miner; `Inbound.locale` says which.
"""
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app

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


class KeywordRouter:
    """The keywords, the incident detector, the language guesser and the fallbacks of one app."""

    def __init__(self):
        self.routes = {}  # KEYWORD -> Route
        self.fallbacks = []  # handlers asked, in order, when no keyword matches (incident follow-ups)
        self.keywords = intake.KeywordSet()  # what sms.intake.decide looks words up in
        self.detect = None  # text -> incident evidence or None
        self.guess_language = None  # words -> "sw"/"en"/None

    def add(self, keyword):
        """Add a core.capability.Keyword (its English and Swahili words, and aliases)."""
        words = {keyword.english.upper(): "en", keyword.swahili.upper(): "sw"}
        words |= {w.upper(): loc for w, loc in (keyword.aliases or {}).items()}
        route = Route(words, keyword.handler, keyword.english.upper())
        for word, locale in route.words.items():
            if word in self.routes:
                raise ValueError(f"keyword {word} is already registered")
            self.routes[word] = route
            self.keywords.add(intake.Keyword(word, locale, route.command, whole_only=keyword.whole_only,
                                             distress=keyword.distress))
        return route

    def add_inbound(self, inbound):
        """Add a core.capability.Inbound: detector and language guesser (one each), fallback."""
        if inbound.detect is not None:
            if self.detect is not None:
                raise ValueError("two capabilities declare an incident detector")
            self.detect = inbound.detect
        if inbound.language is not None:
            self.guess_language = inbound.language
        if inbound.fallback is not None:
            self.fallbacks.append(inbound.fallback)

    def decide(self, text):
        """What a message means (sms.intake.Decision) with these keywords and detector."""
        return intake.decide(text, keywords=self.keywords, detect=self.detect, votes=self.guess_language)

    def match(self, text):
        """(KEYWORD, implied locale, rest of text) for a message whose first word is a keyword
        (one typo forgiven in long ones), or (None, None, text). `decide` is the full intake."""
        stripped = (text or "").strip()
        first, _, rest = stripped.partition(" ")
        words = intake.words_of(first)
        found = self.keywords.find(words[0]) if len(words) == 1 else None
        if found is None:
            return None, None, stripped
        return found.word, found.locale, rest.strip()


def router():
    """The current app's router (built by the capability registry)."""
    return current_app.extensions["capabilities"].keyword_router


def normalise_word(word):
    """'Ripoti,' / 'RIPÓTI' / 'ripoti!' -> 'RIPOTI' (sms.intake's normalising, one word)."""
    return "".join(intake.words_of(word)).upper()


def decide(text):
    """What a message means, with the current app's keywords and detector."""
    return router().decide(text)


def match(text):
    """The current app's `KeywordRouter.match`."""
    return router().match(text)
