"""The capability registry (core/capability.py): loading, the journey validator at boot, the
"More services" sub-menu, snapshots read through the session, and what install wires."""
import types

import pytest

from app import CAPABILITIES
from core.capability import Capability, CapabilityError, Registry
from core.i18n import N_
from flows.engine import End, Menu, Option, Session, effect
from flows.main_menu import MenuEntry
from tests.journeys import REGISTRY


def registry_with(capability):
    return REGISTRY.with_capability(capability)


def test_the_app_lists_its_capabilities_and_they_validate():
    assert REGISTRY.names == CAPABILITIES
    assert REGISTRY.validate() is REGISTRY
    assert {"send_tip", "file_incident", "register_miner", "price_subscribe"} <= set(REGISTRY.effects)
    assert REGISTRY.snapshot("tips").name == "tips"


def test_a_package_without_a_capability_is_refused():
    with pytest.raises(CapabilityError, match="declares no CAPABILITY"):
        Registry.load(["flows"])


def test_an_effect_without_a_handler_fails_at_boot(monkeypatch):
    from tips import journey

    bad = Capability("extra", journey=journey)  # a second tips journey: menu 2 twice
    with pytest.raises(ValueError, match="same number on the main menu"):
        registry_with(bad).validate()
    from core import capability

    monkeypatch.setattr(capability, "journey_effects", lambda module: {"send_tip", "book_training"})
    with pytest.raises(CapabilityError, match="returns effect 'book_training', which no capability handles"):
        Registry(REGISTRY.capabilities).validate()


def test_a_next_naming_an_undeclared_state_fails_at_boot():
    states = [Menu("xyz.list", title=N_("More services"), options=[Option(N_("Continue"), "xyz.typo")]),
              End("xyz.done", body=N_("More services"))]
    module = types.ModuleType("trainingish.journey")
    module.STATES = states
    module.MENU_ENTRY = MenuEntry(9, N_("More services"), "xyz.list", menu="more")  # a free number
    from core import capability

    problems = [(where, target) for where, target in capability.static_targets(module)
                if target not in registry_with(Capability("trainingish", journey=module)).flow.states]
    assert problems == [("state xyz.list option 'Continue'", "xyz.typo")]


def test_the_validator_reads_effects_from_the_journey_source():
    from core import capability
    from tips import journey

    assert capability.journey_effects(journey) == {"send_tip"}
    assert capability.impure_imports(journey) == []


def test_every_registered_journey_is_pure():
    from core import capability
    from tests.journeys import REGISTRY

    for journey in REGISTRY.journeys:
        assert capability.impure_imports(journey) == [], journey.__name__


def test_a_journey_importing_models_is_refused(tmp_path):
    import importlib.util

    from core import capability

    path = tmp_path / "journey.py"
    path.write_text("from models import db\nfrom prices import board\nfrom flows.engine import End\nSTATES = []\n")
    spec = importlib.util.spec_from_file_location("trainingish.journey", path)
    journey = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(journey)
    problems = capability.impure_imports(journey)
    assert any("models" in p for p in problems) and any("prices.board" in p for p in problems)
    assert not any("flows.engine" in p for p in problems)


def _more_journey():
    module = types.ModuleType("trainingish.journey")
    module.STATES = [End("trn.list", body=N_("More services"))]
    module.MENU_ENTRY = MenuEntry(1, N_("Safety tips"), "trn.list", menu="more")
    return module


def _in_more_services(capability):
    entry = getattr(capability.journey, "MENU_ENTRY", None)
    return entry is not None and entry.menu == "more"


def test_menu_6_appears_only_when_a_service_registers_for_it():
    without = Registry([c for c in REGISTRY if not _in_more_services(c)])  # the app minus its menu-6 services
    plain = without.flow
    session = Session(phone="+254700000000", locale="en")
    assert "6 More services" not in plain.start(session).text
    assert "more" not in plain.states

    flow = without.with_capability(Capability("trainingish", journey=_more_journey())).flow
    session = Session(phone="+254700000000", locale="en")
    assert flow.start(session).text.endswith("6 More services")
    reply = flow.advance(session, "6")
    assert reply.text.splitlines()[:2] == ["More services", "1 Safety tips"]
    assert flow.advance(session, "1").end
    sw = Session(phone="+254700000000", locale="sw")
    assert flow.start(sw).text.endswith("6 Huduma zaidi")
    if any(_in_more_services(c) for c in REGISTRY):  # the app as built: its services are under 6
        assert REGISTRY.flow.start(Session(phone="+254700000000", locale="en")).text.endswith("6 More services")


def test_a_journey_reads_snapshots_through_the_session_without_io():
    from tips.catalogue import CATALOGUE

    CATALOGUE.prime({"topics": [], "tips": {}, "by_topic": {}, "order": []})
    session = Session(phone="+254700000000", locale="en")
    REGISTRY.flow.render(session)
    assert session.snapshot("tips") == {"topics": [], "tips": {}, "by_topic": {}, "order": []}
    with pytest.raises(KeyError, match="no snapshot named 'no-such-list'"):
        session.snapshot("no-such-list")
    assert "sources" not in session.to_dict()


def test_install_wires_keywords_effects_commands_and_nav(app):
    registry = app.extensions["capabilities"]
    assert {"TIP", "USHAURI", "REPORT", "PRICE", "STOP", "HELP"} <= set(registry.keyword_router.routes)
    assert {"tips", "price", "incidents", "broadcast"} <= set(app.cli.commands)
    assert "tips.tips" in [entry.endpoint for entry in registry.nav]
    assert app.extensions["ussd"].flow is registry.flow
    # Pages and API routes are the capabilities' own blueprints; shipped content is declared.
    assert {"tips", "prices", "tips_api", "prices_api", "incidents_api", "miners_api"} <= set(app.blueprints)
    assert [item.name for item in registry.shipped] == ["tips"]


def test_a_capability_may_bring_its_own_effect():
    calls = []
    extra = Capability("bookish", effects={"book_training": lambda **payload: calls.append(payload)})
    from ussd import effects

    registry = registry_with(extra)
    effects.run([effect("book_training", phone="+254700000000")], registry.effects)
    assert calls == [{"phone": "+254700000000"}]
    with pytest.raises(CapabilityError, match="two handlers"):
        registry_with(Capability("twice", effects={"send_tip": print})).effects
