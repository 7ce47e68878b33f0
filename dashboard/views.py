"""Dashboard pages that stand on miners and officers: overview, miners, officers, audit log."""
import csv
import io
from datetime import datetime, timedelta, timezone

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, or_

from api.errors import MAX_PAGE
from core.capability import Panel
from dashboard.auth import county_choices, current_officer_object, officer_required, require_scope, scoped_county
from dashboard.charts import bar_chart
from dashboard.forms import ActionForm, ChangePasswordForm, NewPasswordForm, OfficerForm
from dashboard.health import service_checks
from flows.catalog import GENDER_LABELS, ROLE_LABELS
from models import (AuditEntry, InboundMessage, Message, Miner, Officer, UssdSessionOutcome, audit, db,
                    utcnow)
from miners import search as miner_search
from models.message import not_about_anonymous

WEEKS_SHOWN = 12
FIRST = 10  # panels ordered below LATE come before the miners' numbers ("urgent first")
LATE = 50

def list_page(query, per_page):
    """The page of a list asked for with ?page= (1 when not a number, capped at MAX_PAGE so the
    offset fits the database's integers); a page past the end is an empty list, not an error."""
    try:
        number = min(MAX_PAGE, max(1, int(request.args.get("page", 1))))
    except ValueError:
        number = 1
    return db.paginate(query, page=number, per_page=per_page, error_out=False, count=True)


def _week_start(moment):
    day = moment.astimezone(timezone.utc).date()
    return day - timedelta(days=day.weekday())


