"""Finance and equipment leads (issue 16 item 4): one lead per phone and kind, consent, the
county rule and the audit log at every door (service, dashboard, API, CLI), the CSV export,
the "leads of kind K in county C" broadcast audience, erasure."""
import csv
import io

import pytest

from core.policy import NotAllowed, OutOfScope
from finance import service
from models import ApiToken, AuditEntry, Broadcast, Lead, db
from miners import erasure
from broadcasts import audience as broadcasts
from broadcasts.audience import BroadcastError
from tests.conftest import Phone
from tests.dashboard_helpers import csrf_token, make_miner, make_officers, new_client, sign_in

MIGORI_1, MIGORI_2, MIGORI_3, KAKAMEGA_1 = "+254711000001", "+254711000002", "+254711000003", "+254711000004"


@pytest.fixture
def people(app):
    officers = make_officers()
    make_miner(MIGORI_1, "Akinyi Odhiambo", "Migori", "Macalder")
    make_miner(MIGORI_2, "Atieno Ouma", "Migori", "Osiri")
    make_miner(MIGORI_3, "=SUM(A1) Okoth", "Migori", "Osiri", sms=False)  # no SMS consent
    make_miner(KAKAMEGA_1, "Barasa Wekesa", "Kakamega", "Rosterman")
    return officers


@pytest.fixture
def leads(people):
    service.record_lead(MIGORI_1, "savings_group")
    service.record_lead(MIGORI_2, "equipment_loan", "retort")
    service.record_lead(MIGORI_3, "savings_group")
    service.record_lead(KAKAMEGA_1, "savings_group")
    return people


def token(officer):
    value = ApiToken.issue(officer)
    db.session.commit()
    return {"Authorization": f"Bearer {value}"}


# --- storing leads --------------------------------------------------------------------------

def test_a_repeat_updates_the_lead_never_duplicates(people):
    first = service.record_lead(MIGORI_2, "equipment_loan", "retort")
    again = service.record_lead(MIGORI_2, "equipment_loan", "crusher")
    assert again.id == first.id
    rows = db.session.execute(db.select(Lead)).scalars().all()
    assert len(rows) == 1 and rows[0].equipment == "crusher" and rows[0].county == "Migori"
    other_kind = service.record_lead(MIGORI_2, "savings_group", "crusher")
    assert other_kind.id != first.id and other_kind.equipment is None  # equipment only for a loan
    assert db.session.execute(db.select(db.func.count()).select_from(Lead)).scalar_one() == 2


def test_only_registered_miners_and_known_kinds(people):
    assert service.record_lead("+254799999999", "savings_group") is None
    assert db.session.execute(db.select(db.func.count()).select_from(Lead)).scalar_one() == 0
    with pytest.raises(service.LeadError) as bad:
        service.record_lead(MIGORI_1, "lottery")
    assert bad.value.field == "kind"
    with pytest.raises(service.LeadError) as bad:
        service.record_lead(MIGORI_1, "equipment_loan", "tractor")
    assert bad.value.field == "equipment"


def test_erasure_removes_the_miners_leads(app, leads):
    assert service.forget in app.extensions["capabilities"].erasure  # the registry's erasure hooks
    erasure.erase(MIGORI_1)
    phones = db.session.execute(db.select(Lead.phone)).scalars().all()
    assert MIGORI_1 not in phones and len(phones) == 3


# --- the journey through the real app (USSD 6 -> 4) ----------------------------------------------

def _leads_of(phone):
    return db.session.execute(db.select(Lead).filter_by(phone=phone).order_by(Lead.kind)).scalars().all()


