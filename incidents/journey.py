"""Report an incident (menu 1), open to anyone, registered or not.

    category (12, deadly first, paged)
        -> trapped or missing? (collapse, flood, bad air, blast, fall: rescue still helps them)
        -> injured? -> dead?   each "1 None 2 One 3 Two 4 More than two (type the number)"
        -> where and when: "At <your site>? 1 Yes, now 2 Yes, earlier today 3 Yes, another
           day 4 No, another place" for a registered caller; otherwise county -> site -> when
        -> summary: 1 Send / 2 Send, hide my number / 3 Add a few words
        -> END with the reference and advice fitting the accident

File early: as soon as an urgent report's category, people and place are known (entering
"when" or the summary), the hop files it and the officers' alert is queued. A caller who
drops before pressing Send has still reported. Every later answer (when, words, Send,
hide my number) updates the same incident (same reference); officers are alerted again only
when the urgency rises (incidents/filing.py).

Anonymity and the early alert: "hide my number" is asked on the summary, after the early
filing. The early alert carries the reporter's number (anonymity is opt-in, and a person
in danger wants to be called back); a later "hide my number" marks the report anonymous and
is honoured from then on (re-alerts, receipts, dashboard and API show no number). The
alert job reads the report when it runs, so a choice made within those moments is honoured
too.

The reference is made when the report is first filed or summarised and kept in the session,
so every later attempt to file the same report (a repeated or retried hop, a resumed
session) carries the same reference, which `file_incident` uses as its idempotency key.
Every state before the END is resumable.
"""
from core.i18n import N_
from flows.engine import (Ask, End, Invalid, Menu, Option, Session, effect, first_fitting, option_lines,
                          text_room)
from flows.main_menu import MenuEntry
from flows.widgets import SITE_MAX, SITE_MIN, county_picker, free_text
from incidents.categories import (CATEGORIES, CATEGORY_LABELS, MAX_COUNT, OCCURRED, OCCURRED_LABELS,
                                  is_urgent)
from incidents.reference import new_reference

CATEGORY = "inc.category"
TRAPPED, TRAPPED_N = "inc.trapped", "inc.trapped_n"
INJURED, INJURED_N = "inc.injured", "inc.injured_n"
DEAD, DEAD_N = "inc.dead", "inc.dead_n"
AT_MY_SITE, COUNTY, COUNTY_OTHER, SITE, WHEN = "inc.my_site", "inc.county", "inc.county_other", "inc.site", "inc.when"
CONFIRM, DESCRIBE, ANON_SMS, DONE = "inc.confirm", "inc.describe", "inc.anon_sms", "inc.done"

DESCRIPTION_MAX = 120
SHOWN_SITE = 30  # a long site name is cut on screens (stored whole)

# Where people can be trapped or go missing underground: asked first, since rescue still
# helps them. Other categories start at "injured".
TRAPPING = frozenset({"COLLAPSE", "FLOOD", "AIR", "BLAST", "FALL"})

# What the caller should do now, by category (one short line on the END screen).
ADVICE = {
    "COLLAPSE": N_("Do not go back in: the ground may fall again."),
    "FLOOD": N_("Stay out and switch off the pumps' power."),
    "AIR": N_("Do not go down without air: rescuers die too."),
    "BLAST": N_("Stay away from charges that did not go off."),
    "CHILD": N_("Child labour: call 116, it is free."),
}

COUNT_FIELDS = ("trapped", "injured", "dead")
# Per kind: the question, the "how many" prompt, and the summary's words for it.
CASUALTIES = {
    "trapped": (N_("Is anyone trapped or missing?"), N_("How many are trapped or missing? Type the number:"),
                N_("Trapped %(n)s")),
    "injured": (N_("Is anyone injured?"), N_("How many are injured? Type the number:"), N_("Injured %(n)s")),
    "dead": (N_("Has anyone died?"), N_("How many have died? Type the number:"), N_("Dead %(n)s")),
}


def _shorten(text, limit):
    text = text or ""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 3)].rstrip() + "..." if limit > 3 else ""


# --- entering the journey ------------------------------------------------------------

_REPORT_KEYS = ("category", "dead", "injured", "trapped", "county", "site", "occurred", "description",
                "anonymous", "notify_reporter", "reference", "filed", "folded")


def start(session: Session):
    """A fresh report: forget any answers from an earlier report in this session."""
    for key in _REPORT_KEYS:
        session.data.pop(key, None)
    return CATEGORY


