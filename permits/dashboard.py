"""Officers' pages for call-backs, under /dashboard/callbacks: the list (open first, the
county rule applied), a form per request to mark it called or done (with a note), and for
admins the county contacts (who miners are told to call). Server-rendered, CSRF-checked;
the decisions (role, county rule) and the audit are in permits.callbacks / permits.contacts,
whose refusals (core.policy) are the dashboard's 403 and 404 pages; a bad field is shown
under the field.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from dashboard.auth import current_officer_object, officer_required, protect_unsafe_requests
from dashboard.views import list_page
from models import db
from models.permit import CALLBACK_STATUSES, NOTE_MAX
from permits import callbacks, contacts

bp = Blueprint("permits_dashboard", __name__, url_prefix="/dashboard/callbacks", template_folder="templates")
protect_unsafe_requests(bp)

PER_PAGE = 25
STATUS_LABELS = {"open": _l("Open"), "called": _l("Called"), "done": _l("Done")}
TOPIC_LABELS = {"permit": _l("Mining permit"), "group": _l("Registering a group")}


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice("called", _l("Called")), SelectChoice("done", _l("Done"))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])


class ContactForm(FlaskForm):
    username = StringField(_l("Officer's username"), validators=[DataRequired(), Length(max=60)])
    office = StringField(_l("Office (where miners find it)"), validators=[Optional(), Length(max=contacts.OFFICE_MAX)])


def _render(code=200, forms=None, contact_form=None):
    officer = current_officer_object()
    status = request.args.get("status", "active")
    chosen = {"active": ["open", "called"], "all": None}.get(status, [status])
    if chosen and any(s not in CALLBACK_STATUSES for s in chosen):
        chosen, status = ["open", "called"], "active"
    page = list_page(callbacks.listing(officer, status=chosen), PER_PAGE)
    forms = forms or {}
    rows = [(item, forms.get(item.id) or StatusForm(formdata=None, prefix=f"cb{item.id}",
                                                    status="done" if item.status == "called" else "called"))
            for item in page.items]
    return render_template(
        "permits/callbacks.html", page=page, rows=rows, status=status, may_act=callbacks.may_act(officer),
        phone_for=lambda item: callbacks.phone_for(officer, item), reference=callbacks.reference,
        status_label=lambda s: str(STATUS_LABELS.get(s, s)), topic_label=lambda t: str(TOPIC_LABELS.get(t, t)),
        contacts=contacts.listing() if officer.may(contacts.ACTION) else None,
        contact_form=contact_form or (ContactForm(formdata=None) if officer.may(contacts.ACTION) else None),
    ), code


@bp.get("/")
@officer_required("read")
def callbacks_page():
    return _render()


@bp.post("/<int:callback_id>")
@officer_required(callbacks.ACTION)
def callback_status(callback_id):
    officer = current_officer_object()
    item = callbacks.get(officer, callback_id)
    form = StatusForm(prefix=f"cb{item.id}")
    if not form.validate_on_submit():
        return _render(400, forms={item.id: form})
    try:
        item = callbacks.change_status(officer, item.id, form.status.data, form.note.data)
    except callbacks.CallbackError as exc:
        getattr(form, exc.field, form.status).errors = [str(exc)]
        return _render(400, forms={item.id: form})
    flash(_("Call-back %(ref)s: %(status)s.", ref=callbacks.reference(item),
            status=str(STATUS_LABELS[item.status])), "success")
    return redirect(url_for("permits_dashboard.callbacks_page", status=request.args.get("status", "active")))


@bp.post("/contacts")
@officer_required(contacts.ACTION)
def set_contact():
    officer = current_officer_object()
    form = ContactForm()
    if not form.validate_on_submit():
        return _render(400, contact_form=form)
    try:
        contacts.set_contact(officer, form.username.data.strip(), form.office.data, active=True)
    except contacts.ContactError as exc:
        getattr(form, exc.field, form.username).errors = [str(exc)]
        return _render(400, contact_form=form)
    flash(_("County contact saved."), "success")
    return redirect(url_for("permits_dashboard.callbacks_page"))


@bp.post("/contacts/<username>/remove")
@officer_required(contacts.ACTION)
def remove_contact(username):
    officer = current_officer_object()
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        contacts.set_contact(officer, username, active=False)
    except contacts.ContactError:
        abort(404)
    flash(_("County contact removed."), "success")
    return redirect(url_for("permits_dashboard.callbacks_page"))


def overview_panel(officer, county):
    """The overview's numbers: open call-backs (the county's, for a county officer)."""
    query = callbacks.listing(officer, status=["open"])
    total = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar_one()
    return {"template": "dashboard/_panel_card.html", "title": _("Open call-backs: %(num)d", num=total),
            "text": _("Miners who asked an officer to call them about permits and groups."),
            "link": url_for("permits_dashboard.callbacks_page"), "link_label": _("See the call-backs"),
            "css": "callbacks"}

