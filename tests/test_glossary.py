"""The Kenyan Swahili glossary (locales/glossary.yaml) holds for every Swahili text we ship:
the sw catalogue's msgstrs and the Swahili of content/tips.yaml (issue 14, item 10)."""
import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = yaml.safe_load((ROOT / "locales" / "glossary.yaml").read_text(encoding="utf-8"))


def banned_patterns(glossary=GLOSSARY):
    """(compiled pattern, what to write instead) for every banned variant and English word."""
    out = []
    for term in glossary["terms"]:
        for variant in term["avoid"]:
            out.append((re.compile(rf"(?<!\w){variant}(?!\w)", re.IGNORECASE), f"use {term['use']!r}"))
    keywords = set(glossary.get("keywords", []))
    for word in glossary["english"]:
        # An SMS keyword written in capitals ("Tuma STOP") is what a miner types, not English.
        exempt = rf"(?!(?:{'|'.join(map(re.escape, keywords))})(?!\w))" if keywords else ""
        pattern = rf"(?<!\w)(?-i:{exempt})(?i:{re.escape(word)})(?!\w)"
        out.append((re.compile(pattern), "no English inside Swahili"))
    return out


def problems(text, patterns=None):
    # %(name)s placeholders and <html> are code, not words.
    plain = re.sub(r"%\(\w+\)[sdif]|<[^>]*>|\{\w+\}", " ", text)
    found = []
    for pattern, advice in patterns or banned_patterns():
        for match in pattern.finditer(plain):
            found.append(f"{match.group(0)!r}: {advice}")
    return found


def swahili_catalogue():
    with open(ROOT / "locales" / "sw" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        for string in strings:
            if string:
                yield str(message.id if isinstance(message.id, str) else message.id[0]), string


def swahili_tips():
    content = yaml.safe_load((ROOT / "content" / "tips.yaml").read_text(encoding="utf-8"))
    for topic in content["topics"]:
        yield f"topic {topic['code']}", topic["sw"]
    for tip in content["tips"]:
        yield f"tip {tip['id']}", tip["sw"]


def test_the_glossary_is_well_formed():
    seen = set()
    for term in GLOSSARY["terms"]:
        assert term["concept"] and term["use"] and isinstance(term["avoid"], list), term
        for variant in term["avoid"]:
            re.compile(variant)
            assert variant.lower() not in seen, f"{variant} is banned twice"
            seen.add(variant.lower())
            # The preferred term must not be banned by its own list.
            assert not re.search(rf"(?<!\w){variant}(?!\w)", term["use"], re.IGNORECASE), term
    assert GLOSSARY["english"]


@pytest.mark.parametrize("text, bad", [
    ("Usichimbe kwenye duara la zamani.", True),
    ("Usichimbe kwenye shimo la zamani.", False),
    ("Soko jingine", True),
    ("Wangapi wamenaswa?", True),
    ("Wangapi wamekwama?", False),
    ("Vaa glovu.", True),
    ("Tumia sluice na karai.", True),
    ("Tuma STOP kusitisha.", False),     # an SMS keyword in capitals
    ("Bei ya soko ya leo", True),
    ("Bei ya soko la leo", False),
    ("Mafuriko yaliwafunika wafu", True),
    ("Bonyeza 1 kuendelea", False),       # "bonyeza" for a key is fine; "bonyeza kitambaa" is not
    ("Piga %(code)s sasa", False),        # placeholders are not words
])
def test_the_checker_finds_banned_words_and_only_those(text, bad):
    assert bool(problems(text)) is bad, problems(text)


def test_every_swahili_catalogue_string_follows_the_glossary():
    found = [f"{msgid!r} -> {string!r}: {p}" for msgid, string in swahili_catalogue() for p in problems(string)]
    assert not found, "\n".join(found)


def test_every_swahili_tip_follows_the_glossary():
    found = [f"{where}: {p}" for where, text in swahili_tips() for p in problems(text)]
    assert not found, "\n".join(found)
