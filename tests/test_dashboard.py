"""The officers' dashboard: every page for every role, CSRF, the sign-in limit, county
scoping, masking, the audit log, sessions and languages."""
import time

import pytest

from models import AuditEntry, Officer, db
from tests.dashboard_helpers import OFFICERS, PASSWORD, csrf_token, make_miner, make_officers, new_client, sign_in

ROLES = ("anonymous", "viewer", "county_officer", "other_county_officer", "admin")


@pytest.fixture
def client(app):
    return new_client(app)


@pytest.fixture
def people(app):
    officers = make_officers()
    migori = make_miner("+254711000001", "Akinyi Odhiambo", "Migori", "Macalder")
    kakamega = make_miner("+254711000002", "Barasa Wekesa", "Kakamega", "Rosterman")
    return {"officers": officers, "migori": migori, "kakamega": kakamega}


def client_as(app, role):
    client = new_client(app)
    if role != "anonymous":
        response = sign_in(client, OFFICERS[role][0])
        assert response.status_code == 302, response.get_data(as_text=True)
    return client


# route -> expected status for (anonymous, viewer, county officer, other-county officer, admin).
# The miner page is a Migori miner's; the simulator is checked in production, where it is off.
MATRIX = {
    "/dashboard/": (302, 200, 200, 200, 200),
    "/dashboard/miners": (302, 200, 200, 200, 200),
    "/dashboard/miners?q=aki&county=Migori&page=2": (302, 200, 200, 200, 200),
    "/dashboard/miners?page=2305843009213693674": (302, 200, 200, 200, 200),
    "/dashboard/audit?page=-4": (302, 403, 403, 403, 200),
    "/dashboard/miners/{migori}": (302, 200, 200, 403, 200),
    "/dashboard/miners.csv": (302, 200, 200, 200, 200),
    "/dashboard/officers": (302, 403, 403, 403, 200),
    "/dashboard/audit": (302, 403, 403, 403, 200),
    "/dashboard/queues": (302, 403, 403, 403, 200),
    "/dashboard/rq/": (302, 403, 403, 403, 200),
    "/dashboard/rq/0/data/queues.json": (302, 403, 403, 403, 200),
    "/simulator/": (404, 404, 404, 404, 404),
    "/dashboard/account": (302, 200, 200, 200, 200),
    "/dashboard/login": (200, 302, 302, 302, 302),
    # Round 2: incidents, broadcasts, prices, tips. The incident and the market are Migori's;
    # the broadcast is an admin's to every miner (a county officer sees only their own).
    "/dashboard/incidents": (302, 200, 200, 200, 200),
    "/dashboard/incidents?status=open&category=flood&county=Migori&urgent=yes&since=2026-01-01&page=3":
        (302, 200, 200, 200, 200),
    "/dashboard/incidents/{incident}": (302, 200, 200, 403, 200),
    "/dashboard/incidents/MS-ZZZZ": (302, 404, 404, 404, 404),
    "/dashboard/incidents.csv?status=new": (302, 200, 200, 200, 200),
    "/dashboard/broadcasts": (302, 200, 200, 200, 200),
    "/dashboard/broadcasts/new": (302, 403, 200, 200, 200),
    "/dashboard/broadcasts/{broadcast}": (302, 200, 403, 403, 200),
    "/dashboard/broadcasts/99999999999": (404, 404, 404, 404, 404),  # no such id: not even routed
    "/dashboard/prices": (302, 200, 200, 200, 200),
    "/dashboard/prices/{market}": (302, 200, 200, 403, 200),
    "/dashboard/tips": (302, 200, 200, 200, 200),
    "/dashboard/tips?show=retired&topic=nope": (302, 200, 200, 200, 200),
    "/dashboard/tips/new": (302, 403, 403, 403, 200),  # nationwide content: admins only (contract roles)
    "/dashboard/tips/{tip}/edit": (302, 403, 403, 403, 200),
}


