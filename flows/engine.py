"""A small declarative state machine for USSD journeys.

Why not python-statemachine or transitions: both model a fixed set of states with
event-named transitions on an object. A USSD journey needs more of something else:
each state *renders a screen* (translated, paged to 160 characters), answers the reserved
keys (0 back, 00 home, 98 more), validates free text, keeps a back stack, and must live
in a JSON blob in Redis between hops. Those libraries would hold none of that, so the
engine is this one file; the journeys in `flows/*.py` only declare states.

The engine does no I/O. `advance` takes a `Session` (plain data) and the caller's new
input and returns a `Reply`: the screen, whether it ends the session, and `effects`
(data such as {"type": "register_miner", ...}) for the caller to carry out.
"""
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from core.i18n import N_, translator

log = logging.getLogger(__name__)

SCREEN_BUDGET = 160  # characters shown after "CON "/"END " (CONTRACT.md section 1)
MAX_INPUT = 200  # longer input is refused with the screen's error line, never stored
# A screen spread over pages keeps this much room for an error line, so that showing an
# error never moves an option to another page.
ERROR_RESERVE = 36

REMEMBERED_PAGES = 10_000  # screens kept rendered (Flow.pages)

BACK, HOME, MORE = "0", "00", "98"
MAIN = "main"

MSG_MORE = N_("98 More")
MSG_NAV = N_("0 Back 00 Home")
MSG_INVALID_CHOICE = N_("Invalid choice. Try again.")
MSG_TOO_LONG = N_("Too long. Try again.")
MSG_FAILED = N_("Sorry, something went wrong. Please dial again.")


class Invalid(Exception):
    """Raised by a validator: the screen is shown again with this (msgid) error line."""

    def __init__(self, msgid, **params):
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


# --- session and reply --------------------------------------------------------------

@dataclass
class Session:
    """Everything one USSD session knows. Plain data: `to_dict`/`from_dict` round-trip JSON."""

    phone: str
    locale: str
    state: str = MAIN
    page: int = 0
    stack: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    # A snapshot of the caller taken on the first hop (registered? name, site...), so that
    # no hop after the first needs the database.
    caller: dict = field(default_factory=dict)
    error: str | None = None  # msgid of the error line shown on the current screen
    error_params: dict = field(default_factory=dict)
    # Effects asked for by a choice (an Option's `next` function) rather than by a state's
    # on_enter, e.g. a language change that goes on to the main menu. Not stored: the hop
    # that makes them carries them out.
    pending: list = field(default_factory=list)
    # The snapshots screens read (name -> function returning the data held in memory), set by
    # the Flow before each step: `snapshot(name)` does no I/O. Not stored.
    sources: dict = field(default_factory=dict, repr=False, compare=False)

    def snapshot(self, name):
        """The data of the snapshot called `name` (core/snapshot.py), as this process holds it:
        the hop service refreshed it before the step."""
        try:
            source = self.sources[name]
        except KeyError:
            raise KeyError(f"no snapshot named {name!r} reaches this flow") from None
        return source()

    def emit(self, item):
        """Ask the hop to carry out `item` (an `effect(...)`) along with the next screen."""
        self.pending.append(item)

    def to_dict(self):
        return {
            "phone": self.phone, "locale": self.locale, "state": self.state, "page": self.page,
            "stack": list(self.stack), "data": self.data, "caller": self.caller,
            "error": self.error, "error_params": self.error_params,
        }

    @classmethod
    def from_dict(cls, raw):
        return cls(
            phone=raw["phone"], locale=raw["locale"], state=raw.get("state", MAIN),
            page=int(raw.get("page", 0)), stack=list(raw.get("stack", [])),
            data=dict(raw.get("data", {})), caller=dict(raw.get("caller", {})),
            error=raw.get("error"), error_params=dict(raw.get("error_params") or {}),
        )

    @property
    def t(self):
        return translator(self.locale)


@dataclass
class Reply:
    text: str
    end: bool = False
    effects: list = field(default_factory=list)

    @property
    def wire(self):
        """The body for Africa's Talking: 'CON ...' or 'END ...'."""
        return ("END " if self.end else "CON ") + self.text


def effect(kind, **payload):
    return {"type": kind, **payload}


# --- states ----------------------------------------------------------------------

Text = str | Callable[[Session], str]  # a msgid, or a function rendering translated text
Next = str | Callable[[Session], str]


