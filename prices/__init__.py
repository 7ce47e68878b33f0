"""Gold prices: markets, publishing (API, CLI, reference from the world price), the price
board USSD and SMS read from memory, subscriptions and alerts.

The capability declares itself below; app.py lists it by name (core/capability.py).
"""
from flask_babel import lazy_gettext as _l

from core.capability import CallerDetail, Capability, Keyword, NavEntry
from prices import journey
from prices.api import bp as api_bp
from prices.board import BOARD, REMEMBERED_KEY
from prices.cli import price_cli
from prices.dashboard import bp as dashboard_bp
from prices.effects import EFFECTS, last_market
from prices.publishing import forget_subscriptions
from prices.keywords import price_keyword

CAPABILITY = Capability(
    name="prices",
    journey=journey,
    effects=EFFECTS,
    keywords=(Keyword("PRICE", "BEI", price_keyword),),
    # The market this phone looked at last time (a convenience kept in Redis): read with the
    # session on the first hop, so that the prices journey opens on it.
    caller_details=(CallerDetail(REMEMBERED_KEY, last_market),),
    erasure=(forget_subscriptions,),
    snapshots=(BOARD,),
    commands=(price_cli,),
    api=api_bp,  # /api/v1/prices
    dashboard=dashboard_bp,  # /dashboard/prices...
    nav=(NavEntry("prices.prices_page", _l("Prices"), action="read", order=50),),
)
