"""Training sessions (menu 6 -> 1), for registered miners:

    upcoming sessions of the caller's county (3 a screen, 98 for more)
      -> one session: title, day and time, venue, seats left (or full / your booking)
           1 Book a seat | Join the waiting list | Cancel my booking  -> END with the outcome

A caller who is not registered is told to register first and offered menu 4. The sessions
come from the "trainings" snapshot and the caller's bookings from the caller detail
(training:caller:{phone}, read with the session on the first hop): no database query between
the first hop and the last. Booking and cancelling are effects (training/effects.py), whose
outcome (booked, waiting list, full, past, cancelled) the END screen shows.
"""
from datetime import datetime, timezone

from flows.engine import End, Menu, Option, Say, Session, effect
from flows.main_menu import MenuEntry
from training import texts

LIST, DETAIL, BOOK, CANCEL = "trn.list", "trn.detail", "trn.book", "trn.cancel"
REGISTER_FIRST, ATTENDED = "trn.register", "trn.attended"
REGISTRATION = "reg.name"  # flows/registration.py: the first question of menu 4
PER_PAGE = 3
MORE_KEY = "98"
SNAPSHOT_NAME = "trainings"


def _all_sessions(session: Session):
    return session.snapshot(SNAPSHOT_NAME) or []  # memory only (training/snapshot.py)


def upcoming(session: Session):
    now = datetime.now(timezone.utc)
    county = (session.caller.get("county") or "").casefold()
    return [s for s in _all_sessions(session)
            if s["county"].casefold() == county and datetime.fromisoformat(s["starts_at"]) > now]


def entry(session: Session):
    session.data.pop("trn_page", None)
    return LIST if session.caller.get("registered") else REGISTER_FIRST


def _bookings(session: Session):
    return (session.caller.get("training") or {}).get("b") or {}


def _page(session: Session):
    sessions = upcoming(session)
    page = session.data.get("trn_page", 0)
    if page * PER_PAGE >= len(sessions):
        page = 0
    return sessions, page


def list_title(session: Session):
    sessions, page = _page(session)
    county = session.caller.get("county", "")
    if not sessions:
        return session.t(texts.MSG_NONE, county=county)
    return session.t(texts.MSG_LIST_TITLE, county=county)


def _pick(session: Session):
    chosen = next((s for s in upcoming(session) if s["id"] == session.data.get("trn_id")), None)
    session.data["trn_pick"] = chosen
    return DETAIL


def _next_page(session: Session):
    sessions, page = _page(session)
    session.data["trn_page"] = page + 1 if (page + 1) * PER_PAGE < len(sessions) else 0
    return LIST


def list_options(session: Session):
    sessions, page = _page(session)
    shown = sessions[page * PER_PAGE:(page + 1) * PER_PAGE]
    options = [Option(texts.list_entry("", s, session.locale).strip(), _pick, value=s["id"], literal=True)
               for s in shown]
    if len(sessions) > PER_PAGE:
        options.append(Option(texts.MSG_MORE, _next_page, key=MORE_KEY))
    return options


def _picked(session: Session):
    return session.data.get("trn_pick")


def detail_title(session: Session):
    chosen = _picked(session)
    if chosen is None:
        return session.t(texts.MSG_GONE)
    lines = [texts.title(chosen, session.locale), f"{texts.when(chosen['starts_at'])}, {chosen['venue']}"]
    mine = _bookings(session).get(str(chosen["id"]))
    if mine == "booked":
        lines.append(session.t(texts.MSG_HAVE_SEAT))
    elif mine == "waiting":
        lines.append(session.t(texts.MSG_ON_WAITING))
    elif chosen["booked"] >= chosen["seats"]:
        lines.append(session.t(texts.MSG_FULL))
    else:
        lines.append(session.t(texts.MSG_SEATS_LEFT, left=chosen["seats"] - chosen["booked"]))
    return "\n".join(lines)


def detail_options(session: Session):
    chosen = _picked(session)
    if chosen is None:
        return []
    if _bookings(session).get(str(chosen["id"])) in ("booked", "waiting"):
        return [Option(texts.MSG_CANCEL_BOOKING, CANCEL)]
    if chosen["booked"] >= chosen["seats"]:
        return [Option(texts.MSG_JOIN_WAITING, BOOK)]
    return [Option(texts.MSG_BOOK, BOOK)]


def _book(session: Session):
    return [effect("training_book", phone=session.phone, session_id=session.data["trn_id"])]


def _cancel(session: Session):
    return [effect("training_cancel", phone=session.phone, session_id=session.data["trn_id"])]


def outcome(session: Session):
    """The END screen: what the booking effect answered (it sets data["trn_result"])."""
    result = session.data.get("trn_result") or "gone"
    chosen = _picked(session) or {"title": {}, "venue": "", "starts_at": datetime.now(timezone.utc).isoformat()}
    return session.t(texts.USSD_RESULTS.get(result, texts.MSG_GONE), n=session.data.get("trn_n", 0),
                     **texts.params(chosen, session.locale))


def attended(session: Session):
    """My account -> My trainings: the sessions attended (from the caller detail)."""
    rows = (session.caller.get("training") or {}).get("a") or []
    if not rows:
        return session.t(texts.MSG_ATTENDED_NONE)
    lines = [session.t(texts.MSG_ATTENDED_TITLE)]
    for row in rows:
        lines.append(f"{texts.day(row['d'])}: {texts.title({'title': row['t']}, session.locale)}")
    return "\n".join(lines)


def has_attended(session: Session):
    """True when My account should offer "My trainings"."""
    return bool((session.caller.get("training") or {}).get("a"))


STATES = [
    Menu(LIST, title=list_title, options=list_options, save_as="trn_id"),
    Menu(DETAIL, title=detail_title, options=detail_options),
    End(BOOK, body=outcome, on_enter=_book),
    End(CANCEL, body=outcome, on_enter=_cancel),
    Menu(REGISTER_FIRST, title=texts.MSG_REGISTER_FIRST, options=[
        Option(texts.MSG_REGISTER, REGISTRATION),
    ]),
    Say(ATTENDED, body=attended),
]
# "More services" (main menu 6) -> 1, CONTRACT.md section 1.
MENU_ENTRY = MenuEntry(1, texts.MSG_MENU_LABEL, entry, menu="more")