@dataclass(frozen=True)
class Option:
    """One numbered choice. `label` is a msgid unless `literal` (data such as a county)."""

    label: str
    next: Next
    value: Any = None
    literal: bool = False
    key: str | None = None  # a fixed number (the main menu's); otherwise its position

    def render_label(self, session):
        return self.label if self.literal else session.t(self.label)


@dataclass(frozen=True)
class State:
    id: str
    # Entering the state may change session data and return effects to carry out.
    on_enter: Callable[[Session], list] | None = None
    # A dropped session in this state can be resumed on the next dial.
    resumable: bool = False
    nav: bool = True  # offers 0 back / 00 home
    in_history: bool = True  # False: "back" skips this screen (a one-off question)
    # For a screen rendered by functions: what it shows besides the language, as a hashable
    # (e.g. the caller's first name); its pages are then remembered per language and value.
    # Screens of fixed msgids are remembered without it.
    screen_key: Callable[["Session"], Any] | None = None

    def text(self, session):
        return ""

    def lines(self, session):
        return []


def _render(text, session):
    return text(session) if callable(text) else session.t(text)


@dataclass(frozen=True)
class Menu(State):
    """A title and numbered options; choosing one saves its value and moves on."""

    title: Text = ""
    options: list | Callable[[Session], list] = ()
    save_as: str | None = None

    def text(self, session):
        return _render(self.title, session)

    def visible_options(self, session):
        return list(self.options(session) if callable(self.options) else self.options)

    def numbered(self, session):
        return [(o.key or str(n), o) for n, o in enumerate(self.visible_options(session), 1)]

    def lines(self, session):
        return option_lines(session, self.visible_options(session))

    def choose(self, session, raw):
        option = dict(self.numbered(session)).get(raw)
        if option is None:
            raise Invalid(MSG_INVALID_CHOICE)
        if self.save_as:
            session.data[self.save_as] = option.value
        return option.next(session) if callable(option.next) else option.next


@dataclass(frozen=True)
class Ask(State):
    """A prompt for free text; `validate(raw, session)` returns the value or raises Invalid."""

    prompt: Text = ""
    validate: Callable[[str, Session], Any] | None = None
    save_as: str | None = None
    next: Next = MAIN

    def text(self, session):
        return _render(self.prompt, session)

    def answer(self, session, raw):
        value = self.validate(raw, session) if self.validate else raw
        if self.save_as:
            session.data[self.save_as] = value
        return self.next(session) if callable(self.next) else self.next


@dataclass(frozen=True)
class Say(State):
    """A text to read (paged with 98); only the reserved keys work here."""

    body: Text = ""

    def text(self, session):
        return _render(self.body, session)


@dataclass(frozen=True)
class End(State):
    """The last screen: the session ends here."""

    body: Text = ""
    nav: bool = False

    def text(self, session):
        return _render(self.body, session)


def text_room(session, option_lines, nav=True):
    """Characters left for a screen's text so that it and these options fit one page."""
    footer = list(option_lines) + ([session.t(MSG_NAV)] if nav else [])
    return SCREEN_BUDGET - len("\n".join(footer)) - 1


def first_fitting(candidates, room):
    """The first of `candidates` (fullest first) no longer than `room`, else the last one."""
    candidates = list(candidates)
    return next((text for text in candidates if len(text) <= room), candidates[-1])


def option_lines(session, options):
    """Options as a Menu numbers them (for screens that size their text to their options)."""
    return [f"{o.key or n} {o.render_label(session)}" for n, o in enumerate(options, 1)]


# --- paging ------------------------------------------------------------------------

def _wrap(text, width):
    """Split text into lines no longer than width, at spaces where possible."""
    out = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            while len(word) > width:  # a single word longer than a page (rare): cut it
                if line:
                    out.append(line)
                    line = ""
                out.append(word[:width])
                word = word[width:]
            candidate = f"{line} {word}" if line else word
            if len(candidate) <= width:
                line = candidate
            else:
                out.append(line)
                line = word
        out.append(line)
    return out


def paginate(text, option_lines, nav_line, more_line, budget=SCREEN_BUDGET):
    """Pack a screen's text and options into pages of at most `budget` characters (a list).

    A pure function of its arguments, and every hop renders the screens it compares with
    again (98 checks the page count, the reply renders): the pages are remembered.
    """
    return list(_paginate(text, tuple(option_lines), nav_line, more_line, budget))


