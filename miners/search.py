"""Finding miners for officers (dashboard list, CSV export, GET /api/v1/miners): one query,
so that every view applies the same filters and the same county scoping."""
from sqlalchemy import func, or_

from core.phones import mask
from models.base import db
from models.miner import Miner


def scoped_county(officer, requested):
    """The county a list really uses: a county-limited officer's own, whatever was asked."""
    if officer.role != "admin" and officer.county:
        return officer.county
    return requested or None


def select_miners(officer, *, text=None, county=None, site=None):
    """SELECT of the miners this officer may see that match the filters, newest first.

    `text` matches the name or the site (case-insensitive, anywhere); `county` is exact
    (but case-insensitive); `site` matches anywhere in the site.
    """
    query = db.select(Miner)
    text, county, site = _clean(text), _clean(county), _clean(site)
    county = scoped_county(officer, county)
    if county:
        query = query.where(func.lower(Miner.county) == county.casefold())
    if text and text.strip():
        pattern = f"%{_escape_like(text.strip().casefold())}%"
        query = query.where(or_(func.lower(Miner.name).like(pattern, escape="\\"),
                                func.lower(Miner.site).like(pattern, escape="\\")))
    if site and site.strip():
        query = query.where(func.lower(Miner.site).like(f"%{_escape_like(site.strip().casefold())}%", escape="\\"))
    return query.order_by(Miner.created_at.desc(), Miner.id.desc())


def _clean(value, limit=80):
    # PostgreSQL refuses NUL characters in text; nobody types them on purpose.
    return value.replace("\x00", "")[:limit] if value else value


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def shown_phone(officer, phone):
    """A phone number as this officer may see it: full for admins, masked otherwise."""
    return phone if officer.sees_full_numbers else mask(phone)


def serialise(officer, miner):
    """A miner as the API and the CSV export give it."""
    return {
        "id": miner.id,
        "phone": shown_phone(officer, miner.phone),
        "name": miner.name,
        "county": miner.county,
        "site": miner.site,
        "role": miner.role,
        "gender": miner.gender,
        "locale": miner.locale,
        "receives_sms": miner.receives_sms,
        "registered_via": miner.registered_via,
        "registered_at": miner.created_at.isoformat(),
    }
