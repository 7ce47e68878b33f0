"""One USSD hop: find the session, work out the new input, step the flow, carry out effects.

The database is touched on the first hop of a session (who is calling?) and when a
journey's effects must be stored (a registration, a report); every other hop is Redis only.
"""
import logging
import time
from dataclasses import dataclass
from typing import Callable

from core import metrics
from core.capability import CallerDetail
from core.i18n import N_, translate
from flows.engine import MSG_FAILED, Flow, Reply, Session
from flows.main_menu import RESUME
from ussd.store import CLEAR, KEEP, SessionStore

log = logging.getLogger(__name__)

MSG_EXPIRED = N_("Your session timed out. Please dial *384*12# again.")

def _journey(state):
    """The journey a flow state belongs to ('inc.when' -> 'inc'): a metric label of few values."""
    return (state or "main").split(".", 1)[0]



def new_input(previous_text, text):
    """What the caller typed on this hop, given the `text` AT sent on the previous one.

    AT joins every input with '*', and a caller may type '*' inside an answer, so the new
    input is whatever follows the previous text (never a blind split on '*').
    """
    if previous_text == "":
        return text
    prefix = previous_text + "*"
    if text.startswith(prefix):
        return text[len(prefix):]
    # Not a continuation of what we saw (a gateway quirk): take the last field, and say so.
    log.warning("USSD text does not extend the previous hop's; using its last field")
    return text.rsplit("*", 1)[-1]


@dataclass
class HopService:
    flow: Flow
    store: SessionStore
    load_caller: Callable[[str], dict]  # phone -> caller snapshot from the database (no cache)
    run_effects: Callable[[list], dict]  # effects -> session data they learned (ussd/effects.py)
    # Journeys that need more about the caller than the database keeps (e.g. the market a phone
    # looked at last time, a convenience kept in Redis) declare a CallerDetail in their
    # capability: the session store reads those keys with the session itself on the first hop.
    caller_details: tuple[CallerDetail, ...] = ()
    default_locale: str = "sw"
    # Brings the in-memory data screens render from (tips, prices) up to date before the flow
    # runs, so that the flow itself does no I/O (core/snapshot.py).
    refresh_data: Callable[[], None] = lambda: None
    # The caller snapshot cached in Redis (models/miner.py): its key (with {phone}), its
    # lifetime, phone -> the snapshot encoded from the database, and encoded -> snapshot. The
    # session-opening script reads it on the first hop; on a miss the hop reads the database
    # and the closing script fills the key (only if still absent).
    caller_key: str | None = None
    caller_ttl: int = 0
    encoded_caller: Callable[[str], bytes] | None = None
    decode_caller: Callable[[bytes], dict] | None = None

    def handle(self, sid, phone, text):
        """The wire answer ('CON ...'/'END ...') for one hop (counted in core.metrics)."""
        started, journey, outcome = time.perf_counter(), "unknown", "error"
        try:
            wire, journey, outcome = self._hop(sid, phone, text)
            return wire
        finally:
            metrics.ussd_hop(journey, outcome, time.perf_counter() - started)

    def _hop(self, sid, phone, text):
        """(wire answer, journey, outcome) for one hop."""
        self.refresh_data()
        with self.store.open(sid, phone, self._detail_keys(phone)) as hop:
            record = hop.record
            if record is not None and text == record["last_text"]:
                # a repeated hop: same screen, nothing done twice
                return record["last_screen"], _journey(record["session"].get("state")), "repeat"
            if record is None:
                if text and hop.seen:
                    return self._expired(phone), "unknown", "expired"
                session, reply = self._first_hop(hop, phone, text)
            else:
                session = Session.from_dict(record["session"])
                if record.get("ended"):
                    return record["last_screen"], _journey(session.state), "repeat"
                reply = self.flow.advance(session, new_input(record["last_text"], text))
            reply, carried_out = self._carry_out(session, reply)
            hop.close(
                {"session": session.to_dict(), "last_text": text, "last_screen": reply.wire, "ended": reply.end},
                first_hop=record is None,
                # when storing failed, the snapshot stays so the caller can resume
                resume=self._resume_update(session, reply) if carried_out else KEEP,
            )
            return reply.wire, _journey(session.state), "end" if reply.end else "continue"

    def _caller(self, hop, phone, details):
        """The caller snapshot: cached (read with the session), else from the database, and
        then cached when the hop closes. Takes the cached value off the front of `details`."""
        if not self.caller_key:
            return self.load_caller(phone)
        cached = details.pop(0)
        if cached is None:
            cached = self.encoded_caller(phone)
            hop.fill = (self.caller_key.format(phone=phone), cached, self.caller_ttl)
        return self.decode_caller(cached)

    def _detail_keys(self, phone):
        """The per-phone keys the first hop reads with the session: the cached caller, then
        the journeys' caller details."""
        keys = [self.caller_key.format(phone=phone)] if self.caller_key else []
        return keys + [detail.key.format(phone=phone) for detail in self.caller_details]

    def _first_hop(self, hop, phone, text):
        resume_snapshot, details = hop.resume, list(hop.details)
        try:
            caller = self._caller(hop, phone, details)
        except Exception as exc:
            # The database is down: carry on as for an unregistered caller, so that an
            # emergency report still gets through (incidents spool it until the database is back).
            # No traceback: its SQL parameters hold the caller's number.
            log.error("caller lookup failed (%s); continuing without the caller's record", type(exc).__name__)
            caller = {"registered": False, "locale": self.default_locale}
        for detail, value in zip(self.caller_details, details):
            caller.update(detail.read(value))
        session = Session(phone=phone, locale=caller.get("locale") or self.default_locale, caller=caller)
        if text:
            # Direct dial (*384*12*1#): the extra digits are choices from the main menu.
            reply, effects = self.flow.start(session), []
            for choice in text.split("*"):
                reply = self.flow.advance(session, choice)
                effects += reply.effects
                if reply.end:
                    break
            reply.effects = effects
            return session, reply
        if resume_snapshot:
            session.data["resume"] = resume_snapshot
            return session, self.flow.jump(session, RESUME)
        return session, self.flow.start(session)

    def _carry_out(self, session, reply):
        if not reply.effects:
            return reply, True
        try:
            learned = self.run_effects(reply.effects)
        except Exception:
            log.exception("USSD effects failed in state %s", session.state)
            return Reply(session.t(MSG_FAILED), end=True), False
        if learned:
            # e.g. a report filed under another reference than the one drawn: say which
            session.data.update(learned)
            reply = self.flow.render(session)
        return reply, True

    def _resume_update(self, session, reply):
        """What to do with the caller's resume snapshot after this hop (KEEP, CLEAR or a new one)."""
        if session.state == RESUME:
            return KEEP  # still deciding whether to resume: keep the snapshot
        if not reply.end and self.flow.state(session).resumable:
            return {"state": session.state, "stack": session.stack,
                    "data": {k: v for k, v in session.data.items() if k != "resume"}}
        return CLEAR

    def _expired(self, phone):
        caller_locale = self.load_caller(phone).get("locale") or self.default_locale
        return "END " + translate(caller_locale, MSG_EXPIRED)