@lru_cache(maxsize=4096)
def _paginate(text, option_lines, nav_line, more_line, budget):
    """Pack a screen's text and options into pages of at most `budget` characters.

    Every page but the last ends with `more_line` (98 More); every page ends with
    `nav_line` when the screen offers back/home. Text lines flow across pages. Options
    that fit on one page stay together on the last page, so a caller never has to page
    back to see a choice; a long list (counties) is spread over pages.
    """
    last_footer = [nav_line] if nav_line else []
    more_footer = [more_line] + last_footer
    width = budget - sum(len(x) + 1 for x in more_footer)
    text_lines = [line for line in _wrap(text, width) if line] if text else []
    options = list(option_lines)

    def size(lines):
        return len("\n".join(lines))

    keep_options_together = size(options + last_footer) <= budget
    if options and keep_options_together and size(text_lines + options + last_footer) > budget:
        repeated = _options_on_every_page(text, options, more_footer, last_footer, budget)
        if repeated:
            return repeated
    pages, rest, n_text = [], text_lines + options, len(text_lines)
    while True:
        if size(rest + last_footer) <= budget:
            pages.append(rest + last_footer)
            return tuple("\n".join(p) for p in pages)
        page = []
        while rest and size(page + [rest[0]] + more_footer) <= budget:
            if keep_options_together and n_text == 0:
                break  # only options are left: they go together on the next page
            page, rest = page + [rest[0]], rest[1:]
            n_text = max(0, n_text - 1)
        if not page:  # one line too long for any page: cut it rather than loop
            page, rest = [rest[0][:width]], rest[1:]
            n_text = max(0, n_text - 1)
        pages.append(page + more_footer)


# Below this many characters of text per page, repeating the options on every page would
# make the text unreadable in small pieces: the options then go after the text instead.
MIN_TEXT_ROOM = 40


def _options_on_every_page(text, options, more_footer, last_footer, budget):
    """A screen a caller acts on whose text is too long for one page: the text flows over
    pages (98) and every page carries the options, so a choice is never only on page 2.
    None when the options leave too little room for the text."""
    room = budget - len("\n".join(options + more_footer)) - 1
    if room < MIN_TEXT_ROOM:
        return None
    chunks, current = [], []
    for line in (line for line in _wrap(text, room) if line):
        if current and len("\n".join(current + [line])) > room:
            chunks.append(current)
            current = []
        current.append(line)
    chunks.append(current)
    return tuple("\n".join(chunk + options + (more_footer if n + 1 < len(chunks) else last_footer))
                 for n, chunk in enumerate(chunks))


# --- the machine -------------------------------------------------------------------

