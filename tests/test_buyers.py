"""Licensed gold buyers (issue 16 item 2): the directory, what miners see (USSD 6 -> 2, SMS
BUYER/MNUNUZI), the details by SMS, "report a buyer", and the officers' doors (API,
dashboard, CLI) with the county rule and the audit log."""
from datetime import timedelta

import pytest

from buyers import rules, service, texts
from models import ApiToken, AuditEntry, Buyer, Incident, Message, db
from prices import publishing as prices
from tests.conftest import Phone
from tests.dashboard_helpers import csrf_token, make_miner, make_officers, new_client, sign_in
from tests.sms_support import fake_at, live_url, run_jobs, sms_app  # noqa: F401  (fixtures)

MIGORI_PHONE = "+254712300077"


def _fields(**overrides):
    fields = {"name": "Otieno Gold Traders", "licence_number": "MDL/2024/0153",
              "licence_expires": (rules.today() + timedelta(days=200)).isoformat(), "county": "Migori",
              "market": "Osiri", "phone": "0712345001"}
    return fields | overrides


def _add(**overrides):
    return service.create(None, _fields(**overrides), by="test")


def _expired(**overrides):
    """A buyer whose licence ended yesterday (added, then its date moved back, as time does)."""
    buyer = _add(**overrides)
    buyer.licence_expires = rules.today() - timedelta(days=1)
    db.session.commit()
    service.changed()
    return buyer


def _migori_directory():
    prices.ensure_default_markets()
    prices.publish(None, prices.market_named("Migori"), "9850", "0.9", source="test", by="test")
    _add(name="Otieno Gold Traders", licence_number="MDL/2024/0153", phone="0712345001", market="Osiri")
    _add(name="Akinyi Minerals", licence_number="MDL/2025/0007", phone="0722345002", market="Macalder")
    _expired(name="Ouma Old Licence", licence_number="MDL/2019/0999", phone="0733345003", market="Osiri")
    _add(name="Kakamega Buyer", licence_number="MDL/2024/0500", phone="0744345004", county="Kakamega",
         market="Rosterman")


# --- rules ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, stored", [("mdl/2024/0153", "MDL/2024/0153"), (" DL-MIG-017 ", "DL-MIG-017"),
                                         ("ML 2023 44", "ML 2023 44"), ("12345", "12345")])
def test_licence_numbers_accepted(raw, stored):
    assert rules.licence_number(raw) == stored


@pytest.mark.parametrize("raw", ["", "AB", "NO-NUMBER", "MDL//2024", "MDL/2024/", "#123", "MDL 2024 ü1",
                                 "X" * 29 + "12", None, 153])
def test_malformed_licence_numbers_name_the_field(raw):
    with pytest.raises(rules.BuyerInvalid) as caught:
        rules.licence_number(raw)
    assert caught.value.field == "licence_number"


@pytest.mark.parametrize("raw", ["0712", "07123456789999", "phone", "+2541", "", None, "+254 000 000 000"])
def test_malformed_phones_name_the_field(raw):
    with pytest.raises(rules.BuyerInvalid) as caught:
        rules.phone(raw)
    assert caught.value.field == "phone"


def test_phones_are_stored_e164():
    assert rules.phone("0712 345 678") == "+254712345678"
    assert rules.phone("254712345678") == "+254712345678"


def test_expired_licence_not_listed_but_valid_through_its_day():
    today = rules.today()
    assert rules.is_listed(today, today)
    assert not rules.is_listed(today - timedelta(days=1), today)
    assert rules.is_expiring(today + timedelta(days=30), today)
    assert not rules.is_expiring(today + timedelta(days=31), today)


def test_guide_price_is_one_gram_at_90_percent_of_pure():
    board = {"markets": [{"id": 1, "name": "Migori", "county": "Migori", "prices": [
        {"kes": "9000", "purity": "0.8", "pure": "11250.00", "observed": "2026-11-30T08:00:00+00:00"}]}]}
    guide = texts.guide_price(board, "migori")
    assert guide["kes"] == 10125 and str(guide["day"]) == "2026-11-30"
    assert texts.guide_words(guide, "Migori", "en", guide["day"]) == "Guide price 1 g 90% today: KES 10,125"
    assert texts.guide_price(board, "Kakamega") is None


