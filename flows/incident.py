"""Report an incident (menu 1), open to anyone, registered or not.

    category (12, deadly first, paged) -> anyone hurt? -> how many (when someone is)
        -> where and when: "At <your site>? 1 Yes, now 2 Yes, earlier today 3 Yes, another
           day 4 No, another place" for a registered caller; otherwise county -> site -> when
        -> summary: 1 Send / 2 Send, hide my number / 3 Add a few words
        -> END with the reference and what to do now

A registered miner reporting a collapse with one person trapped needs six answers after
dialling: 1, 1, 4, 1, 1, 1. The short description is an option on the summary (an
emergency is never held up by typing), and so is anonymity; an anonymous reporter is
asked once more whether they want SMS updates.

The reference is made when the summary is first shown and kept in the session, so every
later attempt to send the same report (a repeated or retried hop, a resumed session)
carries the same reference, which the `file_incident` effect uses as its idempotency key.
Every state before the END is resumable.
"""
from core.i18n import N_
from flows.catalog import MINING_COUNTIES, county_code
from flows.engine import Ask, End, Invalid, Menu, Option, Session, effect
from flows.main_menu import MenuEntry
from flows.registration import SITE_MAX, SITE_MIN, free_text
from incidents.categories import (CATEGORIES, CATEGORY_LABELS, MAX_COUNT, OCCURRED, OCCURRED_LABELS,
                                  is_urgent)
from incidents.reference import new_reference

CATEGORY, HURT, COUNT = "inc.category", "inc.hurt", "inc.count"
AT_MY_SITE, COUNTY, COUNTY_OTHER, SITE, WHEN = "inc.my_site", "inc.county", "inc.county_other", "inc.site", "inc.when"
CONFIRM, DESCRIBE, ANON_SMS, DONE = "inc.confirm", "inc.describe", "inc.anon_sms", "inc.done"

DESCRIPTION_MAX = 120
SUMMARY_DESCRIPTION = 40  # characters of the description shown back on the summary
SHOWN_SITE = 30  # a long site name is cut on screens (stored whole)

# Who is hurt: (code, label, prompt for the count). Trapped or missing comes last on the
# screen but is the most urgent: rescuers can still save them.
HURT_CHOICES = (
    ("none", N_("Nobody"), None),
    ("injured", N_("Injured"), N_("How many are injured? Type a number:")),
    ("dead", N_("Dead"), N_("How many have died? Type a number:")),
    ("trapped", N_("Trapped or missing"), N_("How many are trapped or missing? Type a number:")),
)
COUNT_PROMPTS = {code: prompt for code, _, prompt in HURT_CHOICES if prompt}
HURT_LABELS = {code: label for code, label, _ in HURT_CHOICES}
COUNT_FIELDS = ("dead", "injured", "trapped")

# Categories that are about people in danger underground: the END screen warns rescuers.
RESCUE_WARNING = frozenset({"COLLAPSE", "FLOOD", "AIR", "BLAST", "FALL", "CYANIDE"})


def _shorten(text, limit):
    text = text or ""
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


# --- entering the journey ------------------------------------------------------------

_REPORT_KEYS = ("category", "hurt", "dead", "injured", "trapped", "county", "site", "occurred",
                "description", "anonymous", "notify_reporter", "reference")


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
        if code == "NEARMISS":  # "nobody hurt" is what the category says
            _set_hurt(session, "none")
            return _where(session)
        return HURT

    return go


def _set_hurt(session, code):
    session.data["hurt"] = code
    for name in COUNT_FIELDS:
        session.data[name] = 0


def _choose_hurt(code):
    def go(session: Session):
        _set_hurt(session, code)
        return _where(session) if code == "none" else COUNT

    return go


def count_prompt(session: Session):
    return session.t(COUNT_PROMPTS.get(session.data.get("hurt"), COUNT_PROMPTS["injured"]))


def people_count(raw, session: Session):
    value = raw.strip()
    if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
        raise Invalid(N_("Type the number of people, e.g. 2."))
    session.data[session.data.get("hurt") or "injured"] = int(value)
    return int(value)


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


def county_options(session: Session):
    return [Option(name, SITE, value=name, literal=True) for name in MINING_COUNTIES] + [
        Option(N_("Other county"), COUNTY_OTHER, value=None)
    ]


def other_county(raw, session):
    value = free_text(2, 30)(raw, session)
    return county_code(value) or value


# --- summary, description, anonymity -------------------------------------------------

