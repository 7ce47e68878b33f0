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


DEFAULT_SECRET_KEY = "dev-only-change-me"
MIN_SECRET_KEY_LENGTH = 32
MIN_CALLBACK_TOKEN_LENGTH = 16
FAKE_AT_API_KEY = "fake-key"


def uses_fake_gateway(settings):
    """True when SMS would not reach Africa's Talking: no real API key, or AT_API_URL points
    at a server on this machine (the fake gateway)."""
    from urllib.parse import urlsplit

    host = urlsplit(settings.get("AT_API_URL") or "").hostname
    return settings.get("AT_API_KEY") in (None, "", FAKE_AT_API_KEY) or host in ("127.0.0.1", "localhost", "::1")


def engine_options(settings):
    """SQLALCHEMY_ENGINE_OPTIONS for the database this app really uses (after overrides)."""
    options = dict(settings.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if str(settings.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", settings["SQLITE_BUSY_TIMEOUT_SECONDS"])
        options["connect_args"] = connect_args
    return options


class UnsafeSettings(RuntimeError):
    """Production was asked to start with settings that would expose officers or miners."""


def check_production(settings):
    """Refuse to run MADINI_ENV=production with unsafe settings (raises UnsafeSettings naming
    every problem at once); other environments are not checked. Called by create_app after
    its overrides, so what is checked is what runs."""
    if settings.get("ENV_NAME") != "production":
        return
    problems = []
    secret = settings.get("SECRET_KEY") or ""
    if secret == DEFAULT_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH or len(set(secret)) < 8:
        # Anyone who knows or guesses the key can forge a signed-in officer's session cookie.
        problems.append(f"SECRET_KEY must be a random string of at least {MIN_SECRET_KEY_LENGTH} characters "
                        "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    token = settings.get("CALLBACK_TOKEN") or ""
    if len(token) < MIN_CALLBACK_TOKEN_LENGTH:
        # Without it anyone can post fake USSD hops, SMS, delivery reports and opt-outs.
        problems.append(f"CALLBACK_TOKEN must be set (at least {MIN_CALLBACK_TOKEN_LENGTH} characters) and put "
                        "into the callback URLs in the Africa's Talking dashboard as ?token=...")
    if uses_fake_gateway(settings) and not settings.get("AT_FAKE_OK"):
        problems.append("AT_API_KEY and AT_API_URL send SMS to no real gateway (fake key or a local server); "
                        "set the real Africa's Talking key, or AT_FAKE_OK=1 for a rehearsal without SMS")
    if problems:
        raise UnsafeSettings("refusing to start with MADINI_ENV=production: " + "; ".join(problems))


def load():
    """A fresh dict of settings from the environment (called by create_app)."""
    at_username = os.environ.get("AT_USERNAME", "sandbox")
    env_name = os.environ.get("MADINI_ENV", "development")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},  # create_app completes it (engine_options)
        # SQLite: how long a write waits for another's lock before failing. Short, so that a
        # locked database sends a USSD report to the spool within a second instead of after 5 s.
        # How long SQLite waits for another writer's lock: jobs and pages wait as long as
        # SQLite usually does; the USSD hop that files a report waits less, then spools it.
        "SQLITE_BUSY_TIMEOUT_SECONDS": _float("SQLITE_BUSY_TIMEOUT_SECONDS", 5.0),
        "SQLITE_HOP_LOCK_WAIT_SECONDS": _float("SQLITE_HOP_LOCK_WAIT_SECONDS", 0.4),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "CALLBACK_TOKEN": os.environ.get("CALLBACK_TOKEN") or None,
        "AT_USERNAME": at_username,
        "AT_API_KEY": os.environ.get("AT_API_KEY", FAKE_AT_API_KEY),
        # Production refuses to start with the fake gateway unless this says it is meant.
        "AT_FAKE_OK": _bool("AT_FAKE_OK", False),
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
        # Failed sign-ins per address; past as many failures for one username, each attempt for it
        # waits a delay doubling from the base up to the max (a slow-down, never a lockout).
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per 5 minutes"),
        "LOGIN_DELAY_BASE_SECONDS": _float("LOGIN_DELAY_BASE_SECONDS", 1.0),
        "LOGIN_DELAY_MAX_SECONDS": _float("LOGIN_DELAY_MAX_SECONDS", 60.0),
        "DASHBOARD_PAGE_SIZE": _int("DASHBOARD_PAGE_SIZE", 25),
        # Reverse proxies in front of the app (nginx, a PaaS router): their X-Forwarded-For is trusted.
        "TRUSTED_PROXY_HOPS": _int("TRUSTED_PROXY_HOPS", 0),
        "FAKEAT_URL": _fakeat_url(_at_api_url(at_username)),
    }