# --- what miners see: USSD 6 -> 2 -----------------------------------------------------------

def test_migori_miner_finds_two_licensed_buyers_with_todays_price_expired_one_hidden(app, client):
    _migori_directory()
    make_miner(MIGORI_PHONE, "Amina Achieng", "Migori", "Osiri")
    phone = Phone(client, MIGORI_PHONE)
    phone.dial()
    more = phone.send("6")
    assert "2 Wanunuzi halali" in more
    screen = phone.send("2")
    assert screen.startswith("CON Migori: Bei elekezi 1g 90% leo: KES 9,850\n")  # the Migori price is at 90%
    assert "1 Akinyi Minerals (Macalder)" in screen and "2 Otieno Gold Traders (Osiri)" in screen
    assert "Ouma" not in screen and "Kakamega" not in screen
    assert "3 Ripoti mnunuzi" in screen and "4 Kaunti nyingine" in screen
    details = phone.send("2")
    assert "Otieno Gold Traders, Osiri" in details and "0712345001" in details and "MDL/2024/0153" in details
    assert "1 Nitumie kwa SMS" in details and "2 Ripoti mnunuzi huyu" in details
    done = phone.send("1")
    assert done.startswith("END ")
    # The last hop only queued a job; the job stores the SMS with the details.
    assert db.session.execute(db.select(Message).filter_by(purpose="buyer_details")).first() is None
    run_jobs(app, queues=["replies"], max_jobs=1)
    message = db.session.execute(db.select(Message).filter_by(purpose="buyer_details")).scalar_one()
    assert message.phone == MIGORI_PHONE
    assert "Otieno Gold Traders" in message.text and "0712345001" in message.text
    assert "KES 9,850" in message.text and len(message.text) <= 160


def test_unregistered_caller_picks_a_county(app, client):
    _migori_directory()
    phone = Phone(client, "+254712300088")
    phone.dial()
    phone.send("6")
    picker = phone.send("2")
    assert picker.startswith("CON Wanunuzi wa kaunti gani?")
    assert "1 Migori" in picker
    screen = phone.send("1")
    assert "Otieno Gold Traders" in screen


def test_a_buyer_that_expires_is_dropped_without_a_rebuild(app, client):
    _migori_directory()
    buyer = db.session.execute(db.select(Buyer).filter_by(licence_number="MDL/2025/0007")).scalar_one()
    snapshot = service.SNAPSHOT.get()
    entry = next(b for b in snapshot["buyers"] if b["id"] == buyer.id)
    entry["expires"] = (rules.today() - timedelta(days=1)).isoformat()  # as if the day had turned
    shown = texts.listed(snapshot, "Migori", rules.today())
    assert [b["name"] for b in shown] == ["Otieno Gold Traders"]


def test_report_a_buyer_files_a_non_urgent_market_incident(app, client):
    _migori_directory()
    make_officers()
    make_miner(MIGORI_PHONE, "Amina Achieng", "Migori", "Osiri")
    phone = Phone(client, MIGORI_PHONE)
    phone.dial("6*2")
    phone.send("2")  # Otieno Gold Traders
    why = phone.send("2")  # report this buyer
    assert "1 Mizani ya uongo" in why
    confirm = phone.send("1")
    assert "Otieno Gold Traders" in confirm
    end = phone.send("1")
    incident = db.session.execute(db.select(Incident)).scalar_one()
    assert end.startswith("END ") and incident.reference in end
    assert incident.category == "MARKET" and not incident.urgent
    assert incident.county == "Migori" and "false scale" in incident.description
    assert "MDL/2024/0153" in incident.description
    run_jobs(app)
    purposes = [m.purpose for m in db.session.execute(db.select(Message)).scalars()]
    assert "incident_alert" not in purposes  # nobody is paged for a buyer report
    assert purposes == ["incident_receipt"]


