"""Officers' pages of the finance capability, under /dashboard/finance:

- /leads: leads per county and kind (counts), the list (phones masked unless admin), the
  CSV export (audited) and a link to broadcast to exactly those miners;
- /leads/broadcast: write the text, preview recipients and cost, send (audited), then the
  broadcast's own progress page;
- /impact: the one-page impact summary for a date range and county, printable.

Sign-in, CSRF, roles and the county rule as on every dashboard page: the rule and the audit
entries are finance.service's (the broadcast is broadcasts.actions.create's, as at every door);
a refusal (core.policy) is the dashboard's 403 page, bad text a message on the form.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from dashboard.auth import (county_choices, current_officer_object, login_manager, officer_required,
                            protect_unsafe_requests)
from dashboard.charts import bar_chart
from dashboard.views import csv_download, list_page
from finance import impact, service
from finance.labels import EQUIPMENT_LABELS, KIND_LABELS, KINDS
from flows.catalog import GENDER_LABELS
from incidents.categories import CATEGORY_LABELS
from broadcasts import actions as broadcasts
from broadcasts.audience import MAX_SEGMENTS, reachable_count
from core.policy import Invalid
from sms import encoding

bp = Blueprint("finance", __name__, url_prefix="/dashboard/finance", template_folder="templates",
               static_folder="static", static_url_path="/static")
protect_unsafe_requests(bp)

TEXT_MAX = encoding.GSM7_PART * MAX_SEGMENTS
PAGE_SIZE = 50


@bp.before_request
def _signed_in():
    if request.endpoint != "finance.static" and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None




def kind_label(kind):
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def equipment_label(equipment):
    return _(EQUIPMENT_LABELS[equipment]) if equipment in EQUIPMENT_LABELS else (equipment or "")


@bp.app_context_processor
def _labels():
    return {"lead_kind_label": kind_label, "lead_equipment_label": equipment_label}


def _filters():
    """(county, kind) from the query string; a kind that is not one is a 400 (a LeadError)."""
    return service.clean_filters(request.args.get("county"), request.args.get("kind"))


# --- leads ------------------------------------------------------------------------------

@bp.get("/leads")
@officer_required("read")
def leads():
    officer = current_officer_object()
    county, kind = _filters()
    page = list_page(service.select_leads(officer, county, kind), PAGE_SIZE)
    rows = [{**service.serialise(officer, lead), "consent": lead.consent_at} for lead in page.items]
    return render_template("finance/leads.html", page=page, rows=rows, counts=service.counts(officer),
                           kinds=KINDS, county=county or "", kind=kind or "", counties=county_choices(),
                           may_broadcast=officer.may("broadcasts"))


@bp.get("/leads.csv")
@officer_required("read")
def leads_csv():
    county, kind = _filters()
    text, _rows = service.export_csv(current_officer_object(), county, kind)
    return csv_download(text, "leads")


class LeadBroadcastForm(FlaskForm):
    text_sw = TextAreaField(_l("Message in Kiswahili"), validators=[Optional(), Length(max=TEXT_MAX)],
                            render_kw={"rows": 4, "maxlength": TEXT_MAX})
    text_en = TextAreaField(_l("Message in English"), validators=[Optional(), Length(max=TEXT_MAX)],
                            render_kw={"rows": 4, "maxlength": TEXT_MAX})
    urgent = BooleanField(_l("Urgent safety alert: send at any hour"))

    def texts(self):
        return {locale: value for locale, value in (("sw", self.text_sw.data), ("en", self.text_en.data))
                if value and value.strip()}


@bp.route("/leads/broadcast", methods=["GET", "POST"])
@officer_required("broadcasts")
def leads_broadcast():
    officer = current_officer_object()
    county, kind = _filters()
    audience = service.lead_audience(officer, kind, county)  # no kind: 400; another county: 403
    form = LeadBroadcastForm()
    context = {"form": form, "kind": kind, "county": (audience.get("county") or [""])[0],
               "recipients": reachable_count(audience), "preview": None, "error": None}
    if request.method == "GET":
        return render_template("finance/leads_broadcast.html", **context)
    if not form.validate_on_submit():
        return render_template("finance/leads_broadcast.html", **context,
                               error=_("Check the fields marked below.")), 400
    try:
        preview = broadcasts.preview(officer, form.texts(), audience)
        if request.form.get("step") != "send":
            return render_template("finance/leads_broadcast.html", **{**context, "preview": preview})
        broadcast = service.broadcast_to_leads(officer, form.texts(), kind, context["county"] or None,
                                               urgent=form.urgent.data)
    except Invalid as exc:
        return render_template("finance/leads_broadcast.html", **{**context, "error": exc.message}), 400
    flash(_("Broadcast %(id)d created.", id=broadcast.id), "success")
    return redirect(url_for("broadcasts.broadcast", broadcast_id=broadcast.id))


# --- impact summary ---------------------------------------------------------------------

@bp.get("/impact")
@officer_required("read")
def impact_page():
    officer = current_officer_object()
    try:
        data = impact.summary(officer, request.args.get("start"), request.args.get("end"), request.args.get("county"))
    except impact.RangeError as exc:
        return render_template("finance/impact.html", data=None, error=str(exc), field=exc.field,
                               counties=county_choices(), args=request.args), 400
    genders = data["registrations"]
    incidents = {code: n for code, n in data["incidents"].items() if n}
    charts = {
        "genders": bar_chart([_(GENDER_LABELS.get(code, code)) for code in genders], list(genders.values()),
                             title=_("Registrations by gender")),
        "incidents": bar_chart([_(CATEGORY_LABELS.get(code, code)) for code in incidents] or [""],
                               list(incidents.values()) or [0], title=_("Incidents by category"),
                               label_every=1) if incidents else None,
    }
    return render_template("finance/impact.html", data=data, error=None, field=None, charts=charts,
                           counties=county_choices(), args=request.args, gender_labels=GENDER_LABELS,
                           today=impact.today(),
                           category_labels=CATEGORY_LABELS)


# --- the overview's panel -----------------------------------------------------------------

def leads_panel(officer, county):
    """Overview panel: leads per kind in the officer's scope, and the impact summary link."""
    counts = service.counts(officer, county)
    return {"template": "finance/_panel_leads.html", "totals": counts["totals"], "total": counts["total"],
            "kinds": KINDS}
