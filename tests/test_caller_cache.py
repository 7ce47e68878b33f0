"""The caller snapshot cached in Redis (models/miner.py, `caller:{phone}`): the first hop
needs no query on a hit, and every path that changes a miner or a phone's language leaves
the cache as the database is (erasure: no key at all)."""
import ast
import pathlib
import uuid

import orjson
import pytest

from models import Message, Miner, db
from miners.registration import register
from models import miner as miners
from miners.erasure import erase
from tests.sms_support import add_miner, run_jobs

PHONE = "+254722000001"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def key(phone=PHONE):
    return miners.CALLER_KEY.format(phone=phone)


def stored(phone=PHONE):
    """What the database holds about the phone, as the cache keeps it (None: nothing)."""
    db.session.rollback()  # see other connections' commits
    return miners.stored_caller(phone)


def cached(redis, phone=PHONE):
    raw = redis.get(key(phone))
    return None if raw is None else orjson.loads(raw)


def assert_cache_is_the_database(redis, phone=PHONE):
    expected = stored(phone)
    assert cached(redis, phone) == (expected or (None if redis.get(key(phone)) is None else miners.UNKNOWN_CALLER))


def prime(app, phone=PHONE):
    """Read the caller once, so that a stale cache would show."""
    miners.caller_snapshot(phone, app.config["DEFAULT_LOCALE"])
    assert app.extensions["redis"].get(key(phone)) is not None


def dial(client, inputs, phone=PHONE):
    sid, typed, body = "ATUid_" + uuid.uuid4().hex, [], None
    for number, answer in enumerate(("",) + tuple(inputs)):
        if number:
            typed.append(answer)
        body = client.post("/ussd", data={"sessionId": sid, "phoneNumber": phone, "serviceCode": "*384*12#",
                                          "networkCode": "63902", "text": "*".join(typed)}).get_data(as_text=True)
    return body


def text_in(client, app, text, phone=PHONE):
    response = client.post("/sms/inbound", data={"from": phone, "to": "22384", "text": text,
                                                 "id": f"ATInbound_{uuid.uuid4().hex}", "date": "2026-12-01 10:00:00"})
    assert response.status_code == 200
    run_jobs(app)


# --- reading --------------------------------------------------------------------------

def test_a_first_hop_with_a_cached_caller_runs_no_query(app, client, redis, monkeypatch):
    add_miner(PHONE, name="Amina", locale="en")
    prime(app)

    def no_database(phone):
        raise AssertionError("the first hop queried the database")

    monkeypatch.setattr(app.extensions["ussd"], "load_caller", no_database)
    assert dial(client, []).startswith("CON Madini Salama. Welcome")  # the miner's language, from the cache


def test_a_miss_reads_the_database_once_and_fills_the_cache(app, client, redis):
    add_miner(PHONE, name="Amina", locale="en")
    redis.delete(key())
    assert dial(client, []).startswith("CON Madini Salama. Welcome")
    assert cached(redis)["name"] == "Amina" and cached(redis)["registered"] is True
    assert redis.ttl(key()) > 3600


def test_an_unknown_caller_is_cached_with_no_language_of_its_own(app, client, redis):
    assert dial(client, [], phone="+254722000999").startswith("CON Madini Salama. Karibu")
    assert cached(redis, "+254722000999") == miners.UNKNOWN_CALLER
    app.config["DEFAULT_LOCALE"] = "en"
    try:  # the default is applied on reading, so changing it takes effect at once
        assert miners.caller_snapshot("+254722000999", "en")["locale"] == "en"
    finally:
        app.config["DEFAULT_LOCALE"] = "sw"


def test_a_reader_that_read_before_a_change_cannot_leave_the_old_snapshot(app, redis):
    """A first hop read the database, then a registration committed and wrote the cache, then
    the first hop fills: the fill (SET NX) loses to the committed write."""
    old = stored()
    register(PHONE, name="Baraka", county="Migori", site="Osiri", role="digger", gender="man",
                    locale="en", sms=True)
    redis.set(key(), orjson.dumps(old or miners.UNKNOWN_CALLER), nx=True)  # the late reader's fill
    assert cached(redis)["name"] == "Baraka"