def test_report_an_unlisted_buyer(app, client):
    _migori_directory()
    phone = Phone(client, "+254712300099")
    phone.dial("6*2*1")  # county picker: Migori
    phone.send("3")  # report a buyer
    phone.send("Mzee Kassim sokoni")
    phone.send("3")  # no licence
    phone.send("1")
    incident = db.session.execute(db.select(Incident)).scalar_one()
    assert incident.category == "MARKET" and "no licence" in incident.description
    assert "Mzee Kassim sokoni" in incident.description


# --- SMS BUYER / MNUNUZI ------------------------------------------------------------------

def test_sms_keyword_lists_the_county_buyers(app):
    _migori_directory()
    reply = service.county_reply("+254700000001", "migori", "sw")
    assert "Otieno Gold Traders" in reply and "Akinyi Minerals" in reply and "Ouma" not in reply
    assert "KES 9,850" in reply and len(reply) <= 160
    make_miner(MIGORI_PHONE, "Amina", "Migori", "Osiri")
    assert service.county_reply(MIGORI_PHONE, "", "en") .startswith("Madini Salama: licensed gold buyers in Migori")
    assert "BUYER Migori" in service.county_reply("+254700000001", "", "en")
    assert "no county Atlantis" in service.county_reply("+254700000001", "Atlantis", "en")


# --- officers: API ------------------------------------------------------------------------