MENU_ENTRY = MenuEntry(1, N_("Report incident"), start)


# --- category and people -------------------------------------------------------------

def _choose_category(code):
    def go(session: Session):
        session.data["category"] = code
        for name in COUNT_FIELDS:
            session.data[name] = 0
        if code == "NEARMISS":  # "nobody hurt" is what the category says
            return _where(session)
        return TRAPPED if code in TRAPPING else INJURED

    return go


def _after(kind):
    """The question after the one about `kind`."""
    if kind == "trapped":
        return lambda session: INJURED
    if kind == "injured":
        return lambda session: DEAD
    return _where


def _set_count(kind, n):
    def go(session: Session):
        session.data[kind] = n
        return _after(kind)(session)

    return go


def _casualty_states(kind, menu_id, count_id):
    title, prompt, _ = CASUALTIES[kind]

    def count(raw, session: Session):
        value = raw.strip()
        if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
            raise Invalid(N_("Type the number of people, e.g. 3."))
        return int(value)

    # "None" is a choice, not a typed 0 (0 is the Back key on every screen).
    return [
        Menu(menu_id, title=title, resumable=True, options=[
            Option(N_("None"), _set_count(kind, 0)),
            Option(N_("One"), _set_count(kind, 1)),
            Option(N_("Two"), _set_count(kind, 2)),
            Option(N_("More than two"), count_id),
        ]),
        Ask(count_id, prompt=prompt, validate=count, save_as=kind, next=_after(kind), resumable=True),
    ]


# --- where and when ------------------------------------------------------------------

def _where(session: Session):
    caller = session.caller
    return AT_MY_SITE if caller.get("site") and caller.get("county") else COUNTY


def my_site_title(session: Session):
    caller = session.caller
    return session.t("At %(site)s (%(county)s)?", site=_shorten(caller.get("site"), SHOWN_SITE),
                     county=caller.get("county", ""))


def _at_my_site(occurred):
    def go(session: Session):
        session.data["county"] = session.caller.get("county")
        session.data["site"] = session.caller.get("site")
        session.data["occurred"] = occurred
        return CONFIRM

    return go


MY_SITE_OPTIONS = [
    Option(N_("Yes, now"), _at_my_site("now")),
    Option(N_("Yes, earlier today"), _at_my_site("today")),
    Option(N_("Yes, another day"), _at_my_site("earlier")),
    Option(N_("No, another place"), COUNTY),
]


# --- filing early ----------------------------------------------------------------------

def urgent(session: Session):
    d = session.data
    return is_urgent(d.get("category"), d.get("dead"), d.get("injured"), d.get("trapped"))


def _filing(session: Session):
    """The `file_incident` effect for the report as it stands (same reference every time)."""
    d = session.data
    d.setdefault("reference", new_reference())
    anonymous = bool(d.get("anonymous"))
    return effect(
        "file_incident",
        reference=d["reference"], phone=session.phone, locale=session.locale, channel="ussd",
        category=d.get("category"), dead=d.get("dead", 0), injured=d.get("injured", 0), trapped=d.get("trapped", 0),
        county=d.get("county"), site=d.get("site"), occurred=d.get("occurred", "now"),
        description=d.get("description"), anonymous=anonymous,
        notify_reporter=bool(d.get("notify_reporter", not anonymous)),
        # Filed already (early, or joined to the phone's latest report by the hourly cap):
        # this is an update of that incident, not a new one.
        filed=d.get("filed"), folded=bool(d.get("folded")),
    )


def file_early(session: Session):
    """Entering "when" or the summary: an urgent report whose place is known is filed now
    (and updated on every later entry, e.g. after the caller added words)."""
    d = session.data
    d.setdefault("reference", new_reference())
    if (urgent(session) and d.get("county") and d.get("site")) or d.get("filed"):
        return [_filing(session)]
    return []


# --- summary, description, anonymity -------------------------------------------------

def people_line(session: Session):
    t, d = session.t, session.data
    parts = [t(CASUALTIES[kind][2], n=d.get(kind)) for kind in COUNT_FIELDS if d.get(kind)]
    return ", ".join(parts) if parts else t("Nobody hurt")


