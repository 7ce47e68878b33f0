"""Madini Salama: the application factory. Wiring only; the work lives in the packages."""
import logging
from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_migrate import Migrate

import config
from core import capability, logs, snapshot
from core.callbacks import LeanCallbacks
from core import redis as redis_setup
from models import db, miner

# Every capability, one folder each (core/capability.py). A new one is one line here.
CAPABILITIES = ("miners", "incidents", "tips", "prices", "broadcasts", "training", "buyers", "permits",
                "finance")


def create_app(overrides=None):
    app = Flask(__name__, instance_path=config.load()["INSTANCE_PATH"])
    app.config.from_mapping(config.load())
    if overrides:
        app.config.from_mapping(overrides)
    config.check_production(app.config)  # MADINI_ENV=production with unsafe settings: refuse to start
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config.engine_options(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logs.install()
    if config.uses_fake_gateway(app.config) and not app.config.get("TESTING"):
        logging.getLogger(__name__).warning(
            "SMS go to no real gateway (AT_API_KEY is the fake one or AT_API_URL is local): nobody receives them")

    db.init_app(app)
    Migrate(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    Babel(app)
    app.extensions["redis"] = redis_setup.connect(redis_setup.resolve_url(app.config))

    registry = capability.Registry.load(CAPABILITIES)
    registry.validate()  # a journey naming an unknown state or effect fails here, at boot
    registry.install(app)  # everything the capabilities declare is wired here, and only here
    from ussd import effects
    from ussd.hops import HopService
    from ussd.store import SessionStore

    app.extensions["ussd"] = HopService(
        flow=registry.flow,
        store=SessionStore(app.extensions["redis"], app.config["USSD_SESSION_TTL"],
                           app.config["USSD_RESUME_MINUTES"] * 60),
        load_caller=lambda phone: miner.load_caller(phone, app.config["DEFAULT_LOCALE"]),
        caller_key=miner.CALLER_KEY,
        caller_ttl=miner.CALLER_CACHE_SECONDS,
        encoded_caller=miner.encoded_caller,
        decode_caller=lambda raw: miner.decode_caller(raw, app.config["DEFAULT_LOCALE"]),
        run_effects=lambda items: effects.run(items, registry.effects),
        caller_details=tuple(registry.caller_details),
        default_locale=app.config["DEFAULT_LOCALE"],
        refresh_data=lambda: snapshot.refresh_all(app.extensions["redis"], app.config["SNAPSHOT_REFRESH_SECONDS"],
                                                  registry.snapshots),
    )

    from api import bp as api_bp
    from api.health import bp as health_bp
    from sms.views import INBOUND_FIELDS, handle_inbound_callback
    from sms.views import bp as sms_bp
    from ussd.views import HOP_FIELDS, handle_hop
    from ussd.views import bp as ussd_bp

    app.register_blueprint(ussd_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(sms_bp)

    import dashboard

    dashboard.init_app(app)  # officers' pages at /dashboard, the phone simulator at /simulator

    from cli import register_commands

    register_commands(app)
    # The gateway's hot callbacks skip Flask's request machinery (same handlers as the views).
    app.wsgi_app = LeanCallbacks(app, app.wsgi_app, {"/ussd": (handle_hop, *HOP_FIELDS),
                                                     "/sms/inbound": (handle_inbound_callback, *INBOUND_FIELDS)})
    # Outermost, so that every request (any faster path in front of Flask included) has an id.
    app.wsgi_app = logs.RequestIdMiddleware(app.wsgi_app)
    return app
