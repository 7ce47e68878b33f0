"""Intake accuracy on the labelled SMS corpus (tests/data/sms_corpus.yaml): how many messages
the intake (sms.intake + incidents.lexicon) reads as a careful officer would, per intent and
per category, printed as confusion tables so the number is visible run after run.

No servers, no database: the intake is pure. tests/test_intake_corpus.py gates on the same
evaluation (no miss among distress and opt-out messages, >= 95% overall).
"""
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "sms_corpus.yaml"
TARGET = 0.95
# Corpus intents that get the same treatment: the help reply (or, for a follow-up, joining
# the sender's recent report, which needs the database to tell).
SAME_AS = {"greeting": "help", "other": "help", "followup": "help"}
COLUMNS = ("intent", "category", "dead", "injured", "trapped", "urgent", "county", "text")


def load_corpus(path=CORPUS):
    rows = yaml.safe_load(Path(path).read_text(encoding="utf-8"))["messages"]
    items = []
    for row in rows:
        item = dict(zip(COLUMNS, row))
        item["text"] = "" if item["text"] is None else str(item["text"])
        item["urgent"] = {True: True, False: False}.get(item["urgent"])
        item["county"] = None if item["county"] in ("-", None) else item["county"]
        items.append(item)
    return items


@lru_cache(maxsize=1)
def _router():
    """The keywords and the incident detector, as the app's capability registry declares them."""
    from app import CAPABILITIES
    from core.capability import Registry

    return Registry.load(CAPABILITIES).keyword_router


def read(text):
    """What the intake makes of a text, in the corpus's labels."""
    decision = _router().decide(text)
    got = {"intent": decision.intent, "category": "-", "dead": 0, "injured": 0, "trapped": 0, "urgent": None,
           "county": None}
    if decision.intent == "report":
        evidence = decision.evidence
        if evidence is None:  # REPORT with words that say nothing more
            from incidents import lexicon

            evidence = lexicon.read(decision.args)
        got.update(category=evidence.category, dead=evidence.dead, injured=evidence.injured,
                   trapped=evidence.trapped, urgent=evidence.urgent, county=evidence.county)
    elif decision.intent == "command":
        command, args = decision.command, decision.args
        switch = {"STOP": "stop", "START": "start"}.get(args)
        names = {"STOP": "stop", "START": "start", "HELP": "help", "PRICE": "price", "TIP": "tip", "LANG": "lang",
                 "REG": "reg"}
        got["intent"] = f"{names.get(command, command.lower())}_{switch}" if switch else names.get(command,
                                                                                                 command.lower())
    elif decision.intent == "ack":
        got["intent"] = "thanks"
    return got


def expected_intent(item):
    return SAME_AS.get(item["intent"], item["intent"])


def check(item, got):
    """The labels this item got wrong (empty: right)."""
    wrong = []
    if got["intent"] != expected_intent(item):
        return ["intent"]
    if item["intent"] == "report":
        for key in ("category", "dead", "injured", "trapped", "urgent", "county"):
            if got[key] != item[key]:
                wrong.append(key)
    return wrong


def is_critical(item):
    """A miss here is never acceptable: distress (a report with people dead, trapped or hurt
    in danger) must be filed with the right urgency; an opt-out must be read exactly."""
    return (item["intent"] == "report" and item["urgent"]) or item["intent"] in (
        "stop", "start", "price_stop", "tip_stop", "tip_start") or "stop" in item["text"].lower().split()[:1] or \
        "acha" in item["text"].lower().split()[:1]


def evaluate(items=None):
    items = load_corpus() if items is None else items
    results = []
    for item in items:
        got = read(item["text"])
        results.append({"item": item, "got": got, "wrong": check(item, got)})
    right = sum(1 for r in results if not r["wrong"])
    critical = [r for r in results if is_critical(r["item"])]
    intents, categories = defaultdict(Counter), defaultdict(Counter)
    for r in results:
        intents[expected_intent(r["item"])][r["got"]["intent"]] += 1
        if r["item"]["intent"] == "report":
            categories[r["item"]["category"]][r["got"]["category"] if r["got"]["intent"] == "report" else "(none)"] += 1
    return {
        "messages": len(results), "right": right, "accuracy": round(right / len(results), 4),
        "critical": len(critical), "critical_misses": [
            {"text": r["item"]["text"], "wrong": r["wrong"], "got": r["got"]} for r in critical if r["wrong"]],
        "misses": [{"text": r["item"]["text"], "wrong": r["wrong"], "expected": {k: r["item"][k] for k in r["wrong"]},
                    "got": {k: r["got"][k] for k in r["wrong"]}} for r in results if r["wrong"]],
        "by_intent": {k: dict(v) for k, v in intents.items()},
        "by_category": {k: dict(v) for k, v in categories.items()},
        "meets_target": right / len(results) >= TARGET and not any(r["wrong"] for r in critical),
    }


def confusion(table, title):
    """A confusion table (rows: labelled, columns: read) as text lines."""
    labels = sorted(set(table) | {c for row in table.values() for c in row})
    width = max(len(label) for label in labels + [title])
    cell = max(5, max((len(label) for label in labels), default=5))
    lines = [f"{title:<{width}} | " + " ".join(f"{label[:cell]:>{cell}}" for label in labels) + " | right"]
    for label in labels:
        row = table.get(label, {})
        total = sum(row.values())
        if not total:
            continue
        lines.append(f"{label:<{width}} | " + " ".join(f"{row.get(col, 0) or '.':>{cell}}" for col in labels)
                     + f" | {row.get(label, 0)}/{total}")
    return lines


def run(context=None):
    return evaluate()


def summary(result):
    lines = [f"intake: {result['right']}/{result['messages']} messages read right ({result['accuracy']:.1%}, "
             f"target {TARGET:.0%}); distress and opt-out misses: {len(result['critical_misses'])} "
             f"of {result['critical']}"]
    lines += ["", *confusion(result["by_intent"], "intent"), "", *confusion(result["by_category"], "category")]
    if result["misses"]:
        lines += ["", "misses:"] + [f"  {m['text'][:70]!r}: {m['wrong']} expected {m['expected']} got {m['got']}"
                                    for m in result["misses"]]
    return lines


if __name__ == "__main__":
    print("\n".join(summary(evaluate())))
