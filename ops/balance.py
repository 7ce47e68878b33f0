"""Africa's Talking account balance: asked through the SDK (sms.gateway.fetch_balance), kept
in Redis for the dashboard and the broadcast preview, checked hourly by the cron process.

When it falls below AT_BALANCE_WARN_KES the admins with a phone are texted, and ALERT_EMAILS
emailed when SMTP_URL is set, once; they are told again only after it was topped up above the
limit and fell again.
"""
import json
import logging
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app

from core.i18n import N_
from sms import gateway

log = logging.getLogger(__name__)

FAKE_AT_KEY = "fake-key"  # config's default AT_API_KEY: no real account
KEY = "ops:at-balance"
FAILED_KEY = "ops:at-balance-failed"
RETRY_AFTER_FAILURE_SECONDS = 60
LOW_ALERTED_KEY = "ops:at-balance-low-alerted"
LOW_BALANCE_ALERT = N_("Madini Salama: AT balance is KES %(balance)s, below %(limit)s. Top up soon, or urgent "
                       "alerts will stop.")


@dataclass(frozen=True)
class Balance:
    currency: str
    amount: float
    checked_at: float  # unix time

    @property
    def age(self):
        return max(0.0, time.time() - self.checked_at)


def askable(config):
    """False when there is nobody to ask: the fake key, and AT_API_URL is not a local fake
    gateway (e.g. a terminal beside bin/run, whose processes alone point at the fake)."""
    local = urlsplit(config.get("AT_API_URL") or "").hostname in ("127.0.0.1", "localhost", "::1")
    return local or config.get("AT_API_KEY") not in (None, "", FAKE_AT_KEY)


def refresh(app=None):
    """Ask AT now; store and return the balance (raises gateway.RequestFailed)."""
    app = app or current_app._get_current_object()
    currency, amount = gateway.fetch_balance(app)
    balance = Balance(currency, amount, time.time())
    app.extensions["redis"].set(KEY, json.dumps(balance.__dict__))
    return balance


def cached(app=None):
    """The last balance asked for (None when never asked or Redis is away)."""
    app = app or current_app._get_current_object()
    try:
        raw = app.extensions["redis"].get(KEY)
        return Balance(**json.loads(raw)) if raw else None
    except Exception:
        return None


def current(max_age=300, app=None):
    """The balance no older than max_age seconds, asking AT when needed; None when unknown."""
    balance = cached(app)
    if balance is not None and balance.age <= max_age:
        return balance
    app = app or current_app._get_current_object()
    if not askable(app.config):
        return balance
    redis = app.extensions["redis"]
    try:
        if redis.exists(FAILED_KEY):  # asked a moment ago and failed: previews do not wait again
            return balance
    except Exception:
        return balance
    try:
        return refresh(app)
    except Exception as exc:
        log.warning("could not read the AT balance: %s", getattr(exc, "reason", type(exc).__name__))
        try:
            redis.set(FAILED_KEY, "1", ex=RETRY_AFTER_FAILURE_SECONDS)
        except Exception:
            pass
        return balance


def check_balance_job():
    """Hourly (cron): refresh the balance and text the admins once when it is low."""
    from sms.outbound import text_admins

    app = current_app._get_current_object()
    balance = refresh(app)
    limit = app.config["AT_BALANCE_WARN_KES"]
    redis = app.extensions["redis"]
    if balance.amount >= limit:
        redis.delete(LOW_ALERTED_KEY)
        return {"balance": balance.amount, "alerted": 0}
    log.error("Africa's Talking balance is %s %.2f, below AT_BALANCE_WARN_KES %.2f",
              balance.currency, balance.amount, limit)
    if not redis.set(LOW_ALERTED_KEY, "1", nx=True):
        return {"balance": balance.amount, "alerted": 0}
    alerted = text_admins(LOW_BALANCE_ALERT, balance=f"{balance.amount:.0f}", limit=f"{limit:.0f}")
    alerted += email_alert(f"Madini Salama: Africa's Talking balance {balance.currency} {balance.amount:.2f}",
                           f"The Africa's Talking balance is {balance.currency} {balance.amount:.2f}, below "
                           f"AT_BALANCE_WARN_KES {limit:.2f}. Top up the account soon: when it runs out, no SMS "
                           "goes out, urgent incident alerts to officers included.")
    return {"balance": balance.amount, "alerted": alerted}


def email_alert(subject, body, app=None):
    """Email ALERT_EMAILS through SMTP_URL when both are set; returns how many were written to.
    SMTP_URL: smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465."""
    config = (app or current_app).config
    recipients = [a.strip() for a in (config.get("ALERT_EMAILS") or "").split(",") if a.strip()]
    url = config.get("SMTP_URL")
    if not recipients or not url:
        return 0
    parts = urlsplit(url)
    message = EmailMessage()
    message["Subject"], message["To"] = subject, ", ".join(recipients)
    message["From"] = config.get("ALERT_EMAIL_FROM") or f"madini-salama@{parts.hostname}"
    message.set_content(body)
    secure = parts.scheme == "smtps"
    server_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    try:
        with server_class(parts.hostname, parts.port or (465 if secure else 587), timeout=20) as server:
            if not secure:
                server.starttls()
            if parts.username:
                server.login(unquote(parts.username), unquote(parts.password or ""))
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("could not email the balance alert: %s", type(exc).__name__)
        return 0
    return len(recipients)