def test_ussd_6_4_stores_one_lead_and_a_repeat_updates_it(client, people):
    handset = Phone(client, MIGORI_2)
    assert "6 Huduma zaidi" in handset.dial().split("\n")  # the main menu
    more = handset.send("6").split("\n")
    assert more[0] == "CON Huduma zaidi" and "4 Mikopo na vifaa" in more
    assert handset.send("4").startswith("CON Mikopo na vifaa.")
    assert handset.send("2").startswith("CON Mkopo wa kifaa gani?")
    assert "mkopo wa chombo cha kunasa mvuke?" in handset.send("1")
    end = handset.send("1")
    assert end.startswith("END Tumehifadhi: mkopo wa chombo cha kunasa mvuke.")
    (lead,) = _leads_of(MIGORI_2)
    assert (lead.kind, lead.equipment, lead.county) == ("equipment_loan", "retort", "Migori")
    assert lead.consent_at is not None
    handset.dial("6*4*2*3")  # again, with a crusher this time: the same lead, updated
    assert handset.send("1").startswith("END Tumehifadhi: mkopo wa mashine ya kusaga mawe.")
    db.session.expire_all()
    (lead,) = _leads_of(MIGORI_2)
    assert lead.equipment == "crusher"


def test_ussd_refusing_consent_or_not_registered_stores_nothing(client, people):
    handset = Phone(client, MIGORI_1)
    handset.dial("6*4*1")
    assert handset.send("2").startswith("END Hatujahifadhi")
    stranger = Phone(client, "+254711000099")
    stranger.dial()
    reply = stranger.send("6")
    assert "4 Mikopo na vifaa" in reply or "4 Finance and equipment" in reply
    register = stranger.send("4")
    assert "Jisajili" in register or "Register" in register
    assert db.session.execute(db.select(db.func.count()).select_from(Lead)).scalar_one() == 0


# --- officers: counts, county rule ------------------------------------------------------------

def test_counts_per_county_and_kind_follow_the_county_rule(leads):
    admin = service.counts(leads["admin"])
    assert admin["rows"][0] == ("Migori", {"savings_group": 2, "equipment_loan": 1, "mercury_free": 0}, 3)
    assert admin["total"] == 4
    own = service.counts(leads["county_officer"], county="Kakamega")  # asks for another county
    assert [row[0] for row in own["rows"]] == ["Migori"] and own["total"] == 3


def test_export_masks_phones_neutralises_formulas_and_is_audited(leads):
    text, rows = service.export_csv(leads["county_officer"], kind="savings_group")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == service.CSV_COLUMNS and rows == 2 == len(table) - 1
    assert all(row[3] == "Migori" for row in table[1:])
    assert all("******" in row[1] for row in table[1:])
    assert "'=SUM(A1) Okoth" in {row[2] for row in table[1:]}
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="export_leads")).scalar_one()
    assert entry.officer_username == "otieno"
    assert entry.detail["rows"] == 2 and entry.detail["county_scope"] == "Migori" and entry.door == "cli"
    assert entry.detail["full_numbers"] is False
    admin_text, _n = service.export_csv(leads["admin"])
    assert MIGORI_1 in admin_text and KAKAMEGA_1 in admin_text


# --- the broadcast audience ---------------------------------------------------------------

def test_lead_audience_reaches_exactly_those_miners(leads):
    audience = broadcasts.clean_audience({"lead_kind": "savings_group", "county": "Migori"})
    assert audience == {"county": ["Migori"], "lead_kind": ["savings_group"]}
    # MIGORI_3 has a savings lead but no SMS consent; KAKAMEGA_1 is another county.
    assert broadcasts.reachable_count(audience) == 1
    assert broadcasts.reachable_count(broadcasts.clean_audience({"lead_kind": ["savings_group"]})) == 2
    assert broadcasts.reachable_count(broadcasts.clean_audience({"lead_kind": "equipment_loan"})) == 1
    with pytest.raises(BroadcastError, match="audience.lead_kind"):
        broadcasts.clean_audience({"lead_kind": "lottery"})


def test_a_stored_audience_with_an_unknown_filter_reaches_nobody(leads):
    from models import Miner

    who = db.session.execute(db.select(db.func.count()).select_from(Miner).where(
        broadcasts.audience_filter({"county": ["Migori"], "gone_filter": ["x"]}))).scalar_one()
    assert who == 0