def summary(session: Session):
    """The report in a few lines, shortened so that it and its options fit one screen: a
    caller who hangs up on the summary must have seen "1 Send". The words go first, then
    the site name is cut, then the category label; the people are always shown whole."""
    t, d = session.t, session.data
    category = t(CATEGORY_LABELS.get(d.get("category"), CATEGORY_LABELS["UNCLASSIFIED"]))
    when = t(OCCURRED_LABELS.get(d.get("occurred"), OCCURRED_LABELS["now"]))

    def render(site_limit, words_limit, category_limit=60, with_county=True):
        place = ", ".join(p for p in (_shorten(d.get("site"), site_limit), with_county and d.get("county")) if p)
        lines = [_shorten(category, category_limit), people_line(session), place, when]
        if d.get("description") and words_limit:
            lines.append('"' + _shorten(d["description"], words_limit) + '"')
        return "\n".join(line for line in lines if line)

    room = text_room(session, option_lines(session, confirm_options(session)))
    return first_fitting([
        render(SHOWN_SITE, 40), render(SHOWN_SITE, 20), render(SHOWN_SITE, 0), render(16, 0), render(8, 0),
        render(8, 0, 16), render(8, 0, 12, with_county=False), render(0, 0, 12, with_county=False),
    ], room)


def _send(anonymous):
    def go(session: Session):
        session.data["anonymous"] = anonymous
        if anonymous:
            session.data["notify_reporter"] = False
            return ANON_SMS
        session.data["notify_reporter"] = True
        return DONE

    return go


def confirm_options(session: Session):
    words = N_("Change the words") if session.data.get("description") else N_("Add a few words")
    return [
        Option(N_("Send"), _send(False)),
        Option(N_("Send, hide my number"), _send(True)),
        Option(words, DESCRIBE),
    ]


def _after_description(session: Session):
    # Back to the summary without stacking it twice: "0" there still goes to the question before.
    if session.stack and session.stack[-1] == CONFIRM:
        session.stack.pop()
    return CONFIRM


def _hide_number_now(session: Session):
    """"Send, hide my number" on a report filed early: hidden at once, even if the caller
    drops before answering the SMS question."""
    return [_filing(session)] if session.data.get("filed") else []


def _anonymous_sms(wanted):
    def go(session: Session):
        session.data["notify_reporter"] = wanted
        return DONE

    return go


# --- the end -------------------------------------------------------------------------

def file_report(session: Session):
    return [_filing(session)]


def done_text(session: Session):
    t, d = session.t, session.data
    parts = [t("Report %(ref)s received. Officers are being told.", ref=d.get("reference", ""))]
    if d.get("anonymous"):
        parts.append(t("Your number is hidden."))
    advice = ADVICE.get(d.get("category"))
    if advice:
        parts.append(t(advice))
    parts.append(t("Emergency: call 999 or 112."))
    return " ".join(parts)


STATES = [
    Menu(CATEGORY, title=N_("What happened?"), resumable=True,
         options=[Option(label, _choose_category(code)) for code, label in CATEGORIES]),
    *_casualty_states("trapped", TRAPPED, TRAPPED_N),
    *_casualty_states("injured", INJURED, INJURED_N),
    *_casualty_states("dead", DEAD, DEAD_N),
    Menu(AT_MY_SITE, title=my_site_title, options=MY_SITE_OPTIONS, resumable=True),
    *county_picker(COUNTY, COUNTY_OTHER, SITE, title=N_("Which county?")),
    Ask(SITE, prompt=N_("Name of the mine, site or village:"), validate=free_text(SITE_MIN, SITE_MAX),
        save_as="site", next=WHEN, resumable=True),
    Menu(WHEN, title=N_("When did it happen?"), save_as="occurred", resumable=True, on_enter=file_early,
         options=[Option(label, CONFIRM, value=code) for code, label in OCCURRED]),
    Menu(CONFIRM, title=summary, options=confirm_options, on_enter=file_early, resumable=True),
    Ask(DESCRIBE, prompt=N_("What happened? A few words (at most 120 letters):"),
        validate=free_text(2, DESCRIPTION_MAX, needs_letter=False), save_as="description",
        next=_after_description, in_history=False, resumable=True),
    Menu(ANON_SMS, title=N_("Officers will not see your number. Send you SMS about this report?"),
         resumable=True, on_enter=_hide_number_now, options=[
             Option(N_("Yes"), _anonymous_sms(True)),
             Option(N_("No"), _anonymous_sms(False)),
         ]),
    End(DONE, body=done_text, on_enter=file_report),
]
