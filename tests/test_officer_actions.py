"""Officer actions own their policy and audit (issue 15): every officer action, driven through
each of its three doors (dashboard, API, CLI), does the same thing and leaves the same audit
entry, naming the officer and the door; and the county rule refuses the same things at every
door (nothing done, nothing recorded).

The actions: broadcasts create/cancel/resume, prices publish, incidents change_status and
reveal_reporter, the tip edits (add, edit, retire, restore), and the services of issue 16:
training create/update/cancel/invite/attendance (update has no dashboard page: API and CLI),
buyers add/edit/delete, permits call-back status and county contacts (dashboard and CLI: no
API route), finance leads export and broadcast to leads. A training invitation and a
broadcast to leads are the officer's broadcast: one `broadcast_created` entry."""
import pytest

from models import ApiToken, AuditEntry, Broadcast, Incident, IncidentStatusChange, Price, ReporterReveal, Tip, db, \
    utcnow
from prices import publishing as prices
from broadcasts import lifecycle
from tests.dashboard_helpers import OFFICERS, csrf_token, make_miner, make_officers
from tests.test_dashboard import client_as
from tests.test_dashboard_incidents import make_incident
from tips import catalogue

DOORS = ("dashboard", "api", "cli")
FUTURE = "2099-01-01T10:00"


@pytest.fixture
def world(app):
    officers = make_officers()
    tokens = {role: ApiToken.issue(officer) for role, officer in officers.items()}
    db.session.commit()
    make_miner("+254711000001", "Amina", "Migori", "Osiri")
    make_miner("+254711000002", "Otieno", "Kakamega", "Rosterman")
    prices.ensure_default_markets()
    catalogue.load_file()
    return {"officers": officers, "tokens": tokens}


class Doors:
    """One officer at each door: signed in to the dashboard, a bearer token, `--as` at the CLI."""

    def __init__(self, app, world, role):
        self.app, self.role, self.username = app, role, OFFICERS[role][0]
        self.token = world["tokens"][role]
        self._dashboard = None

    @property
    def dashboard(self):
        if self._dashboard is None:
            self._dashboard = client_as(self.app, self.role)
        return self._dashboard

    def post_form(self, page_url, url, data):
        token = csrf_token(self.dashboard.get(page_url))
        return self.dashboard.post(url, data={**data, "csrf_token": token})

    def api(self, method, url, body=None):
        client = self.app.test_client()
        return getattr(client, method)(url, json=body, headers={"Authorization": f"Bearer {self.token}"})

    def cli(self, *args, as_officer=True):
        extra = ["--as", self.username] if as_officer else []
        return self.app.test_cli_runner().invoke(args=[*args, *extra])


def entries(action):
    return db.session.execute(db.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)).scalars().all()


def only_entry(action, door, username, target):
    found = entries(action)
    assert [(e.door, e.officer_username, e.target) for e in found] == [(door, username, target)]
    return found[0]


def audit_mark():
    """The last audit entry so far (what a test's setup recorded stays before it)."""
    return db.session.execute(db.select(db.func.max(AuditEntry.id))).scalar() or 0


def actions_since(mark, *, besides=("sign_in",)):
    """The actions recorded after `mark` (sign-ins of the test's officers left out)."""
    return [e.action for e in db.session.execute(db.select(AuditEntry).where(AuditEntry.id > mark)
                                                 .order_by(AuditEntry.id)).scalars() if e.action not in besides]


def ok(door, result, *codes):
    """The door answered as success (a redirect or page, a 2xx, exit code 0)."""
    if door == "cli":
        assert result.exit_code == 0, result.output
    else:
        assert result.status_code in codes, (result.status_code, result.get_data(as_text=True)[:400])


# --- broadcasts -------------------------------------------------------------------------

@pytest.mark.parametrize("door", DOORS)
def test_broadcast_create_is_scoped_and_audited_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    if door == "dashboard":
        result = officer.post_form("/dashboard/broadcasts/new", "/dashboard/broadcasts/new", {
            "step": "send", "text_sw": "Mkutano kesho.", "text_en": "", "county": "", "site": "", "role": "",
            "gender": "", "language": "", "registered_after": "", "registered_before": "", "send_at": FUTURE})
        ok(door, result, 302)
    elif door == "api":
        result = officer.api("post", "/api/v1/broadcasts", {"text": {"sw": "Mkutano kesho."}, "audience": {},
                                                            "send_at": FUTURE + ":00+03:00"})
        ok(door, result, 202)
    else:
        result = officer.cli("broadcast", "send", "--sw", "Mkutano kesho.", "--at", FUTURE.replace("T", " "),
                             "--yes")
        ok(door, result)
    broadcast = db.session.execute(db.select(Broadcast)).scalar_one()
    # The county officer's audience is their county, whichever door they used.
    assert broadcast.audience == {"county": ["Migori"]}
    assert broadcast.officer_id == world["officers"]["county_officer"].id
    entry = only_entry("broadcast_created", door, "otieno", f"broadcast {broadcast.id}")
    assert entry.detail["recipients"] == 1 and entry.detail["audience"] == {"county": ["Migori"]}


@pytest.mark.parametrize("door", ("api", "cli"))
def test_broadcast_to_another_county_is_refused_and_not_recorded(app, world, door):
    officer = Doors(app, world, "county_officer")
    if door == "api":
        result = officer.api("post", "/api/v1/broadcasts", {"text": {"sw": "Habari."},
                                                            "audience": {"county": "Kakamega"}})
        assert result.status_code == 403 and result.get_json()["error"]["code"] == "out_of_scope"
    else:
        result = officer.cli("broadcast", "send", "--sw", "Habari.", "--county", "Kakamega", "--yes")
        assert result.exit_code == 1 and "only broadcast to Migori" in result.output
    assert db.session.execute(db.select(Broadcast)).first() is None
    assert entries("broadcast_created") == []


def _broadcast(officer, county="Migori"):
    broadcast = lifecycle.create({"sw": "Mkutano kesho."}, {"county": [county]}, officer_id=officer.id,
                                 send_at=utcnow().replace(year=2099))
    return broadcast.id


