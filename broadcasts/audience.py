"""Who gets a broadcast, and what they get: the audience filters (county, site, role, gender,
language, registration dates, and filters other capabilities add), one text per language
(each at most MAX_SEGMENTS GSM-7 parts), and the preview an officer checks before sending
(recipients per language, parts, cost, the AT balance).

Opted-out, unconsented and unreachable miners are never in an audience (`reachable`).
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from flask import current_app, has_app_context
from sqlalchemy import and_, false, func, select, true

from core.i18n import LOCALES, NAIROBI
from models import Miner, db
from ops.balance import current as current_balance
from sms import encoding

MAX_SEGMENTS = 6
AT_OPT_OUT_HEADROOM = 40  # AT appends opt-out instructions to the first bulk SMS to a number
AUDIENCE_KEYS = ("all", "county", "site", "role", "gender", "language", "registered_after", "registered_before")


class BroadcastError(ValueError):
    """Bad input for a broadcast; the message says what to fix."""


# --- audiences other capabilities add ---------------------------------------------------

@dataclass(frozen=True)
class Audience:
    """An audience filter a capability adds (e.g. finance's `lead_kind`: the miners who
    registered that interest). `clean(raw)` returns the value to store or raises
    BroadcastError naming the field; `condition(value)` is an SQL condition on `Miner`,
    combined (AND) with the other filters; `label` names it on the broadcast's page."""

    key: str
    clean: Callable
    condition: Callable
    label: object = None


def added_audiences():
    """The filters the app's capabilities add (Capability.audiences), by key; none outside an app."""
    registry = current_app.extensions.get("capabilities") if has_app_context() else None
    added = registry.audiences if registry is not None else {}
    built_in = [key for key in added if key in AUDIENCE_KEYS]
    if built_in:
        raise ValueError(f"audience filter(s) {', '.join(built_in)} are built in")
    return added


def audience_keys():
    return AUDIENCE_KEYS + tuple(added_audiences())


# --- input ----------------------------------------------------------------------------

def _as_list(value, key):
    if value is None or value == "" or value == []:
        return None
    values = value if isinstance(value, (list, tuple)) else [value]
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise BroadcastError(f"audience.{key} must be a text or a list of texts")
    return [" ".join(v.split()) for v in values]


def _as_date(value, key):
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise BroadcastError(f"audience.{key} must be a date like 2026-01-31") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=NAIROBI)
    try:
        return parsed.astimezone(timezone.utc).isoformat()
    except OverflowError:  # year 1 or 9999 near midnight: out of range once moved to UTC
        raise BroadcastError(f"audience.{key} must be a date like 2026-01-31") from None


def clean_audience(raw):
    """The audience filters as stored: lists of values and ISO dates; {} (or all) means all."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise BroadcastError("audience must be an object")
    unknown = sorted(set(raw) - set(audience_keys()))
    if unknown:
        raise BroadcastError(f"unknown audience filter(s): {', '.join(unknown)}; use {', '.join(audience_keys())}")
    audience = {}
    for key in ("county", "site", "role", "gender", "language"):
        values = _as_list(raw.get(key), key)
        if values:
            audience[key] = values
    for key in ("registered_after", "registered_before"):
        value = _as_date(raw.get(key), key)
        if value:
            audience[key] = value
    if "language" in audience:
        bad = [v for v in audience["language"] if v.lower() not in LOCALES]
        if bad:
            raise BroadcastError(f"audience.language must be among {', '.join(LOCALES)}")
        audience["language"] = [v.lower() for v in audience["language"]]
    for key, added in added_audiences().items():
        if raw.get(key) not in (None, "", []):
            audience[key] = added.clean(raw[key])
    if raw.get("all") and len(audience) > 0:
        raise BroadcastError("audience.all cannot be combined with other filters")
    return audience


def clean_texts(raw):
    """{"sw": ..., "en": ...} transliterated to GSM-7 where possible; at least one language."""
    if not isinstance(raw, dict):
        raise BroadcastError("text must be an object like {\"sw\": \"...\", \"en\": \"...\"}")
    unknown = sorted(set(raw) - set(LOCALES))
    if unknown:
        raise BroadcastError(f"text has unknown language(s): {', '.join(unknown)}; use {', '.join(LOCALES)}")
    texts = {}
    for locale in LOCALES:
        value = raw.get(locale)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            raise BroadcastError(f"text.{locale} must be text")
        analysis = encoding.analyse(" ".join(value.split()))
        if analysis.segments > MAX_SEGMENTS:
            raise BroadcastError(f"text.{locale} is {analysis.segments} SMS parts long; at most {MAX_SEGMENTS}")
        texts[locale] = analysis.text
    if not texts:
        raise BroadcastError("give the text in at least one language (sw or en)")
    return texts


def text_locales(texts, default_locale):
    """Which text each miner language gets: its own, else DEFAULT_LOCALE's, else any."""
    fallback = default_locale if default_locale in texts else next(iter(texts))
    return {locale: (locale if locale in texts else fallback) for locale in LOCALES}


