"""Gold prices for officers (/dashboard/prices): the latest price of every market in the
officer's scope, the publish form, and each market's history.

Publishing goes through `prices.publishing.publish` (as the API and CLI do), which applies
the county rule, writes the audit entry and enqueues the subscribers' alerts. The
capability's own blueprint (Capability.dashboard), listed in the navigation by
prices/__init__.py.
"""
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from dashboard.auth import current_officer_object, officer_required, protect_unsafe_requests, require_scope
from dashboard.charts import bar_chart
from dashboard.views import list_page
from models import Market, Price, db
from prices import publishing as prices
from prices.units import BadQuantity, parse_kes, parse_purity

# Officers' pages at /dashboard/prices... (the capability's own blueprint; core/capability.py).
bp = Blueprint("prices", __name__, url_prefix="/dashboard", template_folder="templates")
protect_unsafe_requests(bp)

HISTORY_CHART = 20


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
                return redirect(url_for("prices.prices_page"))
        code = 400
    return render_template("prices/prices.html", form=form, markets=markets, latest=latest_prices(markets),
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
    return render_template("prices/price_history.html", market=market, page=page, chart=chart, pure=_pure,
                           number=_number, percent=_percent)