def _round_two_records(people):
    """An incident, a broadcast, a market and a tip for the pages that show one."""
    from datetime import datetime, timezone

    from models import Incident
    from prices import publishing as prices
    import broadcasts.lifecycle
    from tips import catalogue

    db.session.add(Incident(reference="MS-2A2A", category="COLLAPSE", county="Migori", site="Macalder",
                            channel="ussd", reporter_phone="+254711000001", urgent=True, trapped=1))
    db.session.commit()
    broadcast = broadcasts.lifecycle.create({"sw": "Kwa wote."}, {}, send_at=datetime(2099, 1, 1, tzinfo=timezone.utc),
                                  officer_id=people["officers"]["admin"].id)
    prices.ensure_default_markets()
    catalogue.load_file()
    from models import Market, Tip

    market = db.session.execute(db.select(Market).filter_by(name="Migori")).scalar_one()
    tip = db.session.execute(db.select(Tip).order_by(Tip.id)).scalars().first()
    return {"incident": "MS-2A2A", "broadcast": broadcast.id, "market": market.id, "tip": tip.id}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(app, people, role):
    app.config["ENV_NAME"] = "production"
    records = _round_two_records(people)
    try:
        client = client_as(app, role)
        seen = {}
        for route, expected in MATRIX.items():
            url = route.format(migori=people["migori"].id, **records)
            seen[route] = (client.get(url).status_code, expected[ROLES.index(role)])
        wrong = {route: got for route, got in seen.items() if got[0] != got[1]}
        assert not wrong, f"{role}: (got, expected) {wrong}"
    finally:
        app.config["ENV_NAME"] = "development"