@pytest.mark.parametrize("door", DOORS)
def test_broadcast_cancel_is_audited_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    broadcast_id = _broadcast(world["officers"]["county_officer"])
    if door == "dashboard":
        page = f"/dashboard/broadcasts/{broadcast_id}"
        ok(door, officer.post_form(page, page + "/cancel", {}), 302)
    elif door == "api":
        ok(door, officer.api("post", f"/api/v1/broadcasts/{broadcast_id}/cancel"), 200)
    else:
        ok(door, officer.cli("broadcast", "cancel", str(broadcast_id)))
    assert db.session.get(Broadcast, broadcast_id, populate_existing=True).status == Broadcast.CANCELLED
    only_entry("broadcast_cancelled", door, "otieno", f"broadcast {broadcast_id}")


@pytest.mark.parametrize("door", DOORS)
def test_broadcast_resume_is_audited_at_every_door(app, world, door):
    officer = Doors(app, world, "admin")
    broadcast_id = _broadcast(world["officers"]["county_officer"])
    lifecycle.pause(broadcast_id, "Africa's Talking: InsufficientBalance")
    if door == "dashboard":
        page = f"/dashboard/broadcasts/{broadcast_id}"
        assert "Resume the broadcast" in officer.dashboard.get(page).get_data(as_text=True)
        ok(door, officer.post_form(page, page + "/resume", {}), 302)
    elif door == "api":
        ok(door, officer.api("post", f"/api/v1/broadcasts/{broadcast_id}/resume"), 200)
    else:
        ok(door, officer.cli("broadcast", "resume", str(broadcast_id)))
    broadcast = db.session.get(Broadcast, broadcast_id, populate_existing=True)
    assert broadcast.status != Broadcast.PAUSED and broadcast.pause_reason is None
    entry = only_entry("broadcast_resumed", door, "ada", f"broadcast {broadcast_id}")
    assert entry.detail["from"] == Broadcast.PAUSED


@pytest.mark.parametrize("door", DOORS)
def test_another_countys_broadcast_cannot_be_cancelled_at_any_door(app, world, door):
    officer = Doors(app, world, "other_county_officer")
    broadcast_id = _broadcast(world["officers"]["county_officer"])
    if door == "dashboard":
        token = csrf_token(officer.dashboard.get("/dashboard/broadcasts"))
        result = officer.dashboard.post(f"/dashboard/broadcasts/{broadcast_id}/cancel", data={"csrf_token": token})
        assert result.status_code == 403
    elif door == "api":
        assert officer.api("post", f"/api/v1/broadcasts/{broadcast_id}/cancel").status_code == 404
    else:
        result = officer.cli("broadcast", "cancel", str(broadcast_id))
        assert result.exit_code == 1 and "another county" in result.output
    assert db.session.get(Broadcast, broadcast_id, populate_existing=True).status == Broadcast.SCHEDULED
    assert entries("broadcast_cancelled") == []


# --- prices -------------------------------------------------------------------------------

def _market_id(name):
    return prices.market_named(name).id


@pytest.mark.parametrize("door", DOORS)
def test_price_publish_is_audited_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    if door == "dashboard":
        result = officer.post_form("/dashboard/prices", "/dashboard/prices", {
            "market": _market_id("Migori"), "kes_per_gram": "9,850", "purity": "90%", "source": "board"})
        ok(door, result, 302)
    elif door == "api":
        ok(door, officer.api("post", "/api/v1/prices", {"market": "Migori", "kes_per_gram": 9850, "purity": 0.9}),
           201)
    else:
        ok(door, officer.cli("price", "publish", "--market", "Migori", "--kes-per-gram", "9850", "--purity", "0.9"))
    price = db.session.execute(db.select(Price)).scalar_one()
    assert (float(price.kes_per_gram), price.published_by) == (9850.0, "otieno")
    entry = only_entry("price_published", door, "otieno", "Migori")
    assert (float(entry.detail["kes_per_gram"]), float(entry.detail["purity"])) == (9850.0, 0.9)


@pytest.mark.parametrize("door", DOORS)
def test_a_price_for_another_county_is_refused_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    if door == "dashboard":
        # The form offers the officer's county's markets only; another's id is refused.
        result = officer.post_form("/dashboard/prices", "/dashboard/prices", {
            "market": _market_id("Kakamega"), "kes_per_gram": "9,850", "purity": "90%"})
        assert result.status_code in (400, 403)
    elif door == "api":
        result = officer.api("post", "/api/v1/prices", {"market": "Kakamega", "kes_per_gram": 9850, "purity": 0.9})
        assert result.status_code == 403 and result.get_json()["error"]["code"] == "forbidden"
    else:
        result = officer.cli("price", "publish", "--market", "Kakamega", "--kes-per-gram", "9850", "--purity", "0.9")
        assert result.exit_code == 1 and "covers Migori only" in result.output
    assert db.session.execute(db.select(Price)).first() is None
    assert entries("price_published") == []


def test_the_cli_without_an_officer_is_recorded_as_the_cli(app, world):
    result = app.test_cli_runner().invoke(args=["price", "publish", "--market", "Kakamega", "--kes-per-gram", "9850",
                                                "--purity", "0.9"])
    assert result.exit_code == 0, result.output
    entry = only_entry("price_published", "cli", "cli", "Kakamega")
    assert entry.officer_id is None


def test_an_unknown_or_disabled_officer_cannot_act_at_the_cli(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["price", "publish", "--market", "Migori", "--kes-per-gram", "9850", "--purity",
                                 "0.9", "--as", "nobody"])
    assert result.exit_code == 1 and "no officer called nobody" in result.output
    viewer = Doors(app, world, "viewer")
    result = viewer.cli("price", "publish", "--market", "Migori", "--kes-per-gram", "9850", "--purity", "0.9")
    assert result.exit_code == 1 and "viewer role may not" in result.output
    assert entries("price_published") == []


