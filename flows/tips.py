"""Safety tips (menu 2), open to anyone:

    topics (paged) -> a tip: 1 next tip, 2 send this to me by SMS (the screen then says
    it was sent; pressing 2 again sends nothing more)

A tip longer than the screen pages with 98. Screens render from the tip catalogue held in
memory (tips/catalogue.py), never from the database; sending by SMS is an effect.
"""
from core.i18n import N_
from flows.engine import Menu, Option, Session, effect
from flows.main_menu import MenuEntry
from tips.catalogue import catalogue_in_memory as catalogue

TOPICS, SHOW = "tips.topics", "tips.show"

MENU_ENTRY = MenuEntry(2, N_("Safety tips"), TOPICS)


def _label_key(session):
    return "en" if session.locale == "en" else "sw"


def topics_title(session: Session):
    if not catalogue().topics:
        return session.t("No safety tips yet. Please try again later.")
    return session.t("Choose a topic:")


def topic_options(session: Session):
    key = _label_key(session)
    return [Option(t[key], _start_topic, value=t["code"], literal=True) for t in catalogue().topics]


def _start_topic(session: Session):
    session.data["tip_index"] = 0
    return SHOW


def current_tip(session: Session, cat=None):
    """(tip id, position from 1, count) of the tip on screen, or (None, 0, 0)."""
    cat = cat or catalogue()
    ids = cat.by_topic.get(session.data.get("tip_topic"), [])
    if not ids:
        return None, 0, 0
    index = session.data.get("tip_index", 0) % len(ids)
    return ids[index], index + 1, len(ids)


def tip_screen(session: Session):
    cat = catalogue()
    tip_id, number, count = current_tip(session, cat)
    if tip_id is None:
        return session.t("This topic has no tips now. Go back for other topics.")
    # The caller just chose the topic: a short counter is enough, and one flowing text (no
    # header line) lets most tips fit one screen with their options.
    text = f"{number}/{count}: {cat.tips[tip_id][_label_key(session)]}"
    if tip_id in session.data.get("tips_sent", []):
        text = session.t("Sent by SMS.") + " " + text
    return text


def tip_options(session: Session):
    if current_tip(session)[0] is None:
        return []
    return [Option(N_("Next tip"), _next_tip), Option(N_("Send me by SMS"), _ask_to_send)]


def _next_tip(session: Session):
    session.data["tip_index"] = session.data.get("tip_index", 0) + 1
    return SHOW


def _ask_to_send(session: Session):
    session.data["send_requested"] = True
    return SHOW


def _send(session: Session):
    """Entering a tip screen after "2": text it. One SMS per tip per session."""
    if not session.data.pop("send_requested", False):
        return []
    tip_id = current_tip(session)[0]
    sent = session.data.setdefault("tips_sent", [])
    if tip_id is None or tip_id in sent:
        return []
    sent.append(tip_id)
    return [effect("send_tip", phone=session.phone, tip_id=tip_id, locale=session.locale)]


STATES = [
    Menu(TOPICS, title=topics_title, options=topic_options, save_as="tip_topic"),
    Menu(SHOW, title=tip_screen, options=tip_options, on_enter=_send),
]