def weekly_counts(timestamps, weeks=WEEKS_SHOWN, now=None):
    """[(monday, count)] for the last `weeks` weeks (this one included), oldest first."""
    this_week = _week_start(now or utcnow())
    starts = [this_week - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = dict.fromkeys(starts, 0)
    for moment in timestamps:
        start = _week_start(moment)
        if start in counts:
            counts[start] += 1
    return list(counts.items())


@officer_required("read")
def overview():
    county = scoped_county(None)
    base = db.select(Miner)
    if county:
        base = base.where(func.lower(Miner.county) == county.casefold())
    subquery = base.subquery()
    by_county = db.session.execute(
        db.select(subquery.c.county, func.count()).group_by(subquery.c.county).order_by(func.count().desc())
    ).all()
    total = sum(n for _county, n in by_county)
    receiving_sms = db.session.execute(
        db.select(func.count()).select_from(subquery).where(
            subquery.c.sms_consent_at.is_not(None), subquery.c.sms_opt_out_at.is_(None),
            subquery.c.unreachable_at.is_(None))
    ).scalar_one()
    since = datetime.combine(_week_start(utcnow()) - timedelta(weeks=WEEKS_SHOWN - 1), datetime.min.time(),
                             tzinfo=timezone.utc)
    created = db.session.execute(db.select(subquery.c.created_at).where(subquery.c.created_at >= since)).scalars()
    weeks = weekly_counts(created)
    chart = bar_chart([format_date(start, "d MMM") for start, _n in weeks], [n for _start, n in weeks],
                      title=_("Registrations per week, last %(weeks)d weeks", weeks=WEEKS_SHOWN))
    officer = current_officer_object()
    # A panel's loader(officer, county) returns None (nothing to show) or a dict with `template`
    # (an include that reads `panel`); `county` is the officer's county scope (None: all).
    loaders = CORE_PANELS + tuple(current_app.extensions["capabilities"].panels)
    panels = [(p.order, p.loader(officer, county)) for p in sorted(loaders, key=lambda p: p.order)]
    return render_template("dashboard/overview.html", by_county=by_county, total=total,
                           receiving_sms=receiving_sms, weeks=weeks, chart=chart, county=county,
                           this_week=weeks[-1][1] if weeks else 0,
                           panels_first=[panel for order, panel in panels if panel and order < LATE],
                           panels_late=[panel for order, panel in panels if panel and order >= LATE])


USSD_DAYS = 7


def _ussd_panel(officer, county):
    # Sessions have no county: only officers who see all counties get this panel.
    if county:
        return None
    return {"template": "dashboard/_panel_ussd.html", "days": USSD_DAYS, "counts": ussd_outcomes(USSD_DAYS)}


# The dashboard's own overview panels; the capabilities' come from the registry (Capability.panels).
CORE_PANELS = (Panel(service_checks, order=FIRST - 1), Panel(_ussd_panel, order=60))


def ussd_outcomes(days):
    """How USSD sessions ended over the last `days` days (AT's end-of-session events):
    {"Success": n, "Incomplete": n, "Failed": n}. Not per county: sessions have none."""
    since = utcnow() - timedelta(days=days)
    rows = db.session.execute(
        db.select(UssdSessionOutcome.status, func.count()).where(UssdSessionOutcome.created_at >= since)
        .group_by(UssdSessionOutcome.status)).all()
    counts = {"Success": 0, "Incomplete": 0, "Failed": 0}
    counts.update({status: n for status, n in rows})
    return counts


def _miner_filters():
    return {
        "q": (request.args.get("q") or "").strip()[:80],
        "county": (request.args.get("county") or "").strip()[:60],
        "site": (request.args.get("site") or "").strip()[:80],
    }


@officer_required("read")
def miners():
    filters = _miner_filters()
    query = miner_search.select_miners(current_user, text=filters["q"], county=filters["county"],
                                       site=filters["site"])
    page = list_page(query, current_app.config["DASHBOARD_PAGE_SIZE"])
    return render_template("dashboard/miners.html", page=page, filters=filters, counties=county_choices(),
                           shown_phone=lambda phone: miner_search.shown_phone(current_user, phone))


@officer_required("read")
def miner(miner_id):
    row = db.get_or_404(Miner, miner_id)
    require_scope(row.county)
    if current_user.sees_full_numbers:  # an admin's look at a full number is on the record
        audit.record(current_officer_object(), "miner_viewed", target=f"miner {row.id}")
    return render_template("dashboard/miner.html", miner=row,
                           phone=miner_search.shown_phone(current_user, row.phone),
                           role_label=_(ROLE_LABELS[row.role]) if row.role in ROLE_LABELS else row.role,
                           gender_label=_(GENDER_LABELS[row.gender]) if row.gender in GENDER_LABELS else row.gender,
                           messages=message_history(row))


def message_history(miner, limit=50):
    """The SMS to and from this miner, newest first: the SMS core's outbound `Message` rows
    and the `InboundMessage` rows they sent (by miner id, or by phone for messages sent
    before they registered). Never those about an anonymous report of theirs (its receipt,
    status SMS, follow-ups and the replies to them): whoever looks, nothing here may tie the
    miner to that report."""
    out_rows = db.session.execute(
        db.select(Message).where(or_(Message.miner_id == miner.id, Message.phone == miner.phone),
                                 not_about_anonymous(Message))
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)).scalars().all()
    in_rows = db.session.execute(
        db.select(InboundMessage).where(or_(InboundMessage.miner_id == miner.id, InboundMessage.phone == miner.phone),
                                        not_about_anonymous(InboundMessage))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(limit)).scalars().all()
    messages = [{"at": row.created_at, "direction": "out", "status": row.status, "purpose": row.purpose,
                 "text": row.text, "segments": row.segments, "failure": row.failure_reason} for row in out_rows]
    messages += [{"at": row.received_at, "direction": "in", "status": "", "purpose": row.keyword or "",
                  "text": row.text, "segments": None, "failure": None} for row in in_rows]
    messages.sort(key=lambda m: m["at"], reverse=True)
    return messages[:limit]


def _csv_safe(value):
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise free text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_download(text, basename):
    """The CSV as a file download, `basename-YYYYmmdd-HHMM.csv`; never cached, as it holds
    people's details."""
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{basename}-{stamp}.csv"',
                             "Cache-Control": "no-store"})


@officer_required("read")
def miners_csv():
    filters = _miner_filters()
    officer = current_officer_object()
    query = miner_search.select_miners(officer, text=filters["q"], county=filters["county"], site=filters["site"])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = ["id", "phone", "name", "county", "site", "role", "gender", "locale", "receives_sms",
               "registered_via", "registered_at"]
    writer.writerow(columns)
    count = 0
    for row in db.session.execute(query.execution_options(yield_per=500)).scalars():
        data = miner_search.serialise(officer, row)
        writer.writerow([data["phone"] if name == "phone" else _csv_safe(data[name]) for name in columns])
        count += 1
    audit.record(officer, "export_miners", target="miners.csv",
                 detail={"filters": {k: v for k, v in filters.items() if v},
                         "county_scope": scoped_county(None), "rows": count,
                         "full_numbers": officer.sees_full_numbers})
    return csv_download(buffer.getvalue(), "miners")


