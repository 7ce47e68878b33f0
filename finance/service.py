"""Finance and equipment leads: storing a miner's interest, and the officers' actions on
leads (list, counts, CSV export, broadcast to them).

Every officer action takes the officer first and applies the county rule here with
core/policy.py (an officer with a county sees and acts on that county only, whatever was
asked), and the actions that hand out or use personal data write an audit entry, which
records the door (dashboard, API, CLI): the export here (`export_leads`), the broadcast to
leads through the broadcasts' own officer action (`broadcasts.actions.create`: the
`broadcasts` role, the broadcasts' county rule, one entry `broadcast_created`). `officer` None
is the command line without --as (every county, whole numbers, "cli" in the audit log).
Bad input is a LeadError (core.policy.Invalid, code `invalid_<field>`).
"""
import csv
import io

from sqlalchemy import func, select

from broadcasts import actions as broadcast_actions
from broadcasts import audience as broadcasts
from broadcasts.audience import Audience, BroadcastError
from core.i18n import N_
from core.phones import mask
from core.policy import Invalid, require, scope_county
from finance.labels import EQUIPMENT, KINDS, LOAN
from models import Miner, audit, db, utcnow
from models.base import upsert_insert
from models.lead import Lead

AUDIENCE_KEY = "lead_kind"
CSV_COLUMNS = ["id", "phone", "name", "county", "site", "kind", "equipment", "consent_at", "updated_at"]


class LeadError(Invalid):
    """Bad input for a lead query or action; `field` names what to fix (API: 400 `invalid_<field>`)."""

    def __init__(self, field, message):
        super().__init__(message, code=f"invalid_{field}", field=field)


def _scoped_county(officer, requested):
    """The county a list really uses: a county officer's own, whatever was asked."""
    return scope_county(officer) or requested or None


def _sees_full_numbers(officer):
    return officer is None or officer.sees_full_numbers


# --- what a miner does ------------------------------------------------------------------

def record_lead(phone, kind, equipment=None):
    """Store (or update: one lead per phone and kind) a registered miner's interest, with
    consent given now. Returns the lead, or None when the phone is not a registered miner
    (nothing is stored about an unregistered phone)."""
    if kind not in KINDS:
        raise LeadError("kind", f"kind must be one of {', '.join(KINDS)}")
    if kind == LOAN and equipment not in EQUIPMENT:
        raise LeadError("equipment", f"equipment must be one of {', '.join(EQUIPMENT)}")
    equipment = equipment if kind == LOAN else None
    miner = db.session.execute(select(Miner.id, Miner.county).where(Miner.phone == phone)).one_or_none()
    if miner is None:
        return None
    now = utcnow()
    statement = upsert_insert(Lead).values(phone=phone, miner_id=miner.id, kind=kind, equipment=equipment,
                                           county=miner.county, consent_at=now, created_at=now, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[Lead.phone, Lead.kind],
        set_={"miner_id": miner.id, "equipment": equipment, "county": miner.county, "consent_at": now,
              "updated_at": now})
    db.session.execute(statement)
    db.session.commit()
    return db.session.execute(select(Lead).where(Lead.phone == phone, Lead.kind == kind)).scalar_one()


def forget(phone, miner_id=None):
    """A miner asked to be forgotten: their leads go (in the erasure's transaction)."""
    db.session.execute(db.delete(Lead).where(Lead.phone == phone).execution_options(synchronize_session=False))


def handle_effect(phone, interest, equipment=None, **_ignored):
    """The USSD journey's `finance_lead` effect (`interest`: the kind of lead)."""
    record_lead(phone, interest, equipment)


# --- officers ---------------------------------------------------------------------------

def clean_filters(county=None, kind=None):
    """(county, kind) from what an officer typed: None for 'all'; a bad kind names the field."""
    county = " ".join((county or "").replace("\x00", "").split())[:60] or None
    kind = (kind or "").strip() or None
    if kind is not None and kind not in KINDS:
        raise LeadError("kind", f"kind must be one of {', '.join(KINDS)}")
    return county, kind


def select_leads(officer, county=None, kind=None):
    """SELECT of the leads the officer may see, newest change first (county rule)."""
    county, kind = clean_filters(county, kind)
    county = _scoped_county(officer, county)
    query = select(Lead).join(Miner, Miner.id == Lead.miner_id)
    if county:
        query = query.where(func.lower(Lead.county) == county.casefold())
    if kind:
        query = query.where(Lead.kind == kind)
    return query.order_by(Lead.updated_at.desc(), Lead.id.desc())


