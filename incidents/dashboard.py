"""Incidents for officers (/dashboard/incidents): the inbox (filters, paging, CSV export), an
incident's page with its timeline, acknowledging and changing the status with a note, and
who reported it as the role allows; and the overview's "open urgent incidents" panel and
charts (declared as the capability's panels in incidents/__init__.py).

Status changes and look-ups go through `incidents.actions` (the functions the API and CLI
use), which apply the county rule and write the audit entry and the incident's own trail,
and tell the reporter by SMS. County officers see and change only their county's incidents
(server-side, on every page and export).
Reporter numbers: an anonymous reporter's never (an admin may look it up, giving a reason
that is kept, as in the API); masked unless the officer is an admin.
"""
import csv
import io
from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func
from sqlalchemy.orm import selectinload
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from core.phones import mask
from dashboard import labels
from dashboard.auth import (county_choices, current_officer_object, officer_required, protect_unsafe_requests,
                            scoped_county)
from dashboard.charts import Series, bar_chart, hbar_chart
from dashboard.forms import ActionForm
from dashboard.views import WEEKS_SHOWN, _csv_safe, _week_start, csv_download, list_page
from incidents import actions
from incidents.actions import NOTE_MAX
from incidents.actions import REVEAL_REASON_MAX as REASON_MAX, REVEAL_REASON_MIN as REASON_MIN
from incidents.categories import CATEGORY_CODES, OPEN_STATUSES, STATUSES
from models import Incident, Message, ReporterReveal, audit, db, utcnow


# Officers' pages at /dashboard/incidents... (the capability's own blueprint; core/capability.py).
bp = Blueprint("incidents", __name__, url_prefix="/dashboard", template_folder="templates")
protect_unsafe_requests(bp)

PAGE_SIZE = 25
URGENT_SHOWN = 5


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=[SelectChoice(code, labels.INCIDENT_STATUSES[code])
                                                    for code in STATUSES])
    note = TextAreaField(_l("Note (what was done, who was sent)"),
                         validators=[Optional(), Length(max=NOTE_MAX)], render_kw={"rows": 3})


class RevealForm(FlaskForm):
    reason = TextAreaField(_l("Why do you need the reporter's number?"),
                           validators=[DataRequired(), Length(min=REASON_MIN, max=REASON_MAX)],
                           render_kw={"rows": 2})


# --- filters --------------------------------------------------------------------------

def incident_filters(args):
    """The inbox filters from the query string, cleaned: unknown values are dropped, and
    `error` says what was not understood (shown above the list)."""
    status = (args.get("status") or "").strip()
    category = (args.get("category") or "").strip().upper()
    county = " ".join((args.get("county") or "").split())[:60]
    urgent = args.get("urgent") if args.get("urgent") in ("yes", "no") else ""
    since_raw = (args.get("since") or "").strip()[:10]
    since, error = None, None
    if since_raw:
        try:
            since = date.fromisoformat(since_raw)
        except ValueError:
            error = _("The date %(date)s is not understood: use the date picker (year-month-day).", date=since_raw)
            since_raw = ""
    return {"status": status if status in STATUSES or status == "open" else "",
            "category": category if category in CATEGORY_CODES else "",
            "county": county, "urgent": urgent, "since": since_raw, "since_date": since, "error": error}


def select_incidents(officer, filters):
    """SELECT of the incidents this officer may see matching `filters`: open urgent ones
    first, then the newest."""
    query = db.select(Incident)
    county = scoped_county(filters["county"] or None)  # a county officer's own, whatever was asked
    if county:
        query = query.where(func.lower(Incident.county) == county.casefold())
    if filters["status"] == "open":
        query = query.where(Incident.status.in_(OPEN_STATUSES))
    elif filters["status"]:
        query = query.where(Incident.status == filters["status"])
    if filters["category"]:
        query = query.where(Incident.category == filters["category"])
    if filters["urgent"]:
        query = query.where(Incident.urgent.is_(filters["urgent"] == "yes"))
    if filters["since_date"]:
        query = query.where(Incident.reported_at >= datetime.combine(filters["since_date"], time.min,
                                                                        tzinfo=timezone.utc))
    open_urgent = (Incident.urgent & Incident.status.in_(OPEN_STATUSES))
    return query.order_by(open_urgent.desc(), Incident.reported_at.desc(), Incident.id.desc())


def reporter_shown(officer, incident, revealed=None):
    """What the page says about who reported: (text, kind) where kind is phone|anonymous|erased."""
    if incident.anonymous:
        if revealed:
            return revealed, "phone"
        return _("Anonymous"), "anonymous"
    if not incident.reporter_phone:
        return _("Erased at the reporter's request"), "erased"
    return (incident.reporter_phone if officer.sees_full_numbers else mask(incident.reporter_phone)), "phone"


# --- inbox ----------------------------------------------------------------------------

