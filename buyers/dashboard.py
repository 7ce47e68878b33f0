"""Officers' pages for the buyers directory, under /dashboard/buyers: the list (filter by
county and status), add, edit, delete, and the licences that expire within 30 days.

Every change goes through `buyers.service` (the role, the county rule and the audit entry are
there, as for the API and the CLI); a bad field is shown under that field, any other refusal
(core.policy) is the dashboard's 403 or 404 page (dashboard.auth.install_officer_pages).
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from buyers import rules, service
from dashboard.auth import (county_choices, current_officer_object, officer_required, protect_unsafe_requests,
                            scoped_county)
from dashboard.forms import ActionForm
from dashboard.views import list_page
from flows.catalog import MINING_COUNTIES
from models import db

bp = Blueprint("buyers", __name__, url_prefix="/dashboard/buyers", template_folder="templates")

STATUS_LABELS = {"": _l("All"), "listed": _l("Licence in force"), "expiring": _l("Expiring within 30 days"),
                 "expired": _l("Expired")}


protect_unsafe_requests(bp)  # CSRF on every POST, the dashboard's security headers


class BuyerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=rules.NAME_MAX)])
    licence_number = StringField(_l("Licence number"), validators=[DataRequired(), Length(max=rules.LICENCE_MAX)],
                                 render_kw={"placeholder": "MDL/2024/0153", "autocapitalize": "characters"})
    licence_expires = StringField(_l("Licence valid until"), validators=[DataRequired(), Length(max=10)],
                                  render_kw={"type": "date"})
    county = SelectField(_l("County"))
    market = StringField(_l("Market"), validators=[DataRequired(), Length(max=rules.MARKET_MAX)],
                         render_kw={"placeholder": "Osiri"})
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(max=32)],
                        render_kw={"inputmode": "tel", "placeholder": "0712 345 678"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        own = scoped_county(None)
        self.county.choices = [own] if own else list(MINING_COUNTIES)

    def fields(self):
        return {name: getattr(self, name).data for name in rules.FIELDS}


def _save(form, do):
    """Run `do(fields)`; a BuyerError becomes an error under its field. True when saved."""
    try:
        do(form.fields())
    except service.BuyerError as exc:
        getattr(form, exc.field, form.name).errors.append(_("Not accepted: %(problem)s", problem=exc.reason))
        return False
    return True


@bp.get("/")
@officer_required("read")
def index():
    officer = current_officer_object()
    status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else ""
    county = scoped_county(request.args.get("county") or None)
    on = rules.today()
    page = list_page(service.listing(officer, county=county, status=status or None, on=on), 25)
    return render_template("buyers/list.html", page=page, status=status, statuses=STATUS_LABELS, county=county,
                           counties=county_choices(), today=on, rules=rules, action_form=ActionForm(),
                           may_edit=officer.may(service.ACTION),
                           expiring_count=len(service.expiring(officer, on)))


@bp.get("/expiring")
@officer_required("read")
def expiring():
    officer = current_officer_object()
    on = rules.today()
    return render_template("buyers/expiring.html", buyers=service.expiring(officer, on), today=on,
                           days=rules.EXPIRING_DAYS, may_edit=officer.may(service.ACTION))


@bp.route("/new", methods=["GET", "POST"])
@officer_required(service.ACTION)
def new():
    form = BuyerForm()
    if form.validate_on_submit():
        if _save(form, lambda fields: service.create(current_officer_object(), fields)):
            flash(_("Buyer %(name)s added.", name=form.name.data.strip()), "success")
            return redirect(url_for("buyers.index"))
    code = 400 if request.method == "POST" else 200
    return render_template("buyers/form.html", form=form, buyer=None), code


@bp.route("/<int(max=2147483647):buyer_id>/edit", methods=["GET", "POST"])
@officer_required(service.ACTION)
def edit(buyer_id):
    buyer = service.get(current_officer_object(), buyer_id)
    if request.method == "GET":
        form = BuyerForm(formdata=None, name=buyer.name, licence_number=buyer.licence_number,
                         licence_expires=buyer.licence_expires.isoformat(), county=buyer.county,
                         market=buyer.market, phone=buyer.phone)
    else:
        form = BuyerForm()
    if request.method == "POST" and form.validate_on_submit():
        if _save(form, lambda fields: service.update(current_officer_object(), buyer.id, fields)):
            flash(_("Buyer %(name)s saved.", name=buyer.name), "success")
            return redirect(url_for("buyers.index"))
        db.session.rollback()
    code = 400 if request.method == "POST" else 200
    return render_template("buyers/form.html", form=form, buyer=buyer), code


@bp.post("/<int(max=2147483647):buyer_id>/delete")
@officer_required(service.ACTION)
def delete(buyer_id):
    if not ActionForm().validate_on_submit():
        abort(400)
    name = service.get(current_officer_object(), buyer_id).name
    service.delete(current_officer_object(), buyer_id)
    flash(_("Buyer %(name)s removed from the directory.", name=name), "success")
    return redirect(url_for("buyers.index"))
