"""Permits and groups through the real doors: USSD (/ussd), SMS (/sms/inbound with a real
worker and the fake gateway), the API and the dashboard. The issue's check: a Migori miner
asks for a call back by USSD and the Migori officer sees it in the dashboard; an officer of
another county does not."""
import re

import pytest

from models import ApiToken, AuditEntry, Message, db
from models.permit import CallbackRequest
from permits import callbacks, contacts
from tests.conftest import Phone
from tests.dashboard_helpers import csrf_token, make_officers, new_client, sign_in
from tests.sms_support import _fake_server, _live_servers, add_miner, fake_at, live_url, run_jobs, sms_app  # noqa: F401
from tests.test_sms_inbound import converse

MIGORI_MINER = "+254711000001"


@pytest.fixture
def officers(app):
    rows = make_officers()
    rows["county_officer"].phone = "+254722000111"
    rows["other_county_officer"].phone = "+254722000222"
    db.session.commit()
    return rows


def _to_permits(phone):
    screen = phone.dial()
    assert "6 Huduma zaidi" in screen
    screen = phone.send("6")
    assert "3 Leseni na vikundi" in screen
    return phone.send("3")


def test_migori_miner_asks_by_ussd_and_only_the_migori_officer_sees_it(app, officers):
    add_miner(MIGORI_MINER, county="Migori", name="Akinyi")
    phone = Phone(app.test_client(), MIGORI_MINER)
    screen = _to_permits(phone)
    assert screen.startswith("CON Leseni na vikundi:") and "4 Afisa anipigie" in screen
    screen = phone.send("4")
    assert "Afisa wa Migori atakupigia kwa nambari hii" in screen and "1 Ndiyo, nipigie" in screen
    screen = phone.send("1")
    assert screen.startswith("END Asante. Afisa wa Migori atakupigia")
    request = db.session.execute(db.select(CallbackRequest)).scalar_one()
    assert (request.phone, request.county, request.channel, request.status) == (MIGORI_MINER, "Migori", "ussd", "open")
    # The county's officers are told by SMS, from a job.
    run_jobs(app)
    told = db.session.execute(db.select(Message).filter_by(purpose="permit_callback")).scalars().all()
    assert [m.phone for m in told] == ["+254722000111"] and "0711 000001" in told[0].text

    migori = new_client(app)
    sign_in(migori, "otieno")
    page = migori.get("/dashboard/callbacks/").get_data(as_text=True)
    assert f"CB{request.id}" in page and MIGORI_MINER in page
    overview = migori.get("/dashboard/").get_data(as_text=True)
    assert "Open call-backs: 1" in overview

    kakamega = new_client(app)
    sign_in(kakamega, "wanjiku")
    page = kakamega.get("/dashboard/callbacks/").get_data(as_text=True)
    assert f"CB{request.id}" not in page and MIGORI_MINER not in page
    assert "Open call-backs: 0" in kakamega.get("/dashboard/").get_data(as_text=True)
    refused = kakamega.post(f"/dashboard/callbacks/{request.id}",
                            data={"csrf_token": csrf_token(kakamega.get("/dashboard/callbacks/")),
                                  f"cb{request.id}-status": "called"})
    assert refused.status_code == 403

    # Asking again: no second request, and the miner is told so.
    again = Phone(app.test_client(), MIGORI_MINER)
    _to_permits(again)
    again.send("4")
    assert again.send("1").startswith("END Tayari uliomba kupigiwa.")
    assert db.session.execute(db.select(db.func.count()).select_from(CallbackRequest)).scalar_one() == 1


def test_the_officer_marks_it_called_then_done_in_the_dashboard(app, officers):
    request, _ = callbacks.request_callback(MIGORI_MINER, "Migori")
    client = new_client(app)
    sign_in(client, "otieno")
    page = client.get("/dashboard/callbacks/")
    done = client.post(f"/dashboard/callbacks/{request.id}",
                       data={"csrf_token": csrf_token(page), f"cb{request.id}-status": "done"})
    assert done.status_code == 400 and "say in a note" in done.get_data(as_text=True)
    called = client.post(f"/dashboard/callbacks/{request.id}?status=active",
                         data={"csrf_token": csrf_token(page), f"cb{request.id}-status": "called"})
    assert called.status_code == 302
    done = client.post(f"/dashboard/callbacks/{request.id}",
                       data={"csrf_token": csrf_token(page), f"cb{request.id}-status": "done",
                             f"cb{request.id}-note": "Told her the permit steps."}, follow_redirects=True)
    assert done.status_code == 200 and "Done" in done.get_data(as_text=True)
    db.session.expire_all()  # changed by the client's own app context
    assert db.session.get(CallbackRequest, request.id).status == "done"
    assert [e.detail["to"] for e in db.session.execute(
        db.select(AuditEntry).filter_by(action="callback_status").order_by(AuditEntry.id)).scalars()] == [
        "called", "done"]
    no_csrf = client.post(f"/dashboard/callbacks/{request.id}", data={f"cb{request.id}-status": "done"})
    assert no_csrf.status_code == 400
    viewer = new_client(app)
    sign_in(viewer, "vera")
    page = viewer.get("/dashboard/callbacks/?status=all").get_data(as_text=True)
    assert "+2547******01" in page and MIGORI_MINER not in page and "<form method=\"post\" action=\"/dashboard/callbacks/" not in page


