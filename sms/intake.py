"""Free-text SMS intake: from the raw text of a message to a decision (CONTRACT.md section 2).

Pure: no Flask, no database, no Redis. The keywords and the incident detector are passed
in (`decide(text, keywords=..., detect=...)`), so the capabilities stay the owners of
their words and this module can be tested on its own.

The order is safety first:

(a) a whole message that is only a command word (STOP, ACHA, START, ANZA, HELP...), exact
    after normalising, is that command; a longer message is never an opt-out;
(b) a message with incident evidence files a report, whatever word it starts with
    (MSAADA, HELP, DHARURA or none). Weak evidence alone (a topic word such as "zebaki")
    yields to a keyword the message starts with ("ushauri wa zebaki" is a tip);
(c) a keyword command, its arguments found anywhere in the message ("bei ya dhahabu
    Migori" is BEI Migori; "tafadhali bei Migori" too);
(d) otherwise help (or a follow-up to the sender's recent report: the caller decides);
    a short thank-you or OK gets no reply at all.

Keywords of five letters or more forgive one typo (one letter added, dropped, changed or
two swapped: RIPOT, REPOT, USHAURU). Shorter ones must be exact (BEI is not BET).
"""
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

from anyascii import anyascii

FUZZY_MIN = 5  # keywords this long forgive one edit
BOUNDARY = "|"  # a clause boundary (a full stop, comma...) kept among the words

# Words that carry no argument: "bei ya dhahabu Migori" -> BEI Migori.
FILLER = frozenset({
    "ya", "wa", "za", "la", "kwa", "na", "ni", "tafadhali", "tafadhal", "pls", "plz", "please", "naomba", "nataka",
    "ningependa", "nipe", "tuma", "nitumie", "leo", "sasa", "the", "of", "for", "a", "an", "me", "send", "i", "want",
    "today", "what", "is", "whats", "gold", "dhahabu", "kuhusu", "about", "on", "at", "in", "kwenye", "huko",
    "hapa", "current", "latest", "mpya", "gani", "ngapi", "how", "much", "soko", "market", "of", "my", "yangu",
})
# A short message with one of these and nothing else to act on is an acknowledgement: no
# reply (a "thanks" needs no help text back).
ACKNOWLEDGEMENTS = frozenset({"asante", "asanteni", "ahsante", "shukran", "nashukuru", "tunashukuru", "thanks",
                              "thank", "thanx", "thx", "ok", "okay", "sawa", "poa", "nimeelewa", "understood",
                              "received", "nimepokea"})
ACK_MAX_WORDS = 6
# A keyword is searched for among the first words only: "nataka bei ya dhahabu" is BEI,
# "... tulikuwa na bei nzuri jana ..." deep in a long message is not.
KEYWORD_WINDOW = 4
STOP, START, REPORT = "STOP", "START", "REPORT"  # the commands the order above needs to know


def normalise(text):
    """Lower-case ASCII words, clause boundaries kept as '|': 'Msaadaaa!! Watu 3wamenaswa' ->
    'msaada | watu 3 wamenaswa'."""
    # Emoji and other symbols carry no words (anyascii would spell them out: ":grinning:").
    kept = "".join(ch for ch in (text or "") if unicodedata.category(ch)[0] not in "SC" or ch in "\n\r")
    plain = anyascii(kept).lower()
    plain = re.sub(r"['`\u2019]", "", plain)  # ng'ombe -> ngombe
    plain = re.sub(r"[.,;:!?\n\r]+", f" {BOUNDARY} ", plain)
    plain = re.sub(r"[^a-z0-9|]+", " ", plain)
    plain = re.sub(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])", " ", plain)  # 3wamenaswa -> 3 wamenaswa
    plain = re.sub(r"([a-z])\1{2,}", r"\1", plain)  # runs of 3+ equal letters: msaaaada -> msada
    words = plain.split()
    while words and words[0] == BOUNDARY:
        words.pop(0)
    while words and words[-1] == BOUNDARY:
        words.pop()
    out = []
    for word in words:  # no empty clauses
        if word == BOUNDARY and out and out[-1] == BOUNDARY:
            continue
        out.append(word)
    return " ".join(out)


def words_of(text):
    """The normalised words of a text, clause boundaries left out."""
    return [w for w in normalise(text).split() if w != BOUNDARY]


