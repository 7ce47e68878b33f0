"""The intake on its own (sms.intake, incidents.lexicon): pure functions, no app, no database."""
from types import SimpleNamespace

import pytest

from incidents import lexicon
from sms import intake
from sms.intake import Keyword, KeywordSet, decide, normalise, within_one_edit

WORDS = KeywordSet([
    Keyword("STOP", "en", "STOP", whole_only=True), Keyword("ACHA", "sw", "STOP", whole_only=True),
    Keyword("START", "en", "START", whole_only=True), Keyword("ANZA", "sw", "START", whole_only=True),
    Keyword("HELP", "en", "HELP", distress=True), Keyword("MSAADA", "sw", "HELP", distress=True),
    Keyword("REPORT", "en", "REPORT"), Keyword("RIPOTI", "sw", "REPORT"),
    Keyword("PRICE", "en", "PRICE"), Keyword("BEI", "sw", "PRICE"),
    Keyword("TIP", "en", "TIP"), Keyword("USHAURI", "sw", "TIP"),
    Keyword("REG", "en", "REG"), Keyword("SAJILI", "sw", "REG"),
])


def fake_detector(strong=(), weak=()):
    """Evidence when the text holds one of the given words (the real one is tested below)."""
    def detect(text):
        words = set(normalise(text).split())
        if words & set(strong):
            return SimpleNamespace(strong=True, weak=False, locale=None)
        if words & set(weak):
            return SimpleNamespace(strong=False, weak=True, locale=None)
        return None
    return detect


@pytest.mark.parametrize("raw, normal", [
    ("Msaadaaa!! Watu 3wamenaswa", "msaada | watu 3 wamenaswa"),
    ("  STOP.  ", "stop"),
    ("ng'ombe wawili", "ngombe wawili"),
    ("RIPÓTI,shimo", "ripoti | shimo"),
    ("😀😀", ""),
    ("", ""),
    (None, ""),
])
def test_normalise(raw, normal):
    assert normalise(raw) == normal


def test_one_edit_means_one_letter_added_dropped_changed_or_two_swapped():
    assert within_one_edit("ripot", "ripoti") and within_one_edit("repot", "report")
    assert within_one_edit("ripito", "ripoti") is False and within_one_edit("rpioti", "ripoti")
    assert within_one_edit("ushauru", "ushauri") and not within_one_edit("ushaaru", "ushauri")
    assert not within_one_edit("abc", "abcde")


def test_keyword_typos_are_forgiven_only_for_long_keywords():
    assert WORDS.find("ripot").word == "RIPOTI" and WORDS.find("repot").word == "REPORT"
    assert WORDS.find("ushauru").word == "USHAURI" and WORDS.find("sajli").word == "SAJILI"
    assert WORDS.find("bet") is None and WORDS.find("stp") is None and WORDS.find("achaa") is None


@pytest.mark.parametrize("text, command", [("STOP", "STOP"), ("acha!", "STOP"), (" Acha. ", "STOP"), ("anza", "START")])
def test_a_whole_message_command(text, command):
    decision = decide(text, keywords=WORDS)
    assert (decision.intent, decision.command, decision.args) == ("command", command, "")


@pytest.mark.parametrize("text", ["Acha nikwambie kuhusu shimo", "STOP please", "stop stop", "acha tu",
                                  "Stop sending me these"])
def test_a_sentence_is_never_an_opt_out(text):
    decision = decide(text, keywords=WORDS, detect=fake_detector())
    assert decision.command not in ("STOP", "START")


def test_a_sentence_that_starts_with_stop_and_tells_of_danger_is_a_report():
    decision = decide("Stop burning mercury near the school", keywords=WORDS, detect=fake_detector(weak={"mercury"}))
    assert decision.intent == "report" and decision.args == "Stop burning mercury near the school"


@pytest.mark.parametrize("text, command", [("BEI ACHA", "PRICE"), ("price stop", "PRICE"), ("acha bei", "PRICE"),
                                           ("USHAURI ACHA", "TIP"), ("tip stop", "TIP")])
def test_scoped_stops(text, command):
    decision = decide(text, keywords=WORDS)
    assert (decision.intent, decision.command, decision.args) == ("command", command, "STOP")


def test_incident_evidence_is_a_report_whatever_the_first_word():
    detect = fake_detector(strong={"wamenaswa", "trapped"})
    for text in ("Msaada! watu wamenaswa", "help 2 trapped", "haraka wamenaswa", "watu wamenaswa", "bei wamenaswa"):
        assert decide(text, keywords=WORDS, detect=detect).intent == "report", text
    # The REPORT keyword keeps the words after it; a cry for help keeps the whole message.
    assert decide("RIPOTI watu wamenaswa", keywords=WORDS, detect=detect).args == "watu wamenaswa"
    assert decide("Msaada! watu wamenaswa", keywords=WORDS, detect=detect).args == "Msaada! watu wamenaswa"


def test_a_topic_word_yields_to_the_keyword_that_leads():
    detect = fake_detector(weak={"zebaki"})
    tip = decide("ushauri wa zebaki", keywords=WORDS, detect=detect)
    assert (tip.intent, tip.command, tip.args) == ("command", "TIP", "zebaki")
    assert decide("wanatumia zebaki", keywords=WORDS, detect=detect).intent == "report"
    assert decide("msaada zebaki", keywords=WORDS, detect=detect).intent == "report"


