"""Dashboard incidents: the inbox and its filters, county scoping on every page and export,
an incident's timeline, acknowledging and changing the status (the reporter gets their SMS),
who reported as the role allows, the CSV export and the overview's urgent panel and charts."""
import csv
import io
from datetime import timedelta

import pytest

from models import AuditEntry, Incident, IncidentStatusChange, Message, ReporterReveal, db, utcnow
from tests.dashboard_helpers import csrf_token, make_officers
from tests.test_dashboard import client_as

NAMED = "+254711000001"
HIDDEN = "+254711000009"


def make_incident(reference, county, *, category="COLLAPSE", urgent=False, anonymous=False, phone=NAMED,
                  status="new", days_ago=0, site="Macalder", trapped=0, notify=True):
    at = utcnow() - timedelta(days=days_ago)
    incident = Incident(reference=reference, category=category, urgent=urgent, county=county, site=site,
                        channel="ussd", reporter_phone=phone, anonymous=anonymous, notify_reporter=notify,
                        status=status, locale="sw", trapped=trapped, reported_at=at, created_at=at,
                        updated_at=at, description="=SUM(A1) Shimo limeporomoka")
    db.session.add(incident)
    db.session.commit()
    return incident


@pytest.fixture
def incidents(app):
    officers = make_officers()
    rows = {
        "migori_urgent": make_incident("MS-2A2A", "Migori", urgent=True, trapped=2),
        "migori_old": make_incident("MS-3B3B", "Migori", category="MERCURY", status="resolved", days_ago=20),
        "migori_anonymous": make_incident("MS-4C4C", "Migori", category="VIOLENCE", anonymous=True, phone=HIDDEN,
                                          notify=False),
        "kakamega": make_incident("MS-5D5D", "Kakamega", category="FLOOD", phone="+254711000002"),
    }
    return {"officers": officers, **rows}


def _refs(page):
    return [ref for ref in ("MS-2A2A", "MS-3B3B", "MS-4C4C", "MS-5D5D") if ref in page]


def test_inbox_is_scoped_to_the_officers_county(app, incidents):
    assert _refs(client_as(app, "admin").get("/dashboard/incidents").get_data(as_text=True)) == [
        "MS-2A2A", "MS-3B3B", "MS-4C4C", "MS-5D5D"]
    migori = client_as(app, "county_officer")
    assert _refs(migori.get("/dashboard/incidents").get_data(as_text=True)) == ["MS-2A2A", "MS-3B3B", "MS-4C4C"]
    # Asking for another county changes nothing for a county officer.
    assert _refs(migori.get("/dashboard/incidents?county=Kakamega").get_data(as_text=True)) == [
        "MS-2A2A", "MS-3B3B", "MS-4C4C"]
    assert _refs(client_as(app, "other_county_officer").get("/dashboard/incidents").get_data(as_text=True)) == [
        "MS-5D5D"]
    client = client_as(app, "other_county_officer")
    page = client.get("/dashboard/incidents/MS-2A2A")
    assert page.status_code == 403 and "Shimo" not in page.get_data(as_text=True)
    token = csrf_token(client.get("/dashboard/incidents"))
    assert client.post("/dashboard/incidents/MS-2A2A/status",
                       data={"csrf_token": token, "status": "resolved"}).status_code == 403
    assert client.post("/dashboard/incidents/MS-2A2A/acknowledge", data={"csrf_token": token}).status_code == 403
    assert client.get("/dashboard/incidents.csv?county=Migori").get_data(as_text=True).count("MS-") == 1
    assert db.session.get(Incident, incidents["migori_urgent"].id).status == "new"


def test_inbox_filters(app, incidents):
    admin = client_as(app, "admin")

    def refs(query):
        response = admin.get("/dashboard/incidents?" + query)
        assert response.status_code == 200
        return _refs(response.get_data(as_text=True))

    assert refs("status=resolved") == ["MS-3B3B"]
    assert refs("status=open") == ["MS-2A2A", "MS-4C4C", "MS-5D5D"]
    assert refs("category=flood") == ["MS-5D5D"]
    assert refs("county=migori&urgent=yes") == ["MS-2A2A"]
    assert refs("urgent=no&county=Migori") == ["MS-3B3B", "MS-4C4C"]
    since = (utcnow() - timedelta(days=5)).date().isoformat()
    assert refs(f"since={since}&county=Migori") == ["MS-2A2A", "MS-4C4C"]
    page = admin.get("/dashboard/incidents?since=yesterday&status=bogus").get_data(as_text=True)
    assert "is not understood" in page and len(_refs(page)) == 4


