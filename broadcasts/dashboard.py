"""Officers' pages for broadcasts (/dashboard/broadcasts): the composer, the list and a
broadcast's progress page, with cancel and resume.

Compose -> Preview (server-side counts per language from `sms.encoding`, recipients and cost
from `broadcasts.actions.preview`; a small local script shows the same counts live while
typing, and the recipient count as the audience changes) -> Confirm -> `broadcasts.actions.create`
(the function the API and CLI use) -> the progress page, which reloads itself (meta refresh,
no JavaScript needed) until the broadcast is finished or cancelled.

A county officer broadcasts only to their county (the audience's county is theirs, whatever
the form says) and sees their own broadcasts, as in the API: the rule and the audit entries
are `broadcasts.actions`' (the same for every door); these pages parse and render.
"""
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from broadcasts import actions, lifecycle
from broadcasts.audience import MAX_SEGMENTS
from core.i18n import NAIROBI
from core.policy import NotFound, OutOfScope, Refused
from dashboard.auth import current_officer_object, officer_required, protect_unsafe_requests
from dashboard.forms import LANGUAGES, ActionForm
from dashboard.views import list_page
from flows.catalog import GENDERS, MINING_COUNTIES, ROLES
from models import Broadcast
from sms import encoding

bp = Blueprint("broadcasts", __name__, url_prefix="/dashboard/broadcasts", template_folder="templates")
protect_unsafe_requests(bp)


# Six GSM-7 parts; a longer text is refused by broadcasts.audience.clean_texts anyway.
TEXT_MAX = encoding.GSM7_PART * MAX_SEGMENTS
REFRESH_SECONDS = 4
AUDIENCE_FIELDS = ("county", "site", "role", "gender", "language", "registered_after", "registered_before")


def _choices(pairs, any_label):
    return [SelectChoice("", any_label)] + [SelectChoice(code, label) for code, label in pairs]