@bp.get("/incidents")
@officer_required("read")
def incidents():
    officer = current_officer_object()
    filters = incident_filters(request.args)
    query = select_incidents(officer, filters).options(selectinload(Incident.follow_ups))
    page = list_page(query, PAGE_SIZE)
    return render_template("incidents/incidents.html", page=page, filters=filters, statuses=STATUSES,
                           categories=CATEGORY_CODES, counties=county_choices(),
                           reporter=lambda incident: reporter_shown(officer, incident))


@bp.get("/incidents.csv")
@officer_required("read")
def incidents_csv():
    officer = current_officer_object()
    filters = incident_filters(request.args)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = ["reference", "status", "category", "urgent", "dead", "injured", "trapped_or_missing", "county",
               "site", "occurred", "description", "channel", "anonymous", "reporter_phone", "reported_at",
               "updated_at", "follow_ups"]
    writer.writerow(columns)
    count = 0
    query = select_incidents(officer, filters).options(selectinload(Incident.follow_ups))
    for row in db.session.execute(query.execution_options(yield_per=500)).scalars():
        if row.anonymous or not row.reporter_phone:
            phone = ""  # never an anonymous reporter's number, whoever exports
        else:
            phone = row.reporter_phone if officer.sees_full_numbers else mask(row.reporter_phone)
        values = [row.reference, row.status, row.category, "yes" if row.urgent else "no", row.dead, row.injured,
                  row.trapped, row.county, row.site, row.occurred, row.description, row.channel,
                  "yes" if row.anonymous else "no", phone, row.reported_at.isoformat(), row.updated_at.isoformat(),
                  len(row.follow_ups)]
        # Free text is neutralised against spreadsheet formulas; the number is ours (E.164 or masked).
        writer.writerow([value if isinstance(value, int) or name == "reporter_phone" else _csv_safe(value)
                         for name, value in zip(columns, values)])
        count += 1
    shown_filters = {k: v for k, v in filters.items() if v and k not in ("since_date", "error")}
    audit.record(officer, "export_incidents", target="incidents.csv",
                 detail={"filters": shown_filters, "county_scope": scoped_county(None), "rows": count,
                         "full_numbers": officer.sees_full_numbers})
    return csv_download(buffer.getvalue(), "incidents")


# --- one incident ---------------------------------------------------------------------

def _incident_or_404(reference):
    return actions.get(current_officer_object(), reference)  # 404, 403 (dashboard.auth's Refused handler)


def sms_about(incident, limit=50):
    """The SMS this service sent about the incident (receipt, status updates, officers' alerts,
    replies to follow-ups): message rows tied to it, and (rows written before messages carried
    their incident) rows of an incident purpose whose text names its reference."""
    older = Message.incident_id.is_(None) & Message.purpose.like("incident\\_%", escape="\\") & \
        Message.text.contains(incident.reference)
    return db.session.execute(
        db.select(Message).where((Message.incident_id == incident.id) | older)
        .order_by(Message.created_at, Message.id).limit(limit)).scalars().all()


def timeline(officer, incident):
    """Everything that happened to the incident, oldest first: [{at, kind, ...}]."""
    events = [{"at": incident.reported_at, "kind": "report"}]
    events += [{"at": f.created_at, "kind": "follow_up", "text": f.text, "channel": f.channel}
               for f in incident.follow_ups]
    events += [{"at": c.created_at, "kind": "status", "officer": c.officer_username, "old": c.old_status,
                "new": c.new_status, "note": c.note} for c in incident.status_changes]
    for message in sms_about(incident):
        to_reporter = message.purpose != "incident_alert"
        if to_reporter and incident.anonymous:
            recipient = _("the reporter")
        elif message.phone is None:
            recipient = _("an erased number")
        else:
            recipient = message.phone if officer.sees_full_numbers else mask(message.phone)
        events.append({"at": message.created_at, "kind": "sms", "purpose": message.purpose, "text": message.text,
                       "status": message.status, "to": recipient, "to_reporter": to_reporter})
    if officer.role == "admin":
        looks = db.session.execute(db.select(ReporterReveal).filter_by(incident_id=incident.id)).scalars().all()
        events += [{"at": r.created_at, "kind": "reveal", "officer": r.officer_username, "reason": r.reason}
                   for r in looks]
    events.sort(key=lambda e: (e["at"], e["kind"] != "report"))
    return events


def _render_incident(incident, *, status_form=None, reveal_form=None, revealed=None, code=200):
    officer = current_officer_object()
    if status_form is None:
        status_form = StatusForm(formdata=None, status=_suggested_status(incident))
    shown, kind = reporter_shown(officer, incident, revealed)
    return render_template(
        "incidents/incident.html", incident=incident, events=timeline(officer, incident),
        status_form=status_form, reveal_form=reveal_form or RevealForm(formdata=None), action_form=ActionForm(),
        reporter=shown, reporter_kind=kind, revealed=revealed,
        may_change=officer.may("incidents"),
        may_reveal=officer.role == "admin" and incident.anonymous and bool(incident.reporter_phone)), code