def hurt_line(session: Session):
    t, d = session.t, session.data
    hurt = d.get("hurt", "none")
    if hurt == "none":
        return t("Nobody hurt")
    return f"{t(HURT_LABELS[hurt])}: {d.get(hurt, 0)}"


def summary(session: Session):
    t, d = session.t, session.data
    lines = [
        t(CATEGORY_LABELS.get(d.get("category"), CATEGORY_LABELS["UNCLASSIFIED"])),
        hurt_line(session),
        f"{_shorten(d.get('site'), SHOWN_SITE)}, {d.get('county') or ''}",
        t(OCCURRED_LABELS.get(d.get("occurred"), OCCURRED_LABELS["now"])),
    ]
    if d.get("description"):
        lines.append('"' + _shorten(d["description"], SUMMARY_DESCRIPTION) + '"')
    return "\n".join(lines)


def _keep_reference(session: Session):
    # Made once per report: a retried, repeated or resumed "Send" carries the same one.
    session.data.setdefault("reference", new_reference())
    return []


def _send(anonymous):
    def go(session: Session):
        session.data["anonymous"] = anonymous
        if anonymous:
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


def _anonymous_sms(wanted):
    def go(session: Session):
        session.data["notify_reporter"] = wanted
        return DONE

    return go


# --- the end -------------------------------------------------------------------------

def file_report(session: Session):
    d = session.data
    # The summary screen drew the reference; a session resumed from an older snapshot may lack
    # it (or the category): file what there is rather than fail a report.
    d.setdefault("reference", new_reference())
    return [effect(
        "file_incident",
        reference=d["reference"], phone=session.phone, locale=session.locale, channel="ussd",
        category=d.get("category"), dead=d.get("dead", 0), injured=d.get("injured", 0), trapped=d.get("trapped", 0),
        county=d.get("county"), site=d.get("site"), occurred=d.get("occurred", "now"),
        description=d.get("description"), anonymous=bool(d.get("anonymous")),
        notify_reporter=bool(d.get("notify_reporter", True)),
    )]


def done_text(session: Session):
    t, d = session.t, session.data
    category = d.get("category")
    parts = [t("Report %(ref)s received. Officers are being told.", ref=d.get("reference", ""))]
    if d.get("anonymous"):
        parts.append(t("Your number is hidden."))
    if category == "CHILD":
        parts.append(t("Child labour: call 116, it is free."))
    if category in RESCUE_WARNING and (is_urgent(category, d.get("dead"), d.get("injured"), d.get("trapped"))
                                       or category in ("AIR", "CYANIDE")):
        parts.append(t("Do not go in without help: bad air kills rescuers."))
    parts.append(t("Emergency: call 999 or 112."))
    return " ".join(parts)


STATES = [
    Menu(CATEGORY, title=N_("What happened?"), resumable=True,
         options=[Option(label, _choose_category(code)) for code, label in CATEGORIES]),
    Menu(HURT, title=N_("Is anyone hurt?"), resumable=True,
         options=[Option(label, _choose_hurt(code)) for code, label, _ in HURT_CHOICES]),
    Ask(COUNT, prompt=count_prompt, validate=people_count, next=_where, resumable=True),
    Menu(AT_MY_SITE, title=my_site_title, options=MY_SITE_OPTIONS, resumable=True),
    Menu(COUNTY, title=N_("Which county?"), options=county_options, save_as="county", resumable=True),
    Ask(COUNTY_OTHER, prompt=N_("Type your county:"), validate=other_county, save_as="county", next=SITE,
        resumable=True),
    Ask(SITE, prompt=N_("Name of the mine, site or village:"), validate=free_text(SITE_MIN, SITE_MAX),
        save_as="site", next=WHEN, resumable=True),
    Menu(WHEN, title=N_("When did it happen?"), save_as="occurred", resumable=True,
         options=[Option(label, CONFIRM, value=code) for code, label in OCCURRED]),
    Menu(CONFIRM, title=summary, options=confirm_options, on_enter=_keep_reference, resumable=True),
    Ask(DESCRIBE, prompt=N_("What happened? A few words (at most 120 letters):"),
        validate=free_text(2, DESCRIPTION_MAX, needs_letter=False), save_as="description",
        next=_after_description, in_history=False, resumable=True),
    Menu(ANON_SMS, title=N_("Officers will not see your number. Send you SMS about this report?"),
         resumable=True, options=[
             Option(N_("Yes"), _anonymous_sms(True)),
             Option(N_("No"), _anonymous_sms(False)),
         ]),
    End(DONE, body=done_text, on_enter=file_report),
]
