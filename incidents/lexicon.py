"""Incident evidence in free text: category, people counted per role, urgency, place.

Pure (no Flask, database or Redis): `read(text) -> Evidence`. The words are data, one YAML
file per language beside this module (incidents/lexicon/sw.yaml, en.yaml), the priority
rules in rules.yaml and the known sites per county in places.yaml; rules.yaml explains the
stem syntax. Both languages are read for every message: miners mix them (and Sheng).

- Category: each matched strong word counts 2, a weak (topic) or context word 1, a phrase
  one more; "together" rules add a category when all their word groups occur (a child and
  work). Priority rules then drop categories a present one beats (mercury beats burn,
  cyanide beats water and flood, a fall beats child labour); the highest score wins, ties
  to the deadlier category (menu order).
- Counts per role (dead, injured, trapped or missing): a role word counts the number
  before it ("watu watatu wamefariki", "3 people trapped") or after it ("dead 3",
  "wamenaswa wawili"); alone it counts one. Animals (samaki, ng'ombe, fish, cattle...) are
  never people: their deaths count nothing and make nothing urgent.
- Strong evidence (an event: a collapse, people trapped or dead, dead animals) makes a
  report of any message; weak evidence (a topic word: zebaki, sianidi, gesi) only when no
  other keyword leads; context words (maji, watoto, polisi) never on their own.
"""
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from incidents.categories import CATEGORIES, MAX_COUNT, UNCLASSIFIED, is_urgent
from sms.intake import BOUNDARY, normalise, within_one_edit

DIRECTORY = Path(__file__).parent / "lexicon"
LANGUAGES = ("sw", "en")
_ORDER = {code: n for n, (code, _) in enumerate(CATEGORIES)}
LEVELS = ("strong", "weak", "context")
STRONG, WEAK, PHRASE_BONUS = 2, 1, 1
WEIGHTS = {"strong": STRONG, "weak": WEAK, "context": WEAK}
LOOK_BACK, LOOK_AHEAD = 6, 3  # words between a number and its role word, at most
ROLES = ("dead", "injured", "trapped")
# "nobody hurt", "hakuna aliyeumia": a role word after these counts nobody.
NEGATIONS = frozenset({"nobody", "no", "noone", "none", "not", "hakuna", "bila", "sio", "si", "without", "never"})
FUZZY_PLACE_MIN = 6  # place names this long forgive one typo (Makalder)
MAX_WORDS = 200  # a long concatenated SMS (~1,000 characters) is read this far; all of it is kept

# Words that may stand between a number and a role word: "3 of our miners are trapped".
FILLER = frozenset({"na", "and", "of", "the", "are", "were", "have", "has", "been", "is", "was", "wa", "ya",
                    "za", "bado", "still", "now", "sasa", "more", "zaidi", "ni", "tu", "already", "tayari", "all",
                    "wote", "our", "my", "their", "about", "around", "kama", "takriban", "at", "least", "over",
                    "hapo", "huko", "wakiwa", "who", "which", "that", "got", "get", "they", "wame", "wali",
                    "men", "wenye", "leo", "today"})


def _parse(stem):
    """'poromok' -> (('prefix', 'poromok'),); 'shimo ~anguka' -> two parts; '=maji' exact."""
    parts = []
    for raw in stem.split():
        kind = "prefix"
        if raw.startswith("~"):
            kind, raw = "suffix", raw[1:]
        elif raw.startswith("="):
            kind, raw = "exact", raw[1:]
        text = normalise(raw).replace(" ", "")
        if text:
            parts.append((kind, text))
    return tuple(parts)


@lru_cache(maxsize=1 << 16)
def _part_matches(word, part):
    kind, text = part
    if kind == "exact":
        return word == text
    if kind == "suffix":
        return word.endswith(text)
    # Swahili puts subject and tense before the stem (li-me-poromoka): a long stem may sit
    # inside the word; a short one only starts it ("umia" is inside "kutumia").
    return word.startswith(text) or (len(text) >= 5 and text in word)