@officer_required("officers")
def officers():
    form = OfficerForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        exists = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
        if exists:
            form.username.errors.append(_("An officer with this username exists already."))
        else:
            officer = Officer(username=username, role=form.role.data, county=form.county.data or None,
                              phone=form.phone.data or None, locale=form.locale.data)
            officer.set_password(form.password.data)
            db.session.add(officer)
            db.session.flush()
            audit.record(current_officer_object(), "officer_added", target=username,
                         detail={"role": officer.role, "county": officer.county}, commit=False)
            db.session.commit()
            flash(_("Officer %(name)s added.", name=username), "success")
            return redirect(url_for("dashboard.officers"))
    # Active officers first, then disabled ones; alphabetical within each.
    order = (Officer.disabled_at.is_not(None), Officer.username)
    rows = db.session.execute(db.select(Officer).order_by(*order)).scalars().all()
    status = 400 if request.method == "POST" else 200
    return render_template("dashboard/officers.html", form=form, officers=rows, action_form=ActionForm(),
                           password_form=NewPasswordForm(formdata=None)), status


@officer_required("officers")
def officer_password(officer_id):
    """An admin sets a new password for an officer who forgot theirs (they get it in person)."""
    officer = db.get_or_404(Officer, officer_id)
    form = NewPasswordForm()
    if not form.validate_on_submit():
        flash(_("Not changed: a password needs at least 10 characters."), "error")
        return redirect(url_for("dashboard.officers"))
    officer.set_password(form.password.data)
    audit.record(current_officer_object(), "officer_password_set", target=officer.username)
    flash(_("New password set for %(name)s.", name=officer.username), "success")
    return redirect(url_for("dashboard.officers"))


@officer_required("officers")
def officer_status(officer_id, change):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    officer = db.get_or_404(Officer, officer_id)
    if officer.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("dashboard.officers"))
    if change == "disable" and officer.disabled_at is None:
        officer.disabled_at = utcnow()
        officer.end_sessions()  # signed out everywhere at once
        for token in officer.tokens:  # a disabled officer's API tokens stop working too
            token.revoked_at = token.revoked_at or utcnow()
        audit.record(current_officer_object(), "officer_disabled", target=officer.username, commit=False)
        flash(_("Officer %(name)s disabled.", name=officer.username), "success")
    elif change == "enable" and officer.disabled_at is not None:
        officer.disabled_at = None
        audit.record(current_officer_object(), "officer_enabled", target=officer.username, commit=False)
        flash(_("Officer %(name)s enabled. Issue a new API token if they need one.", name=officer.username),
              "success")
    db.session.commit()
    return redirect(url_for("dashboard.officers"))


@officer_required("audit")
def audit_log():
    action = (request.args.get("action") or "").strip()[:40]
    who = (request.args.get("officer") or "").strip()[:60]
    query = db.select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if who:
        query = query.where(AuditEntry.officer_username == who)
    page = list_page(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()), 50)
    actions = db.session.execute(db.select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars().all()
    return render_template("dashboard/audit.html", page=page, action=action, who=who, actions=actions)


@officer_required("read")
def account():
    """An officer's own account: change the password an admin gave them."""
    form = ChangePasswordForm()
    officer = current_officer_object()
    if form.validate_on_submit():
        if not officer.check_password(form.current.data):
            form.current.errors.append(_("That is not your current password."))
        else:
            officer.set_password(form.password.data)  # ends every other session of the officer
            audit.record(officer, "password_changed", target=officer.username)
            login_user(officer)  # this one goes on, with the new session version
            flash(_("Your password is changed."), "success")
            return redirect(url_for("dashboard.overview"))
    status = 400 if request.method == "POST" else 200
    return render_template("dashboard/account.html", form=form), status


def add_routes(bp):
    """Add the overview, miners, officers, audit log and account pages to the dashboard's blueprint."""
    bp.add_url_rule("/", view_func=overview, methods=["GET"])
    bp.add_url_rule("/miners", view_func=miners, methods=["GET"])
    bp.add_url_rule("/miners/<int(max=2147483647):miner_id>", view_func=miner, methods=["GET"])
    bp.add_url_rule("/miners.csv", view_func=miners_csv, methods=["GET"])
    bp.add_url_rule("/officers", view_func=officers, methods=["GET", "POST"])
    bp.add_url_rule("/officers/<int(max=2147483647):officer_id>/password", view_func=officer_password, methods=["POST"])
    bp.add_url_rule("/officers/<int(max=2147483647):officer_id>/<any(disable, enable):change>", view_func=officer_status, methods=["POST"])
    bp.add_url_rule("/audit", view_func=audit_log, methods=["GET"])
    bp.add_url_rule("/account", view_func=account, methods=["GET", "POST"])
