"""Dashboard prices and tips: publishing through prices.publishing (alerts queued), history per
market, county scoping; tips by topic, add, edit, retire and restore through tips.catalogue."""
from rq import Queue

from core import jobs
from models import AuditEntry, Market, Price, Tip, db
from prices import publishing as prices
from tests.dashboard_helpers import csrf_token, make_officers
from tests.test_dashboard import client_as
from tips import catalogue


def _setup():
    make_officers()
    prices.ensure_default_markets()
    catalogue.load_file()


def _market(name):
    return db.session.execute(db.select(Market).filter_by(name=name)).scalar_one()


def test_publish_a_price_queues_the_alerts_and_is_audited(app):
    _setup()
    client = client_as(app, "county_officer")
    page = client.get("/dashboard/prices")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Publish a price" in body
    assert "Kakamega" not in body  # only the officer's county's markets
    migori = _market("Migori")
    response = client.post("/dashboard/prices", data={"csrf_token": csrf_token(page), "market": migori.id,
                                                      "kes_per_gram": "9,850", "purity": "90%", "source": "board"})
    assert response.status_code == 302
    price = db.session.execute(db.select(Price)).scalar_one()
    assert (float(price.kes_per_gram), float(price.purity), price.published_by) == (9850.0, 0.9, "otieno")
    bulk = Queue(jobs.BULK, connection=app.extensions["redis"])
    assert f"price-alerts-{price.id}" in bulk.job_ids
    assert db.session.execute(db.select(AuditEntry).filter_by(action="price_published")).scalar_one().target == "Migori"
    listing = client.get("/dashboard/prices").get_data(as_text=True)
    assert "KES 9,850 per gram at 90%" in listing and "KES 10,944 per gram of pure gold" in listing
    history = client.get(f"/dashboard/prices/{migori.id}")
    assert history.status_code == 200 and "<svg" in history.get_data(as_text=True)


def test_bad_quantities_are_explained_and_nothing_is_published(app):
    _setup()
    client = client_as(app, "admin")
    page = client.get("/dashboard/prices")
    response = client.post("/dashboard/prices", data={"csrf_token": csrf_token(page), "market": _market("Migori").id,
                                                      "kes_per_gram": "lots", "purity": "150%"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Not understood" in body and body.count('class="error"') >= 2
    assert db.session.execute(db.select(Price)).first() is None


def test_prices_are_scoped_and_viewers_cannot_publish(app):
    _setup()
    kakamega = _market("Kakamega")
    officer = client_as(app, "county_officer")
    assert officer.get(f"/dashboard/prices/{kakamega.id}").status_code == 403
    token = csrf_token(officer.get("/dashboard/prices"))
    refused = officer.post("/dashboard/prices", data={"csrf_token": token, "market": kakamega.id,
                                                      "kes_per_gram": "9000", "purity": "0.9"})
    assert refused.status_code == 400  # not a market this officer may choose
    viewer = client_as(app, "viewer")
    page = viewer.get("/dashboard/prices")
    assert "Publish a price" not in page.get_data(as_text=True)
    assert viewer.post("/dashboard/prices", data={"csrf_token": csrf_token(page), "market": kakamega.id,
                                                  "kes_per_gram": "9000", "purity": "0.9"}).status_code == 403
    assert db.session.execute(db.select(Price)).first() is None


def test_tips_by_topic_add_edit_retire_restore(app):
    _setup()
    client = client_as(app, "admin")  # the tips are nationwide: admins change them (contract roles)
    listing = client.get("/dashboard/tips?topic=")
    assert listing.status_code == 200
    first = db.session.execute(db.select(Tip).order_by(Tip.topic_code, Tip.position)).scalars().first()
    assert first.text_en in listing.get_data(as_text=True)
    form = client.get("/dashboard/tips/new")
    too_long = client.post("/dashboard/tips/new", data={"csrf_token": csrf_token(form), "topic": first.topic_code,
                                                        "sw": "Vaa kofia ngumu \U0001F477", "en": "Wear a helmet."})
    assert too_long.status_code == 400 and db.session.execute(db.select(Tip).filter_by(origin="officer")).first() is None
    added = client.post("/dashboard/tips/new", data={"csrf_token": csrf_token(form), "topic": first.topic_code,
                                                     "sw": "Vaa kofia ngumu shimoni.", "en": "Wear a hard hat in the pit."})
    assert added.status_code == 302
    tip = db.session.execute(db.select(Tip).filter_by(origin="officer")).scalar_one()
    assert (tip.created_by, tip.text_sw) == ("ada", "Vaa kofia ngumu shimoni.")
    edit = client.get(f"/dashboard/tips/{tip.id}/edit")
    assert "Vaa kofia ngumu shimoni." in edit.get_data(as_text=True)
    saved = client.post(f"/dashboard/tips/{tip.id}/edit", data={
        "csrf_token": csrf_token(edit), "topic": tip.topic_code, "sw": "Vaa kofia ngumu kila siku shimoni.",
        "en": "Wear a hard hat in the pit, every day.", "sources": "KEBS"})
    assert saved.status_code == 302
    tip = db.session.get(Tip, tip.id, populate_existing=True)
    assert (tip.text_sw, tip.sources) == ("Vaa kofia ngumu kila siku shimoni.", "KEBS")
    token = csrf_token(client.get("/dashboard/tips"))
    assert client.post(f"/dashboard/tips/{tip.id}/retire", data={}).status_code == 400  # CSRF
    assert client.post(f"/dashboard/tips/{tip.id}/retire", data={"csrf_token": token}).status_code == 302
    assert db.session.get(Tip, tip.id, populate_existing=True).retired_at is not None
    assert tip.id not in catalogue.catalogue().tips
    assert "Vaa kofia ngumu kila siku" not in client.get("/dashboard/tips?topic=").get_data(as_text=True)
    assert "Vaa kofia ngumu kila siku" in client.get("/dashboard/tips?show=retired&topic=").get_data(as_text=True)
    assert client.post(f"/dashboard/tips/{tip.id}/restore", data={"csrf_token": token}).status_code == 302
    assert db.session.get(Tip, tip.id, populate_existing=True).retired_at is None
    actions = db.session.execute(db.select(AuditEntry.action).where(AuditEntry.action.like("tip_%"))
                                 .order_by(AuditEntry.id)).scalars().all()
    assert actions == ["tip_added", "tip_edited", "tip_retired", "tip_restored"]
    for role in ("viewer", "county_officer", "other_county_officer"):
        other = client_as(app, role)
        assert other.get("/dashboard/tips/new").status_code == 403
        assert "/retire\"" not in other.get("/dashboard/tips").get_data(as_text=True)
        token = csrf_token(other.get("/dashboard/tips"))
        assert other.post(f"/dashboard/tips/{tip.id}/retire", data={"csrf_token": token}).status_code == 403
    assert db.session.get(Tip, tip.id, populate_existing=True).retired_at is None
