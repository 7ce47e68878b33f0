"""content/permits.yaml: every step fits ONE USSD screen (with the step menu) in both
languages, through the real journey; the Swahili follows the glossary; every step has a
source; the file's checks refuse a step too long or without a source."""
import pytest
import yaml

from flows.engine import Session
from permits import content, journey
from permits.contacts import CONTACTS, OFFICE_MAX
from tests.journeys import FLOW
from tests.test_glossary import problems as glossary_problems

LOCALES = ("sw", "en")
LONGEST_COUNTY = max(["Migori", "Taita Taveta", "Uasin Gishu", "West Pokot"], key=len)


def _session(locale, state, **data):
    return Session(phone="+254712345678", locale=locale, state=state, data=data,
                   caller={"county": LONGEST_COUNTY, "name": "Akinyi"})


@pytest.fixture(autouse=True)
def worst_contacts():
    CONTACTS.prime({"counties": {LONGEST_COUNTY: {"phone": "0722 000111", "office": "W" * OFFICE_MAX}}})
    yield
    CONTACTS.prime(CONTACTS.empty)


def _one_page(session):
    pages = FLOW.pages(session)
    assert len(pages) == 1, f"{session.state} {session.data} ({session.locale}) needs 98: {pages}"
    assert len(pages[0]) <= 160
    return pages[0]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_step_fits_one_screen(locale):
    for code, guide in content.guides().items():
        for index, step in enumerate(guide["steps"]):
            screen = _one_page(_session(locale, journey.STEP, prm_guide=code, prm_step=index))
            assert step[locale] in screen
            assert ("2 " in screen.splitlines()[-2])  # the call-back option is on the screen


@pytest.mark.parametrize("locale", LOCALES)
def test_the_other_screens_fit(locale):
    for state in (journey.MENU, journey.OFFICE, journey.CONFIRM, journey.DONE):
        _one_page(_session(locale, state))
    _one_page(_session(locale, journey.DONE, prm_call="exists"))
    CONTACTS.prime({"counties": {}})
    _one_page(_session(locale, journey.OFFICE))


def test_swahili_follows_the_glossary():
    found = []
    for guide in content.guides().values():
        texts = [guide["title"]["sw"], guide["sms"]["sw"]] + [s["sw"] for s in guide["steps"]]
        for text in texts:
            found += [f"{text!r}: {p}" for p in glossary_problems(text)]
    assert not found, found


def test_every_step_names_a_source_and_uncertain_ones_send_to_the_office():
    raw = content.read_file()
    for guide in raw["guides"]:
        for step in guide["steps"]:
            assert any(s in raw["sources"] for s in step["sources"]), step["id"]
            if "UNVERIFIED" in step["sources"]:
                assert "county" in step["en"] and "ask" in step["en"].lower(), step["id"]
                assert "uliza ofisi" in step["sw"].lower(), step["id"]


def test_the_checks_refuse_bad_content(tmp_path):
    raw = yaml.safe_load(content.CONTENT_FILE.read_text(encoding="utf-8"))
    raw["guides"][0]["steps"][0]["sw"] = "x" * (content.STEP_MAX + 1)
    raw["guides"][0]["steps"][1]["sources"] = ["PROPOSAL"]
    raw["guides"][1]["steps"][0]["en"] = "Caf\u00e9 \u2019quoted\u2019"
    path = tmp_path / "permits.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(content.ContentError) as error:
        content.read_file(path)
    text = str(error.value)
    assert "permit-law (sw)" in text and "permit-cooperative: names no source" in text and "group-why (en)" in text
