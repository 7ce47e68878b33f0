"""One capability, one folder: what a capability declares, and the registry that wires it.

Every capability (`miners/`, `incidents/`, `tips/`, ...) is one package whose `__init__`
declares `CAPABILITY = Capability(...)`. `app.py` lists the capabilities by name:

    registry = Registry.load(CAPABILITIES)   # importlib.import_module(name).CAPABILITY
    registry.validate()                      # journeys checked at boot; raises on a mistake
    registry.install(app)                    # everything is wired here, and only here

Nothing is registered by importing a module: the transport (`ussd/`, `sms/`), the dashboard,
the CLI and the cron schedule read what they need from the registry, which `install` puts in
`app.extensions["capabilities"]`. They know no capability by name.
"""
import ast
import importlib
import importlib.util
import inspect
import sys
import textwrap
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType, ModuleType
from typing import Any, Callable, Mapping, Sequence

EMPTY = MappingProxyType({})


class CapabilityError(ValueError):
    """A capability is declared wrongly (found at boot, never when a caller reaches it)."""


@dataclass(frozen=True)
class Keyword:
    """An inbound SMS keyword (CONTRACT.md section 2)."""

    english: str
    swahili: str
    handler: Callable  # (sms.keywords.Inbound) -> reply text or None
    aliases: Mapping = field(default_factory=dict)  # {WORD: locale}
    whole_only: bool = False  # a command only as the whole message (STOP, START)
    distress: bool = False  # with any incident words the message is a report (HELP, MSAADA)


@dataclass(frozen=True)
class NavEntry:
    """A dashboard navigation entry; `action` is an Officer.may action or callable(officer)."""

    endpoint: str
    label: object
    action: object = "read"
    order: int = 50


@dataclass(frozen=True)
class Shipped:
    """Content shipped with the code (e.g. the safety tips in content/tips.yaml) that
    `db upgrade`, `release` (ops/content.py) load where the database lacks it and that
    `flask doctor` checks. load_missing() adds only what is missing and returns how many;
    count_missing() says how many shipped items the database lacks."""

    name: str
    load_missing: Callable[[], int]
    count_missing: Callable[[], int]


@dataclass(frozen=True)
class Panel:
    """An overview panel: loader(officer, county) -> None | dict(template=..., ...)."""

    loader: Callable
    order: int = 50


@dataclass(frozen=True)
class CronEntry:
    """A job the cron process enqueues (rq cron)."""

    func: Callable
    cron: str
    name: str
    queue: str = "default"
    timeout: int = 300


@dataclass(frozen=True)
class CallerDetail:
    """A per-phone Redis key read with the session on a USSD session's first hop."""

    key: str  # with {phone} in it
    read: Callable  # the key's value (bytes, or None when missing) -> dict to add to the caller


@dataclass(frozen=True)
class Inbound:
    """How a capability reads inbound SMS beyond its keywords (the incidents capability's):
    `detect(text)` finds incident evidence, `language(words)` guesses "sw"/"en"/None, and
    `fallback(message)` is asked (in capability order) when no keyword matched."""

    detect: Callable | None = None
    language: Callable | None = None
    fallback: Callable | None = None


@dataclass(frozen=True)
class Capability:
    name: str
    journey: ModuleType | None = None  # the capability's journey module (<name>/journey.py)
    effects: Mapping[str, Callable] = field(default_factory=dict)  # effect type -> handler(**payload) -> dict | None
    keywords: Sequence[Keyword] = ()
    caller_details: Sequence[CallerDetail] = ()
    erasure: Sequence[Callable] = ()  # hook(phone, miner_id=None) when a miner asks to be forgotten
    forget_keys: Sequence[str] = ()  # per-phone Redis key shapes ({phone}; * for a part that varies)
    snapshots: Sequence[Any] = ()  # core.snapshot.Snapshot objects its journey reads
    commands: Sequence[Any] = ()  # click commands/groups added to `flask`
    api: Any = None  # a Blueprint registered under /api/v1 (bearer token, like api/)
    dashboard: Any = None  # a Blueprint of officer pages under /dashboard/...
    nav: Sequence[NavEntry] = ()
    panels: Sequence[Panel] = ()
    cron: Sequence[CronEntry] = ()
    inbound: Inbound | None = None
    audiences: Sequence[Any] = ()  # broadcasts.audience.Audience filters it adds (e.g. finance's leads)
    shipped: Sequence[Shipped] = ()  # content shipped with the code, loaded at db upgrade/release


# --- the registry ---------------------------------------------------------------------

