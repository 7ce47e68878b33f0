"""Officers: CLI to add them and issue tokens; the API's auth, roles, county scoping and masking;
/healthz."""
import redis as redis_lib

from miners.registration import register
from models import Miner, Officer, db


def add_officer(runner, username, role, county=None, phone=None):
    args = ["officer", "add", username, "--role", role, "--password", "correct horse"]
    if county:
        args += ["--county", county]
    if phone:
        args += ["--phone", phone]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["token", "issue", username])
    assert token.exit_code == 0, token.output
    return token.output.strip()


def seed_miners():
    register("+254712000001", name="Amina", county="Migori", site="Osiri", role="digger",
                    gender="woman", locale="sw", sms=True)
    register("+254712000002", name="Otieno", county="Kakamega", site="Rosterman", role="buyer",
                    gender="man", locale="en", sms=False)


def test_officer_add_stores_a_hash_and_normalises_the_phone(runner):
    add_officer(runner, "wanjiru", "officer", county="Migori", phone="0722000111")
    officer = db.session.execute(db.select(Officer).filter_by(username="wanjiru")).scalar_one()
    assert officer.phone == "+254722000111"
    assert officer.password_hash != "correct horse" and officer.check_password("correct horse")


def test_officer_add_refuses_a_short_password(runner):
    result = runner.invoke(args=["officer", "add", "x", "--role", "admin", "--password", "short"])
    assert result.exit_code != 0 and "8 characters" in result.output


def test_token_issue_for_unknown_officer_fails(runner):
    result = runner.invoke(args=["token", "issue", "nobody"])
    assert result.exit_code != 0 and "no officer" in result.output


def test_api_needs_a_valid_bearer_token(client):
    response = client.get("/api/v1/miners")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    bad = client.get("/api/v1/miners", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_admin_sees_full_numbers_others_masked(client, runner):
    seed_miners()
    admin = add_officer(runner, "admin1", "admin")
    viewer = add_officer(runner, "viewer1", "viewer")
    body = client.get("/api/v1/miners", headers={"Authorization": f"Bearer {admin}"}).get_json()
    assert body["total"] == 2 and {m["phone"] for m in body["items"]} == {"+254712000001", "+254712000002"}
    body = client.get("/api/v1/miners", headers={"Authorization": f"Bearer {viewer}"}).get_json()
    assert {m["phone"] for m in body["items"]} == {"+2547******01", "+2547******02"}


def test_county_officer_sees_only_their_county(client, runner):
    seed_miners()
    token = add_officer(runner, "migori1", "officer", county="Migori")
    body = client.get("/api/v1/miners", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [m["name"] for m in body["items"]] == ["Amina"]


def test_miners_filters_and_paging(client, runner):
    seed_miners()
    token = add_officer(runner, "admin2", "admin")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/miners?q=roster", headers=headers).get_json()["total"] == 1
    page = client.get("/api/v1/miners?per_page=1&page=2", headers=headers).get_json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert client.get("/api/v1/miners?page=x", headers=headers).status_code == 400


def test_erasure_removes_the_miner_and_keeps_the_language(app):
    from models import LanguagePreference
    from miners.erasure import erase

    seed_miners()
    locale = db.session.execute(db.select(Miner.locale).filter_by(phone="+254712000001")).scalar_one()
    assert erase("+254712000001") is True
    assert db.session.execute(db.select(Miner).filter_by(phone="+254712000001")).first() is None
    assert db.session.get(LanguagePreference, "+254712000001").locale == locale
    assert erase("+254712000001") is False


def test_healthz_ok_and_down(app, client):
    ok = client.get("/healthz")
    assert ok.status_code == 200 and ok.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}
    real = app.extensions["redis"]
    app.extensions["redis"] = redis_lib.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    try:
        down = client.get("/healthz")
    finally:
        app.extensions["redis"] = real
    assert down.status_code == 503 and down.get_json()["redis"] == "down"