def within_one_edit(a, b):
    """True when a and b differ by at most one insertion, deletion, substitution or swap of
    two neighbouring letters (optimal string alignment distance <= 1)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    # b is one longer: dropping one of its letters gives a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


@dataclass(frozen=True)
class Keyword:
    """A word the intake understands and what it means."""

    word: str  # upper case, as registered: "BEI"
    locale: str  # the language it implies
    command: str  # the route it leads to (both languages share one): "PRICE"
    whole_only: bool = False  # STOP/ACHA/START/ANZA: only as the whole message
    distress: bool = False  # HELP/MSAADA: with any incident evidence, a report


class KeywordSet:
    """Keywords to look up, exact or forgiving one typo for long ones."""

    def __init__(self, keywords=()):
        self.exact = {}
        for kw in keywords:
            self.add(kw)

    def add(self, kw):
        self.exact[kw.word.lower()] = kw

    def find(self, word):
        """The keyword `word` (a normalised word) is, or None."""
        word = word.lower()
        found = self.exact.get(word)
        if found is not None or len(word) < FUZZY_MIN - 1:
            return found
        matches = {kw.word: kw for key, kw in self.exact.items()
                   if len(key) >= FUZZY_MIN and within_one_edit(word, key)}
        return next(iter(matches.values())) if len(matches) == 1 else None  # ambiguous typo: none


@dataclass
class Decision:
    """What a message is, and what the handler needs to act on it."""

    intent: str  # "command" (a whole-message or keyword command), "report", "help", "ack" (no reply)
    keyword: Keyword | None = None
    args: str = ""  # the arguments, fillers dropped: "Migori"
    locale: str | None = None  # the language the message is in, when it says (else None)
    evidence: object = None  # what the incident detector found (None: nothing)
    words: list = field(default_factory=list)
    raw_args: str = ""  # the text after the keyword as written (a name keeps its capitals)

    @property
    def command(self):
        return self.keyword.command if self.keyword else None


def _language(words, keyword, evidence, votes):
    if keyword is not None:
        return keyword.locale
    if evidence is not None and getattr(evidence, "locale", None):
        return evidence.locale
    return votes(words) if votes else None


def decide(text, *, keywords: KeywordSet, detect: Callable | None = None, votes: Callable | None = None):
    """The decision for one message. `detect(text)` returns incident evidence (an object with
    `strong` and `weak` flags, or None); `votes(words)` guesses the language ('sw'/'en')."""
    words = words_of(text)
    if not words:
        return Decision("help", words=words)

    # (a) the whole message is one command word.
    if len(words) == 1:
        kw = keywords.find(words[0])
        if kw is not None:
            return Decision("command", kw, "", kw.locale, None, words)
    # A scoped stop is two words exactly: BEI ACHA, PRICE STOP, USHAURI ACHA, TIP STOP (either
    # order; the handler gets "STOP" as its argument). TIP START / USHAURI ANZA likewise.
    if len(words) == 2:
        pair = [keywords.find(w) for w in words]
        if all(pair):
            switches = [kw for kw in pair if kw.command in (STOP, START)]
            scoped = [kw for kw in pair if not kw.whole_only and not kw.distress]
            if len(switches) == 1 and len(scoped) == 1:
                return Decision("command", scoped[0], switches[0].command, scoped[0].locale, None, words,
                                switches[0].command)

    # A keyword among the first words, only fillers before it ("nataka bei ya dhahabu").
    found_at, found = None, None
    for i, word in enumerate(words[:KEYWORD_WINDOW]):
        kw = keywords.find(word)
        if kw is not None and not kw.whole_only:
            found_at, found = i, kw
            break
        if word not in FILLER:
            break

    # (b) incident evidence files a report, whatever the first word. Weak evidence (a topic
    # word alone: "zebaki", "sianidi") yields to a keyword that leads ("ushauri wa zebaki").
    evidence = detect(text) if detect else None
    if evidence is not None and (evidence.strong or (evidence.weak and (
            found is None or found.distress or found.command == REPORT))):
        if found is not None and found.command == REPORT:
            return Decision("report", found, _after_keyword(text, found_at), found.locale, evidence, words)
        first = keywords.find(words[0])
        locale = first.locale if first is not None and first.distress else _language(words, None, evidence, votes)
        return Decision("report", None, " ".join(text.split()), locale, evidence, words)

    # (c) a keyword with its arguments found anywhere in the message.
    if found is not None:
        if found.command == REPORT:
            return Decision("report", found, _after_keyword(text, found_at), found.locale, evidence, words)
        rest = [w for w in words[found_at + 1:] if w not in FILLER]
        return Decision("command", found, " ".join(rest), found.locale, evidence, words,
                        _after_keyword(text, found_at))

    # (d) an acknowledgement gets no reply; anything else help (the caller may first offer
    # it to the sender's recent report as a follow-up).
    first = keywords.find(words[0])
    if len(words) <= ACK_MAX_WORDS and ACKNOWLEDGEMENTS.intersection(words):
        return Decision("ack", None, "", _language(words, None, None, votes), evidence, words)
    return Decision("help", None, "", first.locale if first else _language(words, None, None, votes),
                    evidence, words)


def _after_keyword(text, index):
    """The original text after its `index`-th word (punctuation kept for officers to read)."""
    parts = " ".join((text or "").split()).split(" ")
    # The normalised words and the raw ones line up, except where normalising split or
    # joined words; fall back to dropping the first raw word.
    count = 0
    for position, part in enumerate(parts):
        if words_of(part):
            if count == index:
                return " ".join(parts[position + 1:]).strip()
            count += len(words_of(part))
    return " ".join(parts[1:]).strip()