class Registry:
    """The capabilities of one app, in the order app.py lists them."""

    def __init__(self, capabilities):
        self.capabilities = tuple(capabilities)
        names = [c.name for c in self.capabilities]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise CapabilityError(f"capabilities listed twice: {', '.join(duplicates)}")

    @classmethod
    def load(cls, names):
        capabilities = []
        for name in names:
            module = importlib.import_module(name)
            capability = getattr(module, "CAPABILITY", None)
            if not isinstance(capability, Capability):
                raise CapabilityError(f"{name}: the package declares no CAPABILITY = Capability(...)")
            if capability.name != name:
                raise CapabilityError(f"{name}: its CAPABILITY is named {capability.name!r}")
            capabilities.append(capability)
        return cls(capabilities)

    def __iter__(self):
        return iter(self.capabilities)

    def with_capability(self, capability):
        """This registry with one more capability (tests add a made-up one)."""
        return Registry(self.capabilities + (capability,))

    @property
    def names(self):
        return tuple(c.name for c in self.capabilities)

    def _all(self, attribute):
        return [item for c in self.capabilities for item in getattr(c, attribute)]

    # What the transport, the dashboard and the jobs read

    @cached_property
    def effects(self):
        handlers = {}
        for capability in self.capabilities:
            for kind, handler in capability.effects.items():
                if kind in handlers:
                    raise CapabilityError(f"effect {kind!r} has two handlers ({capability.name} and another)")
                handlers[kind] = handler
        return handlers

    @property
    def keywords(self):
        return self._all("keywords")

    @property
    def caller_details(self):
        return self._all("caller_details")

    @property
    def erasure(self):
        return self._all("erasure")

    @property
    def forget_keys(self):
        return list(dict.fromkeys(self._all("forget_keys") + [d.key for d in self.caller_details]))

    @property
    def snapshots(self):
        return self._all("snapshots")

    def snapshot(self, name):
        for snapshot in self.snapshots:
            if snapshot.name == name:
                return snapshot
        raise KeyError(f"no capability declares a snapshot named {name!r}")

    @cached_property
    def audiences(self):
        """The broadcast audience filters the capabilities add, by key."""
        added = {}
        for audience in self._all("audiences"):
            if audience.key in added:
                raise CapabilityError(f"audience filter {audience.key!r} is added twice")
            added[audience.key] = audience
        return added

    @property
    def nav(self):
        return self._all("nav")

    @property
    def panels(self):
        return self._all("panels")

    @property
    def cron(self):
        return self._all("cron")

    @property
    def commands(self):
        return self._all("commands")

    @property
    def shipped(self):
        return self._all("shipped")

    @property
    def dashboards(self):
        """The capabilities' dashboard blueprints (officer pages)."""
        return [c.dashboard for c in self.capabilities if c.dashboard is not None]

    @property
    def inbound(self):
        return [c.inbound for c in self.capabilities if c.inbound is not None]

    @property
    def journeys(self):
        return [c.journey for c in self.capabilities if c.journey is not None]

    @cached_property
    def keyword_router(self):
        from sms.keywords import KeywordRouter

        router = KeywordRouter()
        for keyword in self.keywords:
            router.add(keyword)
        for inbound in self.inbound:
            router.add_inbound(inbound)
        return router

    @cached_property
    def flow(self):
        """Every journey's states, with the main menu and the "more services" sub-menu built
        from the journeys' MENU_ENTRY; screens read snapshots through `session.snapshot`."""
        from flows import build_flow

        return build_flow(self.journeys, sources={s.name: s.current for s in self.snapshots})

    # Checking at boot

    def validate(self):
        """Raise CapabilityError listing every mistake: a journey that can return an effect
        no capability handles, a `next` naming a state nobody declared, duplicate keywords,
        a journey importing what it must not."""
        problems = []
        effects = self.effects
        flow = self.flow  # duplicate state ids raise here
        for capability in self.capabilities:
            journey = capability.journey
            if journey is None:
                continue
            label = f"{capability.name} journey"
            if not hasattr(journey, "STATES"):
                problems.append(f"{label}: declares no STATES")
                continue
            for kind in sorted(journey_effects(journey)):
                if kind not in effects:
                    problems.append(f"{label}: returns effect {kind!r}, which no capability handles")
            for source, target in static_targets(journey):
                if target not in flow.states:
                    problems.append(f"{label}: {source} goes to {target!r}, which no journey declares")
            problems += [f"{label}: {p}" for p in impure_imports(journey)]
        words = {}
        for keyword in self.keywords:
            for word in [keyword.english, keyword.swahili, *keyword.aliases]:
                word = word.upper()
                if word in words:
                    problems.append(f"SMS keyword {word} is declared twice")
                words[word] = keyword
        names = [s.name for s in self.snapshots]
        problems += [f"snapshot {n!r} is declared twice" for n in sorted({n for n in names if names.count(n) > 1})]
        for detail in self.caller_details:
            if "{phone}" not in detail.key:
                problems.append(f"caller detail key {detail.key!r} has no {{phone}}")
        if problems:
            raise CapabilityError("; ".join(problems))
        return self

    # Wiring

    def install(self, app):
        """Wire every capability into `app` (the only place anything is registered)."""
        app.extensions["capabilities"] = self
        for capability in self.capabilities:
            if capability.api is not None:
                _install_api(app, capability.api)
            if capability.dashboard is not None:
                # The dashboard's error pages and labels reach it too (dashboard.init_app).
                app.register_blueprint(capability.dashboard)
        for command in self.commands:
            app.cli.add_command(command)
        return self