def test_open_urgent_incidents_come_first(app, incidents):
    make_incident("MS-6E6E", "Migori", category="NEARMISS")  # newer, not urgent
    page = client_as(app, "admin").get("/dashboard/incidents").get_data(as_text=True)
    assert page.index("MS-2A2A") < page.index("MS-6E6E")


def test_officer_changes_the_status_with_a_note_and_the_reporter_is_texted(app, incidents):
    client = client_as(app, "county_officer")
    page = client.get("/dashboard/incidents/MS-2A2A")
    assert page.status_code == 200
    response = client.post("/dashboard/incidents/MS-2A2A/status", data={
        "csrf_token": csrf_token(page), "status": "responding", "note": "Rescue team from Migori sent"})
    assert response.status_code == 302
    incident = db.session.get(Incident, incidents["migori_urgent"].id, populate_existing=True)
    assert incident.status == "responding"
    [change] = db.session.execute(db.select(IncidentStatusChange)).scalars().all()
    assert (change.officer_username, change.old_status, change.new_status, change.note) == (
        "otieno", "new", "responding", "Rescue team from Migori sent")
    [sms] = db.session.execute(db.select(Message).filter_by(purpose="incident_status")).scalars().all()
    assert sms.phone == NAMED and "MS-2A2A" in sms.text
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="incident_status")).scalar_one()
    assert entry.target == "MS-2A2A" and entry.detail == {"from": "new", "to": "responding", "note": True}
    # The timeline has the report, the status change with its note and the SMS sent.
    page = client.get("/dashboard/incidents/MS-2A2A").get_data(as_text=True)
    timeline = page[page.index("Timeline"):]
    assert timeline.index("Reported by USSD") < timeline.index("Rescue team from Migori sent") < timeline.index(
        sms.text)
    assert NAMED not in page and "+2547******01" in page  # masked for a county officer


def test_same_status_needs_a_note_and_bad_status_is_refused(app, incidents):
    client = client_as(app, "county_officer")
    token = csrf_token(client.get("/dashboard/incidents/MS-2A2A"))
    same = client.post("/dashboard/incidents/MS-2A2A/status", data={"csrf_token": token, "status": "new"})
    assert same.status_code == 400 and "write a note" in same.get_data(as_text=True)
    bad = client.post("/dashboard/incidents/MS-2A2A/status", data={"csrf_token": token, "status": "gone"})
    assert bad.status_code == 400
    assert db.session.execute(db.select(IncidentStatusChange)).first() is None