# --- incidents ----------------------------------------------------------------------------

@pytest.mark.parametrize("door", DOORS)
def test_incident_status_change_is_audited_at_every_door(app, world, door):
    make_incident("MS-2A2A", "Migori")
    officer = Doors(app, world, "county_officer")
    if door == "dashboard":
        page = "/dashboard/incidents/MS-2A2A"
        ok(door, officer.post_form(page, page + "/status", {"status": "responding", "note": "team sent"}), 302)
    elif door == "api":
        ok(door, officer.api("patch", "/api/v1/incidents/ms-2a2a", {"status": "responding", "note": "team sent"}),
           200)
    else:
        ok(door, officer.cli("incidents", "status", "ms-2a2a", "responding", "--note", "team sent"))
    incident = db.session.execute(db.select(Incident)).scalar_one()
    assert incident.status == "responding"
    change = db.session.execute(db.select(IncidentStatusChange)).scalar_one()
    assert (change.officer_username, change.old_status, change.new_status, change.note) == (
        "otieno", "new", "responding", "team sent")
    entry = only_entry("incident_status", door, "otieno", "MS-2A2A")
    assert entry.detail == {"from": "new", "to": "responding", "note": True}


@pytest.mark.parametrize("door", DOORS)
def test_another_countys_incident_is_refused_at_every_door(app, world, door):
    make_incident("MS-5D5D", "Kakamega")
    officer = Doors(app, world, "county_officer")
    if door == "dashboard":
        token = csrf_token(officer.dashboard.get("/dashboard/incidents"))
        result = officer.dashboard.post("/dashboard/incidents/MS-5D5D/status",
                                        data={"status": "resolved", "csrf_token": token})
        assert result.status_code == 403
    elif door == "api":
        result = officer.api("patch", "/api/v1/incidents/MS-5D5D", {"status": "resolved"})
        assert result.status_code == 403 and result.get_json()["error"]["code"] == "forbidden"
    else:
        result = officer.cli("incidents", "status", "MS-5D5D", "resolved")
        assert result.exit_code == 1 and "outside your county" in result.output
    assert db.session.execute(db.select(Incident.status)).scalar_one() == "new"
    assert entries("incident_status") == []


@pytest.mark.parametrize("door", DOORS)
def test_reporter_look_up_is_audited_at_every_door(app, world, door):
    make_incident("MS-4C4C", "Migori", anonymous=True, phone="+254711000009")
    admin = Doors(app, world, "admin")
    reason = "Police asked to call the witness"
    if door == "dashboard":
        page = "/dashboard/incidents/MS-4C4C"
        result = admin.post_form(page, page + "/reporter", {"reason": reason})
        ok(door, result, 200)
        assert "+254711000009" in result.get_data(as_text=True)
    elif door == "api":
        result = admin.api("post", "/api/v1/incidents/MS-4C4C/reporter", {"reason": reason})
        ok(door, result, 200)
        assert result.get_json()["phone"] == "+254711000009"
    else:
        result = admin.cli("incidents", "reveal", "MS-4C4C", "--reason", reason)
        ok(door, result)
        assert "+254711000009" in result.output
    look = db.session.execute(db.select(ReporterReveal)).scalar_one()
    assert (look.officer_username, look.reason) == ("ada", reason)
    assert only_entry("incident_reporter_revealed", door, "ada", "MS-4C4C").detail == {"reason": reason}


def test_reporter_look_up_at_the_cli_needs_an_admin_and_a_reason(app, world):
    make_incident("MS-4C4C", "Migori", anonymous=True, phone="+254711000009")
    runner = app.test_cli_runner()
    nobody = runner.invoke(args=["incidents", "reveal", "MS-4C4C", "--reason", "Police asked to call"])
    assert nobody.exit_code == 2 and "--as ADMIN" in nobody.output
    officer = Doors(app, world, "county_officer").cli("incidents", "reveal", "MS-4C4C", "--reason", "Police asked")
    assert officer.exit_code == 1 and "+254711000009" not in officer.output
    short = Doors(app, world, "admin").cli("incidents", "reveal", "MS-4C4C", "--reason", "x")
    assert short.exit_code == 1 and "say why" in short.output
    assert entries("incident_reporter_revealed") == [] and db.session.execute(db.select(ReporterReveal)).first() is None


# --- tips ---------------------------------------------------------------------------------

TIP_SW = "Vaa kofia ngumu kila unaposhuka shimoni."
TIP_EN = "Wear a hard hat every time you go down the shaft."


@pytest.mark.parametrize("door", DOORS)
def test_tip_add_is_audited_at_every_door(app, world, door):
    admin = Doors(app, world, "admin")
    if door == "dashboard":
        result = admin.post_form("/dashboard/tips/new", "/dashboard/tips/new",
                                 {"topic": "shafts", "sw": TIP_SW, "en": TIP_EN, "sources": ""})
        ok(door, result, 302)
    elif door == "api":
        ok(door, admin.api("post", "/api/v1/tips", {"topic": "shafts", "sw": TIP_SW, "en": TIP_EN}), 201)
    else:
        ok(door, admin.cli("tips", "add", "--topic", "shafts", "--sw", TIP_SW, "--en", TIP_EN))
    tip = db.session.execute(db.select(Tip).filter_by(origin="officer")).scalar_one()
    assert (tip.text_en, tip.created_by) == (TIP_EN, "ada")
    assert only_entry("tip_added", door, "ada", tip.id).detail == {"topic": "shafts"}


