"""Setup steps of the training golden conversations (`@call tests.training_setup:<function> ...`)."""
from training import service

TITLES = {
    "mercury_free": {"sw": "Kuosha dhahabu bila zebaki", "en": "Mercury-free processing"},
    "first_aid": {"sw": "Huduma ya kwanza", "en": "First aid"},
    "shafts": {"sw": "Mashimo salama na hewa safi", "en": "Safe shafts and air"},
    "groups": {"sw": "Vikundi na leseni", "en": "Groups and permits"},
    "finance": {"sw": "Akiba na mikopo", "en": "Savings and loans"},
}


def session(topic, county, starts_at, seats, venue="Osiri"):
    """`@call tests.training_setup:session mercury_free Migori 2026-12-10T09:00 30`"""
    service.create(None, {"topic": topic, "title": TITLES[topic], "county": county, "venue": venue,
                    "starts_at": starts_at, "seats": seats})


def registered(phone, county, locale="sw"):
    from tests.golden_setup import registered as register

    register(phone, county, locale, name="Amina" if locale == "sw" else "John")


def book(n, phone):
    """`@call tests.training_setup:book 2 +2547...`: book the n-th upcoming session of the phone's county."""
    from models import Miner, db

    county = db.session.execute(db.select(Miner.county).filter_by(phone=phone)).scalar_one()
    service.book(service.upcoming(county)[int(n) - 1]["id"], phone)


def language(phone, locale):
    from models.miner import set_language

    set_language(phone, locale)
