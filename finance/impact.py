"""The one-page impact summary (issue 16 item 5): for a date range and a county, what funders
ask for. Registrations by gender, incidents by category, trainings held and attended, tips
and price alerts sent.

The training numbers come from the `training` capability when it is installed: it offers
`impact_summary(start, end, county)` (UTC datetimes, end excluded; county None for all)
returning {"held": n, "booked": n, "attended": n, "attended_women": n}. Without it the page
says training is not installed and shows everything else.
"""
import importlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import func, select

from core.i18n import NAIROBI
from flows.catalog import GENDERS
from incidents.categories import CATEGORY_CODES
from miners import search as miner_search
from models import Incident, Message, Miner, db, utcnow
from models.message import DELIVERED, SENT, SUBMITTED

log = logging.getLogger(__name__)

MAX_DAYS = 366 * 5
SENT_STATUSES = (SENT, SUBMITTED, DELIVERED)
TIP_PURPOSES = ("tip", "tip_drip")
PRICE_ALERT_PURPOSES = ("price_alert",)
TRAINING_KEYS = ("held", "booked", "attended", "attended_women")


class RangeError(ValueError):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Range:
    first: date  # Nairobi calendar days, both included
    last: date

    @property
    def start(self):
        return datetime.combine(self.first, time.min, tzinfo=NAIROBI)

    @property
    def end(self):  # excluded
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=NAIROBI)


def _parse_day(value, field):
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise RangeError(field, f"{field} must be a date like 2026-11-30") from None


def today():
    return utcnow().astimezone(NAIROBI).date()


def parse_range(start=None, end=None, current=None):
    """The range asked for (YYYY-MM-DD, both days included); by default this month so far."""
    current = current or today()
    last = _parse_day(end, "end") if end not in (None, "") else current
    first = _parse_day(start, "start") if start not in (None, "") else last.replace(day=1)
    if first > last:
        raise RangeError("start", "start must be on or before end")
    if (last - first).days > MAX_DAYS:
        raise RangeError("start", f"the range may span at most {MAX_DAYS} days")
    if first.year < 2000 or last.year > 2999:
        raise RangeError("start" if first.year < 2000 else "end", "the dates must be between 2000 and 2999")
    return Range(first, last)


def _county_is(column, county):
    return func.lower(column) == county.casefold()


def registrations_by_gender(period, county):
    query = select(Miner.gender, func.count()).where(Miner.created_at >= period.start, Miner.created_at < period.end)
    if county:
        query = query.where(_county_is(Miner.county, county))
    counts = dict.fromkeys([code for code, _label in GENDERS], 0)
    for gender, n in db.session.execute(query.group_by(Miner.gender)).all():
        counts[gender] = counts.get(gender, 0) + n
    return counts


def incidents_by_category(period, county):
    query = select(Incident.category, func.count()).where(Incident.reported_at >= period.start,
                                                          Incident.reported_at < period.end)
    if county:
        query = query.where(_county_is(Incident.county, county))
    found = dict(db.session.execute(query.group_by(Incident.category)).all())
    ordered = {code: found.pop(code, 0) for code in CATEGORY_CODES}
    return ordered | found


def messages_sent(period, county, purposes):
    """SMS of these purposes sent in the range; with a county, those to its registered miners."""
    query = select(func.count()).select_from(Message).where(
        Message.purpose.in_(purposes), Message.status.in_(SENT_STATUSES),
        Message.sent_at >= period.start, Message.sent_at < period.end)
    if county:
        query = query.join(Miner, Miner.id == Message.miner_id).where(_county_is(Miner.county, county))
    return db.session.execute(query).scalar_one()


def training_provider():
    """The training capability's `impact_summary`, or None when it is not installed."""
    registry = current_app.extensions.get("capabilities")
    if registry is not None and hasattr(registry, "names") and "training" not in registry.names:
        return None  # the capability registry says training is not installed here
    try:
        module = importlib.import_module("training")
    except ImportError:
        return None
    provider = getattr(module, "impact_summary", None)
    return provider if callable(provider) else None


def training_numbers(period, county):
    provider = training_provider()
    if provider is None:
        return None
    try:
        result = provider(period.start.astimezone(timezone.utc), period.end.astimezone(timezone.utc), county) or {}
    except Exception:  # another capability's failure must not take the page down
        log.exception("training impact_summary failed")
        return None
    return {key: int(result.get(key) or 0) for key in TRAINING_KEYS}


def summary(officer, start=None, end=None, county=None):
    """Everything the page shows, in the officer's county scope."""
    period = parse_range(start, end)
    county = miner_search.scoped_county(officer, " ".join((county or "").split())[:60] or None)
    genders = registrations_by_gender(period, county)
    categories = incidents_by_category(period, county)
    training = training_numbers(period, county)
    return {
        "range": period, "county": county,
        "registrations": genders, "registrations_total": sum(genders.values()),
        "incidents": categories, "incidents_total": sum(categories.values()),
        "training": training,
        "tips_sent": messages_sent(period, county, TIP_PURPOSES),
        "price_alerts_sent": messages_sent(period, county, PRICE_ALERT_PURPOSES),
    }