def _matches(words, phrase, start):
    """Does `phrase` match the words from `start` (no clause boundary inside)?"""
    if start + len(phrase) > len(words):
        return False
    return all(words[start + k] != BOUNDARY and _part_matches(words[start + k], part)
               for k, part in enumerate(phrase))


def _find(words, phrases):
    """[(start, end, phrase)] of every match, longest phrase first at each position."""
    # Each distinct word is compared with the phrases' first parts once (a long message
    # repeats its words); only the phrases that can start there are tried in full.
    starting = {word: [phrase for phrase in phrases if _part_matches(word, phrase[0])]
                for word in set(words) if word != BOUNDARY}
    found = []
    for start, word in enumerate(words):
        for phrase in starting.get(word, ()):
            if _matches(words, phrase, start):
                found.append((start, start + len(phrase), phrase))
                break
    return found


@dataclass(frozen=True)
class Lexicon:
    categories: dict  # code -> {"strong": [phrase], "weak": [phrase]}
    roles: dict  # dead/injured/trapped -> [phrase]
    people: tuple
    animals: tuple
    numbers: dict  # word -> n
    underground: tuple
    distress: tuple
    common: dict  # locale -> words that say the language
    priority: tuple  # (winner, frozenset(over))
    together: tuple  # (category, (phrases, phrases, ...)): all groups present -> strong evidence
    sites: tuple  # (normalised name words, site, county), longest first
    counties: tuple  # (normalised name words, county)


def _sorted(phrases):
    return tuple(sorted({_parse(p) for p in phrases if _parse(p)}, key=len, reverse=True))


@lru_cache(maxsize=None)
def lexicon(directory=DIRECTORY):
    directory = Path(directory)
    categories, roles = {}, {}
    people, animals, underground, distress, numbers, common = [], [], [], [], {}, {}
    for locale in LANGUAGES:
        data = yaml.safe_load((directory / f"{locale}.yaml").read_text(encoding="utf-8"))
        for code, groups in data["categories"].items():
            if code not in _ORDER:
                raise ValueError(f"{locale}.yaml: unknown category {code}")
            for strength in LEVELS:
                categories.setdefault(code, {level: [] for level in LEVELS})[strength] += groups.get(strength) or []
        for role, phrases in data["roles"].items():
            roles.setdefault(role, []).extend(phrases)
        people += data.get("people", [])
        animals += data.get("animals", [])
        underground += data.get("underground", [])
        distress += data.get("distress", [])
        numbers.update({normalise(str(k)): int(v) for k, v in (data.get("numbers") or {}).items()})
        words = set()
        for groups in data["categories"].values():
            for strength in LEVELS:
                for phrase in groups.get(strength) or []:
                    words.update(normalise(phrase.replace("~", "").replace("=", "")).split())
        for key in ("people", "underground", "common"):
            for phrase in data.get(key) or []:
                words.update(normalise(phrase.replace("~", "").replace("=", "")).split())
        common[locale] = words
    only = {locale: frozenset(words - set().union(*(w for other, w in common.items() if other != locale)))
            for locale, words in common.items()}
    rules = yaml.safe_load((directory / "rules.yaml").read_text(encoding="utf-8"))
    priority = tuple((rule["winner"], frozenset(rule["over"])) for rule in rules.get("priority") or [])
    together = tuple((rule["category"], tuple(_sorted(group) for group in rule["words"]))
                     for rule in rules.get("together") or [])
    places = yaml.safe_load((directory / "places.yaml").read_text(encoding="utf-8"))
    sites, counties = [], []
    for county, names in places.items():
        counties.append((tuple(normalise(county).split()), county))
        for name in names or []:
            sites.append((tuple(normalise(name).split()), name, county))
    return Lexicon(
        categories={code: {k: _sorted(v) for k, v in groups.items()} for code, groups in categories.items()},
        roles={role: _sorted(phrases) for role, phrases in roles.items()},
        people=_sorted(people), animals=_sorted(animals), numbers=numbers, underground=_sorted(underground),
        distress=_sorted(distress), common=only, priority=priority, together=together,
        sites=tuple(sorted(sites, key=lambda s: len(s[0]), reverse=True)),
        counties=tuple(sorted(counties, key=lambda c: len(c[0]), reverse=True)),
    )