def test_anonymous_is_sent_to_sign_in_and_back(client, people):
    response = client.get("/dashboard/miners?county=Migori")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/dashboard/login?next=")
    page = client.get(response.headers["Location"])
    response = client.post(response.headers["Location"], data={
        "username": "ada", "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert response.headers["Location"] == "/dashboard/miners?county=Migori"


def test_sign_in_never_redirects_to_another_site(client, people):
    page = client.get("/dashboard/login")
    response = client.post("/dashboard/login?next=//evil.example/x", data={
        "username": "ada", "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert response.headers["Location"] == "/dashboard/"


def test_wrong_password_is_refused_and_audited(client, people):
    response = sign_in(client, "ada", "wrong password")
    assert response.status_code == 401
    assert "Jina la mtumiaji au nenosiri si sahihi" in response.get_data(as_text=True)  # default language: sw
    assert client.get("/dashboard/").status_code == 302
    sign_in(client, "nobody", "whatever")
    failures = db.session.execute(db.select(AuditEntry).filter_by(action="sign_in_failed")
                               .order_by(AuditEntry.id)).scalars().all()
    assert [(f.officer_username, f.officer_id is None) for f in failures] == [("ada", False), ("nobody", True)]


def test_forms_without_csrf_token_are_rejected(app, people):
    client = new_client(app)
    response = client.post("/dashboard/login", data={"username": "ada", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard/").status_code == 302  # not signed in

    admin = client_as(app, "admin")
    response = admin.post("/dashboard/officers", data={
        "username": "mallory", "password": "long enough pw", "role": "admin", "county": "", "locale": "en"})
    assert response.status_code == 400
    assert db.session.execute(db.select(Officer).filter_by(username="mallory")).scalar_one_or_none() is None
    response = admin.post("/dashboard/officers", data={
        "username": "mallory", "password": "long enough pw", "role": "admin", "csrf_token": "forged"})
    assert response.status_code == 400
    assert admin.post("/dashboard/logout").status_code == 400
    assert admin.get("/dashboard/").status_code == 200  # still signed in


def test_round_two_forms_without_csrf_token_are_rejected(app, people):
    """Every new form refuses a post without (or with a forged) CSRF token, and changes nothing."""
    from models import Broadcast, Incident, IncidentStatusChange, Price, Tip

    records = _round_two_records(people)
    admin = client_as(app, "admin")
    posts = {
        f"/dashboard/incidents/{records['incident']}/status": {"status": "resolved", "note": "x"},
        f"/dashboard/incidents/{records['incident']}/acknowledge": {},
        f"/dashboard/incidents/{records['incident']}/reporter": {"reason": "a long enough reason"},
        "/dashboard/broadcasts/new": {"step": "send", "text_sw": "Habari"},
        "/dashboard/broadcasts/estimate": {"county": "Migori"},
        f"/dashboard/broadcasts/{records['broadcast']}/cancel": {},
        "/dashboard/prices": {"market": records["market"], "kes_per_gram": "9000", "purity": "0.9"},
        "/dashboard/tips/new": {"topic": "x", "sw": "Habari", "en": "Hello"},
        f"/dashboard/tips/{records['tip']}/edit": {"topic": "x", "sw": "Habari", "en": "Hello"},
        f"/dashboard/tips/{records['tip']}/retire": {},
    }
    for path, data in posts.items():
        for token in ({}, {"csrf_token": "forged"}):
            assert admin.post(path, data={**data, **token}).status_code == 400, (path, token)
    assert db.session.execute(db.select(IncidentStatusChange)).first() is None
    assert db.session.execute(db.select(Incident)).scalar_one().status == "new"
    assert len(db.session.execute(db.select(Broadcast)).all()) == 1
    assert db.session.execute(db.select(Broadcast)).scalar_one().status == "scheduled"
    assert db.session.execute(db.select(Price)).first() is None
    assert db.session.execute(db.select(Tip).where(Tip.retired_at.is_not(None))).first() is None


def test_sign_in_is_rate_limited(app, people):
    app.extensions["redis"].flushdb()
    client = new_client(app)
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _attempt in range(limit):
        assert sign_in(client, "ada", "guessing").status_code == 401
    assert sign_in(client, "ada", "guessing").status_code == 429
    # Even the right password waits now: the limit is on attempts, not on guesses that fail.
    response = sign_in(client, "ada")
    assert response.status_code == 429
    assert "Majaribio mengi mno ya kuingia" in response.get_data(as_text=True)
    assert client.get("/dashboard/login").status_code == 200  # the page itself still opens


def test_successful_sign_ins_do_not_count_towards_the_limit(app, people):
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _attempt in range(limit + 2):
        client = new_client(app)
        assert sign_in(client, "ada").status_code == 302


def test_county_officer_sees_only_their_county(app, people):
    client = client_as(app, "county_officer")
    page = client.get("/dashboard/miners?county=Kakamega").get_data(as_text=True)
    assert "Akinyi Odhiambo" in page and "Barasa Wekesa" not in page
    overview = client.get("/dashboard/").get_data(as_text=True)
    assert "Migori" in overview and "Kakamega" not in overview
    csv_text = client.get("/dashboard/miners.csv?county=Kakamega").get_data(as_text=True)
    assert "Akinyi Odhiambo" in csv_text and "Barasa Wekesa" not in csv_text
    assert client.get(f"/dashboard/miners/{people['kakamega'].id}").status_code == 403


def test_search_by_name_site_and_county(app, people):
    make_miner("+254711000003", "Achieng 100%_Real", "Migori", "Osiri")
    client = client_as(app, "admin")

    def names(query):
        page = client.get("/dashboard/miners?" + query).get_data(as_text=True)
        return {n for n in ("Akinyi Odhiambo", "Barasa Wekesa", "Achieng 100%_Real") if n in page}

    assert names("q=akinyi") == {"Akinyi Odhiambo"}
    assert names("q=ROSTER") == {"Barasa Wekesa"}
    assert names("county=migori") == {"Akinyi Odhiambo", "Achieng 100%_Real"}
    assert names("site=osi") == {"Achieng 100%_Real"}
    assert names("q=%25_") == {"Achieng 100%_Real"}  # % and _ are literal, not wildcards
    assert names("q=nobody") == set()


def test_miners_are_paged(app, people):
    app.config["DASHBOARD_PAGE_SIZE"] = 2
    try:
        for n in range(3):
            make_miner(f"+25472200000{n}", f"Extra Miner {n}", "Migori", "Osiri", days_ago=n + 1)
        client = client_as(app, "admin")
        first = client.get("/dashboard/miners").get_data(as_text=True)
        assert "Page 1 of 3" in first and 'rel="next"' in first
        last = client.get("/dashboard/miners?page=3").get_data(as_text=True)
        assert "Extra Miner 2" in last and 'rel="next"' not in last
    finally:
        app.config["DASHBOARD_PAGE_SIZE"] = 25


def test_phone_numbers_are_masked_unless_admin(app, people):
    url = f"/dashboard/miners/{people['migori'].id}"
    viewer_page = client_as(app, "viewer").get(url).get_data(as_text=True)
    assert "+2547******01" in viewer_page and "+254711000001" not in viewer_page
    admin_page = client_as(app, "admin").get(url).get_data(as_text=True)
    assert "+254711000001" in admin_page
    viewer_csv = client_as(app, "viewer").get("/dashboard/miners.csv").get_data(as_text=True)
    assert "+254711000001" not in viewer_csv and "+2547******01" in viewer_csv
    assert "+254711000001" in client_as(app, "admin").get("/dashboard/miners.csv").get_data(as_text=True)


def test_csv_export_applies_filters_neutralises_formulas_and_is_audited(app, people):
    make_miner("+254711000009", "=HYPERLINK(\"x\")", "Migori", "@site")
    client = client_as(app, "admin")
    response = client.get("/dashboard/miners.csv?county=Migori")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("id,phone,name,county,site")
    assert len(lines) == 3  # header + 2 Migori miners
    assert "'=HYPERLINK" in lines[1] and "'@site" in lines[1]
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="export_miners")).scalar_one()
    assert entry.officer_username == "ada"
    assert entry.detail["filters"] == {"county": "Migori"} and entry.detail["rows"] == 2


def test_miner_page_shows_registration_and_no_messages_yet(app, people):
    page = client_as(app, "admin").get(f"/dashboard/miners/{people['migori'].id}").get_data(as_text=True)
    for text in ("Akinyi Odhiambo", "Macalder", "Migori", "Digger / miner", "Woman", "Kiswahili", "No messages."):
        assert text in page
    assert client_as(app, "admin").get("/dashboard/miners/999999").status_code == 404


def test_overview_counts_and_chart(app, people):
    make_miner("+254711000005", "Old Timer", "Migori", "Osiri", days_ago=200)
    page = client_as(app, "admin").get("/dashboard/").get_data(as_text=True)
    assert "<svg" in page and 'class="chart"' in page
    # 3 registered in all; 2 this week, and the chart's numbers table has 12 weeks.
    assert '<span class="number">3</span>' in page
    assert page.count('<td class="num">') >= 12 + 2


def test_admin_adds_and_disables_an_officer(app, people):
    admin = client_as(app, "admin")
    page = admin.get("/dashboard/officers")
    response = admin.post("/dashboard/officers", data={
        "username": "kiprop", "password": "a long password", "role": "officer", "county": "Narok",
        "phone": "0712 000 999", "locale": "sw", "csrf_token": csrf_token(page)})
    assert response.status_code == 302
    kiprop = db.session.execute(db.select(Officer).filter_by(username="kiprop")).scalar_one()
    assert (kiprop.role, kiprop.county, kiprop.phone) == ("officer", "Narok", "+254712000999")
    assert kiprop.check_password("a long password")

    their_client = client_as_user(app, "kiprop", "a long password")
    assert their_client.get("/dashboard/").status_code == 200

    page = admin.get("/dashboard/officers")
    response = admin.post(f"/dashboard/officers/{kiprop.id}/disable", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    db.session.refresh(kiprop)
    assert kiprop.disabled_at is not None
    # Signed out on their next request, and cannot sign in again.
    assert their_client.get("/dashboard/").status_code == 302
    assert sign_in(new_client(app), "kiprop", "a long password").status_code == 401
    actions = db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert "officer_added" in actions and "officer_disabled" in actions
    audit_page = admin.get("/dashboard/audit?action=officer_disabled").get_data(as_text=True)
    assert "kiprop" in audit_page


def client_as_user(app, username, password):
    client = new_client(app)
    assert sign_in(client, username, password).status_code == 302
    return client


def test_invalid_officer_form_shows_errors(app, people):
    admin = client_as(app, "admin")
    page = admin.get("/dashboard/officers")
    response = admin.post("/dashboard/officers", data={
        "username": "ada", "password": "short", "role": "officer", "phone": "12", "locale": "sw",
        "csrf_token": csrf_token(page)})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Not a phone number" in body and "at least 10" in body.lower()


def test_admin_cannot_disable_themselves(app, people):
    admin = client_as(app, "admin")
    page = admin.get("/dashboard/officers")
    admin.post(f"/dashboard/officers/{people['officers']['admin'].id}/disable", data={"csrf_token": csrf_token(page)})
    db.session.refresh(people["officers"]["admin"])
    assert people["officers"]["admin"].disabled_at is None


def test_session_expires(app, people):
    client = client_as(app, "viewer")
    assert client.get("/dashboard/").status_code == 200
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    app.config["PERMANENT_SESSION_LIFETIME"] = 1
    try:
        time.sleep(2.1)
        assert client.get("/dashboard/").status_code == 302
    finally:
        app.config["PERMANENT_SESSION_LIFETIME"] = lifetime


def test_session_cookie_is_permanent_and_http_only(app, people):
    client = new_client(app)
    response = sign_in(client, "vera")
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_out(app, people):
    client = client_as(app, "viewer")
    page = client.get("/dashboard/")
    assert client.post("/dashboard/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
    assert client.get("/dashboard/").status_code == 302
    assert "sign_out" in db.session.execute(db.select(AuditEntry.action)).scalars().all()


def test_language_follows_the_officer_and_can_be_switched(app, people):
    client = client_as(app, "viewer")  # locale en
    page = client.get("/dashboard/")
    assert "Registered miners" in page.get_data(as_text=True)
    client.post("/dashboard/locale", data={"locale": "sw", "next": "/dashboard/", "csrf_token": csrf_token(page)})
    swahili = client.get("/dashboard/").get_data(as_text=True)
    assert "Wachimbaji waliosajiliwa" in swahili and 'lang="sw"' in swahili
    db.session.refresh(people["officers"]["viewer"])
    assert people["officers"]["viewer"].locale == "sw"


def test_navigation_shows_only_what_the_role_may_open(app, people):
    viewer_page = client_as(app, "viewer").get("/dashboard/").get_data(as_text=True)
    admin_page = client_as(app, "admin").get("/dashboard/").get_data(as_text=True)
    for admin_only in ("/dashboard/officers", "/dashboard/audit", "/dashboard/queues"):
        assert admin_only not in viewer_page and admin_only in admin_page
    # Every page of round 2 is in everyone's menu (each page then shows only what the role may do).
    nav = viewer_page[viewer_page.index('<nav class="tabs"'):]
    nav = nav[:nav.index("</nav>")]
    for page in ("/dashboard/incidents", "/dashboard/broadcasts", "/dashboard/prices", "/dashboard/tips"):
        assert f'href="{page}"' in nav, page


def test_every_menu_entry_opens_a_registered_page(app):
    from dashboard import nav

    entries = nav.CORE + tuple(app.extensions["capabilities"].nav)
    missing = [entry.endpoint for entry in entries if entry.endpoint not in app.view_functions]
    assert not missing, f"menu entries without a page: {missing}"


def test_rq_dashboard_changes_need_a_request_from_this_site(app, people):
    from core import jobs

    jobs.queue(jobs.DEFAULT).enqueue("os.getcwd")
    admin = client_as(app, "admin")
    assert admin.post("/dashboard/rq/queue/default/compact").status_code == 403
    response = admin.post("/dashboard/rq/queue/default/compact", headers={"Origin": "http://localhost"})
    assert response.status_code == 200


def test_queue_page_shows_lengths_failures_and_missing_workers(app, people):
    from rq import SimpleWorker

    from core import jobs

    queue = jobs.queue(jobs.BULK)
    queue.enqueue("builtins.int", "+254711000001 is not a number")  # fails, with a phone number in the error
    SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)
    queue.enqueue("os.getcwd")  # waiting: no worker runs now
    page = client_as(app, "admin").get("/dashboard/queues").get_data(as_text=True)
    assert "No worker is running" in page
    assert "ValueError: invalid literal for int() with base 10: &#39;+2547******01 is not a number&#39;" in page
    assert "+254711000001" not in page
    assert "/dashboard/rq/" in page


def test_pages_send_security_headers(app, people):
    for client, url in ((new_client(app), "/dashboard/login"), (client_as(app, "admin"), "/dashboard/miners"),
                        (new_client(app), "/simulator/")):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"


def test_audit_records_the_address_behind_a_trusted_proxy(app_for_backend, people):
    from app import create_app

    proxied = create_app({**{k: app_for_backend.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL",
                                                                       "INSTANCE_PATH")},
                          "TESTING": True, "TRUSTED_PROXY_HOPS": 1})
    client = new_client(proxied)
    page = client.get("/dashboard/login")
    client.post("/dashboard/login", headers={"X-Forwarded-For": "41.90.1.2"},
                data={"username": "ada", "password": PASSWORD, "csrf_token": csrf_token(page)})
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="sign_in")).scalar_one()
    assert entry.ip == "41.90.1.2"


def test_overview_counts_how_ussd_sessions_ended(app, people):
    from models import UssdSessionOutcome

    for n, status in enumerate(["Success", "Success", "Incomplete", "Failed"]):
        db.session.add(UssdSessionOutcome(session_id=f"ATUid_{n}", phone="+254711000001", status=status))
    db.session.commit()
    page = client_as(app, "admin").get("/dashboard/").get_data(as_text=True)
    assert page.count("USSD sessions, last 7 days") == 1
    section = page[page.index("USSD sessions, last 7 days"):]
    numbers = [int(n) for n in __import__("re").findall(r'<span class="number">(\d+)</span>', section)[:3]]
    assert numbers == [2, 1, 1]
    # Sessions have no county: a county officer's overview leaves them out.
    assert "USSD sessions" not in client_as(app, "county_officer").get("/dashboard/").get_data(as_text=True)


def test_miner_page_shows_their_messages_both_ways(app, people):
    """The SMS core's outbound Message rows and the miner's InboundMessage rows, newest first,
    and nobody else's."""
    from datetime import timedelta

    from models import InboundMessage, Message, utcnow

    now = utcnow()
    migori, kakamega = people["migori"], people["kakamega"]
    db.session.add_all([
        Message(phone=migori.phone, miner_id=migori.id, purpose="welcome", text="Karibu Madini Salama",
                locale="sw", encoding="GSM-7", segments=1, status="delivered", created_at=now - timedelta(hours=2)),
        Message(phone=migori.phone, miner_id=None, purpose="incident_status", text="Ripoti MS-7K3Q imetatuliwa",
                locale="sw", encoding="GSM-7", segments=1, status="failed", failure_reason="InvalidPhoneNumber",
                created_at=now - timedelta(hours=1)),
        Message(phone=kakamega.phone, miner_id=kakamega.id, purpose="welcome", text="Not hers", locale="sw",
                encoding="GSM-7", segments=1, status="sent", created_at=now),
        InboundMessage(at_id="ATXid_1", phone=migori.phone, miner_id=migori.id, text="BEI Migori", keyword="BEI",
                       received_at=now - timedelta(minutes=30)),
    ])
    db.session.commit()
    page = client_as(app, "admin").get(f"/dashboard/miners/{migori.id}").get_data(as_text=True)
    assert "Not hers" not in page and "No messages." not in page
    assert page.index("BEI Migori") < page.index("Ripoti MS-7K3Q imetatuliwa") < page.index("Karibu Madini Salama")
    assert "From the miner" in page and "Delivered" in page and "InvalidPhoneNumber" in page


def test_capabilities_add_overview_panels_urgent_ones_first(app, people, monkeypatch):
    from core.capability import Capability, Panel

    seen = []

    def urgent(officer, county):
        seen.append((officer.username, county))
        return {"template": "dashboard/_panel_card.html", "title": "Urgent", "text": "2 open urgent incidents",
                "link": "/dashboard/miners", "link_label": "Open them", "css": "urgent"}

    registry = app.extensions["capabilities"]
    monkeypatch.setitem(app.extensions, "capabilities",
                        registry.with_capability(Capability("urgentish", panels=(Panel(urgent, order=10),))))
    page = client_as(app, "county_officer").get("/dashboard/").get_data(as_text=True)
    assert page.index("2 open urgent incidents") < page.index("Registered miners")
    assert seen == [("otieno", "Migori")]


def test_admin_sets_a_new_password_for_an_officer(app, people):
    admin = client_as(app, "admin")
    vera = people["officers"]["viewer"]
    page = admin.get("/dashboard/officers")
    short = admin.post(f"/dashboard/officers/{vera.id}/password",
                       data={"password": "short", "csrf_token": csrf_token(page)})
    assert short.status_code == 302 and sign_in(new_client(app), "vera").status_code == 302  # unchanged
    admin.post(f"/dashboard/officers/{vera.id}/password",
               data={"password": "a brand new secret", "csrf_token": csrf_token(page)})
    assert sign_in(new_client(app), "vera").status_code == 401
    assert sign_in(new_client(app), "vera", "a brand new secret").status_code == 302
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="officer_password_set")).scalar_one()
    assert (entry.officer_username, entry.target) == ("ada", "vera")
    viewer = client_as_user(app, "vera", "a brand new secret")
    page = viewer.get("/dashboard/")
    assert viewer.post(f"/dashboard/officers/{vera.id}/password",
                       data={"password": "x" * 12, "csrf_token": csrf_token(page)}).status_code == 403


