"""Settings, read from the environment (docs/contract.md section 4).

Every setting has a default that works on a fresh machine: a SQLite file in
`instance/`, an embedded Redis, the fake Africa's Talking gateway.
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _float(name, default):
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _database_url():
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'madini.db'}"
    # Heroku-style URLs say postgres://; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _at_api_url(username):
    explicit = os.environ.get("AT_API_URL")
    if explicit:
        return explicit.rstrip("/")
    if username == "sandbox":
        return "https://api.sandbox.africastalking.com/version1"
    return "https://api.africastalking.com/version1"


def _fakeat_url(at_api_url):
    """Where the fake gateway's per-phone inbox lives (the simulator shows it).

    FAKEAT_URL when set; else, when AT_API_URL points at a local server, that server's
    root (the fake gateway answers /version1/messaging and /inbox/<number> side by side).
    """
    explicit = os.environ.get("FAKEAT_URL")
    if explicit:
        return explicit.rstrip("/")
    from urllib.parse import urlsplit

    parts = urlsplit(at_api_url)
    if parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return f"{parts.scheme}://{parts.netloc}"
    return None


def _bool(name, default):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def load():
    """A fresh dict of settings from the environment (called by create_app)."""
    at_username = os.environ.get("AT_USERNAME", "sandbox")
    env_name = os.environ.get("MADINI_ENV", "development")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-change-me"),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "CALLBACK_TOKEN": os.environ.get("CALLBACK_TOKEN") or None,
        "AT_USERNAME": at_username,
        "AT_API_KEY": os.environ.get("AT_API_KEY", "fake-key"),
        "AT_SENDER_ID": os.environ.get("AT_SENDER_ID") or None,
        "AT_SHORTCODE": os.environ.get("AT_SHORTCODE", "22384"),
        "AT_API_URL": _at_api_url(at_username),
        "DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "sw"),
        "USSD_SERVICE_CODE": os.environ.get("USSD_SERVICE_CODE", "*384*12#"),
        "USSD_SESSION_TTL": _int("USSD_SESSION_TTL", 180),
        "USSD_RESUME_MINUTES": _int("USSD_RESUME_MINUTES", 30),
        # How stale the tips and prices a USSD screen shows may be (checked against Redis).
        "SNAPSHOT_REFRESH_SECONDS": _float("SNAPSHOT_REFRESH_SECONDS", 1.0),
        "AT_MAX_RPS": _float("AT_MAX_RPS", 10.0),
        "AT_BATCH_SIZE": _int("AT_BATCH_SIZE", 100),
        # Seconds to wait for AT's answer to a send request; 0 = the gateway's own (15 s).
        "AT_READ_TIMEOUT_SECONDS": _float("AT_READ_TIMEOUT_SECONDS", 0.0),
        "SMS_COST_PER_SEGMENT_KES": _float("SMS_COST_PER_SEGMENT_KES", 0.80),
        # The admins are told (once) when AT's account balance falls below this (checked hourly).
        "AT_BALANCE_WARN_KES": _float("AT_BALANCE_WARN_KES", 500.0),
        # Operators' alerts by email too (the low balance): smtp://user:pass@host:587 or smtps://...:465
        "SMTP_URL": os.environ.get("SMTP_URL") or None,
        "ALERT_EMAILS": os.environ.get("ALERT_EMAILS") or None,  # comma-separated addresses
        "ALERT_EMAIL_FROM": os.environ.get("ALERT_EMAIL_FROM") or None,
        # Prometheus: /metrics answers loopback, or a request carrying this token (?token= or Bearer).
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        "SMS_MAX_ATTEMPTS": _int("SMS_MAX_ATTEMPTS", 6),
        # First retry after this many seconds, then doubling (10, 20, 40, 80, 160 s).
        "SMS_RETRY_BASE_SECONDS": _int("SMS_RETRY_BASE_SECONDS", 10),
        # A broadcast row claimed this long ago whose send result never came back (worker killed,
        # answer lost) is reconciled: adopted from a delivery report, or sent again.
        "SMS_CLAIM_TIMEOUT_SECONDS": _int("SMS_CLAIM_TIMEOUT_SECONDS", 300),
        # Ordinary (not urgent) broadcasts go out only between these hours, Nairobi time.
        "SMS_QUIET_HOURS": (os.environ.get("SMS_SEND_FROM", "07:00"), os.environ.get("SMS_SEND_UNTIL", "19:00")),
        # Weekly safety tip by SMS: weekday (0 = Monday) and hour, Africa/Nairobi time.
        "TIP_DRIP_WEEKDAY": _int("TIP_DRIP_WEEKDAY", 0),
        "TIP_DRIP_HOUR": _int("TIP_DRIP_HOUR", 9),
        # A price older than this many days is shown as out of date.
        "PRICE_STALE_DAYS": _int("PRICE_STALE_DAYS", 7),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "sw"),
        "BABEL_DEFAULT_TIMEZONE": "Africa/Nairobi",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "locales"),
        "INSTANCE_PATH": str(INSTANCE),
        "ENV_NAME": env_name,
        # Officers' dashboard: sign-in sessions last 8 hours from the last request.
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_HOURS", 8) * 3600,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", env_name == "production"),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per 5 minutes"),
        "DASHBOARD_PAGE_SIZE": _int("DASHBOARD_PAGE_SIZE", 25),
        # Reverse proxies in front of the app (nginx, a PaaS router): their X-Forwarded-For is trusted.
        "TRUSTED_PROXY_HOPS": _int("TRUSTED_PROXY_HOPS", 0),
        "FAKEAT_URL": _fakeat_url(_at_api_url(at_username)),
    }