def counts(officer, county=None):
    """{"rows": [(county, {kind: n}, total)], "totals": {kind: n}, "total": n} in the
    officer's scope, biggest county first."""
    county = _scoped_county(officer, clean_filters(county)[0])
    query = select(Lead.county, Lead.kind, func.count()).join(Miner, Miner.id == Lead.miner_id)
    if county:
        query = query.where(func.lower(Lead.county) == county.casefold())
    by_county = {}
    for name, kind, n in db.session.execute(query.group_by(Lead.county, Lead.kind)).all():
        by_county.setdefault(name, dict.fromkeys(KINDS, 0))[kind] = n
    rows = sorted(((name, kinds, sum(kinds.values())) for name, kinds in by_county.items()),
                  key=lambda row: (-row[2], row[0]))
    totals = {kind: sum(kinds[kind] for _name, kinds, _n in rows) for kind in KINDS}
    return {"rows": rows, "totals": totals, "total": sum(totals.values())}


def serialise(officer, lead):
    """A lead as the API and the CSV give it: the phone masked unless the officer is an admin."""
    miner = lead.miner
    return {
        "id": lead.id,
        "phone": lead.phone if _sees_full_numbers(officer) else mask(lead.phone),
        "name": miner.name,
        "county": lead.county,
        "site": miner.site,
        "kind": lead.kind,
        "equipment": lead.equipment,
        "consent_at": lead.consent_at.isoformat(),
        "created_at": lead.created_at.isoformat(),
        "updated_at": lead.updated_at.isoformat(),
    }


def _csv_safe(value):
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise free text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(officer, county=None, kind=None):
    """The leads the officer may see as CSV text (phones as `serialise` shows them), and the
    audit entry saying who took which rows (and through which door). Returns (text, rows)."""
    require(officer, "read")
    county, kind = clean_filters(county, kind)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for lead in db.session.execute(select_leads(officer, county, kind)).unique().scalars():
        data = serialise(officer, lead)
        writer.writerow([data[name] if name in ("id", "phone") else _csv_safe(data[name]) for name in CSV_COLUMNS])
        count += 1
    audit.record(officer, "export_leads", target="leads.csv",
                 detail={"county": county, "kind": kind, "county_scope": scope_county(officer),
                         "rows": count, "full_numbers": _sees_full_numbers(officer)})
    return buffer.getvalue(), count


def _raw_audience(kind, county):
    county, kind = clean_filters(county, kind)
    if kind is None:
        raise LeadError("kind", f"kind must be one of {', '.join(KINDS)}")
    audience = {AUDIENCE_KEY: [kind]}
    if county:
        audience["county"] = [county]
    return audience


def lead_audience(officer, kind, county=None):
    """The broadcast audience "the miners with a lead of `kind` in `county`" for this officer,
    with the broadcasts' county rule (broadcasts.actions.scoped_audience): a county officer's
    own county when none is named, OutOfScope for another; an officer who sees every county
    names one or reaches all (county None)."""
    try:
        audience = broadcasts.clean_audience(_raw_audience(kind, county))
    except BroadcastError as exc:
        raise LeadError("county", str(exc)) from None
    return broadcast_actions.scoped_audience(officer, audience)


def broadcast_to_leads(officer, texts, kind, county=None, *, urgent=False):
    """Send `texts` to the miners with a lead of `kind` (in `county`): the officer's broadcast
    (broadcasts.actions.create: role, county rule, one audit entry `broadcast_created`; opted-out
    and unreachable miners are left out there). Returns the broadcast."""
    broadcast, _shown = broadcast_actions.create(officer, texts, _raw_audience(kind, county), urgent=urgent,
                                                 about={"to": "finance leads"})
    return broadcast


# --- the broadcasts' audience "leads of kind K" -------------------------------------------

def _clean_kind(raw):
    values = raw if isinstance(raw, (list, tuple)) else [raw]
    if not values or not all(isinstance(v, str) and v.strip() in KINDS for v in values):
        raise BroadcastError(f"audience.{AUDIENCE_KEY} must be among {', '.join(KINDS)}")
    return sorted({v.strip() for v in values})


def _leads_condition(kinds):
    return Miner.id.in_(select(Lead.miner_id).where(Lead.kind.in_(kinds), Lead.miner_id.is_not(None)))


# Declared by the capability (finance/__init__.py: Capability.audiences).
LEADS_AUDIENCE = Audience(AUDIENCE_KEY, _clean_kind, _leads_condition, label=N_("Finance leads"))
