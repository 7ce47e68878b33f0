"""The one-page impact summary (issue 16 item 5): numbers for a date range and a county,
the county rule, bad dates named, the training numbers only when training is installed,
and a print layout."""
from datetime import datetime, timedelta, timezone

import pytest

from finance import impact
from models import Incident, Message, Miner, db
from tests.dashboard_helpers import make_miner, make_officers, new_client, sign_in

IN_RANGE = datetime(2026, 11, 10, 9, tzinfo=timezone.utc)
BEFORE = datetime(2026, 10, 20, 9, tzinfo=timezone.utc)


@pytest.fixture
def seeded(app):
    officers = make_officers()
    women = [make_miner(f"+25471100000{n}", f"Mama {n}", "Migori", "Osiri") for n in range(3)]
    man = make_miner("+254711000009", "Baba", "Kakamega", "Rosterman")
    old = make_miner("+254711000008", "Old", "Migori", "Osiri")
    for miner in women + [man]:
        miner.created_at = IN_RANGE
    women[2].gender = "undisclosed"
    man.gender = "man"
    old.created_at = BEFORE
    for n, (category, county, when) in enumerate([("COLLAPSE", "Migori", IN_RANGE), ("FLOOD", "Migori", IN_RANGE),
                                                  ("COLLAPSE", "Kakamega", IN_RANGE), ("AIR", "Migori", BEFORE)]):
        db.session.add(Incident(reference=f"MS-T{n}AA", category=category, county=county, channel="ussd",
                                reported_at=when, created_at=when))
    for n, (purpose, miner, status) in enumerate([("tip", women[0], "delivered"), ("tip_drip", women[1], "sent"),
                                                  ("tip", man, "delivered"), ("tip", women[0], "failed"),
                                                  ("price_alert", women[0], "submitted")]):
        db.session.add(Message(phone=miner.phone, miner_id=miner.id, purpose=purpose, text="x", locale="sw",
                               encoding="GSM-7", segments=1, status=status, attempts=1, sent_at=IN_RANGE,
                               created_at=IN_RANGE, updated_at=IN_RANGE))
    db.session.commit()
    return officers


def test_numbers_for_a_range_and_a_county(seeded):
    data = impact.summary(seeded["admin"], "2026-11-01", "2026-11-30", "Migori")
    assert data["registrations"] == {"woman": 2, "man": 0, "undisclosed": 1}
    assert data["incidents"]["COLLAPSE"] == 1 and data["incidents"]["FLOOD"] == 1 and data["incidents_total"] == 2
    assert data["tips_sent"] == 2 and data["price_alerts_sent"] == 1
    everywhere = impact.summary(seeded["admin"], "2026-11-01", "2026-11-30")
    assert everywhere["registrations_total"] == 4 and everywhere["tips_sent"] == 3 and everywhere["incidents_total"] == 3
    # A county officer gets their county whatever they ask for.
    scoped = impact.summary(seeded["other_county_officer"], "2026-11-01", "2026-11-30", "Migori")
    assert scoped["county"] == "Kakamega" and scoped["registrations"]["man"] == 1


def test_bad_dates_name_the_field():
    with pytest.raises(impact.RangeError) as bad:
        impact.parse_range("2026-13-01", "2026-11-30")
    assert bad.value.field == "start"
    with pytest.raises(impact.RangeError) as bad:
        impact.parse_range("2026-11-30", "2026-11-01")
    assert bad.value.field == "start"
    with pytest.raises(impact.RangeError) as bad:
        impact.parse_range("2026-11-01", "soon")
    assert bad.value.field == "end"
    default = impact.parse_range(current=datetime(2026, 12, 1).date())
    assert (default.first.isoformat(), default.last.isoformat()) == ("2026-12-01", "2026-12-01")


def test_training_numbers_come_from_the_training_capability_when_installed(seeded, monkeypatch):
    asked = []

    def fake_summary(start, end, county):
        asked.append((start, end, county))
        return {"held": 2, "booked": 40, "attended": 31, "attended_women": 12}

    monkeypatch.setattr(impact, "training_provider", lambda: None)
    assert impact.summary(seeded["admin"], "2026-11-01", "2026-11-30")["training"] is None
    monkeypatch.setattr(impact, "training_provider", lambda: fake_summary)
    data = impact.summary(seeded["county_officer"], "2026-11-01", "2026-11-30")
    assert data["training"] == {"held": 2, "booked": 40, "attended": 31, "attended_women": 12}
    assert asked[0][2] == "Migori" and asked[0][0] < asked[0][1]
    # UTC datetimes, as training.impact_summary documents: Nairobi's 1 to 30 November, end excluded
    assert asked[0][:2] == (datetime(2026, 10, 31, 21, tzinfo=timezone.utc), datetime(2026, 11, 30, 21, tzinfo=timezone.utc))
    assert asked[0][0].utcoffset() == timedelta(0)

    def broken(start, end, county):
        raise RuntimeError("training is down")

    monkeypatch.setattr(impact, "training_provider", lambda: broken)
    assert impact.summary(seeded["admin"], "2026-11-01", "2026-11-30")["training"] is None


def test_the_page_draws_charts_prints_cleanly_and_refuses_bad_dates(app, seeded):
    client = new_client(app)
    assert client.get("/dashboard/finance/impact").status_code == 302  # sign in first
    sign_in(client, "otieno")
    page = client.get("/dashboard/finance/impact?start=2026-11-01&end=2026-11-30&county=Kakamega")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Migori" in html and 'id="impact-registrations">3<' in html  # the officer's county, not Kakamega
    assert html.count("<svg") >= 2 and "Pit or tunnel collapse" in html
    assert "impact.css" in html and "print-only" in html
    css = client.get("/dashboard/finance/static/impact.css").get_data(as_text=True)
    assert "@media print" in css and ".topbar" in css
    bad = client.get("/dashboard/finance/impact?start=2026-11-31")
    assert bad.status_code == 400 and "start must be a date" in bad.get_data(as_text=True)