def _suggested_status(incident):
    following = {"new": "acknowledged", "acknowledged": "responding", "responding": "resolved"}
    return following.get(incident.status, incident.status)


@bp.get("/incidents/<reference>")
@officer_required("read")
def incident(reference):
    return _render_incident(_incident_or_404(reference))


def _change(incident, new_status, note):
    actions.change_status(current_officer_object(), incident, new_status, note)


@bp.post("/incidents/<reference>/acknowledge")
@officer_required("incidents")
def incident_acknowledge(reference):
    incident = _incident_or_404(reference)
    if not ActionForm().validate_on_submit():
        abort(400)
    if incident.status != "new":
        flash(_("This incident is already %(status)s.", status=labels.incident_status_label(incident.status)),
              "info")
    else:
        _change(incident, "acknowledged", None)
        flash(_("Acknowledged. The reporter is told by SMS when they can be."), "success")
    return redirect(url_for("incidents.incident", reference=incident.reference))


@bp.post("/incidents/<reference>/status")
@officer_required("incidents")
def incident_status(reference):
    incident = _incident_or_404(reference)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_incident(incident, status_form=form, code=400)
    note = (form.note.data or "").strip()
    if form.status.data == incident.status and not note:
        form.note.errors.append(_("The status is already %(status)s: write a note to record something.",
                                  status=labels.incident_status_label(incident.status)))
        return _render_incident(incident, status_form=form, code=400)
    try:
        _change(incident, form.status.data, note)
    except actions.Refused:
        abort(400)
    flash(_("Status changed to %(status)s.", status=labels.incident_status_label(form.status.data)), "success")
    return redirect(url_for("incidents.incident", reference=incident.reference))


@bp.post("/incidents/<reference>/reporter")
@officer_required("reveal_reporter")
def incident_reveal(reference):
    """An admin looks at an anonymous reporter's number, giving a reason that is kept (as
    POST /api/v1/incidents/<ref>/reporter does); the number is shown on this answer only."""
    officer = current_officer_object()
    incident = _incident_or_404(reference)
    form = RevealForm()
    if not form.validate_on_submit():
        return _render_incident(incident, reveal_form=form, code=400)
    if not incident.reporter_phone:
        flash(_("The reporter's number was erased at their request."), "error")
        return redirect(url_for("incidents.incident", reference=incident.reference))
    _incident, phone = actions.reveal_reporter(officer, incident, form.reason.data)
    return _render_incident(incident, revealed=phone)


# --- overview -------------------------------------------------------------------------

def urgent_panel(officer, county):
    """The overview's open urgent incidents (first on the page)."""
    query = db.select(Incident).where(Incident.urgent.is_(True), Incident.status.in_(OPEN_STATUSES))
    if county:
        query = query.where(func.lower(Incident.county) == county.casefold())
    total = db.session.execute(db.select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.session.execute(query.order_by(Incident.reported_at.desc()).limit(URGENT_SHOWN)).scalars().all()
    return {"template": "incidents/_panel_urgent.html", "total": total, "rows": rows}


def charts_panel(officer, county):
    """The overview's incidents per week by category, and by county."""
    since = datetime.combine(_week_start(utcnow()) - timedelta(weeks=WEEKS_SHOWN - 1), time.min,
                             tzinfo=timezone.utc)
    query = db.select(Incident.reported_at, Incident.category, Incident.county).where(Incident.reported_at >= since)
    if county:
        query = query.where(func.lower(Incident.county) == county.casefold())
    rows = db.session.execute(query).all()
    weeks = [_week_start(since + timedelta(weeks=n)) for n in range(WEEKS_SHOWN)]
    index = {start: n for n, start in enumerate(weeks)}
    by_category, by_county = {}, {}
    for reported_at, category, place in rows:
        slot = index.get(_week_start(reported_at))
        if slot is None:
            continue
        by_category.setdefault(category, [0] * WEEKS_SHOWN)[slot] += 1
        by_county[place or _("No county")] = by_county.get(place or _("No county"), 0) + 1
    order = sorted(by_category, key=lambda code: -sum(by_category[code]))
    series = [Series(labels.category_label(code), by_category[code]) for code in order]
    week_labels = [format_date(start, "d MMM") for start in weeks]
    weekly = bar_chart(week_labels, series or [Series(_("Incidents"), [0] * WEEKS_SHOWN)],
                       title=_("Incidents per week by category, last %(weeks)d weeks", weeks=WEEKS_SHOWN))
    places = sorted(by_county.items(), key=lambda item: (-item[1], item[0]))
    counties = hbar_chart([name for name, _n in places], [n for _name, n in places],
                          title=_("Incidents by county, last %(weeks)d weeks", weeks=WEEKS_SHOWN))
    return {"template": "incidents/_panel_incident_charts.html", "weekly": weekly, "counties": counties,
            "legend": [(n, s.name, sum(s.values)) for n, s in enumerate(series)], "places": places,
            "total": len(rows), "weeks": WEEKS_SHOWN, "officer_may_export": current_user.may("read")}
