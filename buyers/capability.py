"""The buyers capability's declaration (re-exported by buyers/__init__.py)."""
from core.capability import Capability, Keyword, NavEntry, Panel, CronEntry
from flask_babel import lazy_gettext as _l

import buyers.journey as journey
from buyers import api, cli, dashboard, service, sms


def _panel(officer, county):
    return {"template": "buyers/_panel.html", **service.panel(officer, county)}


def _buyer_sms(phone, buyer_id, locale):
    service.queue_details(phone, buyer_id, locale)


def _buyer_report(phone, locale, county, problem, buyer_name, buyer_id=None):
    return service.file_report(phone, locale, county, problem, buyer_name, buyer_id)


CAPABILITY = Capability(
    name="buyers",
    journey=journey,
    effects={"buyer_sms": _buyer_sms, "buyer_report": _buyer_report},
    keywords=(Keyword("BUYER", "MNUNUZI", sms.buyer_keyword, aliases={"BUYERS": "en", "WANUNUZI": "sw"}),),
    snapshots=(service.SNAPSHOT,),
    commands=(cli.buyers_cli,),
    api=api.bp,
    dashboard=dashboard.bp,
    nav=(NavEntry("buyers.index", _l("Buyers"), action="read", order=55),),
    panels=(Panel(_panel, order=70),),
    cron=(CronEntry(service.refresh_daily, "5 21 * * *", "buyers-snapshot-daily"),),  # 00:05 Nairobi (UTC+3)
)
