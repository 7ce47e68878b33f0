"""Safety tips (menu 2), open to anyone:

    topics (paged) -> a tip, with its options on one line: 1 next tip, 2 send it by SMS
    -> "sent by SMS" (1 next tip; 0 shows the tip again; pressing 2 again sends nothing more)

Every tip fits ONE screen with its options, in both languages (tests/test_tips.py renders
each tip of content/tips.yaml through this flow): the options share one short line, and the
SMS confirmation is its own short screen, never a prefix that would push the tip onto a
second page. An officer's longer tip still pages with 98 (the engine's rule), nothing is cut.
Screens render from the "tips" snapshot (tips/catalogue.py builds it) read through the
session, never from the database; sending by SMS is an effect (tips/effects.py).
"""
from dataclasses import dataclass

from core.i18n import N_
from flows.engine import Menu, Option, Session, effect
from flows.main_menu import MenuEntry
from tips.view import Catalogue

TOPICS, SHOW, SENT = "tips.topics", "tips.show", "tips.sent"

MENU_ENTRY = MenuEntry(2, N_("Safety tips"), TOPICS)

MSG_NEXT = N_("Next tip")  # short: it shares one line with "2 SMS"
MSG_SMS = N_("SMS")
MSG_SENT = N_("We have sent you this tip by SMS.")


def catalogue(session: Session):
    """The active tips as the hop service last refreshed them (no I/O)."""
    return Catalogue(**session.snapshot("tips"))


def _label_key(session):
    return "en" if session.locale == "en" else "sw"


@dataclass(frozen=True)
class CompactMenu(Menu):
    """A menu whose few short options share one line ("1 Next tip 2 SMS"), leaving the
    screen to the text the caller reads."""

    def lines(self, session):
        line = " ".join(super().lines(session))
        return [line] if line else []


def topics_title(session: Session):
    if not catalogue(session).topics:
        return session.t("No safety tips yet. Please try again later.")
    return session.t("Choose a topic:")


def topic_options(session: Session):
    key = _label_key(session)
    return [Option(t[key], _start_topic, value=t["code"], literal=True) for t in catalogue(session).topics]


def _start_topic(session: Session):
    session.data["tip_index"] = 0
    return SHOW


def current_tip(session: Session, cat=None):
    """(tip id, position from 1, count) of the tip on screen, or (None, 0, 0)."""
    cat = cat or catalogue(session)
    ids = cat.by_topic.get(session.data.get("tip_topic"), [])
    if not ids:
        return None, 0, 0
    index = session.data.get("tip_index", 0) % len(ids)
    return ids[index], index + 1, len(ids)


def tip_screen(session: Session):
    cat = catalogue(session)
    tip_id, number, count = current_tip(session, cat)
    if tip_id is None:
        return session.t("This topic has no tips now. Go back for other topics.")
    # The caller just chose the topic: a short counter is enough, and one flowing text (no
    # header line) leaves the rest of the screen to the tip.
    return f"{number}/{count}: {cat.tips[tip_id][_label_key(session)]}"


def tip_options(session: Session):
    if current_tip(session)[0] is None:
        return []
    return [Option(MSG_NEXT, _next_tip), Option(MSG_SMS, SENT)]


def sent_options(session: Session):
    return [Option(MSG_NEXT, _next_from_sent)]


def _next_tip(session: Session):
    session.data["tip_index"] = session.data.get("tip_index", 0) + 1
    return SHOW


def _next_from_sent(session: Session):
    # The tip screen under this one is left behind: back from the next tip goes to the topics.
    if session.stack and session.stack[-1] == SHOW:
        session.stack.pop()
    return _next_tip(session)


def _send(session: Session):
    """Entering the "sent" screen: text the tip on screen. One SMS per tip per session."""
    tip_id = current_tip(session)[0]
    sent = session.data.setdefault("tips_sent", [])
    if tip_id is None or tip_id in sent:
        return []
    sent.append(tip_id)
    return [effect("send_tip", phone=session.phone, tip_id=tip_id, locale=session.locale)]


STATES = [
    Menu(TOPICS, title=topics_title, options=topic_options, save_as="tip_topic"),
    CompactMenu(SHOW, title=tip_screen, options=tip_options),
    # Back (0) from the confirmation shows the tip again; "next" from it does not come back here.
    CompactMenu(SENT, title=MSG_SENT, options=sent_options, on_enter=_send, in_history=False),
]