# --- the audience in the database ----------------------------------------------------

def reachable():
    """Always excluded: no SMS consent, opted out, or a number AT says is invalid."""
    return and_(Miner.sms_consent_at.is_not(None), Miner.sms_opt_out_at.is_(None), Miner.unreachable_at.is_(None))


def _casefold_in(column, values):
    return func.lower(column).in_([v.casefold() for v in values])


def audience_filter(audience):
    if set(audience) - set(audience_keys()):
        # A stored broadcast whose filter's capability is not installed (any more): it
        # reaches nobody, never everyone the other filters leave.
        return false()
    added = added_audiences()
    conditions = [added[key].condition(value) for key, value in audience.items() if key in added]
    if audience.get("county"):
        conditions.append(_casefold_in(Miner.county, audience["county"]))
    if audience.get("site"):
        conditions.append(_casefold_in(Miner.site, audience["site"]))
    if audience.get("role"):
        conditions.append(_casefold_in(Miner.role, audience["role"]))
    if audience.get("gender"):
        conditions.append(_casefold_in(Miner.gender, audience["gender"]))
    if audience.get("language"):
        conditions.append(Miner.locale.in_(audience["language"]))
    if audience.get("registered_after"):
        conditions.append(Miner.created_at >= datetime.fromisoformat(audience["registered_after"]))
    if audience.get("registered_before"):
        conditions.append(Miner.created_at < datetime.fromisoformat(audience["registered_before"]))
    return and_(true(), *conditions)


def reachable_count(audience):
    """How many miners of `audience` a broadcast would reach now (consenting, not opted out)."""
    return db.session.execute(
        select(func.count()).select_from(Miner).where(audience_filter(audience), reachable())).scalar_one()


def preview(texts, audience, *, default_locale=None, cost_per_segment=None):
    """What an officer checks before sending: recipients per language, encoding and parts
    per language, estimated cost, and how many in the audience are excluded (opted out...)."""
    config = current_app.config
    default_locale = default_locale or config["DEFAULT_LOCALE"]
    cost_per_segment = config["SMS_COST_PER_SEGMENT_KES"] if cost_per_segment is None else cost_per_segment
    mapping = text_locales(texts, default_locale)
    counts = dict(db.session.execute(
        select(Miner.locale, func.count()).where(audience_filter(audience), reachable()).group_by(Miner.locale)).all())
    excluded = db.session.execute(
        select(func.count()).select_from(Miner).where(audience_filter(audience), ~reachable())).scalar_one()
    languages, total, cost = {}, 0, 0.0
    for locale, text in texts.items():
        recipients = sum(n for miner_locale, n in counts.items() if mapping.get(miner_locale, mapping[default_locale])
                         == locale)
        shown = encoding.preview(text)
        with_note = encoding.analyse(text + " " + "x" * AT_OPT_OUT_HEADROOM)
        if with_note.segments > shown["segments"]:
            shown["warnings"].append(
                f"AT adds ~{AT_OPT_OUT_HEADROOM} characters of opt-out instructions to a first message: "
                f"this text would then take {with_note.segments} parts")
        languages[locale] = {**shown, "recipients": recipients,
                             "cost_kes": round(recipients * shown["segments"] * cost_per_segment, 2)}
        total += recipients
        cost += languages[locale]["cost_kes"]
    # The account balance (asked at most every 5 minutes): a broadcast that costs more stops
    # halfway with AT's InsufficientBalance, so the officer sees it before confirming.
    balance = current_balance()
    return {"recipients": total, "excluded": excluded, "languages": languages, "cost_kes": round(cost, 2),
            "cost_per_segment_kes": cost_per_segment,
            "balance_kes": round(balance.amount, 2) if balance is not None else None,
            "balance_short": balance is not None and balance.amount < cost}
