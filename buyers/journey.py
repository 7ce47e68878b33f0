"""Licensed gold buyers (menu 6 -> 2, "Wanunuzi halali"), open to anyone:

    [the caller's county (registered), else a county picker]
    -> the county's buyers in force today, with the guide price for 1 g at 90% (paged):
         pick one -> name, market, phone, licence and its expiry, the guide price
                       1 Send me by SMS (a job texts the details)   2 Report this buyer
         Report a buyer (one not listed: "no licence")   Other county
    Report: the buyer's name (when not picked from the list) -> what happened (false scale,
    paid too little, no licence, other) -> confirm -> filed in the incidents inbox under the
    non-urgent category MARKET, with a reference.

Screens render from two snapshots read through the session, never from the database:
`buyers` (the directory) and `prices` (the price board). A buyer whose licence expired is
left out here too, even before the snapshot is rebuilt.
"""
from core.i18n import N_
from flows.catalog import MINING_COUNTIES
from flows.engine import Ask, End, Invalid, Menu, Option, Session, effect, first_fitting, option_lines, text_room
from flows.main_menu import MenuEntry

import buyers.rules as rules
import buyers.texts as texts

COUNTY, LIST, DETAIL = "buy.county", "buy.list", "buy.detail"
SENT, REPORT_NAME, REPORT_WHY, REPORT_CONFIRM, REPORTED = (
    "buy.sent", "buy.report_name", "buy.report_why", "buy.report_confirm", "buy.reported")

NAME_MAX = 40  # a buyer's name typed by a miner
MSG_NAME_SHORT = N_("Type the buyer's name or where they buy.")


def _buyers(session: Session):
    return session.snapshot("buyers")


def _prices(session: Session):
    return session.snapshot("prices")


def _today():
    return rules.today()


def entry(session: Session):
    for key in ("buy_id", "buy_report_name", "buy_problem", "buy_ref"):
        session.data.pop(key, None)
    county = rules.find_county(session.caller.get("county") or "")
    if county:
        session.data["buy_county"] = county
        return LIST
    return COUNTY


MENU_ENTRY = MenuEntry(2, texts.MENU_LABEL, entry, menu="more")


def county(session: Session):
    return session.data.get("buy_county") or ""


def county_options(session: Session):
    return [Option(name, LIST, value=name, literal=True) for name in MINING_COUNTIES]


def list_title(session: Session):
    """The county and its guide price, whole on the first page with a short list of buyers
    (a long list is spread over pages anyway: then the fullest title goes first)."""
    on = _today()
    guide = texts.guide_words(texts.guide_price(_prices(session), county(session)), county(session),
                              session.locale, on)
    if not texts.listed(_buyers(session), county(session), on):
        return session.t("No licensed gold buyer listed in %(county)s yet.", county=county(session)) + " " + guide
    full = session.t("Licensed buyers, %(county)s.", county=county(session)) + " " + guide
    lines = option_lines(session, list_options(session))
    room = text_room(session, lines)
    if room < 0:
        return full
    return first_fitting([full, f"{county(session)}: {guide}", guide], room)


def _pick(buyer_id):
    def go(session: Session):
        session.data["buy_id"] = buyer_id
        session.data.pop("buy_report_name", None)
        return DETAIL

    return go


def _report_unlisted(session: Session):
    session.data.pop("buy_id", None)
    return REPORT_NAME


def list_options(session: Session):
    buyers = texts.listed(_buyers(session), county(session), _today())
    return [Option(texts.list_label(b), _pick(b["id"]), literal=True) for b in buyers] + [
        Option(N_("Report a buyer"), _report_unlisted),
        Option(N_("Other county"), COUNTY),
    ]


def chosen(session: Session):
    return texts.find(_buyers(session), session.data.get("buy_id"), _today())


MSG_GONE = N_("This buyer is no longer listed.")


def detail_text(session: Session):
    """Name, market, phone, licence and its expiry, and the guide price when it fits the
    page with the options (it is on the list screen already)."""
    buyer = chosen(session)
    if buyer is None:
        return session.t(MSG_GONE)
    on = _today()
    details = session.t("%(name)s, %(market)s\n%(phone)s\nLicence %(licence)s to %(expires)s",
                        name=texts.cut(buyer["name"], 30), market=texts.cut(buyer["market"], 16),
                        phone=texts.local_phone(buyer["phone"]), licence=buyer["licence"],
                        expires=texts.day_month_year(texts.parse_day(buyer["expires"])))
    guide = texts.guide_words(texts.guide_price(_prices(session), buyer["county"]), buyer["county"],
                              session.locale, on)
    room = text_room(session, option_lines(session, detail_options(session)))
    return first_fitting([details + "\n" + guide, details], room)


def detail_options(session: Session):
    if chosen(session) is None:
        return [Option(N_("Other county"), COUNTY)]
    return [Option(N_("Send me by SMS"), SENT), Option(N_("Report this buyer"), REPORT_WHY)]


def _send(session: Session):
    buyer = chosen(session)
    if buyer is None:
        return []
    return [effect("buyer_sms", phone=session.phone, buyer_id=buyer["id"], locale=session.locale)]


def valid_name(raw, session: Session):
    value = " ".join(raw.split())
    if len(value) < 2 or not any(ch.isalpha() for ch in value):
        raise Invalid(MSG_NAME_SHORT)
    if len(value) > NAME_MAX:
        raise Invalid(N_("At most %(max)s characters. Try again."), max=NAME_MAX)
    return value


def reported_name(session: Session):
    buyer = chosen(session)
    return buyer["name"] if buyer else session.data.get("buy_report_name", "")


def problem_options(session: Session):
    return [Option(label, REPORT_CONFIRM, value=code) for code, label in texts.PROBLEMS]


def confirm_text(session: Session):
    problem = session.t(texts.PROBLEM_LABELS.get(session.data.get("buy_problem"), texts.PROBLEM_LABELS["other"]))
    return session.t("Report %(buyer)s: %(problem)s. The officers of %(county)s will see it.",
                     buyer=texts.cut(reported_name(session), 30), problem=problem,
                     county=county(session))


def _report(session: Session):
    buyer = chosen(session)
    return [effect("buyer_report", phone=session.phone, locale=session.locale, county=county(session),
                   buyer_id=buyer["id"] if buyer else None,
                   buyer_name=reported_name(session), problem=session.data.get("buy_problem") or "other")]


def reported_text(session: Session):
    reference = session.data.get("buy_ref")
    if reference:
        return session.t("Report sent, reference %(ref)s. The officers will follow it up.", ref=reference)
    return session.t("Report sent. The officers will follow it up.")


STATES = (
    Menu(COUNTY, title=N_("Buyers in which county?"), options=county_options, save_as="buy_county"),
    Menu(LIST, title=list_title, options=list_options),
    Menu(DETAIL, title=detail_text, options=detail_options),
    End(SENT, on_enter=_send, body=N_("Done. The buyer's details will come to you by SMS.")),
    Ask(REPORT_NAME, prompt=N_("Buyer's name or where they buy:"), validate=valid_name, save_as="buy_report_name",
        next=REPORT_WHY),
    Menu(REPORT_WHY, title=N_("What did the buyer do?"), options=problem_options, save_as="buy_problem"),
    Menu(REPORT_CONFIRM, title=confirm_text, options=[Option(N_("Send"), REPORTED)]),
    End(REPORTED, on_enter=_report, body=reported_text),
)
