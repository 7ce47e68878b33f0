"""The permit and group steps of `content/permits.yaml`, read once and checked (pure data:
no database, no Flask). The journey and the SMS keyword read `guides()`; nothing queries
anything for them mid-session.
"""
from functools import lru_cache
from pathlib import Path

import yaml

from sms import encoding

CONTENT_FILE = Path(__file__).resolve().parent.parent / "content" / "permits.yaml"
LOCALES = ("sw", "en")
FORMAT_VERSION = 1
# The longest step that shows whole on ONE USSD screen with the step menu around it
# (permits/journey.py): 160 - "N/N: " (5) - "\n1 Ifuatayo 2 Afisa anipigie" (28)
# - "\n0 Rudi 00 Mwanzo" (17), with a little room to spare. tests/test_permits_content.py
# renders every step through the real journey as well.
STEP_MAX = 108
SMS_SUMMARY_MAX = 100  # the guide's `sms` (the rest of the reply is the call-back offer)
GUIDE_CODES = ("permit", "group")


class ContentError(ValueError):
    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = problems


def _text_problems(text, label, limit):
    return [f"{label}: {p}" for p in encoding.template_problems(text or "", limit=limit)]


def check(raw):
    """Every problem of the file's data (a list, empty when it is fit to ship)."""
    problems = []
    if raw.get("version") != FORMAT_VERSION:
        problems.append(f"format version {raw.get('version')!r}; this code reads version {FORMAT_VERSION}")
    known, markers = raw.get("sources") or {}, raw.get("markers") or {}
    guides = raw.get("guides") or []
    codes = [g.get("code") for g in guides]
    if sorted(codes) != sorted(GUIDE_CODES):
        problems.append(f"guides must be exactly {', '.join(GUIDE_CODES)} (found {codes})")
    seen = set()
    for guide in guides:
        code = guide.get("code")
        for locale in LOCALES:
            if not (guide.get("title") or {}).get(locale):
                problems.append(f"guide {code}: no {locale} title")
            problems += _text_problems((guide.get("sms") or {}).get(locale), f"guide {code} sms ({locale})",
                                       SMS_SUMMARY_MAX)
        if not guide.get("steps"):
            problems.append(f"guide {code}: no steps")
        for step in guide.get("steps") or []:
            step_id = str(step.get("id") or "")
            if not step_id or step_id in seen:
                problems.append(f"step {step_id!r}: missing or duplicate id")
            seen.add(step_id)
            for locale in LOCALES:
                problems += _text_problems(step.get(locale), f"step {step_id} ({locale})", STEP_MAX)
            sources = [str(s) for s in step.get("sources") or []]
            problems += [f"step {step_id}: source {s!r} is not in the file's sources or markers"
                         for s in sources if s not in known and s not in markers]
            if not any(s in known for s in sources):
                problems.append(f"step {step_id}: names no source")
    return problems


def read_file(path=CONTENT_FILE):
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    problems = check(raw)
    if problems:
        raise ContentError(problems)
    return raw


@lru_cache(maxsize=1)
def content():
    """The checked file, read once per process (a change ships with a deploy)."""
    return read_file()


def guides():
    """{code: {"title": {sw, en}, "sms": {sw, en}, "steps": [{"id", "sw", "en", "sources"}]}}."""
    return {g["code"]: g for g in content()["guides"]}


def revision():
    return content().get("revision")