def test_keyword_arguments_are_found_anywhere_near_the_start():
    price = decide("Bei ya dhahabu Migori", keywords=WORDS)
    assert (price.command, price.args) == ("PRICE", "migori")
    assert decide("nataka bei ya dhahabu migori", keywords=WORDS).args == "migori"
    assert decide("habari bei migori", keywords=WORDS).intent == "help"  # "habari" is no filler: not a command
    reg = decide("REG Amina Otieno", keywords=WORDS)
    assert (reg.command, reg.raw_args) == ("REG", "Amina Otieno")  # a name keeps its capitals


@pytest.mark.parametrize("text", ["", "   ", "😀", "12345", "x" * 1000, "ﺎﻠﺴﻼﻣ", "?!?"])
def test_bad_input_is_help_never_an_error(text):
    assert decide(text, keywords=WORDS, detect=lexicon.detect).intent in ("help", "ack")


def test_thanks_gets_no_reply():
    assert decide("asante sana", keywords=WORDS).intent == "ack"
    assert decide("ok thanks", keywords=WORDS).intent == "ack"


# --- the lexicon -------------------------------------------------------------------------

@pytest.mark.parametrize("text, category", [
    ("burning amalgam at home", "MERCURY"),  # mercury beats burn
    ("wanachoma zebaki nyumbani", "MERCURY"),
    ("sianidi kwenye bwawa", "CYANIDE"),  # cyanide beats water and flood
    ("cyanide in the dam", "CYANIDE"),
    ("mashimo wazi karibu na shule", "ENV"),  # a school is not child labour
    ("mtoto ameanguka shimoni", "FALL"),  # a fall beats child labour
    ("mtu ameanguka", "FALL"),
    ("mtu amezimia kwa hewa mbaya", "AIR"),
    ("gesi shimoni", "AIR"),
    ("wezi wameiba dhahabu", "VIOLENCE"),
    ("mwamba umepasuka juu ya shimo", "NEARMISS"),
    ("nusura shimo liporomoke", "NEARMISS"),
    ("habari yako", "UNCLASSIFIED"),
])
def test_category_priority_rules(text, category):
    assert lexicon.read(text).category == category


@pytest.mark.parametrize("text, dead, injured, trapped", [
    ("shimo limeporomoka watu watatu wamefariki", 3, 0, 0),
    ("5 dead and 3 trapped", 5, 0, 3),
    ("dead 3 injured 4", 3, 4, 0),
    ("wamekwama watu wawili", 0, 0, 2),
    ("kumi na mbili wamekwama", 0, 0, 12),
    ("samaki wamekufa", 0, 0, 0),  # animals never count
    ("ng'ombe wawili wamekufa", 0, 0, 0),
    ("three cows died", 0, 0, 0),
    ("ngombe mmoja na mtu mmoja wamekufa", 1, 0, 0),
    ("rope broke nobody hurt", 0, 0, 0),
    ("mtu ameanguka shimoni amefariki", 1, 0, 0),  # one person, not also counted hurt
    ("piga 0712345678 watu wawili wamekwama", 0, 0, 2),  # a phone number is no head count
])
def test_counts_per_role(text, dead, injured, trapped):
    assert lexicon.read(text).counts == {"dead": dead, "injured": injured, "trapped": trapped}


def test_animals_make_nothing_urgent_people_do():
    assert not lexicon.read("samaki wamekufa mtoni").urgent
    assert not lexicon.read("ng'ombe wawili wamekufa").urgent
    assert lexicon.read("mtu amezimia kwa hewa mbaya").urgent  # fainting in bad air
    assert lexicon.read("mchimbaji ameumia ndani ya shimo").urgent  # hurt underground
    assert not lexicon.read("crusher cut his hand").urgent


@pytest.mark.parametrize("text, site, county", [
    ("flood in the shaft at Macalder", "Macalder", "Migori"),
    ("shimo limeporomoka Osirini", "Osiri", "Migori"),
    ("pit collapse at Makalder", "Macalder", "Migori"),  # one typo in a long name
    ("collapse in Homa Bay", None, "Homa Bay"),
    ("bondo abimbo collapse", "Bondo", "Siaya"),  # the first place named
    ("shimo limeporomoka", None, None),
])
def test_the_place_a_text_names(text, site, county):
    evidence = lexicon.read(text)
    assert (evidence.site, evidence.county) == (site, county)


def test_lexicon_files_use_only_known_categories_and_roles():
    lex = lexicon.lexicon()
    assert set(lex.roles) == {"dead", "injured", "trapped", "fallen"}
    assert all(code in dict(lexicon.CATEGORIES) for code in lex.categories)
    assert all(winner in dict(lexicon.CATEGORIES) for winner, _ in lex.priority)


@pytest.mark.parametrize("module", [intake, lexicon])
def test_the_intake_is_pure(module):
    """No Flask, database or Redis: the decision is a function of the text alone."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(module.__file__).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in ("flask", "models", "redis", "sqlalchemy", "core")}
