"""The tip catalogue: loading `content/tips.yaml`, officers' additions and retirements, and
the in-memory snapshot USSD screens and SMS replies read from.

`load_file` can be run again and again: tips and topics are upserted by id; a tip that
left the file is retired only when asked (`retire_missing`), and a retired tip stays
retired until someone restores it (an officer may have retired it on purpose).
"""
import re
from functools import lru_cache
from pathlib import Path

import yaml

from core import policy
from core.capability import Shipped
from core.snapshot import Snapshot
from models import Tip, TipTopic, audit, db, utcnow
from sms import encoding
from models.tip import TIP_SCREEN_MAX
from tips.view import Catalogue

CONTENT_FILE = Path(__file__).resolve().parent.parent / "content" / "tips.yaml"
LOCALES = ("sw", "en")
FORMAT_VERSION = 1  # the file's `version:` (its layout, not its content: git versions that)
# A tip's id: lower-case letters, digits, - and _; never "topics", the name of the topic list
# in the API (/api/v1/tips/topics). tips/api.py routes and describes <tip_id> by this pattern.
TIP_ID_PATTERN = r"(?!topics$)[a-z0-9][a-z0-9_-]{1,59}"
TIP_ID = re.compile(f"^{TIP_ID_PATTERN}$")


class ContentError(ValueError):
    """The content (file or an officer's tip) is not fit to send; `problems` says why."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = problems


def text_problems(text, label):
    """Why a tip's text is unfit: not GSM-7, or too long to show whole on one USSD screen
    with its options (it is then one SMS as well)."""
    return [f"{label}: {p}" for p in encoding.template_problems(text or "", limit=TIP_SCREEN_MAX)]


# --- loading the content file -------------------------------------------------------

def read_file(path=CONTENT_FILE):
    """The file's topics and tips, checked; raises ContentError listing every problem."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    topics, tips, problems = raw.get("topics") or [], raw.get("tips") or [], []
    if raw.get("version") != FORMAT_VERSION:
        problems.append(f"format version {raw.get('version')!r}; this code reads version {FORMAT_VERSION}")
    codes = [t.get("code") for t in topics]
    if len(set(codes)) != len(codes):
        problems.append("duplicate topic codes")
    for topic in topics:
        for locale in LOCALES:
            if not topic.get(locale):
                problems.append(f"topic {topic.get('code')}: no {locale} label")
    known = raw.get("sources") or {}
    markers = raw.get("markers") or {}
    seen = set()
    for tip in tips:
        tip_id = str(tip.get("id") or "")
        if not TIP_ID.match(tip_id):
            problems.append(f"tip {tip_id!r}: id must be lower-case letters, digits, - or _ (not 'topics')")
        if tip_id in seen:
            problems.append(f"tip {tip_id}: duplicate id")
        seen.add(tip_id)
        if tip.get("topic") not in codes:
            problems.append(f"tip {tip_id}: unknown topic {tip.get('topic')!r}")
        for locale in LOCALES:
            problems += text_problems(tip.get(locale), f"tip {tip_id} ({locale})")
        problems += _source_problems(tip_id, [str(s) for s in tip.get("sources") or []], known, markers)
    if problems:
        raise ContentError(problems)
    return topics, tips


def _source_problems(tip_id, sources, known, markers):
    """Each tip rests on at least one source the file's `sources` list explains; PROPOSAL
    and UNVERIFIED (`markers`) qualify a source, they are not one."""
    problems = [f"tip {tip_id}: source {s!r} is not in the file's sources or markers"
                for s in sources if s not in known and s not in markers]
    if not any(s in known for s in sources):
        problems.append(f"tip {tip_id}: names no source (add one from the file's sources list)")
    return problems


