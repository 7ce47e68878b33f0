"""Safety tips for officers (/dashboard/tips): the catalogue by topic; add, edit, retire and
restore through `tips.catalogue` (the functions the API and CLI use, which check the role and
write the audit entry), each checked to fit one GSM-7 SMS in both languages. The
capability's own blueprint (Capability.dashboard), listed in the navigation by
tips/__init__.py.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from dashboard.auth import current_officer_object, officer_required, protect_unsafe_requests
from dashboard.forms import ActionForm
from models import Tip, TipTopic, db
from models.tip import TIP_SCREEN_MAX
from tips import catalogue as tips_catalogue
from tips.catalogue import ContentError

# Officers' pages at /dashboard/tips... (the capability's own blueprint; core/capability.py).
bp = Blueprint("tips", __name__, url_prefix="/dashboard", template_folder="templates")
protect_unsafe_requests(bp)


class TipForm(FlaskForm):
    topic = SelectField(_l("Topic"))
    sw = TextAreaField(_l("Tip in Kiswahili"), validators=[DataRequired(), Length(max=TIP_SCREEN_MAX)],
                       render_kw={"rows": 3, "maxlength": TIP_SCREEN_MAX, "data-counter": "sw"})
    en = TextAreaField(_l("Tip in English"), validators=[DataRequired(), Length(max=TIP_SCREEN_MAX)],
                       render_kw={"rows": 3, "maxlength": TIP_SCREEN_MAX, "data-counter": "en"})
    sources = StringField(_l("Sources (optional, separated by spaces)"), validators=[Optional(), Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        topics = db.session.execute(db.select(TipTopic).order_by(TipTopic.position)).scalars().all()
        self.topic.choices = [SelectChoice(t.code, _topic_label(t)) for t in topics]


def _topic_label(topic):
    return topic.label_en if str(get_locale()) == "en" else topic.label_sw


@bp.get("/tips")
@officer_required("read")
def tips():
    show = request.args.get("show") if request.args.get("show") in ("active", "retired", "all") else "active"
    topics = db.session.execute(db.select(TipTopic).order_by(TipTopic.position)).scalars().all()
    # One topic at a time by default: the whole catalogue is a very long page on a phone.
    topic = request.args.get("topic", topics[0].code if topics else "")
    query = db.select(Tip).order_by(Tip.topic_code, Tip.position, Tip.id)
    if show == "active":
        query = query.where(Tip.retired_at.is_(None))
    elif show == "retired":
        query = query.where(Tip.retired_at.is_not(None))
    if topic:
        query = query.where(Tip.topic_code == topic)
    rows = db.session.execute(query).scalars().all()
    grouped = [(t, [tip for tip in rows if tip.topic_code == t.code]) for t in topics]
    return render_template("tips/tips.html", grouped=[g for g in grouped if g[1]], topics=topics,
                           topic=topic, show=show, topic_label=_topic_label, action_form=ActionForm(),
                           may_edit=current_officer_object().may("tips"))


def _sources(form):
    return [s for s in (form.sources.data or "").split() if s]


def _problems_to_form(form, exc):
    for problem in exc.problems:
        target = form.sw if problem.startswith("sw") else form.en if problem.startswith("en") else form.topic
        target.errors.append(problem)


@bp.route("/tips/new", methods=["GET", "POST"])
@officer_required("tips")
def tip_new():
    form = TipForm()
    if form.validate_on_submit():
        officer = current_officer_object()
        try:
            tip = tips_catalogue.add_tip(topic=form.topic.data, sw=form.sw.data, en=form.en.data,
                                         sources=_sources(form), officer=officer)
        except ContentError as exc:
            _problems_to_form(form, exc)
        else:
            flash(_("Tip %(id)s added.", id=tip.id), "success")
            return redirect(url_for("tips.tips", topic=tip.topic_code))
    code = 400 if request.method == "POST" else 200
    return render_template("tips/tip_form.html", form=form, tip=None), code


@bp.route("/tips/<tip_id>/edit", methods=["GET", "POST"])
@officer_required("tips")
def tip_edit(tip_id):
    tip = db.get_or_404(Tip, tip_id)
    if request.method == "GET":
        form = TipForm(formdata=None, topic=tip.topic_code, sw=tip.text_sw, en=tip.text_en, sources=tip.sources)
    else:
        form = TipForm()
    if request.method == "POST" and form.validate_on_submit():
        officer = current_officer_object()
        try:
            tips_catalogue.edit_tip(tip.id, topic=form.topic.data, sw=form.sw.data, en=form.en.data,
                                    sources=_sources(form), officer=officer)
        except ContentError as exc:
            _problems_to_form(form, exc)
        else:
            flash(_("Tip %(id)s saved.", id=tip.id), "success")
            return redirect(url_for("tips.tips", topic=tip.topic_code))
    code = 400 if request.method == "POST" else 200
    return render_template("tips/tip_form.html", form=form, tip=tip), code


@bp.post("/tips/<tip_id>/<any(retire, restore):change>")
@officer_required("tips")
def tip_retire(tip_id, change):
    if not ActionForm().validate_on_submit():
        abort(400)
    tip = tips_catalogue.set_retired(tip_id, change == "retire", officer=current_officer_object())
    if tip is None:
        abort(404)
    flash(_("Tip %(id)s retired: it is no longer sent.", id=tip.id) if change == "retire"
          else _("Tip %(id)s restored.", id=tip.id), "success")
    return redirect(url_for("tips.tips", topic=tip.topic_code, show="all"))
