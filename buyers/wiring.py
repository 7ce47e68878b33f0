"""Interim wiring into the app as it is before the capability API (core/capability.py) lands:
the way tips and prices register today. Removed once `CAPABILITY` is installed by the registry.

Menu 6 -> 2 needs the API's "More services" sub-menu and `session.snapshot`, so the USSD
journey is not reachable through this wiring; everything else is (API, dashboard, CLI, SMS
keyword, effects, overview panel).
"""


def install(app):
    from api.errors import install_error_handlers, refuse_nul_characters
    from buyers import api, cli, dashboard, service, sms
    from dashboard import nav
    from dashboard.views import overview_panel
    from flask_babel import lazy_gettext as _l
    from sms.keywords import ROUTES, keyword
    from ussd import effects

    if not getattr(api.bp, "_api_ready", False):
        install_error_handlers(api.bp)
        refuse_nul_characters(api.bp)
        api.bp._api_ready = True
    app.register_blueprint(api.bp, url_prefix="/api/v1/buyers")
    app.register_blueprint(dashboard.bp)
    app.cli.add_command(cli.buyers_cli)
    nav.add("buyers.index", _l("Buyers"), action="read", order=55)
    if "BUYER" not in ROUTES:
        keyword("BUYER", "MNUNUZI")(sms.buyer_keyword)
    if "buyer_sms" not in effects.HANDLERS:
        effects.HANDLERS["buyer_sms"] = lambda phone, buyer_id, locale: service.queue_details(phone, buyer_id, locale)
        effects.HANDLERS["buyer_report"] = service.file_report
        overview_panel(order=70)(lambda officer, county: {"template": "buyers/_panel.html",
                                                          **service.panel(officer, county)})
