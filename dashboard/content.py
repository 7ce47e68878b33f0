"""Gold prices and safety tips for officers.

Prices: the latest price of every market in the officer's scope, the publish form, and each
market's history. Publishing goes through `prices.publishing.publish` (as the API and CLI do),
which applies the county rule, writes the audit entry and enqueues the subscribers' alerts.

Tips: the catalogue by topic; add, edit, retire and restore through `tips.catalogue` (the
functions the API and CLI use, which check the role and write the audit entry), each checked
to fit one GSM-7 SMS in both languages.
"""
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from dashboard import bp
from dashboard.auth import current_officer_object, officer_required, require_scope
from dashboard.charts import bar_chart
from dashboard.forms import ActionForm
from dashboard.views import list_page
from models import Market, Price, Tip, TipTopic, db
from models.tip import TIP_SCREEN_MAX
from prices import publishing as prices
from prices.units import BadQuantity, parse_kes, parse_purity
from tips import catalogue as tips_catalogue
from tips.catalogue import ContentError


HISTORY_CHART = 20


# --- prices ---------------------------------------------------------------------------

class PriceForm(FlaskForm):
    market = SelectField(_l("Market"), coerce=int)
    kes_per_gram = StringField(_l("Price, KES per gram"), validators=[DataRequired(), Length(max=20)],
                               render_kw={"inputmode": "decimal", "placeholder": "9,850"})
    purity = StringField(_l("Purity"), default="90%", validators=[DataRequired(), Length(max=10)],
                         render_kw={"placeholder": "90%, 0.9 or 22k"})
    source = StringField(_l("Source (optional)"), validators=[Optional(), Length(max=120)],
                         render_kw={"placeholder": _l("e.g. Migori gold buyers' board")})


def markets_in_scope(officer):
    query = db.select(Market).where(Market.retired_at.is_(None)).order_by(Market.name)
    if officer.role != "admin" and officer.county:
        query = query.where(func.lower(Market.county) == officer.county.casefold())
    return db.session.execute(query).scalars().all()


def latest_prices(markets):
    """{market id: newest Price} for these markets (one query)."""
    if not markets:
        return {}
    newest = (db.select(Price.id, func.row_number().over(
        partition_by=Price.market_id, order_by=(Price.observed_at.desc(), Price.id.desc())).label("rank"))
        .where(Price.market_id.in_([m.id for m in markets])).subquery())
    rows = db.session.execute(db.select(Price).join(newest, newest.c.id == Price.id)
                              .where(newest.c.rank == 1)).scalars().all()
    return {row.market_id: row for row in rows}


@bp.route("/prices", methods=["GET", "POST"])
@officer_required("read")
def prices_page():
    officer = current_officer_object()
    markets = markets_in_scope(officer)
    form = PriceForm()
    form.market.choices = [SelectChoice(m.id, f"{m.name} ({m.county})" if m.name != m.county else m.name)
                           for m in markets]
    code = 200
    if request.method == "POST":
        if not officer.may("prices"):
            abort(403)
        if form.validate_on_submit():
            market = db.session.get(Market, form.market.data)
            # Each quantity read on its own first, to say which one was not understood.
            for field, parse in ((form.kes_per_gram, parse_kes), (form.purity, parse_purity)):
                try:
                    parse(field.data)
                except BadQuantity as exc:
                    field.errors.append(_("Not understood: %(problem)s", problem=str(exc)))
            if not form.kes_per_gram.errors and not form.purity.errors:
                prices.publish(officer, market, form.kes_per_gram.data, form.purity.data, source=form.source.data)
                flash(_("Price for %(market)s published. Subscribers get an SMS alert.", market=market.name),
                      "success")
                return redirect(url_for("dashboard.prices_page"))
        code = 400
    return render_template("dashboard/prices.html", form=form, markets=markets, latest=latest_prices(markets),
                           may_publish=officer.may("prices"), pure=_pure, number=_number,
                           percent=_percent), code


def _number(value):
    return format_decimal(value, format="#,##0")


def _percent(fraction):
    return format_decimal(Decimal(fraction) * 100, format="#,##0.##")


def _pure(price):
    return (Decimal(price.kes_per_gram) / Decimal(price.purity)).quantize(Decimal("1"))


@bp.get("/prices/<int(max=2147483647):market_id>")
@officer_required("read")
def price_history(market_id):
    market = db.get_or_404(Market, market_id)
    require_scope(market.county)
    query = db.select(Price).filter_by(market_id=market.id).order_by(Price.observed_at.desc(), Price.id.desc())
    page = list_page(query, 25)
    recent = db.session.execute(query.limit(HISTORY_CHART)).scalars().all()[::-1]
    chart = None
    if recent:
        chart = bar_chart([p.observed_at.strftime("%d/%m") for p in recent], [int(_pure(p)) for p in recent],
                          title=_("KES per gram of pure gold, last %(n)d prices", n=len(recent)))
    return render_template("dashboard/price_history.html", market=market, page=page, chart=chart, pure=_pure,
                           number=_number, percent=_percent)


# --- tips -----------------------------------------------------------------------------

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
    from flask_babel import get_locale

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
    return render_template("dashboard/tips.html", grouped=[g for g in grouped if g[1]], topics=topics,
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
            return redirect(url_for("dashboard.tips", topic=tip.topic_code))
    code = 400 if request.method == "POST" else 200
    return render_template("dashboard/tip_form.html", form=form, tip=None), code


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
            return redirect(url_for("dashboard.tips", topic=tip.topic_code))
    code = 400 if request.method == "POST" else 200
    return render_template("dashboard/tip_form.html", form=form, tip=tip), code


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
    return redirect(url_for("dashboard.tips", topic=tip.topic_code, show="all"))