def _install_api(app, blueprint):
    """A capability's API blueprint under /api/v1, with the API's error shape and NUL guard
    (its routes protect themselves with api.auth.requires, like api/'s)."""
    from api.errors import install_error_handlers, refuse_nul_characters

    if not getattr(blueprint, "_api_ready", False):  # a blueprint is set up once, used by every app
        install_error_handlers(blueprint)
        refuse_nul_characters(blueprint)
        blueprint._api_ready = True
    app.register_blueprint(blueprint, url_prefix="/api/v1" + (blueprint.url_prefix or ""))


# --- what the validator reads in a journey module ----------------------------------------

ALLOWED_IMPORTS = ("flows", "core.i18n")


def _tree(module):
    return ast.parse(textwrap.dedent(inspect.getsource(module)))


def journey_effects(journey):
    """The effect types a journey module can return: every `effect("kind", ...)` call and
    every literal {"type": "kind", ...} in its source."""
    kinds = set()
    for node in ast.walk(_tree(journey)):
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name == "effect" and node.args and isinstance(node.args[0], ast.Constant):
                kinds.add(node.args[0].value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "type" and isinstance(value, ast.Constant):
                    kinds.add(value.value)
    return kinds


def static_targets(journey):
    """(where, state id) for every `next` a journey names as a plain string: its states'
    options and Ask.next, and its MENU_ENTRY."""
    targets = []
    entries = getattr(journey, "MENU_ENTRIES", None) or [e for e in [getattr(journey, "MENU_ENTRY", None)] if e]
    for entry in entries:
        if isinstance(entry.next, str):
            targets.append(("MENU_ENTRY", entry.next))
    for state in journey.STATES:
        nxt = getattr(state, "next", None)
        if isinstance(nxt, str):
            targets.append((f"state {state.id}", nxt))
        options = getattr(state, "options", ())
        if not callable(options):
            for option in options:
                if isinstance(option.next, str):
                    targets.append((f"state {state.id} option {option.label!r}", option.next))
    return targets


def _imported(tree):
    """Every module name a source imports (absolute imports; `from a import b` gives a.b
    when b is a module, else a)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                try:
                    found = importlib.util.find_spec(candidate) is not None
                except (ImportError, ValueError):
                    found = False
                yield candidate if found else node.module


def impure_imports(journey):
    """Imports a journey may not make: only the standard library, flows, core.i18n and its
    own capability's pure modules (those that import no models, Redis or Flask)."""
    package = journey.__name__.rsplit(".", 1)[0] if "." in journey.__name__ else ""
    problems = []
    for name in _imported(_tree(journey)):
        if name.split(".")[0] in sys.stdlib_module_names:
            continue
        if any(name == a or name.startswith(a + ".") for a in ALLOWED_IMPORTS):
            continue
        if package and name.startswith(package + ".") and _pure(name):
            continue
        problems.append(f"imports {name} (a journey imports only flows, core.i18n and its own pure modules)")
    return list(dict.fromkeys(problems))


IMPURE = ("models", "flask", "redis", "sqlalchemy", "rq", "core.redis", "core.snapshot", "core.jobs")


def _pure(module_name):
    module = importlib.import_module(module_name)
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return False
    return not any(n == bad or n.startswith(bad + ".") for n in _imported(tree) for bad in IMPURE)


__all__ = ["Capability", "CallerDetail", "CapabilityError", "CronEntry", "Inbound", "Keyword", "NavEntry",
           "Panel", "Registry", "field"]
