"""Dashboard broadcasts: compose with server-side counts, the audience's recipients and cost,
a confirm step, sending through broadcasts.actions (to the real fake gateway, by a real RQ worker
in burst mode), the progress page that refreshes itself until done, cancel, county scoping."""
import re

from models import AuditEntry, Broadcast, Message, db
from tests.dashboard_helpers import csrf_token, make_officers
from tests.sms_support import (_fake_server, _live_servers, add_miner, fake_at, live_url,  # noqa: F401
                               run_jobs, sms_app)
from tests.test_dashboard import client_as

LONG_SW = "Tahadhari: mvua kubwa leo usiku. Msiingie mashimoni hadi maji yapungue. " * 3


def _people():
    officers = make_officers()
    add_miner("+254711000001", county="Migori", locale="sw")
    add_miner("+254711000002", county="Migori", locale="en")
    add_miner("+254711000003", county="Kakamega", locale="sw")
    add_miner("+254711000004", county="Migori", locale="sw", opted_out=True)
    return officers


def _form(page, **values):
    data = {"csrf_token": csrf_token(page), "text_sw": "", "text_en": "", "county": "", "site": "", "role": "",
            "gender": "", "language": "", "registered_after": "", "registered_before": "", "send_at": ""}
    data.update(values)
    return data


def test_preview_counts_characters_encoding_parts_recipients_and_cost(app):
    _people()
    client = client_as(app, "admin")
    page = client.get("/dashboard/broadcasts/new")
    assert page.status_code == 200 and 'id="counter-sw"' in page.get_data(as_text=True)
    response = client.post("/dashboard/broadcasts/new", data=_form(
        page, step="preview", text_sw=LONG_SW, text_en="Heavy rain tonight \U0001F327", county="Migori"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Characters: 215 · GSM-7 · SMS parts: 2" in body  # spaces collapsed, as it will be sent
    assert "UCS-2 · SMS parts: 1" in body and "\U0001F327" in body
    assert "Recipients: 2" in body  # the opted-out Migori miner is excluded, Kakamega is not in the audience
    assert "not receiving SMS (no consent, stopped, unreachable): 1" in body
    assert "KES 2.40" in body  # sw: 1 miner x 2 parts + en: 1 x 1 part, at 0.80


def test_the_live_estimate_is_the_same_count(app):
    _people()
    client = client_as(app, "admin")
    page = client.get("/dashboard/broadcasts/new")
    reply = client.post("/dashboard/broadcasts/estimate", data=_form(page, county="Migori", language="sw"),
                        headers={"Accept": "application/json"})
    assert reply.status_code == 200 and reply.get_json()["recipients"] == 1
    assert client.post("/dashboard/broadcasts/estimate", data={"county": "Migori"}).status_code == 400  # no CSRF


def test_empty_message_is_refused_with_the_reason(app):
    _people()
    client = client_as(app, "admin")
    page = client.get("/dashboard/broadcasts/new")
    response = client.post("/dashboard/broadcasts/new", data=_form(page, step="confirm"))
    assert response.status_code == 400 and "at least one language" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Broadcast)).first() is None


def test_compose_confirm_send_and_watch_it_finish(app, fake_at):
    _people()
    client = client_as(app, "county_officer")
    page = client.get("/dashboard/broadcasts/new")
    # A county officer's audience is their county, whatever the form says.
    confirm = client.post("/dashboard/broadcasts/new", data=_form(
        page, step="confirm", text_sw="Tahadhari: mvua kubwa leo.", text_en="Alert: heavy rain today.",
        county="Kakamega", urgent="y"))
    body = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Send to 2 miners" in body and "County: Migori" in body
    assert db.session.execute(db.select(Broadcast)).first() is None  # nothing sent before confirming
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', body))
    sent = client.post("/dashboard/broadcasts/new", data={**hidden, "csrf_token": csrf_token(confirm), "step": "send"})
    assert sent.status_code == 302
    broadcast = db.session.execute(db.select(Broadcast)).scalar_one()
    assert sent.headers["Location"] == f"/dashboard/broadcasts/{broadcast.id}"
    assert broadcast.audience == {"county": ["Migori"]} and broadcast.urgent
    progress = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in progress
    run_jobs(app)  # a real RQ worker in burst mode, sending to the fake gateway
    done = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Finished" in done and '<meta http-equiv="refresh"' not in done
    assert re.search(r'<span class="number">2</span><span class="label">Sent', done)
    texts = {m["text"] for number in ("+254711000001", "+254711000002") for m in fake_at.messages(number)}
    assert texts == {"Tahadhari: mvua kubwa leo.", "Alert: heavy rain today."}
    assert fake_at.messages("+254711000003") == [] and fake_at.messages("+254711000004") == []
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="broadcast_created")).scalar_one()
    assert entry.officer_username == "otieno" and entry.detail["recipients"] == 2
    listing = client.get("/dashboard/broadcasts").get_data(as_text=True)
    assert f"#{broadcast.id}" in listing and "2 of 2 handled" in listing


def test_cancel_a_scheduled_broadcast(app):
    _people()
    client = client_as(app, "admin")
    page = client.get("/dashboard/broadcasts/new")
    response = client.post("/dashboard/broadcasts/new", data=_form(
        page, step="send", text_sw="Mkutano kesho saa nne.", send_at="2099-01-01T10:00"))
    broadcast = db.session.execute(db.select(Broadcast)).scalar_one()
    assert response.status_code == 302 and broadcast.send_at.year == 2099
    progress = client.get(f"/dashboard/broadcasts/{broadcast.id}")
    assert "Cancel the broadcast" in progress.get_data(as_text=True)
    assert client.post(f"/dashboard/broadcasts/{broadcast.id}/cancel", data={}).status_code == 400  # CSRF
    cancelled = client.post(f"/dashboard/broadcasts/{broadcast.id}/cancel",
                            data={"csrf_token": csrf_token(progress)})
    assert cancelled.status_code == 302
    assert db.session.get(Broadcast, broadcast.id, populate_existing=True).status == "cancelled"
    assert db.session.execute(db.select(AuditEntry).filter_by(action="broadcast_cancelled")).scalar_one()
    assert db.session.execute(db.select(Message)).first() is None


def test_broadcasts_of_others_are_out_of_a_county_officers_reach(app):
    _people()
    admin = client_as(app, "admin")
    page = admin.get("/dashboard/broadcasts/new")
    admin.post("/dashboard/broadcasts/new", data=_form(page, step="send", text_sw="Kwa wote.",
                                                        send_at="2099-01-01T10:00"))
    broadcast = db.session.execute(db.select(Broadcast)).scalar_one()
    officer = client_as(app, "county_officer")
    assert officer.get(f"/dashboard/broadcasts/{broadcast.id}").status_code == 403
    assert f"#{broadcast.id}" not in officer.get("/dashboard/broadcasts").get_data(as_text=True)
    viewer = client_as(app, "viewer")
    assert viewer.get(f"/dashboard/broadcasts/{broadcast.id}").status_code == 200
    assert viewer.get("/dashboard/broadcasts/new").status_code == 403