def test_acknowledge(app, incidents):
    client = client_as(app, "county_officer")
    page = client.get("/dashboard/incidents/MS-2A2A")
    assert "Acknowledge" in page.get_data(as_text=True)
    response = client.post("/dashboard/incidents/MS-2A2A/acknowledge", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert db.session.get(Incident, incidents["migori_urgent"].id, populate_existing=True).status == "acknowledged"
    again = client.post("/dashboard/incidents/MS-2A2A/acknowledge", data={"csrf_token": csrf_token(page)})
    assert again.status_code == 302
    assert len(db.session.execute(db.select(IncidentStatusChange)).scalars().all()) == 1


def test_viewers_read_but_do_not_change(app, incidents):
    viewer = client_as(app, "viewer")
    page = viewer.get("/dashboard/incidents/MS-2A2A")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Change the status" not in body and "Acknowledge" not in body
    token = csrf_token(page)
    assert viewer.post("/dashboard/incidents/MS-2A2A/status",
                       data={"csrf_token": token, "status": "resolved"}).status_code == 403
    assert viewer.post("/dashboard/incidents/MS-2A2A/acknowledge", data={"csrf_token": token}).status_code == 403


def test_status_forms_need_the_csrf_token(app, incidents):
    client = client_as(app, "county_officer")
    for path, data in (("/dashboard/incidents/MS-2A2A/status", {"status": "resolved"}),
                       ("/dashboard/incidents/MS-2A2A/acknowledge", {}),
                       ("/dashboard/incidents/MS-4C4C/reporter", {"reason": "a reason long enough"})):
        assert client.post(path, data=data).status_code == 400
    assert db.session.get(Incident, incidents["migori_urgent"].id, populate_existing=True).status == "new"


def test_reporter_number_as_the_role_allows(app, incidents):
    admin = client_as(app, "admin")
    assert NAMED in admin.get("/dashboard/incidents/MS-2A2A").get_data(as_text=True)
    for role in ("admin", "county_officer", "viewer"):
        page = client_as(app, role).get("/dashboard/incidents/MS-4C4C").get_data(as_text=True)
        assert HIDDEN not in page and "+2547******09" not in page and "Anonymous" in page
        listing = client_as(app, role).get("/dashboard/incidents").get_data(as_text=True)
        assert HIDDEN not in listing and "+2547******09" not in listing


def test_admin_looks_up_an_anonymous_reporter_with_a_reason(app, incidents):
    admin = client_as(app, "admin")
    page = admin.get("/dashboard/incidents/MS-4C4C")
    short = admin.post("/dashboard/incidents/MS-4C4C/reporter", data={"csrf_token": csrf_token(page), "reason": "x"})
    assert short.status_code == 400 and HIDDEN not in short.get_data(as_text=True)
    shown = admin.post("/dashboard/incidents/MS-4C4C/reporter",
                       data={"csrf_token": csrf_token(page), "reason": "Police asked to call the witness"})
    assert shown.status_code == 200 and HIDDEN in shown.get_data(as_text=True)
    look = db.session.execute(db.select(ReporterReveal)).scalar_one()
    assert (look.officer_username, look.reason) == ("ada", "Police asked to call the witness")
    assert db.session.execute(db.select(AuditEntry).filter_by(action="incident_reporter_revealed")).scalar_one()
    # Shown on that answer only; the page keeps it hidden and lists who looked.
    again = admin.get("/dashboard/incidents/MS-4C4C").get_data(as_text=True)
    assert HIDDEN not in again and "Police asked to call the witness" in again
    officer = client_as(app, "county_officer")
    token = csrf_token(officer.get("/dashboard/incidents/MS-4C4C"))
    refused = officer.post("/dashboard/incidents/MS-4C4C/reporter", data={"csrf_token": token,
                                                                          "reason": "I would like to know"})
    assert refused.status_code == 403


def _csv(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_export_filters_scopes_masks_and_is_audited(app, incidents):
    rows = _csv(client_as(app, "county_officer").get("/dashboard/incidents.csv?county=Kakamega&status=open"))
    assert [r["reference"] for r in rows] == ["MS-2A2A", "MS-4C4C"]
    assert rows[0]["reporter_phone"] == "+2547******01" and rows[1]["reporter_phone"] == ""
    assert rows[0]["description"].startswith("'=")  # no formula runs in a spreadsheet
    admin_rows = _csv(client_as(app, "admin").get("/dashboard/incidents.csv?category=VIOLENCE"))
    assert [(r["reference"], r["reporter_phone"], r["anonymous"]) for r in admin_rows] == [("MS-4C4C", "", "yes")]
    full = _csv(client_as(app, "admin").get("/dashboard/incidents.csv?urgent=yes"))
    assert [(r["reference"], r["reporter_phone"]) for r in full] == [("MS-2A2A", NAMED)]
    entries = db.session.execute(db.select(AuditEntry).filter_by(action="export_incidents")
                                 .order_by(AuditEntry.id)).scalars().all()
    assert [(e.officer_username, e.detail["rows"], e.detail["county_scope"]) for e in entries] == [
        ("otieno", 2, "Migori"), ("ada", 1, None), ("ada", 1, None)]
    assert entries[0].detail["filters"] == {"county": "Kakamega", "status": "open"}


def test_overview_shows_open_urgent_incidents_first_and_charts(app, incidents):
    page = client_as(app, "county_officer").get("/dashboard/").get_data(as_text=True)
    assert "Open urgent incidents: 1" in page and "MS-2A2A" in page
    assert page.index("MS-2A2A") < page.index("Registered miners")
    assert "Incidents per week by category" in page and "Incidents by county" in page
    assert page.count("<svg") >= 3
    assert "Kakamega" not in page[page.index("Incidents by county"):page.index("Registered miners")]
    admin = client_as(app, "admin").get("/dashboard/").get_data(as_text=True)
    charts = admin[admin.index("Incidents by county"):]
    assert "Migori: 3" in charts and "Kakamega: 1" in charts


def test_nul_characters_get_a_clear_400(app, incidents):
    client = client_as(app, "admin")
    for url in ("/dashboard/incidents?county=a%00b", "/dashboard/incidents/MS-%00", "/dashboard/tips?topic=%00",
                "/dashboard/miners?q=%00", "/dashboard/incidents.csv?county=%00", "/dashboard/tips/a%00/edit"):
        assert client.get(url).status_code == 400, url