def test_officers_change_their_own_password(app, people):
    client = client_as(app, "viewer")
    page = client.get("/dashboard/account")
    assert page.status_code == 200
    wrong = client.post("/dashboard/account", data={"current": "not it", "password": "a new long secret",
                                                    "confirm": "a new long secret", "csrf_token": csrf_token(page)})
    assert wrong.status_code == 400 and "That is not your current password" in wrong.get_data(as_text=True)
    differ = client.post("/dashboard/account", data={"current": PASSWORD, "password": "a new long secret",
                                                     "confirm": "another secret!", "csrf_token": csrf_token(page)})
    assert differ.status_code == 400 and "The two new passwords differ" in differ.get_data(as_text=True)
    done = client.post("/dashboard/account", data={"current": PASSWORD, "password": "a new long secret",
                                                   "confirm": "a new long secret", "csrf_token": csrf_token(page)})
    assert done.status_code == 302
    assert sign_in(new_client(app), "vera", "a new long secret").status_code == 302
    assert "password_changed" in db.session.execute(db.select(AuditEntry.action)).scalars().all()


def test_production_refuses_the_default_secret_key(app_for_backend):
    from app import create_app

    settings = {k: app_for_backend.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_PATH")}
    safe = {"ENV_NAME": "production", "CALLBACK_TOKEN": "c4llback-t0ken-from-the-vault", "AT_API_KEY": "atsk_live",
            "AT_API_URL": "https://api.africastalking.com/version1"}
    for secret in ("dev-only-change-me", "x", "x" * 40):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app({**settings, **safe, "SECRET_KEY": secret})
    production = create_app({**settings, **safe, "SECRET_KEY": "Vq3-long_random_secret_key_for_tests_0123456789"})
    assert new_client(production).get("/dashboard/login").status_code == 200