@dataclass(frozen=True)
class Evidence:
    category: str = UNCLASSIFIED
    scores: dict = field(default_factory=dict)
    strong: bool = False  # an event: a report whatever the message starts with
    weak: bool = False  # a topic word only
    dead: int = 0
    injured: int = 0
    trapped: int = 0  # trapped or missing
    animals: bool = False  # animals were said to be dead or hurt (counted as nobody)
    underground: bool = False
    distress: bool = False
    site: str | None = None
    county: str | None = None
    locale: str | None = None

    @property
    def urgent(self):
        return is_urgent(self.category, self.dead, self.injured, self.trapped, underground=self.underground)

    @property
    def counts(self):
        return {"dead": self.dead, "injured": self.injured, "trapped": self.trapped}


def _numbers(words, lex):
    """The words with number words as digits ('kumi na mbili' -> '12')."""
    out, i = [], 0
    while i < len(words):
        word = words[i]
        value = lex.numbers.get(word)
        if word.isdigit() and len(word) <= 4:
            value = int(word)
        elif word.isdigit():
            value = None  # a phone number, an amount: not people
            word = "#"
        if value is not None and value == 10 and i + 2 < len(words) and words[i + 1] in ("na", "and") \
                and (lex.numbers.get(words[i + 2]) or 0) < 10 and words[i + 2] in lex.numbers:
            value += lex.numbers[words[i + 2]]
            out.extend([str(value), "", ""])  # keep positions: the phrase matches used them
            i += 3
            continue
        out.append(str(value) if value is not None else word)
        i += 1
    return out


def _is_animal(words, i, lex):
    return any(_matches(words, phrase, i) for phrase in lex.animals)


def _is_skippable(words, values, i, lex):
    word = words[i]
    return word in FILLER or values[i] == "" or any(_matches(words, phrase, i) for phrase in lex.people)


def _counts(words, lex):
    """Counts per role, and whether animals were the ones dead or hurt."""
    values = _numbers(words, lex)
    role_at = {}
    for role, phrases in lex.roles.items():
        for start, end, _ in _find(words, phrases):
            role_at.setdefault(start, (role, end))
    counts = {"dead": 0, "injured": 0, "trapped": 0, "fallen": 0}
    consumed, animals = set(), False
    for start in sorted(role_at):
        role, end = role_at[start]
        number, animal = None, False
        if start > 0 and (words[start - 1] in NEGATIONS or (start > 1 and words[start - 2] in NEGATIONS
                                                            and words[start - 1] in ("one", "mtu", "aliyeumia"))):
            continue  # "nobody hurt", "no one injured", "hakuna mtu ameumia"
        j, person = start - 1, False  # back: "watu watatu wamefariki", "3 people trapped", "ng'ombe wawili wamekufa"
        while j >= 0 and start - j <= LOOK_BACK and values[j] != BOUNDARY and j not in role_at:
            if _is_animal(words, j, lex):
                animal = not person  # "ng'ombe mmoja na mtu mmoja wamekufa": the person is nearer
                break
            person = person or any(_matches(words, phrase, j) for phrase in lex.people)
            if values[j].isdigit() and j not in consumed and number is None:
                number = j
            elif not (values[j].isdigit() or _is_skippable(words, values, j, lex)):
                break
            j -= 1
        if not animal and number is None:  # ahead: "dead 3", "wamenaswa watu wawili", "wamekufa samaki"
            k = end
            while k < len(values) and k - end < LOOK_AHEAD and values[k] != BOUNDARY and k not in role_at:
                if _is_animal(words, k, lex):
                    animal = True
                    break
                if values[k].isdigit() and k not in consumed:
                    number = k
                    break
                if not _is_skippable(words, values, k, lex):
                    break
                k += 1
        if animal:
            animals = True
            continue
        if number is not None:
            consumed.add(number)
        n = int(values[number]) if number is not None else 1
        counts[role] = max(counts[role], min(MAX_COUNT, max(n, 1)))
    fallen = counts.pop("fallen")
    if fallen and not any(counts.values()):  # "mtu ameanguka shimoni": someone fell, nothing else said
        counts["injured"] = fallen
    return counts, animals