def test_a_first_hop_that_read_the_database_before_a_registration_does_not_undo_it(app, client, redis,
                                                                                  monkeypatch):
    """The hop's miss read the database, then a registration (another process) committed and
    wrote the cache while the hop ran; the hop's fill when it closes must not replace it."""
    service = app.extensions["ussd"]
    read = service.encoded_caller

    def read_then_someone_registers(phone):
        before = read(phone)
        register(phone, name="Baraka", county="Migori", site="Osiri", role="digger", gender="man",
                        locale="en", sms=True)
        return before

    monkeypatch.setattr(service, "encoded_caller", read_then_someone_registers)
    assert dial(client, []).startswith("CON Madini Salama. Karibu")  # this hop: not registered yet
    assert cached(redis)["name"] == "Baraka"
    monkeypatch.setattr(service, "encoded_caller", read)
    assert dial(client, []).startswith("CON Madini Salama. Welcome Baraka")  # the next session knows


def test_a_rolled_back_change_touches_nothing(app, redis):
    prime(app)
    miners._remember_language(PHONE, "en")  # a change, marked, then rolled back
    db.session.rollback()
    redis.set(key(), b'{"registered":false,"locale":"sw"}')  # so that any rewrite would show
    db.session.commit()
    assert cached(redis) == {"registered": False, "locale": "sw"}


# --- every path that changes a miner or a phone's language -------------------------------

def test_registration_by_ussd_writes_the_cache(app, client, redis):
    prime(app)
    assert dial(client, ["4", "Amina Wanjiru", "2", "Rosterman", "2", "1", "1", "1"]).startswith("END ")
    assert cached(redis)["registered"] is True and cached(redis)["name"] == "Amina Wanjiru"
    assert_cache_is_the_database(redis)


def test_language_by_ussd_writes_the_cache(app, client, redis):
    prime(app)
    dial(client, ["5", "2"])
    assert cached(redis)["locale"] == "en"
    assert_cache_is_the_database(redis)


@pytest.mark.parametrize("inputs, field, value", [
    (["4", "2", "2"], "locale", "en"),  # my account: change language
    (["4", "3", "Macalder"], "site", "Macalder"),  # my account: change site
    (["4", "4"], "sms", False),  # my account: stop SMS
])
def test_account_changes_by_ussd_write_the_cache(app, client, redis, inputs, field, value):
    add_miner(PHONE, name="Amina", locale="sw", sms=True)
    prime(app)
    dial(client, inputs)
    assert cached(redis)[field] == value
    assert_cache_is_the_database(redis)


def test_starting_sms_again_by_ussd_writes_the_cache(app, client, redis):
    add_miner(PHONE, opted_out=True)
    prime(app)
    assert cached(redis)["sms"] is False
    dial(client, ["4", "4"])
    assert cached(redis)["sms"] is True
    assert_cache_is_the_database(redis)


def test_deleting_my_data_by_ussd_leaves_no_cached_snapshot(app, client, redis):
    add_miner(PHONE)
    prime(app)
    assert dial(client, ["4", "5", "1"]).startswith("END ")
    assert redis.get(key()) is None
    # Only the phone's language choice is kept (docs/personal-data.md): nothing about the miner.
    assert stored() == {"registered": False, "locale": "sw"}


def test_erasure_leaves_no_cached_snapshot_for_a_miner_or_a_language_only(app, redis):
    add_miner(PHONE)
    miners.set_language("+254722000002", "en")  # not registered: only a language preference
    for phone in (PHONE, "+254722000002"):
        prime(app, phone)
        erase(phone)
        assert redis.get(key(phone)) is None
    assert [k for k in redis.scan_iter("caller:*")] == []


@pytest.mark.parametrize("text, field, value", [
    ("LANG EN", "locale", "en"),
    ("STOP", "sms", False),
    ("REG Amina Achieng", "name", "Amina Achieng"),
])
def test_sms_commands_from_a_miner_write_the_cache(app, client, redis, text, field, value):
    add_miner(PHONE, name="Amina", sms=True)
    prime(app)
    text_in(client, app, text)
    assert cached(redis)[field] == value
    assert_cache_is_the_database(redis)


def test_sms_start_writes_the_cache(app, client, redis):
    add_miner(PHONE, opted_out=True)
    prime(app)
    text_in(client, app, "ANZA")
    assert cached(redis)["sms"] is True
    assert_cache_is_the_database(redis)


