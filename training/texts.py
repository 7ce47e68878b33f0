"""Training texts: every caller-facing string of the capability (msgids, English) and the pure
helpers that render a session for a screen or an SMS. No I/O: the journey imports this.

Sessions reach screens as snapshot dicts (training/snapshot.py):
    {"id", "county", "topic", "title": {"sw", "en"}, "venue", "starts_at" (ISO, UTC), "seats", "booked"}
"""
from datetime import datetime

from core.i18n import N_, NAIROBI, translate

TITLE_MAX, VENUE_MAX = 30, 24  # keep every SMS about a session one GSM-7 part (tests/test_training.py)
SEATS_MAX = 500

TOPICS = (
    ("mercury_free", N_("Mercury-free processing")),
    ("shafts", N_("Safe shafts and ventilation")),
    ("first_aid", N_("First aid")),
    ("groups", N_("Groups and permits")),
    ("finance", N_("Savings and finance")),
)
TOPIC_LABELS = dict(TOPICS)

# --- SMS (one GSM-7 part each, in both languages, with the longest title and venue) ---
SMS_LIST = N_("Madini Salama: Training in %(county)s: %(sessions)s. Send TRAINING and the number to book.")
SMS_NONE = N_("Madini Salama: No training sessions in %(county)s for now. We will tell you by SMS.")
SMS_REGISTER = N_("Madini Salama: Register first to book a training seat: dial *384*12# and choose 4.")
SMS_BOOKED = N_("Madini Salama: Seat booked: %(title)s, %(venue)s, %(when)s. We will remind you the day before.")
SMS_WAITING = N_("Madini Salama: %(title)s is full. You are number %(n)s on the waiting list; we will SMS you if a "
                 "seat frees.")
SMS_ALREADY = N_("Madini Salama: You already have a seat: %(title)s, %(venue)s, %(when)s.")
SMS_ALREADY_WAITING = N_("Madini Salama: You are already on the waiting list for %(title)s.")
SMS_PAST = N_("Madini Salama: That training has already taken place. Send TRAINING for the next ones.")
SMS_CANCELLED = N_("Madini Salama: That training was cancelled. Send TRAINING for the others.")
SMS_NO_NUMBER = N_("Madini Salama: No training number %(n)s. Send TRAINING to see the list.")
SMS_PROMOTED = N_("Madini Salama: A seat is now yours: %(title)s, %(venue)s, %(when)s. To cancel dial *384*12# "
                  "then 6, 1.")
SMS_REMINDER = N_("Madini Salama: Reminder: %(title)s tomorrow %(time)s at %(venue)s. Cannot come? Dial *384*12# "
                  "then 6, 1.")
SMS_SESSION_CANCELLED = N_("Madini Salama: %(title)s on %(when)s at %(venue)s is cancelled. Sorry. Send TRAINING "
                           "for others.")
SMS_INVITE = N_("Madini Salama: Training: %(title)s, %(venue)s, %(when)s. %(seats)s seats. Book: SMS TRAINING to "
                "%(shortcode)s or dial *384*12# then 6 1")

# --- USSD ---
MSG_MENU_LABEL = N_("Training sessions")
MSG_LIST_TITLE = N_("Training in %(county)s:")
MSG_NONE = N_("No training sessions in %(county)s for now. We will tell you by SMS.")
MSG_MORE = N_("More")
MSG_REGISTER_FIRST = N_("Register first to book a training seat.")
MSG_REGISTER = N_("Register")
MSG_SEATS_LEFT = N_("Seats left: %(left)s")
MSG_FULL = N_("Full: you can join the waiting list.")
MSG_HAVE_SEAT = N_("You have a seat.")
MSG_ON_WAITING = N_("You are on the waiting list.")
MSG_BOOK = N_("Book a seat")
MSG_JOIN_WAITING = N_("Join the waiting list")
MSG_CANCEL_BOOKING = N_("Cancel my booking")
MSG_GONE = N_("This training is no longer listed.")
MSG_DONE_BOOKED = N_("Seat booked: %(title)s, %(when)s, %(venue)s. We will remind you by SMS the day before.")
MSG_DONE_WAITING = N_("The training is full. You are number %(n)s on the waiting list; we will tell you by SMS if a "
                      "seat frees.")
MSG_DONE_ALREADY = N_("You already have a seat for this training.")
MSG_DONE_ALREADY_WAITING = N_("You are already on the waiting list.")
MSG_DONE_PAST = N_("This training has already started or taken place.")
MSG_DONE_CANCELLED = N_("This training was cancelled.")
MSG_DONE_UNREGISTERED = N_("Register first (menu 4) to book a training seat.")
MSG_DONE_FREED = N_("Your booking is cancelled. Thank you for freeing the seat.")
MSG_DONE_NOTHING = N_("You had no booking for this training.")
MSG_ATTENDED_TITLE = N_("Trainings attended:")
MSG_ATTENDED_NONE = N_("No training attended yet.")
MSG_MY_TRAININGS = N_("My trainings")

USSD_RESULTS = {
    "booked": MSG_DONE_BOOKED, "waiting": MSG_DONE_WAITING, "already": MSG_DONE_ALREADY,
    "already_waiting": MSG_DONE_ALREADY_WAITING, "past": MSG_DONE_PAST, "cancelled": MSG_DONE_CANCELLED,
    "unregistered": MSG_DONE_UNREGISTERED, "freed": MSG_DONE_FREED, "nothing": MSG_DONE_NOTHING,
    "gone": MSG_GONE,
}
SMS_RESULTS = {
    "booked": SMS_BOOKED, "waiting": SMS_WAITING, "already": SMS_ALREADY, "already_waiting": SMS_ALREADY_WAITING,
    "past": SMS_PAST, "cancelled": SMS_CANCELLED, "unregistered": SMS_REGISTER, "gone": SMS_CANCELLED,
}


def local(starts_at):
    """A session's start (ISO text or datetime) in Nairobi time."""
    moment = datetime.fromisoformat(starts_at) if isinstance(starts_at, str) else starts_at
    return moment.astimezone(NAIROBI)


def when(starts_at):
    """'10/12 09:00' (Nairobi): day/month as Kenyans write it, 24-hour time (both languages)."""
    return local(starts_at).strftime("%d/%m %H:%M")


def day(starts_at):
    return local(starts_at).strftime("%d/%m")


def clock(starts_at):
    return local(starts_at).strftime("%H:%M")


def title(session, locale):
    """The session's title in `locale`, else the other language's."""
    titles = session.get("title") or {}
    return titles.get(locale) or next((t for t in titles.values() if t), "")


def params(session, locale):
    """What the templates about one session are filled with."""
    return {"title": title(session, locale), "venue": session["venue"], "when": when(session["starts_at"]),
            "time": clock(session["starts_at"])}


def sms_text(locale, msgid, **values):
    return translate(locale, msgid, **values)


def list_entry(n, session, locale, width=22):
    """'2 10/12 Kuosha dhahabu bila' : a short line for a list (SMS or USSD label)."""
    name = title(session, locale)
    if len(name) > width:  # cut at a word, never in the middle of one
        name = name[:width + 1].rsplit(" ", 1)[0] if " " in name[:width + 1] else name[:width]
    return f"{n} {day(session['starts_at'])} {name.rstrip()}"