def _token(officer):
    token = ApiToken.issue(officer)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_create_validate_scope_and_audit(app, client):
    officers = make_officers()
    county, other, viewer = (_token(officers[k]) for k in ("county_officer", "other_county_officer", "viewer"))
    created = client.post("/api/v1/buyers", json=_fields(), headers=county)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["id"] and body["listed"] and body["phone"] == "+254712345001"
    bad = client.post("/api/v1/buyers", json=_fields(licence_number="??"), headers=county)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_licence_number"
    bad = client.post("/api/v1/buyers", json=_fields(licence_number="MDL/1", phone="12"), headers=county)
    assert bad.status_code == 400 and bad.get_json()["error"]["message"].startswith("phone:")
    duplicate = client.post("/api/v1/buyers", json=_fields(), headers=county)
    assert duplicate.status_code == 409 and "licence_number" in duplicate.get_json()["error"]["message"]
    outside = client.post("/api/v1/buyers", json=_fields(licence_number="KK/1", county="Kakamega"), headers=county)
    assert outside.status_code == 403
    assert client.post("/api/v1/buyers", json=_fields(licence_number="VV/1"), headers=viewer).status_code == 403
    assert client.get(f"/api/v1/buyers/{body['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/buyers", headers=other).get_json()["total"] == 0
    assert client.get("/api/v1/buyers", headers=viewer).get_json()["total"] == 1
    patched = client.patch(f"/api/v1/buyers/{body['id']}", json={"licence_expires": "2030-01-31"}, headers=county)
    assert patched.status_code == 200 and patched.get_json()["licence_expires"] == "2030-01-31"
    assert client.patch(f"/api/v1/buyers/{body['id']}", json={"county": "Kakamega"}, headers=county).status_code == 403
    assert client.patch(f"/api/v1/buyers/{body['id']}", json={"colour": "red"}, headers=county).status_code == 400
    assert client.delete(f"/api/v1/buyers/{body['id']}", headers=other).status_code == 404
    assert client.delete(f"/api/v1/buyers/{body['id']}", headers=county).status_code == 204
    actions = [a.action for a in db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert actions == ["buyer_added", "buyer_edited", "buyer_deleted"]
    assert all("0712345001" not in str(a.detail) and "+254712345001" not in str(a.detail)
               for a in db.session.execute(db.select(AuditEntry)).scalars())


def test_api_expiring_filter(app, client):
    admin = _token(make_officers()["admin"])
    _add(licence_number="SOON/1", licence_expires=(rules.today() + timedelta(days=10)).isoformat())
    _add(licence_number="LATER/1")
    _expired(licence_number="GONE/1")
    listed = client.get("/api/v1/buyers?status=expiring", headers=admin).get_json()
    assert [b["licence_number"] for b in listed["items"]] == ["SOON/1"]
    assert client.get("/api/v1/buyers?status=listed", headers=admin).get_json()["total"] == 2
    assert client.get("/api/v1/buyers?status=nonsense", headers=admin).status_code == 400


# --- officers: dashboard, CLI, panel -------------------------------------------------------

def test_dashboard_pages(app):
    make_officers()
    _add(licence_number="SOON/1", licence_expires=(rules.today() + timedelta(days=10)).isoformat())
    _add(licence_number="KK/1", county="Kakamega", name="Kakamega Buyer")
    browser = new_client(app)
    sign_in(browser, "otieno")  # the Migori officer
    page = browser.get("/dashboard/buyers/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "SOON/1" in html and "Kakamega Buyer" not in html
    assert "1 licence expires within 30 days" in html
    assert "SOON/1" in browser.get("/dashboard/buyers/expiring").get_data(as_text=True)
    form = browser.get("/dashboard/buyers/new")
    token = csrf_token(form)
    bad = browser.post("/dashboard/buyers/new", data=_fields(licence_number="MDL/9", phone="12") | {"csrf_token": token})
    assert bad.status_code == 400 and "Not accepted: not a" in bad.get_data(as_text=True)
    added = browser.post("/dashboard/buyers/new", data=_fields(licence_number="MDL/9") | {"csrf_token": token})
    assert added.status_code == 302
    buyer = db.session.execute(db.select(Buyer).filter_by(licence_number="MDL/9")).scalar_one()
    buyer_id = buyer.id
    edit = browser.get(f"/dashboard/buyers/{buyer_id}/edit")
    saved = browser.post(f"/dashboard/buyers/{buyer_id}/edit",
                         data=_fields(licence_number="MDL/9", market="Macalder") | {"csrf_token": csrf_token(edit)})
    assert saved.status_code == 302
    kakamega = db.session.execute(db.select(Buyer).filter_by(licence_number="KK/1")).scalar_one()
    assert browser.get(f"/dashboard/buyers/{kakamega.id}/edit").status_code == 404
    assert browser.post(f"/dashboard/buyers/{buyer_id}/delete", data={}).status_code == 400  # no CSRF token
    deleted = browser.post(f"/dashboard/buyers/{buyer_id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    buyer_id = buyer.id
    db.session.expunge_all()
    assert db.session.get(Buyer, buyer_id) is None
    viewer = new_client(app)
    sign_in(viewer, "vera")
    assert viewer.get("/dashboard/buyers/new").status_code == 403
    assert new_client(app).get("/dashboard/buyers/").status_code == 302  # not signed in
    overview = browser.get("/dashboard/").get_data(as_text=True)
    assert "buyer listed for miners" in overview or "buyers listed for miners" in overview


def test_cli_add_list_and_scope(app, runner):
    make_officers()
    result = runner.invoke(args=["buyers", "add", "--name", "Otieno Gold", "--licence-number", "mdl/1",
                                 "--licence-expires", "2030-01-01", "--county", "Migori", "--market", "Osiri",
                                 "--phone", "0712345001"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["buyers", "add", "--name", "X Y", "--licence-number", "??",
                              "--licence-expires", "2030-01-01", "--county", "Migori", "--market", "Osiri",
                              "--phone", "0712345001"])
    assert bad.exit_code != 0 and "licence_number" in bad.output
    listed = runner.invoke(args=["buyers", "list"])
    assert "MDL/1" in listed.output and "0712345001" not in listed.output  # phones masked
    outside = runner.invoke(args=["buyers", "delete", "1", "--as", "wanjiku"])
    assert outside.exit_code != 0
    audit = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert audit.action == "buyer_added" and audit.officer_username == "cli"