def _category(words, lex):
    scores, strong, weak = {}, False, False
    for code, groups in lex.categories.items():
        score = 0
        for strength, weight in WEIGHTS.items():
            for _, _, phrase in _find(words, groups[strength]):
                score += weight + (PHRASE_BONUS if len(phrase) > 1 else 0)
                strong, weak = strong or strength == "strong", weak or strength == "weak"
        if score:
            scores[code] = score
    for code, groups in lex.together:
        if all(_find(words, group) for group in groups):
            scores[code] = scores.get(code, 0) + STRONG
            strong = True
    return _best(scores, lex), scores, strong, weak


def _best(scores, lex):
    """The winning category: priority rules drop the beaten ones, then the highest score,
    a tie to the deadlier category (menu order)."""
    present = dict(scores)
    for winner, over in lex.priority:
        if winner in present:
            for code in over:
                present.pop(code, None)
    if not present:
        return UNCLASSIFIED
    return max(present, key=lambda code: (present[code], -_ORDER[code]))


def _place_word_matches(word, name_word):
    if word == name_word:
        return True
    if word.endswith("ni") and word[:-2] == name_word:  # Osirini, Masarani: "at Osiri"
        return True
    return len(name_word) >= FUZZY_PLACE_MIN and len(word) >= FUZZY_PLACE_MIN and within_one_edit(word, name_word)


def _place(words, lex):
    """(site, county) the text names: the first known site it names (in the county it names,
    if it names one), else the county; (None, None) when it names none."""
    def at(name):
        return next((k for k in range(len(words)) if all(
            k + n < len(words) and _place_word_matches(words[k + n], part) for n, part in enumerate(name))), None)

    named_county = next((county for name, county in lex.counties if at(name) is not None), None)
    named = [(at(name), site, county) for name, site, county in lex.sites
             if named_county in (None, county)]
    named = [entry for entry in named if entry[0] is not None]
    if named:
        _, site, county = min(named, key=lambda entry: entry[0])
        return site, county
    return None, named_county


def _locale(words, lex):
    votes = {locale: sum(1 for w in words if w in only) for locale, only in lex.common.items()}
    best = max(votes, key=votes.get)
    return best if votes[best] > 0 and list(votes.values()).count(votes[best]) == 1 else None


def read(text, lex=None):
    """The incident evidence in a text (an Evidence with nothing found for small talk)."""
    lex = lex or lexicon()
    words = normalise(text).split()[:MAX_WORDS]
    category, scores, strong, weak = _category(words, lex)
    counts, animals = _counts(words, lex)
    people_hurt = any(counts.values())
    if animals:  # dead cattle or fish: the land or water is poisoned (unless the words say by what)
        scores["ENV"] = scores.get("ENV", 0) + STRONG
        category = _best(scores, lex)
    site, county = _place(words, lex)
    return Evidence(
        category=category, scores=scores, strong=strong or people_hurt or animals, weak=weak, animals=animals,
        underground=bool(_find(words, lex.underground)), distress=bool(_find(words, lex.distress)),
        site=site, county=county, locale=_locale([w for w in words if w != BOUNDARY], lex), **counts,
    )


def detect(text):
    """Incident evidence for the intake (sms.intake.decide), or None when there is none."""
    evidence = read(text)
    return evidence if (evidence.strong or evidence.weak) else None


def language_of(words):
    """'sw' or 'en' from the words of a message, or None when they do not say."""
    return _locale(words, lexicon())