def load_file(path=CONTENT_FILE, retire_missing=False, replace_edited=False, missing_only=False):
    """Upsert the file's topics and tips; returns counts of what changed. With missing_only
    (what `db upgrade` runs) only topics and tips the database lacks are added: what is
    there, an officer's edit or retirement included, is left as it is.

    A tip an officer edited (edit_tip) keeps the officer's text, topic and sources
    (`kept_edited` counts them) unless `replace_edited`, which puts the shipped text back.
    """
    topics, tips = read_file(path)
    counts = {"added": 0, "updated": 0, "unchanged": 0, "kept_edited": 0, "retired": 0, "still_retired": 0}
    for position, data in enumerate(topics):
        topic = db.session.get(TipTopic, data["code"])
        if topic is not None and missing_only:
            continue
        topic = topic or TipTopic(code=data["code"])
        db.session.add(topic)
        words = data.get("words") or {}
        topic.position, topic.label_sw, topic.label_en = position, data["sw"], data["en"]
        topic.words_en = " ".join(w.lower() for w in words.get("en", []))
        topic.words_sw = " ".join(w.lower() for w in words.get("sw", []))
        topic.retired_at = None
    db.session.flush()
    positions = {}
    for data in tips:
        position = positions[data["topic"]] = positions.get(data["topic"], -1) + 1
        tip = db.session.get(Tip, data["id"])
        sources = " ".join(str(s) for s in data.get("sources") or [])
        new = (data["topic"], position, data["sw"], data["en"], sources)
        if tip is None:
            db.session.add(Tip(id=data["id"], topic_code=new[0], position=position, text_sw=new[2],
                               text_en=new[3], sources=sources, origin="file"))
            counts["added"] += 1
            continue
        if missing_only:
            counts["unchanged"] += 1
            continue
        if (tip.topic_code, tip.position, tip.text_sw, tip.text_en, tip.sources) == new:
            counts["unchanged"] += 1
        elif tip.edited_at is not None and not replace_edited:
            counts["kept_edited"] += 1
        else:
            tip.topic_code, tip.position, tip.text_sw, tip.text_en, tip.sources = new
            tip.edited_by = tip.edited_at = None
            counts["updated"] += 1
        if tip.retired_at is not None:
            counts["still_retired"] += 1
    if retire_missing:
        ids = {t["id"] for t in tips}
        for tip in db.session.execute(db.select(Tip).filter_by(origin="file", retired_at=None)).scalars():
            if tip.id not in ids:
                tip.retired_at = utcnow()
                counts["retired"] += 1
    db.session.commit()
    CATALOGUE.invalidate()
    return counts


# --- officers' changes ------------------------------------------------------------------
# The tips are nationwide content: by the contract's roles only admins change them (an
# `officer` has incidents, broadcasts and prices; a `viewer` reads). Checked here, and the
# audit entry written here, so that the dashboard, the API and the CLI cannot differ
# (core/policy.py); the CLI without --as (someone on the server) passes no officer.

class NotAllowed(policy.NotAllowed):
    """This officer's role does not change the nationwide tips."""


def _check_role(officer):
    if officer is not None and not officer.may("tips"):
        raise NotAllowed(f"role {officer.role!r} does not change the nationwide tips (admins do)")


def add_tip(*, topic, sw, en, sources=(), tip_id=None, by=None, officer=None):
    """An officer's new tip; raises ContentError when it could not be sent as one SMS,
    NotAllowed when `officer` may not change tips."""
    _check_role(officer)
    problems = text_problems(sw, "sw") + text_problems(en, "en")
    if db.session.get(TipTopic, topic or "") is None:
        problems.append(f"unknown topic {topic!r}")
    if tip_id is not None and not TIP_ID.match(tip_id):
        problems.append("id must be lower-case letters, digits, - or _ (2 to 60; not 'topics')")
    if len(" ".join(sources)) > 200:
        problems.append("sources: at most 200 characters in all")
    if tip_id is not None and db.session.get(Tip, tip_id) is not None:
        problems.append(f"a tip with id {tip_id} already exists")
    if problems:
        raise ContentError(problems)
    if tip_id is None:
        n = db.session.execute(db.select(db.func.count()).select_from(Tip).filter_by(topic_code=topic)).scalar_one()
        tip_id = f"{topic}-{n + 1}"
        while db.session.get(Tip, tip_id) is not None:
            n += 1
            tip_id = f"{topic}-{n + 1}"
    last = db.session.execute(db.select(db.func.max(Tip.position)).filter_by(topic_code=topic)).scalar()
    tip = Tip(id=tip_id, topic_code=topic, position=(last or 0) + 1, text_sw=sw.strip(), text_en=en.strip(),
              sources=" ".join(sources), origin="officer", created_by=by or policy.username(officer))
    db.session.add(tip)
    audit.record(officer, "tip_added", target=tip.id, detail={"topic": tip.topic_code}, username=by, commit=False)
    db.session.commit()
    CATALOGUE.invalidate()
    return tip