@pytest.mark.parametrize("text, locale", [("LUGHA EN", "en"), ("SAJILI Baraka", "sw"), ("REG Baraka", "en")])
def test_sms_from_someone_not_registered_writes_the_language(app, client, redis, text, locale):
    prime(app)
    text_in(client, app, text)
    assert cached(redis) == {"registered": False, "locale": locale}
    assert_cache_is_the_database(redis)


def test_the_gateway_opt_out_callback_writes_the_cache(app, client, redis):
    add_miner(PHONE, sms=True)
    prime(app)
    assert client.post("/sms/optout", data={"senderId": "MADINI", "phoneNumber": PHONE}).status_code == 200
    assert cached(redis)["sms"] is False
    assert_cache_is_the_database(redis)


def test_a_blacklisted_delivery_report_writes_the_cache(app, redis):
    from sms.delivery import record_delivery

    miner = add_miner(PHONE, sms=True)
    db.session.add(Message(phone=PHONE, miner_id=miner.id, purpose="reply", text="x", locale="sw", encoding="gsm7",
                           segments=1, status="sent", at_message_id="ATXid_blacklisted"))
    db.session.commit()
    prime(app)
    record_delivery("ATXid_blacklisted", "Rejected", PHONE, "UserInBlackList")
    assert cached(redis)["sms"] is False
    assert_cache_is_the_database(redis)


def test_a_send_answer_saying_the_number_opted_out_writes_the_cache(app, redis):
    from types import SimpleNamespace

    from sms import outbound

    add_miner(PHONE, sms=True)
    prime(app)
    outbound._mark_miners([SimpleNamespace(phone=PHONE)], sms_opt_out_at=miners.utcnow())
    db.session.commit()
    assert cached(redis)["sms"] is False
    assert_cache_is_the_database(redis)


def test_an_edit_through_the_orm_writes_the_cache(app, redis):
    """Officers' tools, scripts and future code that change a Miner object are covered without
    calling anything: the ORM's own events mark the phone."""
    miner = add_miner(PHONE, name="Amina")
    prime(app)
    miner.name, miner.county = "Amina W.", "Kakamega"
    db.session.commit()
    assert (cached(redis)["name"], cached(redis)["county"]) == ("Amina W.", "Kakamega")
    db.session.delete(miner)
    db.session.commit()
    assert redis.get(key()) is None


# Functions that change miners or language preferences with a Core statement (which no ORM
# event sees) must mark the phones with caller_changed; statement builders are exempt (their
# executors are checked). A new writer anywhere in the code fails this test until it does.
STATEMENT_BUILDERS = {("models/miner.py", "_language_upsert"), ("miners/registration.py", "_registration_upsert")}
WRITES = ("update(Miner", "delete(Miner", "insert(Miner", "upsert_insert(Miner", "update(LanguagePreference",
          "delete(LanguagePreference", "insert(LanguagePreference", "upsert_insert(LanguagePreference",
          "_language_upsert()", "_registration_upsert(", "_remember_language(")


def _writers():
    skipped = {".venv", "tests", "bench", "migrations", "node_modules", "instance"}
    paths = [p for p in ROOT.glob("*.py")] + [p for top in ROOT.iterdir() if top.is_dir()
                                              and not top.name.startswith(".") and top.name not in skipped
                                              for p in top.rglob("*.py")]
    for path in sorted(paths):
        relative = path.relative_to(ROOT).as_posix()
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                body = ast.get_source_segment(source, node)
                if any(write in body for write in WRITES):
                    yield relative, node.name, body


def test_every_core_statement_that_changes_a_caller_marks_the_phone():
    found = {(path, name) for path, name, _ in _writers()}
    assert {("miners/registration.py", "register"), ("models/miner.py", "set_language"), ("miners/erasure.py", "erase"),
            ("sms/delivery.py", "record_delivery"), ("sms/outbound.py", "_mark_miners")} <= found
    unmarked = [(path, name) for path, name, body in _writers()
                if (path, name) not in STATEMENT_BUILDERS and "caller_changed(" not in body
                and "_remember_language(" not in body]
    assert unmarked == []
