"""Shared helpers for the dashboard tests: officers of every role, miners, signing in."""
import re
from datetime import timedelta

from flask.testing import FlaskClient

from models import Miner, Officer, db, utcnow

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

# role name in the tests -> (username, role, county)
OFFICERS = {
    "viewer": ("vera", "viewer", None),
    "county_officer": ("otieno", "officer", "Migori"),
    "other_county_officer": ("wanjiku", "officer", "Kakamega"),
    "admin": ("ada", "admin", None),
}


def make_officers():
    rows = {}
    for key, (username, role, county) in OFFICERS.items():
        officer = Officer(username=username, role=role, county=county, locale="en")
        officer.set_password(PASSWORD)
        db.session.add(officer)
        rows[key] = officer
    db.session.commit()
    return rows


def make_miner(phone, name, county, site, *, days_ago=0, sms=True):
    now = utcnow() - timedelta(days=days_ago)
    miner = Miner(phone=phone, name=name, county=county, site=site, role="digger", gender="woman",
                  locale="sw", consent_at=now, sms_consent_at=now if sms else None,
                  created_at=now, updated_at=now)
    db.session.add(miner)
    db.session.commit()
    return miner


def csrf_token(response):
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def sign_in(client, username, password=PASSWORD):
    page = client.get("/dashboard/login")
    return client.post("/dashboard/login", data={"username": username, "password": password,
                                                 "csrf_token": csrf_token(page)})


class FreshContextClient(FlaskClient):
    """A browser-like client: every request gets its own app context, as under a real server.

    The `app` fixture keeps one app context open for the whole test, and Flask reuses it
    for test requests, so `g` (where Flask-Login and Flask-WTF cache the signed-in officer
    and the CSRF token) would leak from one client's request into another's.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def new_client(app):
    return FreshContextClient(app, app.response_class, use_cookies=True)