class BroadcastForm(FlaskForm):
    text_sw = TextAreaField(_l("Message in Kiswahili"), validators=[Optional(), Length(max=TEXT_MAX)],
                            render_kw={"rows": 4, "maxlength": TEXT_MAX, "data-counter": "sw"})
    text_en = TextAreaField(_l("Message in English"), validators=[Optional(), Length(max=TEXT_MAX)],
                            render_kw={"rows": 4, "maxlength": TEXT_MAX, "data-counter": "en"})
    county = SelectField(_l("County"), validators=[Optional()])
    site = StringField(_l("Site"), validators=[Optional(), Length(max=80)])
    role = SelectField(_l("Work"), validators=[Optional()])
    gender = SelectField(_l("Gender"), validators=[Optional()])
    language = SelectField(_l("Language of the miners"), validators=[Optional()],
                           choices=_choices(LANGUAGES, _l("Both languages")))
    registered_after = DateField(_l("Registered on or after"), validators=[Optional()])
    registered_before = DateField(_l("Registered before"), validators=[Optional()])
    urgent = BooleanField(_l("Urgent safety alert: send at any hour"))
    send_at = DateTimeLocalField(_l("Send at (Nairobi time; empty: now)"), validators=[Optional()],
                                 format=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])

    def __init__(self, officer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Plain text boxes showing the format by example: a browser's date picker shows its own
        # locale's order (mm/dd/yyyy on an English system) on a Swahili page.
        today = datetime.now(NAIROBI)
        for date_field in (self.registered_after, self.registered_before):
            date_field.render_kw = {"type": "text", "inputmode": "numeric", "pattern": r"\d{4}-\d{2}-\d{2}",
                                    "placeholder": today.strftime("%Y-%m-%d"), "autocomplete": "off"}
        self.send_at.render_kw = {"type": "text", "pattern": r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?",
                                  "placeholder": today.strftime("%Y-%m-%d 08:00"), "autocomplete": "off"}
        own = officer.county if officer.role != "admin" else None
        self.county.choices = ([SelectChoice(own, own)] if own else
                               _choices([(c, c) for c in MINING_COUNTIES], _l("All counties")))
        if own:
            self.county.data = own  # the server decides a county officer's county, not the form
        self.role.choices = _choices([(code, _(label)) for code, label in ROLES], _l("Any work"))
        self.gender.choices = _choices([(code, _(label)) for code, label in GENDERS], _l("Any gender"))

    def texts(self):
        return {locale: value for locale, value in (("sw", self.text_sw.data), ("en", self.text_en.data))
                if value and value.strip()}

    def audience(self, officer):
        audience = {}
        for name in ("county", "site", "role", "gender", "language"):
            value = (getattr(self, name).data or "").strip()
            if value:
                audience[name] = value
        for name in ("registered_after", "registered_before"):
            if getattr(self, name).data:
                audience[name] = getattr(self, name).data.isoformat()
        if officer.role != "admin" and officer.county:
            audience["county"] = officer.county  # never another county's miners
        return audience


def _counts(texts):
    """Server-side counts per language, as the gateway will bill them."""
    return {locale: encoding.analyse(" ".join(text.split())) for locale, text in texts.items()}


def _preview(form, officer):
    """(preview or None, error or None) for the form's texts and audience."""
    try:
        return actions.preview(officer, form.texts(), form.audience(officer)), None
    except Refused as exc:
        return None, str(exc)


def _audience_summary(form, officer):
    parts = []
    audience = form.audience(officer)
    for name in AUDIENCE_FIELDS:
        if name in audience:
            field = getattr(form, name)
            shown = audience[name]
            for choice in getattr(field, "choices", None) or ():
                if choice.value == shown:
                    shown = str(choice.label)
            parts.append(f"{field.label.text}: {shown}")
    return parts or [_("Every miner who accepts SMS")]


def _compose(form, officer, *, preview=None, error=None, code=200):
    return render_template("broadcasts/broadcast_new.html", form=form, counts=_counts(form.texts()),
                           preview=preview, error=error, text_max=TEXT_MAX,
                           hours=current_app.config["SMS_QUIET_HOURS"]), code


@bp.route("/new", methods=["GET", "POST"])
@officer_required("broadcasts")
def broadcast_new():
    officer = current_officer_object()
    form = BroadcastForm(officer)
    if request.method == "GET":
        return _compose(form, officer)
    if not form.validate_on_submit():
        return _compose(form, officer, error=_("Check the fields marked below."), code=400)
    step = request.form.get("step", "preview")
    preview, error = _preview(form, officer)
    if error or step in ("preview", "edit"):
        return _compose(form, officer, preview=preview, error=error, code=400 if error else 200)
    if step == "confirm":
        return render_template("broadcasts/broadcast_confirm.html", form=form, preview=preview,
                               counts=_counts(form.texts()), audience=_audience_summary(form, officer),
                               hours=current_app.config["SMS_QUIET_HOURS"])
    if step != "send":
        abort(400)
    send_at = form.send_at.data.replace(tzinfo=NAIROBI) if form.send_at.data else None
    broadcast, _shown = actions.create(officer, form.texts(), form.audience(officer), urgent=bool(form.urgent.data),
                                       send_at=send_at)
    flash(_("Broadcast %(id)d created.", id=broadcast.id), "success")
    return redirect(url_for("broadcasts.broadcast", broadcast_id=broadcast.id))


@bp.post("/estimate")
@officer_required("broadcasts")
def broadcast_estimate():
    """The live recipient count and cost for the composer's script (JSON; the same numbers as Preview)."""
    officer = current_officer_object()
    form = BroadcastForm(officer)
    form.validate()
    texts = form.texts() or {"sw": "-"}  # the audience counts even before anything is written
    try:
        result = actions.preview(officer, texts, form.audience(officer))
    except Refused as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify({"recipients": result["recipients"], "excluded": result["excluded"],
                    "cost_kes": result["cost_kes"] if form.texts() else None,
                    "text": _("Recipients: %(num)d", num=result["recipients"]),
                    "cost": _("estimated cost KES %(cost).2f", cost=result["cost_kes"]) if form.texts() else ""})


def _broadcast(action, broadcast_id):
    """A broadcast through one of broadcasts.actions: 404 when there is none, 403 when it is
    another county's."""
    try:
        return action(current_officer_object(), broadcast_id)
    except NotFound:
        abort(404)
    except OutOfScope:
        abort(403)


@bp.get("")
@officer_required("read")
def broadcasts_list():
    officer = current_officer_object()
    page = list_page(actions.visible_query(officer), 25)
    return render_template("broadcasts/broadcasts.html", page=page, progress=lifecycle.progress,
                           may_send=officer.may("broadcasts"))


@bp.get("/<int(max=2147483647):broadcast_id>")
@officer_required("read")
def broadcast(broadcast_id):
    item = _broadcast(actions.get, broadcast_id)
    counts = lifecycle.progress(item)
    running = item.status in Broadcast.ACTIVE and item.status != Broadcast.PAUSED
    labels = {name: getattr(BroadcastForm, name).args[0] for name in AUDIENCE_FIELDS}
    return render_template("broadcasts/broadcast.html", broadcast=item, counts=counts, audience_labels=labels,
                           refresh=REFRESH_SECONDS if running else None, action_form=ActionForm(),
                           may_cancel=current_officer_object().may("broadcasts") and item.status in Broadcast.ACTIVE,
                           may_resume=current_officer_object().may("broadcasts") and item.status == Broadcast.PAUSED,
                           percent=lambda n: (100.0 * n / counts["total"]) if counts["total"] else 0)


@bp.post("/<int(max=2147483647):broadcast_id>/cancel")
@officer_required("broadcasts")
def broadcast_cancel(broadcast_id):
    item = _broadcast(actions.get, broadcast_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if item.status in (Broadcast.DONE, Broadcast.CANCELLED):
        flash(_("This broadcast is already over."), "info")
    else:
        _broadcast(actions.cancel, item.id)
        flash(_("Broadcast cancelled: nothing more is sent. Messages already sent stay sent."), "success")
    return redirect(url_for("broadcasts.broadcast", broadcast_id=item.id))


@bp.post("/<int(max=2147483647):broadcast_id>/resume")
@officer_required("broadcasts")
def broadcast_resume(broadcast_id):
    """Carry on after a pause (the AT balance was topped up) or a crash."""
    item = _broadcast(actions.get, broadcast_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if item.status in (Broadcast.DONE, Broadcast.CANCELLED):
        flash(_("This broadcast is already over."), "info")
    else:
        _broadcast(actions.resume, item.id)
        flash(_("Broadcast resumed: it carries on with whoever has not had it."), "success")
    return redirect(url_for("broadcasts.broadcast", broadcast_id=item.id))