def test_an_admin_flags_the_county_contact_in_the_dashboard(app, officers):
    client = new_client(app)
    sign_in(client, "ada")
    page = client.get("/dashboard/callbacks/")
    bad = client.post("/dashboard/callbacks/contacts", data={"csrf_token": csrf_token(page), "username": "vera"})
    assert bad.status_code == 400 and "needs a county and a phone" in bad.get_data(as_text=True)
    ok = client.post("/dashboard/callbacks/contacts", data={"csrf_token": csrf_token(page), "username": "otieno",
                                                              "office": "Migori town, county offices"})
    assert ok.status_code == 302
    assert contacts.contact_for("Migori")["office"] == "Migori town, county offices"
    officer = new_client(app)
    sign_in(officer, "otieno")
    assert officer.post("/dashboard/callbacks/contacts", data={
        "csrf_token": csrf_token(officer.get("/dashboard/callbacks/")), "username": "otieno"}).status_code == 403
    # A caller with no county picks one, then reads the office's contact.
    phone = Phone(app.test_client(), "+254711000077")
    _to_permits(phone)
    assert "Unachimba katika kaunti gani?" in phone.send("3")
    screen = phone.send("1")  # Migori, the first county
    assert "Ofisi ya madini ya kaunti ya Migori: Migori town, county offices. Simu 0722 000111." in screen


def test_api_lists_by_county_and_patches_with_audit(app, officers, client):
    mine, _ = callbacks.request_callback(MIGORI_MINER, "Migori")
    other, _ = callbacks.request_callback("+254711000002", "Kakamega", topic="group")
    tokens = {key: ApiToken.issue(officers[key]) for key in ("county_officer", "viewer", "admin")}
    db.session.commit()

    def call(method, path, key, **kwargs):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {tokens[key]}"}, **kwargs)

    listed = call("GET", "/api/v1/callbacks", "county_officer").get_json()
    assert listed["total"] == 1 and listed["items"][0]["phone"] == MIGORI_MINER
    assert listed["items"][0]["reference"] == f"CB{mine.id}" and listed["items"][0]["status"] == "open"
    assert call("GET", "/api/v1/callbacks?county=Kakamega", "county_officer").status_code == 403
    assert call("GET", "/api/v1/callbacks", "admin").get_json()["total"] == 2
    assert call("GET", "/api/v1/callbacks", "viewer").get_json()["items"][0]["phone"].startswith("+2547******")
    bad = call("GET", "/api/v1/callbacks?status=closed", "admin")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "bad_status"
    assert client.get("/api/v1/callbacks").status_code == 401

    assert call("PATCH", f"/api/v1/callbacks/{other.id}", "county_officer", json={"status": "called"}).status_code == 403
    assert call("PATCH", f"/api/v1/callbacks/{mine.id}", "viewer", json={"status": "called"}).status_code == 403
    assert call("PATCH", "/api/v1/callbacks/999999", "county_officer", json={"status": "called"}).status_code == 404
    for body, code in [({"status": "maybe"}, "bad_status"), ({"status": "done"}, "bad_note"),
                       ({"status": "called", "note": 5}, "bad_note"), ({"status": "called", "x": 1}, "bad_x"),
                       ("not json", "bad_json")]:
        answer = call("PATCH", f"/api/v1/callbacks/{mine.id}", "county_officer",
                      **({"json": body} if isinstance(body, dict) else {"data": body}))
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == code, (body, answer.get_json())
    called = call("PATCH", f"/api/v1/callbacks/{mine.id}", "county_officer", json={"status": "called", "note": "No answer"})
    assert called.status_code == 200 and called.get_json()["status"] == "called"
    assert called.get_json()["handled_by"] == "otieno"
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="callback_status")).scalar_one()
    assert entry.target == f"CB{mine.id}" and entry.officer_username == "otieno"

    description = client.get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/callbacks", "/api/v1/callbacks/{callback_id}"} <= set(description["paths"])
    assert "Callback" in description["components"]["schemas"]


def test_sms_permit_and_call_back(app, officers, client, fake_at):
    add_miner(MIGORI_MINER, county="Migori", name="Akinyi")
    [reply] = converse(client, app, fake_at, "leseni")
    assert reply.startswith("Madini Salama: Leseni: 1) Jiunge") and "Tuma LESENI PIGA" in reply
    [reply] = converse(client, app, fake_at, "LESENI PIGA")
    assert "afisa wa Migori atakupigia" in reply
    [reply] = converse(client, app, fake_at, "Leseni piga")
    assert "tayari uliomba kupigiwa" in reply
    assert db.session.execute(db.select(db.func.count()).select_from(CallbackRequest)).scalar_one() == 1
    officer_sms = [m["text"] for m in fake_at.messages("+254722000111")]
    assert len(officer_sms) == 1 and re.search(r"CB\d+", officer_sms[0])
    [reply] = converse(client, app, fake_at, "PERMIT", phone="+254711000055")
    assert "PERMIT CALL" in reply


def test_cli_lists_and_marks_with_the_county_rule(app, officers, runner):
    request, _ = callbacks.request_callback(MIGORI_MINER, "Migori")
    out = runner.invoke(args=["permits", "callbacks", "--as", "otieno"])
    assert out.exit_code == 0 and f"CB{request.id}" in out.output
    out = runner.invoke(args=["permits", "callbacks", "--as", "wanjiku"])
    assert "No call-backs." in out.output
    out = runner.invoke(args=["permits", "mark", str(request.id), "called", "--as", "wanjiku"])
    assert out.exit_code != 0 and "outside your county" in out.output
    out = runner.invoke(args=["permits", "mark", str(request.id), "called", "--as", "otieno"])
    assert out.exit_code == 0, out.output
    assert db.session.execute(db.select(AuditEntry.officer_username).filter_by(action="callback_status")).scalar_one() \
        == "otieno"
    out = runner.invoke(args=["permits", "contact", "set", "otieno", "--office", "Migori town"])
    assert out.exit_code == 0 and contacts.contact_for("Migori")["phone"] == "0722 000111"