@pytest.mark.parametrize("door", DOORS)
def test_tip_edit_is_audited_at_every_door(app, world, door):
    admin = Doors(app, world, "admin")
    before = db.session.get(Tip, "shaft-timber")
    old = {"topic": before.topic_code, "sw": before.text_sw, "en": before.text_en}
    if door == "dashboard":
        page = "/dashboard/tips/shaft-timber/edit"
        ok(door, admin.post_form(page, page, {"topic": "shafts", "sw": TIP_SW, "en": TIP_EN, "sources": ""}), 302)
    elif door == "api":
        ok(door, admin.api("put", "/api/v1/tips/shaft-timber", {"topic": "shafts", "sw": TIP_SW, "en": TIP_EN}), 200)
    else:
        ok(door, admin.cli("tips", "edit", "shaft-timber", "--sw", TIP_SW, "--en", TIP_EN))
    tip = db.session.get(Tip, "shaft-timber", populate_existing=True)
    assert (tip.text_sw, tip.text_en, tip.edited_by) == (TIP_SW, TIP_EN, "ada")
    assert only_entry("tip_edited", door, "ada", "shaft-timber").detail == {"before": old}


@pytest.mark.parametrize("door", DOORS)
def test_tip_retire_and_restore_are_audited_at_every_door(app, world, door):
    admin = Doors(app, world, "admin")
    for change in ("retire", "restore"):
        if door == "dashboard":
            ok(door, admin.post_form("/dashboard/tips", f"/dashboard/tips/shaft-timber/{change}", {}), 302)
        elif door == "api":
            result = admin.api("delete", "/api/v1/tips/shaft-timber") if change == "retire" else \
                admin.api("patch", "/api/v1/tips/shaft-timber", {"retired": False})
            ok(door, result, 200)
        else:
            ok(door, admin.cli("tips", change, "shaft-timber"))
        retired = db.session.get(Tip, "shaft-timber", populate_existing=True).retired_at is not None
        assert retired == (change == "retire")
        only_entry(f"tip_{change}d", door, "ada", "shaft-timber")


@pytest.mark.parametrize("door", DOORS)
def test_a_county_officer_does_not_change_the_nationwide_tips_at_any_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    if door == "dashboard":
        token = csrf_token(officer.dashboard.get("/dashboard/tips"))
        assert officer.dashboard.post("/dashboard/tips/shaft-timber/retire",
                                      data={"csrf_token": token}).status_code == 403
    elif door == "api":
        assert officer.api("delete", "/api/v1/tips/shaft-timber").status_code == 403
    else:
        result = officer.cli("tips", "retire", "shaft-timber")
        assert result.exit_code == 1 and "admins do" in result.output
    assert db.session.get(Tip, "shaft-timber", populate_existing=True).retired_at is None
    assert entries("tip_retired") == []


def test_the_audit_page_shows_the_door(app, world):
    Doors(app, world, "admin").cli("tips", "retire", "shaft-timber")
    page = client_as(app, "admin").get("/dashboard/audit").get_data(as_text=True)
    assert "tip_retired · shaft-timber" in page and "ada · cli" in page


# --- training (issue 16) --------------------------------------------------------------------

def _in_days(days, hour=9):
    from datetime import datetime, timedelta

    from core.i18n import NAIROBI

    day = datetime.now(NAIROBI).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=NAIROBI)


TRAINING_TITLE = {"sw": "Huduma ya kwanza", "en": "First aid"}


def _training(county="Migori", seats=10):
    from training import service as trainings

    return trainings.create(None, {"topic": "first_aid", "title": TRAINING_TITLE, "county": county,
                                   "venue": "Osiri", "starts_at": _in_days(3).isoformat(), "seats": seats}).id


def _training_row(training_id):
    from models.training import TrainingSession

    return db.session.get(TrainingSession, training_id, populate_existing=True)


