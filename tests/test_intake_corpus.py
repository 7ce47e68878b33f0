"""The labelled SMS corpus (tests/data/sms_corpus.yaml) through the intake: no miss among the
messages of people in danger or opting out, and at least 95% of all labels right."""
from collections import Counter

from bench import intake as corpus
from incidents.lexicon import language_of
from sms.intake import words_of


def test_the_corpus_is_big_varied_and_labelled():
    items = corpus.load_corpus()
    assert len(items) >= 300
    intents = Counter(item["intent"] for item in items)
    for intent in ("report", "stop", "start", "help", "price", "tip", "lang", "reg", "price_stop", "tip_stop",
                   "greeting", "thanks", "other"):
        assert intents[intent], intent
    reports = [item for item in items if item["intent"] == "report"]
    assert all(item["urgent"] in (True, False) and item["category"] != "-" for item in reports)
    assert sum(1 for item in reports if item["urgent"]) >= 100
    swahili = sum(1 for item in items if language_of(words_of(item["text"])) == "sw")
    english = sum(1 for item in items if language_of(words_of(item["text"])) == "en")
    assert swahili >= len(items) // 3 and english >= len(items) // 4  # short ones say no language


def test_no_distress_or_opt_out_message_is_missed_and_95_percent_overall():
    result = corpus.evaluate()
    assert result["critical_misses"] == [], result["critical_misses"]
    assert result["accuracy"] >= corpus.TARGET, result["misses"]


def test_a_wrong_reading_is_counted_as_a_miss():
    item = {"intent": "report", "category": "COLLAPSE", "dead": 0, "injured": 0, "trapped": 2, "urgent": True,
            "county": None, "text": "habari yako"}
    result = corpus.evaluate([item])
    assert result["right"] == 0 and result["critical_misses"][0]["wrong"] == ["intent"]