class Flow:
    """All states of all journeys, by id."""

    def __init__(self, *state_lists, sources=None):
        self.sources = dict(sources or {})  # snapshot name -> () -> data (Session.snapshot)
        self.states = {}
        for states in state_lists:
            for state in states:
                if state.id in self.states:
                    raise ValueError(f"duplicate state id {state.id}")
                self.states[state.id] = state
        if MAIN not in self.states:
            raise ValueError("a flow needs a 'main' state")
        # Screens that depend only on the language (most menus), or on the language and
        # their `screen_key`, are paged once and remembered: a hop showing one again does no
        # translation or paging work.
        self.static = {state_id for state_id, state in self.states.items() if _is_static(state)}
        self._remembered_pages = {}  # (state id, locale, screen key) -> pages

    def state(self, session):
        return self.states.get(session.state) or self.states[MAIN]

    # Rendering

    def pages(self, session):
        session.sources = self.sources
        state = self.state(session)
        if state.id in self.static:
            cache_key = (state.id, session.locale, None)
        elif state.screen_key is not None:
            cache_key = (state.id, session.locale, state.screen_key(session))
        else:
            return self._pages(state, session)
        pages = self._remembered_pages.get(cache_key)
        if pages is None:
            if len(self._remembered_pages) >= REMEMBERED_PAGES:
                self._remembered_pages.clear()  # bounded (keys such as names vary); refills at once
            pages = self._remembered_pages[cache_key] = tuple(self._pages(state, session))
        return pages

    def _pages(self, state, session):
        t = session.t
        nav = t(MSG_NAV) if state.nav else None
        text, lines = state.text(session), state.lines(session)
        pages = paginate(text, lines, nav, t(MSG_MORE))
        # The reserve keeps options from moving when an error line shows. Options on every
        # page need none: an error line replaces text lines there (_with_error).
        if len(pages) > 1 and not (lines and set(lines) <= set(pages[0].split("\n"))):
            pages = paginate(text, lines, nav, t(MSG_MORE), budget=SCREEN_BUDGET - ERROR_RESERVE)
        return pages

    def render(self, session):
        session.sources = self.sources
        state = self.state(session)
        pages = self.pages(session)
        session.page = max(0, min(session.page, len(pages) - 1))
        screen = pages[session.page]
        if session.error:
            error = session.t(session.error, **session.error_params)
            screen = _with_error(error, screen, keep=set(state.lines(session)))
        return Reply(screen, end=isinstance(state, End))

    # Moving

    def start(self, session):
        """The first screen of a session (the current state, normally the main menu)."""
        return self._safely(session, lambda: self._enter(session, session.state, push=False))

    def advance(self, session, raw):
        """The caller typed `raw` on the current screen."""
        return self._safely(session, lambda: self._advance(session, raw))

    def _safely(self, session, step):
        session.sources = self.sources
        try:
            return step()
        except Exception:  # a journey bug must not become a gateway error
            log.exception("flow failed in state %s", session.state)
            return Reply(session.t(MSG_FAILED), end=True)

    def _advance(self, session, raw):
        raw = (raw or "").strip()
        state = self.state(session)
        session.error, session.error_params = None, {}
        if raw == MORE and session.page + 1 < len(self.pages(session)):
            session.page += 1
            return self.render(session)
        if state.nav and raw == BACK:
            if session.page > 0:
                session.page -= 1
                return self.render(session)
            return self.back(session)
        if raw == HOME and not isinstance(state, End):
            # 00 always leads to the main menu, even from screens that do not print it
            # (the main menu itself, the resume offer).
            return self.home(session)
        if len(raw) > MAX_INPUT:
            return self._invalid(session, Invalid(MSG_TOO_LONG))
        try:
            if isinstance(state, Menu):
                target = state.choose(session, raw)
            elif isinstance(state, Ask):
                target = state.answer(session, raw)
            else:
                raise Invalid(MSG_INVALID_CHOICE)
        except Invalid as invalid:
            return self._invalid(session, invalid)
        return self._enter(session, target)

    def _invalid(self, session, invalid):
        session.error, session.error_params = invalid.msgid, invalid.params
        return self.render(session)

    def _enter(self, session, target, push=True):
        if target not in self.states:
            raise KeyError(f"unknown state {target!r}")
        if target == MAIN:
            session.stack = []
        elif push and session.state != target and self.state(session).in_history:
            session.stack.append(session.state)
        session.state, session.page = target, 0
        state = self.states[target]
        effects, session.pending = list(session.pending), []
        effects += list(state.on_enter(session) or []) if state.on_enter else []
        reply = self.render(session)
        reply.effects = effects
        return reply

    def back(self, session):
        previous = session.stack.pop() if session.stack else MAIN
        session.state, session.page = previous, 0
        return self.render(session)

    def home(self, session):
        session.stack, session.state, session.page = [], MAIN, 0
        return self.render(session)

    def jump(self, session, target):
        """Go to `target` as if chosen (used to replay direct-dial input and resume)."""
        return self._safely(session, lambda: self._enter(session, target))


def _is_static(state):
    """True when the state's screen is a function of the language alone: an engine state
    whose text and options are fixed msgids (no callable reading the session or data)."""
    if type(state) not in (State, Menu, Ask, Say, End):
        return False
    return not any(callable(getattr(state, name, None)) for name in ("title", "options", "prompt", "body"))


def _with_error(error, screen, keep, budget=SCREEN_BUDGET):
    """Put the error line above the screen; if it does not fit, drop text lines (never the
    options in `keep`) from the top until it does."""
    lines = screen.split("\n")
    while len(error) + 1 + len("\n".join(lines)) > budget:
        droppable = [i for i, line in enumerate(lines[:-1]) if line not in keep]
        if not droppable:
            break
        del lines[droppable[0]]
    combined = error + "\n" + "\n".join(lines)
    return combined if len(combined) <= budget else "\n".join(lines)[:budget]