def set_retired(tip_id, retired, officer=None):
    """Retire (or restore) a tip; returns the tip, or None when there is none. Raises
    NotAllowed when `officer` may not change tips."""
    _check_role(officer)
    tip = db.session.get(Tip, tip_id)
    if tip is None:
        return None
    tip.retired_at = (tip.retired_at or utcnow()) if retired else None
    audit.record(officer, "tip_retired" if retired else "tip_restored", target=tip.id, commit=False)
    db.session.commit()
    CATALOGUE.invalidate()
    return tip


# --- the snapshot screens and replies read -------------------------------------------

def _build():
    topics = db.session.execute(
        db.select(TipTopic).filter_by(retired_at=None).order_by(TipTopic.position, TipTopic.code)
    ).scalars().all()
    tips = db.session.execute(
        db.select(Tip).filter_by(retired_at=None).order_by(Tip.topic_code, Tip.position, Tip.id)
    ).scalars().all()
    by_topic = {}
    for tip in tips:
        by_topic.setdefault(tip.topic_code, []).append(tip.id)
    shown = [t for t in topics if by_topic.get(t.code)]
    # The cycle order takes one tip from each topic in turn, so that a miner's weekly tips
    # do not spend two months on shafts before the first word about mercury.
    order, depth = [], max((len(v) for v in by_topic.values()), default=0)
    for n in range(depth):
        order += [by_topic[t.code][n] for t in shown if n < len(by_topic[t.code])]
    return {
        "topics": [{"code": t.code, "sw": t.label_sw, "en": t.label_en, "words_en": t.words_en.split(),
                    "words_sw": t.words_sw.split()} for t in shown],
        "tips": {t.id: {"topic": t.topic_code, "sw": t.text_sw, "en": t.text_en} for t in tips},
        "by_topic": {t.code: by_topic[t.code] for t in shown},
        "order": order,
    }


CATALOGUE = Snapshot("tips", _build, empty={"topics": [], "tips": {}, "by_topic": {}, "order": []})


def catalogue():
    """The active tips, refreshed from Redis if they changed (SMS replies, jobs)."""
    return Catalogue(**CATALOGUE.get())


def edit_tip(tip_id, *, topic, sw, en, sources=(), by=None, officer=None):
    """An officer corrects a tip (its texts, topic or sources); the same checks as add_tip.
    Returns the tip, or None when there is none; raises ContentError or NotAllowed."""
    _check_role(officer)
    tip = db.session.get(Tip, tip_id)
    if tip is None:
        return None
    problems = text_problems(sw, "sw") + text_problems(en, "en")
    if db.session.get(TipTopic, topic or "") is None:
        problems.append(f"unknown topic {topic!r}")
    if len(" ".join(sources)) > 200:
        problems.append("sources: at most 200 characters in all")
    if problems:
        raise ContentError(problems)
    before = {"topic": tip.topic_code, "sw": tip.text_sw, "en": tip.text_en}
    if tip.topic_code != topic:
        last = db.session.execute(db.select(db.func.max(Tip.position)).filter_by(topic_code=topic)).scalar()
        tip.topic_code, tip.position = topic, (last or 0) + 1
    tip.text_sw, tip.text_en, tip.sources = sw.strip(), en.strip(), " ".join(sources)
    tip.updated_at = tip.edited_at = utcnow()
    tip.edited_by = by or policy.username(officer)
    audit.record(officer, "tip_edited", target=tip.id, detail={"before": before}, username=by, commit=False)
    db.session.commit()
    CATALOGUE.invalidate()
    return tip


# --- the shipped tips (ops/content.py loads them at db upgrade and release) -------------------

def load_missing_shipped():
    """Add the shipped tips the database lacks (never undoes an officer's edit or retirement)."""
    return load_file(missing_only=True)["added"]


@lru_cache(maxsize=4)
def _shipped_tip_ids(path, mtime):
    _topics, tips = read_file(path)
    return frozenset(tip["id"] for tip in tips)


def count_missing_shipped():
    """How many tips of content/tips.yaml the database lacks (`flask doctor`)."""
    shipped = _shipped_tip_ids(str(CONTENT_FILE), CONTENT_FILE.stat().st_mtime)
    have = set(db.session.execute(db.select(Tip.id)).scalars())
    return len(shipped - have)


SHIPPED = Shipped("tips", load_missing=load_missing_shipped, count_missing=count_missing_shipped)
