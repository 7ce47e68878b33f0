"""The app's flow, built from its capabilities as create_app builds it (no app needed):
screen tests render journeys with it. `testdata(capability)` is the worst-case session data
beside a capability's journey (`<capability>/testdata/journey.yaml`), and `WORST_FLOW` the
flow whose snapshots hold every journey's testdata."""
from pathlib import Path

import yaml

from app import CAPABILITIES
from core.capability import Registry
from flows import build_flow

REGISTRY = Registry.load(CAPABILITIES).validate()
FLOW = REGISTRY.flow
JOURNEYS = [c for c in REGISTRY if c.journey is not None]


def testdata(capability):
    """The worst case beside the journey: {"caller": ..., "data": ..., "snapshots": ...}."""
    path = Path(capability.journey.__file__).parent / "testdata" / "journey.yaml"
    assert path.exists(), f"{capability.name}: a journey needs its worst-case testdata at {path}"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def flow_with(snapshots):
    """The app's flow, these snapshots holding the given data (the others as the registry has them)."""
    sources = {s.name: s.current for s in REGISTRY.snapshots}
    for name, data in (snapshots or {}).items():
        assert name in sources, f"testdata names snapshot {name!r}, which no capability declares"
        sources[name] = (lambda value: lambda: value)(data)
    return build_flow(REGISTRY.journeys, sources=sources)


TESTDATA = {c.name: testdata(c) for c in JOURNEYS}
WORST_FLOW = flow_with({name: data for t in TESTDATA.values() for name, data in (t.get("snapshots") or {}).items()})
# The state id -> the capability whose journey declares it (menus the flow builds have none).
OWNER = {state.id: c.name for c in JOURNEYS for state in c.journey.STATES}
