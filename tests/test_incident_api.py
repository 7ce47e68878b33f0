"""The incidents API and CLI: filters, paging, county scope, audit trail, anonymity."""
import json
import logging
from datetime import timedelta

import pytest

from core.phones import mask
from incidents.filing import file_report
from models import ReporterReveal, db, utcnow
from tests.conftest import Phone
from tests.incident_helpers import add_officer, incidents, outbox, reference_in  # noqa: F401

REPORTER = "+254712000601"


def report(reference, **fields):
    payload = {"reference": reference, "phone": REPORTER, "locale": "sw", "channel": "ussd", "category": "COLLAPSE",
               "county": "Migori", "site": "Osiri", **fields}
    incident, created = file_report(payload)
    assert created
    return incident


@pytest.fixture
def tokens():
    return {
        "admin": add_officer("admin1", role="admin")[1],
        "migori": add_officer("migori1", county="Migori")[1],
        "kakamega": add_officer("kakamega1", county="Kakamega")[1],
        "roaming": add_officer("roaming1")[1],  # an officer without a county sees every county
        "viewer": add_officer("viewer1", role="viewer", county="Migori")[1],
    }


def refs(response):
    assert response.status_code == 200, response.get_json()
    return [item["reference"] for item in response.get_json()["items"]]


def test_requires_a_valid_token(client, tokens):
    assert client.get("/api/v1/incidents").status_code == 401
    response = client.get("/api/v1/incidents", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_list_filters_and_pages(client, outbox, tokens):
    report("MS-AAAA", category="COLLAPSE", trapped=1)
    report("MS-BBBB", category="FLOOD", county="Kakamega")
    old = report("MS-CCCC", category="MERCURY")
    old.reported_at = utcnow() - timedelta(days=10)
    db.session.commit()
    admin = tokens["admin"]
    assert refs(client.get("/api/v1/incidents", headers=admin)) == ["MS-BBBB", "MS-AAAA", "MS-CCCC"]
    assert refs(client.get("/api/v1/incidents?category=flood", headers=admin)) == ["MS-BBBB"]
    assert refs(client.get("/api/v1/incidents?county=migori", headers=admin)) == ["MS-AAAA", "MS-CCCC"]
    since = (utcnow() - timedelta(days=1)).date().isoformat()
    assert refs(client.get(f"/api/v1/incidents?since={since}", headers=admin)) == ["MS-BBBB", "MS-AAAA"]
    assert refs(client.get("/api/v1/incidents?urgent=true", headers=admin)) == ["MS-AAAA"]
    client.patch("/api/v1/incidents/MS-AAAA", headers=admin, json={"status": "resolved", "note": "done"})
    assert refs(client.get("/api/v1/incidents?status=new,acknowledged", headers=admin)) == ["MS-BBBB", "MS-CCCC"]
    page = client.get("/api/v1/incidents?per_page=2&page=2", headers=admin).get_json()
    assert page["total"] == 3 and [i["reference"] for i in page["items"]] == ["MS-CCCC"]
    for bad in ("status=open", "category=FIRE", "since=yesterday", "page=x"):
        response = client.get(f"/api/v1/incidents?{bad}", headers=admin)
        assert response.status_code == 400 and "error" in response.get_json(), bad


def test_county_officers_see_and_change_only_their_county(client, outbox, tokens):
    report("MS-AAAA")
    report("MS-BBBB", county="Kakamega")
    assert refs(client.get("/api/v1/incidents", headers=tokens["migori"])) == ["MS-AAAA"]
    assert refs(client.get("/api/v1/incidents", headers=tokens["kakamega"])) == ["MS-BBBB"]
    assert refs(client.get("/api/v1/incidents", headers=tokens["roaming"])) == ["MS-BBBB", "MS-AAAA"]
    assert client.get("/api/v1/incidents?county=Kakamega", headers=tokens["migori"]).status_code == 403
    assert client.get("/api/v1/incidents/MS-BBBB", headers=tokens["migori"]).status_code == 403
    response = client.patch("/api/v1/incidents/MS-BBBB", headers=tokens["migori"], json={"status": "acknowledged"})
    assert response.status_code == 403
    assert client.get("/api/v1/incidents/MS-ZZZZ", headers=tokens["admin"]).status_code == 404
    assert client.get("/api/v1/incidents/ms-aaaa", headers=tokens["migori"]).status_code == 200


def test_patch_records_an_audit_trail_and_validates(client, outbox, tokens):
    report("MS-AAAA")
    migori = tokens["migori"]
    assert client.patch("/api/v1/incidents/MS-AAAA", headers=tokens["viewer"],
                        json={"status": "acknowledged"}).status_code == 403
    for body, code in (({"status": "closed"}, "bad_status"), ("not json", "bad_json"),
                       ({"status": "responding", "note": 5}, "bad_note"),
                       ({"status": "new"}, "unchanged")):
        kwargs = {"json": body} if isinstance(body, dict) else {"data": body, "content_type": "application/json"}
        response = client.patch("/api/v1/incidents/MS-AAAA", headers=migori, **kwargs)
        assert response.get_json()["error"]["code"] == code, body
    client.patch("/api/v1/incidents/MS-AAAA", headers=migori, json={"status": "acknowledged", "note": "Calling"})
    response = client.patch("/api/v1/incidents/MS-AAAA", headers=tokens["admin"],
                            json={"status": "resolved", "note": "All out safe"})
    body = response.get_json()
    assert body["status"] == "resolved"
    assert [(h["officer"], h["from"], h["to"], h["note"]) for h in body["status_history"]] == [
        ("migori1", "new", "acknowledged", "Calling"), ("admin1", "acknowledged", "resolved", "All out safe")]
    assert all(h["at"].endswith("Z") for h in body["status_history"])
    assert [m["purpose"] for m in outbox if m["purpose"] == "incident_status"] == ["incident_status"] * 2


def test_numbers_are_masked_unless_admin(client, outbox, tokens):
    report("MS-AAAA")
    seen = {role: client.get("/api/v1/incidents/MS-AAAA", headers=tokens[role]).get_json()["reporter"]["phone"]
            for role in ("admin", "migori", "viewer")}
    assert seen == {"admin": REPORTER, "migori": mask(REPORTER), "viewer": mask(REPORTER)}


def test_anonymity_hides_the_number_in_every_response_and_log_line(client, redis, outbox, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    add_officer("migori_phone", county="Migori", phone="+254722000001")
    phone = Phone(client, "+254712000602")
    phone.dial()
    for answer in ["1", "1", "1", "1", "2", "1", "Osiri", "1", "2"]:  # collapse, one dead ... hide my number
        phone.send(answer)
    end = phone.send("1")  # anonymous, SMS updates wanted
    ref = reference_in(end)
    assert "imefichwa" in end
    number, masked, digits = "+254712000602", mask("+254712000602"), "712000602"

    bodies = []
    for role in ("admin", "migori", "viewer", "roaming"):
        bodies.append(client.get("/api/v1/incidents", headers=tokens[role]).get_data(as_text=True))
        bodies.append(client.get(f"/api/v1/incidents/{ref}", headers=tokens[role]).get_data(as_text=True))
    bodies.append(client.patch(f"/api/v1/incidents/{ref}", headers=tokens["migori"],
                               json={"status": "responding", "note": "team sent"}).get_data(as_text=True))
    for body in bodies:
        assert digits not in body and masked not in body
        for item in json.loads(body).get("items", [json.loads(body)]):
            assert item["reporter"] == {**item["reporter"], "anonymous": True, "phone": None}

    # Only an admin, giving a reason, sees who it was; the look is recorded.
    url = f"/api/v1/incidents/{ref}/reporter"
    assert client.post(url, headers=tokens["migori"], json={"reason": "need to call back now"}).status_code == 403
    assert client.post(url, headers=tokens["admin"], json={}).get_json()["error"]["code"] == "reason_required"
    assert db.session.execute(db.select(ReporterReveal)).first() is None
    revealed = client.post(url, headers=tokens["admin"], json={"reason": "Police need a witness statement"})
    assert revealed.status_code == 200 and revealed.get_json()["phone"] == number
    [look] = db.session.execute(db.select(ReporterReveal)).scalars().all()
    assert (look.officer_username, look.reason) == ("admin1", "Police need a witness statement")
    looks = client.get(f"/api/v1/incidents/{ref}", headers=tokens["admin"]).get_json()["reporter_looked_up"]
    assert [(x["officer"], x["reason"]) for x in looks] == [("admin1", "Police need a witness statement")]
    assert "reporter_looked_up" not in client.get(f"/api/v1/incidents/{ref}", headers=tokens["migori"]).get_json()

    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert f"incident {ref} filed" in logged  # the log is really captured
    assert digits not in logged and masked not in logged
    # The status SMS still reaches them: they asked for updates.
    assert [m["phone"] for m in outbox if m["purpose"] == "incident_status"] == [number]


def test_cli_lists_incidents_for_a_terminal(runner, outbox):
    report("MS-AAAA", trapped=1)
    report("MS-BBBB", county="Kakamega", category="FLOOD")
    report("MS-CCCC", anonymous=True, notify_reporter=False, category="CHILD")
    resolved = report("MS-DDDD", category="ENV")
    resolved.status = "resolved"
    db.session.commit()
    result = runner.invoke(args=["incidents", "list", "--open", "--county", "migori"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines[1:-1]] == ["MS-CCCC", "MS-AAAA"]
    assert "anonymous" in lines[1] and mask(REPORTER) in lines[2] and " ! " in lines[2]
    assert REPORTER not in result.output and "MS-DDDD" not in result.output
    assert runner.invoke(args=["incidents", "list", "--urgent"]).output.count("MS-") == 1
    assert "No incidents." in runner.invoke(args=["incidents", "list", "--county", "Turkana"]).output


def test_cli_drains_the_spool(app, runner, redis, outbox):
    from incidents import spool

    spool.put({"reference": "MS-EEEE", "phone": REPORTER, "locale": "sw", "channel": "ussd",
               "category": "FLOOD", "county": "Siaya", "site": "Bondo", "trapped": 1})
    result = runner.invoke(args=["incidents", "drain-spool"])
    assert result.exit_code == 0 and "filed 1" in result.output and "left 0" in result.output
    assert [i.reference for i in incidents()] == ["MS-EEEE"]


def test_cli_shows_one_incident_with_its_history(app, client, runner, outbox, tokens):
    from incidents.filing import add_follow_up

    incident = report("MS-FFFF", trapped=2, description="Wawili wamenaswa")
    add_follow_up(incident, "Mmoja ameokolewa")
    client.patch("/api/v1/incidents/MS-FFFF", headers=tokens["migori"], json={"status": "responding",
                                                                              "note": "Team sent"})
    result = runner.invoke(args=["incidents", "show", "ms-ffff"])
    assert result.exit_code == 0, result.output
    for expected in ("MS-FFFF  COLLAPSE  responding  URGENT", "trapped or missing 2", "Osiri, Migori",
                     "+ ", "Mmoja ameokolewa", "migori1: new -> responding (Team sent)", mask(REPORTER)):
        assert expected in result.output
    assert REPORTER not in result.output
    assert runner.invoke(args=["incidents", "show", "MS-ZZZZ"]).exit_code != 0