def test_broadcast_to_leads_scopes_and_audits(leads):
    with pytest.raises(OutOfScope):
        service.broadcast_to_leads(leads["county_officer"], {"sw": "Mkutano"}, "savings_group", "Kakamega")
    with pytest.raises(NotAllowed):
        service.broadcast_to_leads(leads["viewer"], {"sw": "Mkutano"}, "savings_group")
    item = service.broadcast_to_leads(leads["county_officer"], {"sw": "Mkutano wa kikundi Jumamosi"},
                                      "savings_group")
    assert item.audience == {"county": ["Migori"], "lead_kind": ["savings_group"]}
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="broadcast_created")).scalar_one()
    assert entry.detail["recipients"] == 1 and entry.target == f"broadcast {item.id}"


# --- doors ------------------------------------------------------------------------------------

def test_api_lists_leads_by_county_and_kind(client, leads):
    response = client.get("/api/v1/leads?kind=savings_group", headers=token(leads["county_officer"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2 and {item["county"] for item in body["items"]} == {"Migori"}
    assert all("******" in item["phone"] for item in body["items"])
    assert {"county": "Migori", "kind": "savings_group", "count": 2} in body["counts"]
    bad = client.get("/api/v1/leads?kind=lottery", headers=token(leads["admin"]))
    assert bad.status_code == 400 and "kind" in bad.get_json()["error"]["message"]
    assert client.get("/api/v1/leads").status_code == 401


def test_api_export_and_broadcast(client, leads):
    headers = token(leads["county_officer"])
    response = client.get("/api/v1/leads.csv", headers=headers)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert db.session.execute(db.select(AuditEntry).filter_by(action="export_leads")).scalar_one().door == "api"
    sent = client.post("/api/v1/leads/broadcast", headers=headers,
                       json={"kind": "equipment_loan", "text": {"sw": "Mikopo ya vifaa: njoo ofisini"}})
    assert sent.status_code == 202, sent.get_data(as_text=True)
    assert sent.get_json()["audience"] == {"county": ["Migori"], "lead_kind": ["equipment_loan"]}
    out = client.post("/api/v1/leads/broadcast", headers=headers,
                      json={"kind": "equipment_loan", "county": "Kakamega", "text": {"sw": "x"}})
    assert out.status_code == 403
    missing = client.post("/api/v1/leads/broadcast", headers=headers, json={"kind": "nope", "text": {"sw": "x"}})
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "invalid_kind"
    no_text = client.post("/api/v1/leads/broadcast", headers=headers, json={"kind": "savings_group"})
    assert no_text.status_code == 400
    viewer = client.post("/api/v1/leads/broadcast", headers=token(leads["viewer"]),
                         json={"kind": "savings_group", "text": {"sw": "x"}})
    assert viewer.status_code == 403
    # The broadcasts' own door takes the same audience.
    plain = client.post("/api/v1/broadcasts", headers=headers,
                        json={"text": {"sw": "Habari"}, "audience": {"lead_kind": "savings_group"}})
    assert plain.status_code == 202 and plain.get_json()["audience"]["county"] == ["Migori"]


def test_dashboard_leads_page_export_and_broadcast(app, leads):
    client = new_client(app)
    assert sign_in(client, "otieno").status_code == 302
    page = client.get("/dashboard/finance/leads")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Akinyi Odhiambo" in html and "Barasa" not in html and MIGORI_1 not in html
    assert "Savings group" in html and "Retort" in html
    assert client.get("/dashboard/finance/leads?kind=bogus").status_code == 400
    export = client.get("/dashboard/finance/leads.csv?kind=equipment_loan")
    assert export.status_code == 200 and "Atieno Ouma" in export.get_data(as_text=True)
    form = client.get("/dashboard/finance/leads/broadcast?kind=savings_group")
    assert form.status_code == 200 and "Recipients: 1" in form.get_data(as_text=True)
    preview = client.post("/dashboard/finance/leads/broadcast?kind=savings_group",
                          data={"csrf_token": csrf_token(form), "text_sw": "Mkutano Jumamosi", "step": "preview"})
    assert preview.status_code == 200 and 'id="leads-preview"' in preview.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count()).select_from(Broadcast)).scalar_one() == 0
    sent = client.post("/dashboard/finance/leads/broadcast?kind=savings_group",
                       data={"csrf_token": csrf_token(form), "text_sw": "Mkutano Jumamosi", "step": "send"})
    assert sent.status_code == 302
    item = db.session.execute(db.select(Broadcast)).scalar_one()
    assert item.audience == {"county": ["Migori"], "lead_kind": ["savings_group"]}
    assert client.post("/dashboard/finance/leads/broadcast?kind=savings_group",
                       data={"text_sw": "x", "step": "send"}).status_code == 400  # no CSRF token
    assert client.get("/dashboard/finance/leads/broadcast?kind=savings_group&county=Kakamega").status_code == 403


def test_dashboard_roles(app, leads):
    anonymous = new_client(app)
    assert anonymous.get("/dashboard/finance/leads").status_code == 302
    viewer = new_client(app)
    sign_in(viewer, "vera")
    assert viewer.get("/dashboard/finance/leads").status_code == 200
    assert viewer.get("/dashboard/finance/leads/broadcast?kind=savings_group").status_code == 403
    admin = new_client(app)
    sign_in(admin, "ada")
    html = admin.get("/dashboard/finance/leads").get_data(as_text=True)
    assert MIGORI_1 in html and "Barasa Wekesa" in html
    overview = admin.get("/dashboard/").get_data(as_text=True)
    assert 'id="finance-leads-panel"' in overview and "Finance and equipment leads: 4" in overview
    # The capability's navigation entries (Capability.nav), on every page
    other = admin.get("/dashboard/miners").get_data(as_text=True)
    assert 'href="/dashboard/finance/leads"' in other and 'href="/dashboard/finance/impact"' in other


def test_cli_counts_and_export(runner, leads, tmp_path):
    result = runner.invoke(args=["finance", "leads", "--as", "otieno"])
    assert result.exit_code == 0, result.output
    assert "Migori" in result.output and "Kakamega" not in result.output
    out = tmp_path / "leads.csv"
    result = runner.invoke(args=["finance", "export", "--as", "ada", "--kind", "savings_group", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert KAKAMEGA_1 in out.read_text()
    assert db.session.execute(db.select(AuditEntry).filter_by(action="export_leads")).scalar_one().door == "cli"
    assert runner.invoke(args=["finance", "leads", "--as", "nobody"]).exit_code != 0


def test_the_simulator_drives_the_journey(app, people):
    """The phone simulator (/simulator) through the real /ussd: *384*12*6*4#, savings group, yes."""
    assert app.config["ENV_NAME"] == "development"  # open to anyone, as on a developer's machine
    simulator = new_client(app)
    token = csrf_token(simulator.get("/simulator/"))

    def hop(action, entry, state=None):
        response = simulator.post("/simulator/ussd", headers={"Accept": "application/json"}, data={
            "csrf_token": token, "phone": KAKAMEGA_1, "action": action, "input": entry,
            **(state or {"session_id": "", "text": ""})})
        assert response.status_code == 200, response.get_data(as_text=True)
        reply = response.get_json()
        assert reply["error"] is None, reply
        return reply, {"session_id": reply["session_id"], "text": reply["text"]}

    reply, state = hop("dial", "*384*12*6*4#")
    assert reply["screen"].startswith("Mikopo na vifaa. Unataka nini?") and not reply["ended"]
    reply, state = hop("send", "1", state)
    assert "kujiunga na kikundi cha akiba?" in reply["screen"]
    reply, _state = hop("send", "1", state)
    assert reply["ended"] and reply["screen"].startswith("Tumehifadhi: kujiunga na kikundi cha akiba.")
    db.session.expire_all()
    assert [(lead.kind, lead.county) for lead in _leads_of(KAKAMEGA_1)] == [("savings_group", "Kakamega")]
