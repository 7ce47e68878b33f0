"""Officers' pages for training sessions (/dashboard/trainings):

- the list (upcoming first, then past; the officer's county only when they have one),
- the create form (topic, title in both languages, county, venue, start, seats),
- a session's page: counts, "invite by SMS" (a broadcast), cancel, and the attendance
  checklist: one big tick box per person, made for a phone held at the door.

Every action goes through training.service (role, county rule and audit, the officer
first), like the API and the CLI; a refusal it raises (core.policy) is the dashboard's 403 or
404 page, a bad field is shown under the field.
"""
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from dashboard.auth import current_officer_object, officer_required, protect_unsafe_requests
from dashboard.forms import ActionForm
from flows.catalog import MINING_COUNTIES
from models import db, utcnow
from models.training import TrainingSession
from training import service, texts

bp = Blueprint("trainings", __name__, url_prefix="/dashboard/trainings", template_folder="templates")
protect_unsafe_requests(bp)

STATUS_LABELS = {"booked": _l("Booked"), "waiting": _l("Waiting"), "attended": _l("Attended"),
                 "cancelled": _l("Cancelled")}
PER_PAGE = 30


class TrainingForm(FlaskForm):
    topic = SelectField(_l("Topic"), choices=[SelectChoice(code, _l(label)) for code, label in texts.TOPICS])
    title_sw = StringField(_l("Title in Swahili"), validators=[DataRequired(), Length(max=texts.TITLE_MAX)])
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=texts.TITLE_MAX)])
    county = SelectField(_l("County"))
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=texts.VENUE_MAX)])
    starts_at = StringField(_l("Starts (Nairobi time)"), validators=[DataRequired(), Length(max=20)],
                            render_kw={"type": "datetime-local"})
    seats = IntegerField(_l("Seats"), default=30, validators=[NumberRange(min=1, max=texts.SEATS_MAX)],
                         render_kw={"inputmode": "numeric"})


def _county_choices(officer):
    if officer.role != "admin" and officer.county:
        return [SelectChoice(officer.county, officer.county)]
    return [SelectChoice(c, c) for c in MINING_COUNTIES]


@bp.route("/")
@officer_required("read")
def trainings():
    officer = current_officer_object()
    now = utcnow()
    query = service.scoped_query(officer)
    upcoming = db.session.execute(query.filter(TrainingSession.starts_at > now)
                                  .order_by(TrainingSession.starts_at).limit(PER_PAGE)).scalars().all()
    past = db.session.execute(query.filter(TrainingSession.starts_at <= now)
                              .order_by(TrainingSession.starts_at.desc()).limit(PER_PAGE)).scalars().all()
    return render_template("trainings/list.html", upcoming=upcoming, past=past, topics=dict(texts.TOPICS),
                           may_manage=officer.may("trainings"), local=texts.local)


@bp.route("/new", methods=["GET", "POST"])
@officer_required("trainings")
def new_training():
    officer = current_officer_object()
    form = TrainingForm()
    form.county.choices = _county_choices(officer)
    status = 200
    if request.method == "POST":
        if form.validate():
            body = {"topic": form.topic.data, "title": {"sw": form.title_sw.data, "en": form.title_en.data},
                    "county": form.county.data, "venue": form.venue.data,
                    "starts_at": (form.starts_at.data or "").strip(), "seats": form.seats.data}
            try:
                session = service.create(officer, body)
            except service.TrainingError as exc:
                getattr(form, {"title.sw": "title_sw", "title.en": "title_en"}.get(exc.field, exc.field),
                        form.venue).errors.append(exc.reason)
            else:
                flash(_("Training session created."), "success")
                return redirect(url_for("trainings.training", training_id=session.id))
        status = 400
    return render_template("trainings/new.html", form=form), status


@bp.route("/<int:training_id>")
@officer_required("read")
def training(training_id):
    officer = current_officer_object()
    session = service.get(officer, training_id)
    people = service.attendees(session, officer)
    return render_template("trainings/detail.html", session=session, people=people, topics=dict(texts.TOPICS),
                           action_form=ActionForm(), may_manage=officer.may("trainings"),
                           may_invite=officer.may("broadcasts"), local=texts.local,
                           started=session.starts_at <= utcnow(), status_labels=STATUS_LABELS)


@bp.post("/<int:training_id>/attendance")
@officer_required("trainings")
def attendance(training_id):
    officer = current_officer_object()
    session = service.get(officer, training_id)
    chosen = set(request.form.getlist("booking"))
    phones = [b.phone for b in session.bookings if str(b.id) in chosen]
    try:
        service.set_attendance(officer, session.id, phones, replace=True)
    except service.TrainingError as exc:
        flash(exc.reason, "error")
    else:
        flash(_("Attendance saved: %(n)d came.", n=len(phones)), "success")
    return redirect(url_for("trainings.training", training_id=training_id))


@bp.post("/<int:training_id>/invite")
@officer_required("broadcasts")
def invite(training_id):
    officer = current_officer_object()
    session = service.get(officer, training_id)
    try:
        broadcast = service.invite(officer, session.id)
    except service.TrainingError as exc:
        flash(exc.reason, "error")
        return redirect(url_for("trainings.training", training_id=training_id))
    flash(_("Invitation sent to the miners of %(county)s.", county=session.county), "success")
    return redirect(url_for("broadcasts.broadcast", broadcast_id=broadcast.id))


@bp.post("/<int:training_id>/cancel")
@officer_required("trainings")
def cancel(training_id):
    try:
        service.cancel(current_officer_object(), training_id)
    except service.TrainingError as exc:
        flash(exc.reason, "error")
    else:
        flash(_("Training cancelled; those booked are told by SMS."), "success")
    return redirect(url_for("trainings.training", training_id=training_id))


def overview_panel(officer, county):
    """The overview's training numbers (issue 16 item 5)."""
    numbers = service.overview(officer, county)
    if not any(numbers[k] for k in ("held", "upcoming", "trained")):
        return None
    return {"template": "trainings/_panel.html", "numbers": numbers}