@pytest.mark.parametrize("door", DOORS)
def test_training_create_is_audited_at_every_door(app, world, door):
    from models.training import TrainingSession

    officer = Doors(app, world, "county_officer")
    start = _in_days(3)
    if door == "dashboard":
        ok(door, officer.post_form("/dashboard/trainings/new", "/dashboard/trainings/new", {
            "topic": "first_aid", "title_sw": TRAINING_TITLE["sw"], "title_en": TRAINING_TITLE["en"],
            "county": "Migori", "venue": "Osiri", "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "seats": "10"}), 302)
    elif door == "api":
        ok(door, officer.api("post", "/api/v1/trainings", {
            "topic": "first_aid", "title": TRAINING_TITLE, "county": "Migori", "venue": "Osiri",
            "starts_at": start.isoformat(), "seats": 10}), 201)
    else:
        ok(door, officer.cli("training", "create", "--topic", "first_aid", "--title-sw", TRAINING_TITLE["sw"],
                             "--title-en", TRAINING_TITLE["en"], "--county", "Migori", "--venue", "Osiri",
                             "--starts-at", start.strftime("%Y-%m-%dT%H:%M"), "--seats", "10"))
    session = db.session.execute(db.select(TrainingSession)).scalar_one()
    assert (session.county, session.seats, session.created_by) == ("Migori", 10, "otieno")
    entry = only_entry("training_created", door, "otieno", str(session.id))
    assert (entry.detail["county"], entry.detail["seats"]) == ("Migori", 10)


@pytest.mark.parametrize("door", DOORS)
def test_a_training_in_another_county_is_refused_at_every_door(app, world, door):
    from models.training import TrainingSession

    officer = Doors(app, world, "county_officer")
    start = _in_days(3)
    if door == "dashboard":
        # The form offers the officer's own county only; another is refused with the field named.
        result = officer.post_form("/dashboard/trainings/new", "/dashboard/trainings/new", {
            "topic": "first_aid", "title_sw": TRAINING_TITLE["sw"], "title_en": TRAINING_TITLE["en"],
            "county": "Kakamega", "venue": "Osiri", "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "seats": "10"})
        assert result.status_code in (400, 403)
    elif door == "api":
        result = officer.api("post", "/api/v1/trainings", {
            "topic": "first_aid", "title": TRAINING_TITLE, "county": "Kakamega", "venue": "Osiri",
            "starts_at": start.isoformat(), "seats": 10})
        assert result.status_code == 403 and result.get_json()["error"]["code"] == "forbidden"
    else:
        result = officer.cli("training", "create", "--topic", "first_aid", "--title-sw", TRAINING_TITLE["sw"],
                             "--title-en", TRAINING_TITLE["en"], "--county", "Kakamega", "--venue", "Osiri",
                             "--starts-at", start.strftime("%Y-%m-%dT%H:%M"), "--seats", "10")
        assert result.exit_code == 1 and "covers Migori only" in result.output
    assert db.session.execute(db.select(TrainingSession)).first() is None
    assert entries("training_created") == []


@pytest.mark.parametrize("door", ("api", "cli"))
def test_training_update_is_audited_at_its_doors(app, world, door):
    officer = Doors(app, world, "county_officer")
    training_id = _training()
    if door == "api":
        ok(door, officer.api("patch", f"/api/v1/trainings/{training_id}", {"venue": "Macalder", "seats": 12}), 200)
    else:
        ok(door, officer.cli("training", "update", str(training_id), "--venue", "Macalder", "--seats", "12"))
    session = _training_row(training_id)
    assert (session.venue, session.seats) == ("Macalder", 12)
    entry = only_entry("training_updated", door, "otieno", str(training_id))
    assert entry.detail == {"venue": "Macalder", "seats": 12}


@pytest.mark.parametrize("door", DOORS)
def test_training_cancel_is_audited_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    training_id = _training()
    if door == "dashboard":
        page = f"/dashboard/trainings/{training_id}"
        ok(door, officer.post_form(page, page + "/cancel", {}), 302)
    elif door == "api":
        ok(door, officer.api("patch", f"/api/v1/trainings/{training_id}", {"status": "cancelled"}), 200)
    else:
        ok(door, officer.cli("training", "cancel", str(training_id)))
    assert _training_row(training_id).status == "cancelled"
    assert only_entry("training_cancelled", door, "otieno", str(training_id)).detail["status"] == "cancelled"


@pytest.mark.parametrize("door", DOORS)
def test_another_countys_training_cannot_be_changed_at_any_door(app, world, door):
    officer = Doors(app, world, "other_county_officer")
    training_id = _training()
    make_miner("+254711000003", "Akinyi", "Migori", "Osiri")
    mark = audit_mark()
    if door == "dashboard":
        token = csrf_token(officer.dashboard.get("/dashboard/trainings/"))
        for action, data in (("cancel", {}), ("invite", {}), ("attendance", {"booking": "1"})):
            result = officer.dashboard.post(f"/dashboard/trainings/{training_id}/{action}",
                                            data={**data, "csrf_token": token})
            assert result.status_code == 403, action
    elif door == "api":
        for method, url, body in (("patch", "", {"status": "cancelled"}), ("post", "/invite", None),
                                  ("post", "/attendance", {"phones": ["+254711000003"]})):
            result = officer.api(method, f"/api/v1/trainings/{training_id}{url}", body)
            assert result.status_code == 403 and result.get_json()["error"]["code"] == "forbidden", url
    else:
        for args in (("cancel", str(training_id)), ("invite", str(training_id)),
                     ("attend", str(training_id), "+254711000003")):
            result = officer.cli("training", *args)
            assert result.exit_code == 1 and "covers Kakamega only" in result.output, args
    session = _training_row(training_id)
    assert session.status == "scheduled" and session.invited_broadcast_id is None
    assert db.session.execute(db.select(Broadcast)).first() is None
    assert actions_since(mark) == []


@pytest.mark.parametrize("door", DOORS)
def test_training_invitation_is_one_broadcast_audited_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    training_id = _training()
    mark = audit_mark()
    if door == "dashboard":
        page = f"/dashboard/trainings/{training_id}"
        ok(door, officer.post_form(page, page + "/invite", {}), 302)
    elif door == "api":
        ok(door, officer.api("post", f"/api/v1/trainings/{training_id}/invite"), 202)
    else:
        ok(door, officer.cli("training", "invite", str(training_id)))
    broadcast = db.session.execute(db.select(Broadcast)).scalar_one()
    assert broadcast.audience == {"county": ["Migori"]} and "MAFUNZO" in broadcast.texts["sw"]
    assert broadcast.officer_id == world["officers"]["county_officer"].id
    assert _training_row(training_id).invited_broadcast_id == broadcast.id
    # One audit entry: the broadcasts' own, naming the training.
    entry = only_entry("broadcast_created", door, "otieno", f"broadcast {broadcast.id}")
    assert entry.detail["training"] == training_id and entry.detail["recipients"] == 1
    assert actions_since(mark) == ["broadcast_created"]


@pytest.mark.parametrize("door", DOORS)
def test_training_attendance_is_audited_at_every_door(app, world, door):
    from models.training import TrainingBooking
    from training import service as trainings

    officer = Doors(app, world, "county_officer")
    training_id = _training()
    make_miner("+254711000003", "Akinyi", "Migori", "Osiri")
    trainings.book(training_id, "+254711000003")
    if door == "dashboard":
        booking = db.session.execute(db.select(TrainingBooking)).scalar_one()
        page = f"/dashboard/trainings/{training_id}"
        ok(door, officer.post_form(page, page + "/attendance", {"booking": str(booking.id)}), 302)
    elif door == "api":
        ok(door, officer.api("post", f"/api/v1/trainings/{training_id}/attendance",
                             {"phones": ["+254711000003"]}), 200)
    else:
        ok(door, officer.cli("training", "attend", str(training_id), "0711000003"))
    booking = db.session.execute(db.select(TrainingBooking).execution_options(populate_existing=True)).scalar_one()
    assert booking.status == "attended"
    entry = only_entry("training_attendance", door, "otieno", str(training_id))
    assert entry.detail == {"attended": 1, "changed": ["+2547******03"]}


def test_a_viewer_does_not_manage_trainings_at_any_door(app, world):
    viewer = Doors(app, world, "viewer")
    training_id = _training()
    token = csrf_token(viewer.dashboard.get("/dashboard/trainings/"))
    assert viewer.dashboard.post(f"/dashboard/trainings/{training_id}/cancel",
                                 data={"csrf_token": token}).status_code == 403
    assert viewer.api("patch", f"/api/v1/trainings/{training_id}", {"status": "cancelled"}).status_code == 403
    result = viewer.cli("training", "cancel", str(training_id))
    assert result.exit_code == 1 and "viewer role may not" in result.output
    assert _training_row(training_id).status == "scheduled" and entries("training_cancelled") == []


# --- buyers (issue 16) ----------------------------------------------------------------------

def _buyer_fields(**changes):
    from datetime import timedelta

    from buyers import rules

    fields = {"name": "Otieno Gold Traders", "licence_number": "MDL/2024/0153",
              "licence_expires": (rules.today() + timedelta(days=200)).isoformat(), "county": "Migori",
              "market": "Osiri", "phone": "0712345001"}
    return {**fields, **changes}


def _buyer(**changes):
    from buyers import service as buyers

    return buyers.create(None, _buyer_fields(**changes)).id


def _buyer_cli_args(fields):
    return [arg for name, value in fields.items() for arg in (f"--{name.replace('_', '-')}", value)]


def _buyer_row(buyer_id):
    from models import Buyer

    return db.session.get(Buyer, buyer_id, populate_existing=True)


@pytest.mark.parametrize("door", DOORS)
def test_buyer_add_is_audited_at_every_door(app, world, door):
    from models import Buyer

    officer = Doors(app, world, "county_officer")
    fields = _buyer_fields()
    if door == "dashboard":
        ok(door, officer.post_form("/dashboard/buyers/new", "/dashboard/buyers/new", fields), 302)
    elif door == "api":
        ok(door, officer.api("post", "/api/v1/buyers", fields), 201)
    else:
        ok(door, officer.cli("buyers", "add", *_buyer_cli_args(fields)))
    buyer = db.session.execute(db.select(Buyer)).scalar_one()
    assert (buyer.county, buyer.phone, buyer.created_by) == ("Migori", "+254712345001", "otieno")
    entry = only_entry("buyer_added", door, "otieno", f"buyer {buyer.id}")
    assert entry.detail["licence_number"] == "MDL/2024/0153" and entry.detail["phone"] == "+2547******01"


@pytest.mark.parametrize("door", DOORS)
def test_a_buyer_in_another_county_is_refused_at_every_door(app, world, door):
    from models import Buyer

    officer = Doors(app, world, "county_officer")
    fields = _buyer_fields(county="Kakamega")
    if door == "dashboard":
        # The form offers the officer's own county only.
        result = officer.post_form("/dashboard/buyers/new", "/dashboard/buyers/new", fields)
        assert result.status_code in (400, 403)
    elif door == "api":
        result = officer.api("post", "/api/v1/buyers", fields)
        assert result.status_code == 403 and result.get_json()["error"]["code"] == "forbidden"
    else:
        result = officer.cli("buyers", "add", *_buyer_cli_args(fields))
        assert result.exit_code == 1 and "covers Migori only" in result.output
    assert db.session.execute(db.select(Buyer)).first() is None
    assert entries("buyer_added") == []


@pytest.mark.parametrize("door", DOORS)
def test_a_bad_buyer_field_is_named_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    fields = _buyer_fields(phone="12")
    if door == "dashboard":
        result = officer.post_form("/dashboard/buyers/new", "/dashboard/buyers/new", fields)
        assert result.status_code == 400 and "Not accepted: not a" in result.get_data(as_text=True)
    elif door == "api":
        result = officer.api("post", "/api/v1/buyers", fields)
        assert result.status_code == 400 and result.get_json()["error"]["code"] == "invalid_phone"
        assert result.get_json()["error"]["message"].startswith("phone: ")
    else:
        result = officer.cli("buyers", "add", *_buyer_cli_args(fields))
        assert result.exit_code == 1 and "phone: " in result.output
    assert entries("buyer_added") == []


@pytest.mark.parametrize("door", DOORS)
def test_buyer_edit_is_audited_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    buyer_id = _buyer()
    if door == "dashboard":
        page = f"/dashboard/buyers/{buyer_id}/edit"
        ok(door, officer.post_form(page, page, _buyer_fields(market="Macalder")), 302)
    elif door == "api":
        ok(door, officer.api("patch", f"/api/v1/buyers/{buyer_id}", {"market": "Macalder"}), 200)
    else:
        ok(door, officer.cli("buyers", "edit", str(buyer_id), "--market", "Macalder"))
    assert _buyer_row(buyer_id).market == "Macalder"
    entry = only_entry("buyer_edited", door, "otieno", f"buyer {buyer_id}")
    assert entry.detail == {"changes": {"market": ["Osiri", "Macalder"]}}


@pytest.mark.parametrize("door", DOORS)
def test_buyer_delete_is_audited_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    buyer_id = _buyer()
    if door == "dashboard":
        ok(door, officer.post_form("/dashboard/buyers/", f"/dashboard/buyers/{buyer_id}/delete", {}), 302)
    elif door == "api":
        ok(door, officer.api("delete", f"/api/v1/buyers/{buyer_id}"), 204)
    else:
        ok(door, officer.cli("buyers", "delete", str(buyer_id)))
    db.session.expunge_all()
    assert _buyer_row(buyer_id) is None
    assert only_entry("buyer_deleted", door, "otieno", f"buyer {buyer_id}").detail["county"] == "Migori"


@pytest.mark.parametrize("door", DOORS)
def test_another_countys_buyer_is_not_found_at_any_door(app, world, door):
    officer = Doors(app, world, "other_county_officer")
    buyer_id = _buyer()
    if door == "dashboard":
        token = csrf_token(officer.dashboard.get("/dashboard/buyers/"))
        assert officer.dashboard.get(f"/dashboard/buyers/{buyer_id}/edit").status_code == 404
        assert officer.dashboard.post(f"/dashboard/buyers/{buyer_id}/edit",
                                      data={**_buyer_fields(market="Macalder"), "csrf_token": token}).status_code == 404
        assert officer.dashboard.post(f"/dashboard/buyers/{buyer_id}/delete",
                                      data={"csrf_token": token}).status_code == 404
    elif door == "api":
        assert officer.api("patch", f"/api/v1/buyers/{buyer_id}", {"market": "Macalder"}).status_code == 404
        assert officer.api("delete", f"/api/v1/buyers/{buyer_id}").status_code == 404
    else:
        for args in (("edit", str(buyer_id), "--market", "Macalder"), ("delete", str(buyer_id))):
            result = officer.cli("buyers", *args)
            assert result.exit_code == 1 and "no such buyer" in result.output, args
    assert _buyer_row(buyer_id).market == "Osiri"
    assert entries("buyer_edited") == [] and entries("buyer_deleted") == []


def test_a_viewer_does_not_change_buyers_at_any_door(app, world):
    viewer = Doors(app, world, "viewer")
    buyer_id = _buyer()
    token = csrf_token(viewer.dashboard.get("/dashboard/buyers/"))
    assert viewer.dashboard.post(f"/dashboard/buyers/{buyer_id}/delete",
                                 data={"csrf_token": token}).status_code == 403
    assert viewer.api("delete", f"/api/v1/buyers/{buyer_id}").status_code == 403
    result = viewer.cli("buyers", "delete", str(buyer_id))
    assert result.exit_code == 1 and "viewer role may not" in result.output
    assert _buyer_row(buyer_id) is not None and entries("buyer_deleted") == []


# --- permits: call-backs and county contacts (issue 16) -------------------------------------

def _callback(county="Migori", phone="+254711000001"):
    from permits import callbacks

    request, _outcome = callbacks.request_callback(phone, county)
    return request.id


def _callback_row(callback_id):
    from models.permit import CallbackRequest

    return db.session.get(CallbackRequest, callback_id, populate_existing=True)


@pytest.mark.parametrize("door", DOORS)
def test_callback_status_change_is_audited_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    callback_id = _callback()
    note = "No answer the first time."
    if door == "dashboard":
        ok(door, officer.post_form("/dashboard/callbacks/", f"/dashboard/callbacks/{callback_id}",
                                   {f"cb{callback_id}-status": "called", f"cb{callback_id}-note": note}), 302)
    elif door == "api":
        ok(door, officer.api("patch", f"/api/v1/callbacks/{callback_id}", {"status": "called", "note": note}), 200)
    else:
        ok(door, officer.cli("permits", "mark", str(callback_id), "called", "--note", note))
    request = _callback_row(callback_id)
    assert (request.status, request.note, request.handled_by) == ("called", note, "otieno")
    entry = only_entry("callback_status", door, "otieno", f"CB{callback_id}")
    assert entry.detail == {"from": "open", "to": "called", "note": note, "county": "Migori"}


@pytest.mark.parametrize("door", DOORS)
def test_another_countys_callback_is_refused_at_every_door(app, world, door):
    officer = Doors(app, world, "other_county_officer")
    callback_id = _callback()
    if door == "dashboard":
        result = officer.post_form("/dashboard/callbacks/", f"/dashboard/callbacks/{callback_id}",
                                   {f"cb{callback_id}-status": "called"})
        assert result.status_code == 403
    elif door == "api":
        result = officer.api("patch", f"/api/v1/callbacks/{callback_id}", {"status": "called"})
        assert result.status_code == 403 and result.get_json()["error"]["code"] == "forbidden"
    else:
        result = officer.cli("permits", "mark", str(callback_id), "called")
        assert result.exit_code == 1 and "outside your county" in result.output
    assert _callback_row(callback_id).status == "open"
    assert entries("callback_status") == []


@pytest.mark.parametrize("door", DOORS)
def test_a_callback_is_done_only_with_a_note_at_every_door(app, world, door):
    officer = Doors(app, world, "county_officer")
    callback_id = _callback()
    if door == "dashboard":
        result = officer.post_form("/dashboard/callbacks/", f"/dashboard/callbacks/{callback_id}",
                                   {f"cb{callback_id}-status": "done"})
        assert result.status_code == 400 and "say in a note" in result.get_data(as_text=True)
    elif door == "api":
        result = officer.api("patch", f"/api/v1/callbacks/{callback_id}", {"status": "done"})
        assert result.status_code == 400 and result.get_json()["error"]["code"] == "bad_note"
    else:
        result = officer.cli("permits", "mark", str(callback_id), "done")
        assert result.exit_code == 1 and "say in a note" in result.output
    assert _callback_row(callback_id).status == "open" and entries("callback_status") == []


def test_a_viewer_does_not_change_callbacks_at_any_door(app, world):
    viewer = Doors(app, world, "viewer")
    callback_id = _callback()
    token = csrf_token(viewer.dashboard.get("/dashboard/callbacks/"))
    assert viewer.dashboard.post(f"/dashboard/callbacks/{callback_id}",
                                 data={f"cb{callback_id}-status": "called", "csrf_token": token}).status_code == 403
    assert viewer.api("patch", f"/api/v1/callbacks/{callback_id}", {"status": "called"}).status_code == 403
    result = viewer.cli("permits", "mark", str(callback_id), "called")
    assert result.exit_code == 1 and "viewer role may not" in result.output
    assert _callback_row(callback_id).status == "open" and entries("callback_status") == []


def _with_phone(world):
    world["officers"]["county_officer"].phone = "+254722000111"
    db.session.commit()


# The county contacts have two doors: the dashboard's call-backs page and the CLI (no API route).
@pytest.mark.parametrize("door", ("dashboard", "cli"))
def test_county_contact_set_and_remove_are_audited_at_their_doors(app, world, door):
    from permits import contacts

    _with_phone(world)
    admin = Doors(app, world, "admin")
    office = "Migori town, county offices"
    if door == "dashboard":
        ok(door, admin.post_form("/dashboard/callbacks/", "/dashboard/callbacks/contacts",
                                 {"username": "otieno", "office": office}), 302)
    else:
        ok(door, admin.cli("permits", "contact", "set", "otieno", "--office", office))
    assert contacts.contact_for("Migori") == {"phone": "0722 000111", "office": office}
    entry = only_entry("permit_contact_set", door, "ada", "otieno")
    assert entry.detail == {"county": "Migori", "office": office}
    if door == "dashboard":
        ok(door, admin.post_form("/dashboard/callbacks/", "/dashboard/callbacks/contacts/otieno/remove", {}), 302)
    else:
        ok(door, admin.cli("permits", "contact", "remove", "otieno"))
    assert contacts.contact_for("Migori") is None
    only_entry("permit_contact_unset", door, "ada", "otieno")


@pytest.mark.parametrize("door", ("dashboard", "cli"))
def test_only_admins_choose_county_contacts_at_their_doors(app, world, door):
    from permits import contacts

    _with_phone(world)
    officer = Doors(app, world, "county_officer")
    if door == "dashboard":
        token = csrf_token(officer.dashboard.get("/dashboard/callbacks/"))
        assert officer.dashboard.post("/dashboard/callbacks/contacts",
                                      data={"username": "otieno", "csrf_token": token}).status_code == 403
    else:
        result = officer.cli("permits", "contact", "set", "otieno")
        assert result.exit_code == 1 and "officer role may not" in result.output
    assert contacts.contact_for("Migori") is None and entries("permit_contact_set") == []


# --- finance: leads (issue 16) --------------------------------------------------------------

@pytest.fixture
def leads(world):
    from finance import service as finance

    finance.record_lead("+254711000001", "savings_group")  # Amina, Migori
    finance.record_lead("+254711000002", "savings_group")  # Otieno, Kakamega
    return world


@pytest.mark.parametrize("door", DOORS)
def test_leads_export_is_scoped_and_audited_at_every_door(app, leads, door, tmp_path):
    officer = Doors(app, leads, "county_officer")
    if door == "dashboard":
        result = officer.dashboard.get("/dashboard/finance/leads.csv?kind=savings_group")
        ok(door, result, 200)
        text = result.get_data(as_text=True)
    elif door == "api":
        result = officer.api("get", "/api/v1/leads.csv?kind=savings_group")
        ok(door, result, 200)
        text = result.get_data(as_text=True)
    else:
        out = tmp_path / "leads.csv"
        ok(door, officer.cli("finance", "export", "--kind", "savings_group", "-o", str(out)))
        text = out.read_text()
    # The county officer's own county only, numbers masked, whichever door.
    assert "Amina" in text and "Otieno" not in text and "+254711000001" not in text and "+2547******01" in text
    entry = only_entry("export_leads", door, "otieno", "leads.csv")
    assert entry.detail == {"county": None, "kind": "savings_group", "county_scope": "Migori", "rows": 1,
                            "full_numbers": False}


@pytest.mark.parametrize("door", DOORS)
def test_broadcast_to_leads_is_one_broadcast_audited_at_every_door(app, leads, door):
    officer = Doors(app, leads, "county_officer")
    text = "Mkutano wa kikundi cha akiba Jumamosi."
    mark = audit_mark()
    if door == "dashboard":
        page = "/dashboard/finance/leads/broadcast?kind=savings_group"
        ok(door, officer.post_form(page, page, {"step": "send", "text_sw": text, "text_en": ""}), 302)
    elif door == "api":
        ok(door, officer.api("post", "/api/v1/leads/broadcast", {"kind": "savings_group", "text": {"sw": text}}), 202)
    else:
        ok(door, officer.cli("finance", "broadcast", "--kind", "savings_group", "--sw", text, "--yes"))
    broadcast = db.session.execute(db.select(Broadcast)).scalar_one()
    # The county officer's county is filled in by the broadcasts' county rule.
    assert broadcast.audience == {"county": ["Migori"], "lead_kind": ["savings_group"]}
    assert broadcast.officer_id == leads["officers"]["county_officer"].id and broadcast.texts == {"sw": text}
    entry = only_entry("broadcast_created", door, "otieno", f"broadcast {broadcast.id}")
    assert entry.detail["recipients"] == 1 and entry.detail["to"] == "finance leads"
    assert actions_since(mark) == ["broadcast_created"]


@pytest.mark.parametrize("door", DOORS)
def test_broadcast_to_another_countys_leads_is_refused_at_every_door(app, leads, door):
    officer = Doors(app, leads, "county_officer")
    if door == "dashboard":
        page = "/dashboard/finance/leads/broadcast?kind=savings_group&county=Kakamega"
        assert officer.dashboard.get(page).status_code == 403
        token = csrf_token(officer.dashboard.get("/dashboard/finance/leads/broadcast?kind=savings_group"))
        result = officer.dashboard.post(page, data={"step": "send", "text_sw": "Habari.", "csrf_token": token})
        assert result.status_code == 403
    elif door == "api":
        result = officer.api("post", "/api/v1/leads/broadcast", {"kind": "savings_group", "county": "Kakamega",
                                                                 "text": {"sw": "Habari."}})
        assert result.status_code == 403 and result.get_json()["error"]["code"] == "out_of_scope"
    else:
        result = officer.cli("finance", "broadcast", "--kind", "savings_group", "--county", "Kakamega",
                             "--sw", "Habari.", "--yes")
        assert result.exit_code == 1 and "only broadcast to Migori" in result.output
    assert db.session.execute(db.select(Broadcast)).first() is None
    assert entries("broadcast_created") == []


def test_a_viewer_does_not_broadcast_to_leads_at_any_door(app, leads):
    viewer = Doors(app, leads, "viewer")
    assert viewer.dashboard.get("/dashboard/finance/leads/broadcast?kind=savings_group").status_code == 403
    assert viewer.api("post", "/api/v1/leads/broadcast", {"kind": "savings_group",
                                                          "text": {"sw": "Habari."}}).status_code == 403
    result = viewer.cli("finance", "broadcast", "--kind", "savings_group", "--sw", "Habari.", "--yes")
    assert result.exit_code == 1 and "viewer role may not" in result.output
    assert db.session.execute(db.select(Broadcast)).first() is None and entries("broadcast_created") == []
