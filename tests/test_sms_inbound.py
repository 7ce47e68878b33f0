"""Inbound SMS, keywords, delivery reports and opt-outs through the real HTTP callbacks,
RQ jobs and the fake gateway (replies land in the fake phone's inbox)."""
import uuid

import pytest

from models import InboundMessage, Message, Miner, db
from models.miner import LanguagePreference
from miners import keywords as commands
from tests.sms_checks import BULK_HEADROOM, assert_sms_templates
from tests.sms_support import _fake_server, _live_servers, add_miner, fake_at, live_url, run_jobs, sms_app  # noqa: F401

PHONE = "+254711000001"


def text_in(client, text, phone=PHONE, at_id=None):
    response = client.post("/sms/inbound", data={
        "from": phone, "to": "22384", "text": text, "date": "2026-11-24 10:00:00",
        "id": at_id or f"ATInbound_{uuid.uuid4().hex}", "linkId": "", "networkCode": "63902"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def inbox(fake_at, phone=PHONE):
    return [m["text"] for m in fake_at.messages(phone)]


def converse(client, app, fake_at, text, phone=PHONE):
    before = len(fake_at.messages(phone))
    text_in(client, text, phone)
    run_jobs(app)
    return inbox(fake_at, phone)[before:]


def test_every_fixed_sms_template_is_one_gsm7_part_in_both_languages():
    assert_sms_templates(commands.TEMPLATES)
    from sms.outbound import BALANCE_ALERT

    assert_sms_templates([(BALANCE_ALERT, {})])


def test_check_helper_catches_long_or_unicode_templates():
    from tests.sms_checks import template_problems

    assert template_problems("x" * 161)
    assert template_problems("Habari ’", locales=("en",))
    assert template_problems("x" * 130, headroom=BULK_HEADROOM, locales=("en",))
    assert not template_problems("x" * 120, headroom=BULK_HEADROOM, locales=("en",))


def test_callback_answers_at_once_and_the_job_replies_in_the_keyword_language(client, fake_at, sms_app):
    assert converse(client, sms_app, fake_at, "help") == [
        "Madini Salama: REPORT what happened. PRICE <market>. TIP: safety tip. PRICE STOP or TIP STOP ends those. "
        "STOP ends all SMS. LANG SW. Emergency 999"]
    assert converse(client, sms_app, fake_at, "Msaada!", phone="+254711000002")[0].startswith(
        "Madini Salama: RIPOTI kilichotokea")


def test_registered_miner_gets_replies_in_their_own_language(client, fake_at, sms_app):
    add_miner(PHONE, locale="en")
    assert converse(client, sms_app, fake_at, "MSAADA")[0].startswith("Madini Salama: REPORT")


def test_duplicate_inbound_id_is_stored_and_answered_once(client, fake_at, sms_app):
    for _ in range(3):  # AT retries the same message until it gets a 200
        text_in(client, "HELP", at_id="ATInbound_same")
    run_jobs(sms_app)
    assert db.session.execute(db.select(db.func.count()).select_from(InboundMessage)).scalar_one() == 1
    assert len(inbox(fake_at)) == 1
    stored = db.session.execute(db.select(InboundMessage)).scalar_one()
    assert (stored.keyword, stored.locale, stored.phone) == ("HELP", "en", PHONE)
    assert stored.handled_at is not None


def test_unknown_text_gets_one_help_reply_per_hour(client, fake_at, sms_app):
    assert converse(client, sms_app, fake_at, "habari yenu") == [
        "Madini Salama: kuripoti hatari tuma SMS ya kilichotokea na wapi. MSAADA kwa maneno, au piga *384*12#. "
        "Dharura 999"]
    assert converse(client, sms_app, fake_at, "hello again") == []
    assert converse(client, sms_app, fake_at, "", phone="+254711000002")  # another number: its own hour
    assert db.session.execute(db.select(db.func.count()).select_from(InboundMessage)).scalar_one() == 3


def test_stop_and_start(client, fake_at, sms_app):
    add_miner(PHONE, locale="sw")
    assert converse(client, sms_app, fake_at, "ACHA") == [
        "Madini Salama: SMS zote zimesimamishwa, hata tahadhari za usalama. Kuzipata tena tuma ANZA kwa 22384."]
    miner = db.session.execute(db.select(Miner)).scalar_one()
    assert miner.sms_opt_out_at is not None
    assert converse(client, sms_app, fake_at, "acha") == []  # already stopped: no second confirmation
    assert converse(client, sms_app, fake_at, "start") == ["SMS za tahadhari zimeanza. Tuma ACHA kuzisimamisha."]
    db.session.expire_all()
    assert db.session.execute(db.select(Miner)).scalar_one().receives_sms


def test_start_from_an_unregistered_number(client, fake_at, sms_app):
    assert converse(client, sms_app, fake_at, "START") == [
        "You are not registered. Dial *384*12# and choose 4 to register."]


def test_lang_changes_language_and_confirms_in_the_new_one(client, fake_at, sms_app):
    add_miner(PHONE, locale="sw")
    assert converse(client, sms_app, fake_at, "LUGHA EN") == [
        "Language saved: English. Dial *384*12# again for the menu."]
    db.session.expire_all()
    assert db.session.execute(db.select(Miner)).scalar_one().locale == "en"
    assert converse(client, sms_app, fake_at, "lang kiswahili") == [
        "Lugha imehifadhiwa: Kiswahili. Piga *384*12# tena kupata menyu."]
    assert converse(client, sms_app, fake_at, "LANG FR") == ["Tuma LUGHA SW kwa Kiswahili au LUGHA EN kwa Kiingereza."]


def test_lang_for_an_unregistered_number_is_remembered(client, fake_at, sms_app):
    converse(client, sms_app, fake_at, "LANG EN")
    assert db.session.get(LanguagePreference, PHONE).locale == "en"
    assert converse(client, sms_app, fake_at, "what")[0].startswith("Madini Salama: to report danger SMS")


def test_reg(client, fake_at, sms_app):
    assert converse(client, sms_app, fake_at, "SAJILI Amina Otieno") == [
        "Asante Amina. Kumaliza usajili, piga *384*12# uchague 4."]
    assert converse(client, sms_app, fake_at, "REG") == ["Send REG and your name, e.g. REG Amina Otieno."]
    add_miner("+254711000002", locale="en", name="Old")
    assert converse(client, sms_app, fake_at, "REG Wanjiru Kamau", phone="+254711000002") == [
        "Name saved: Wanjiru Kamau. Dial *384*12# and choose 4 for your account."]
    db.session.expire_all()
    assert db.session.execute(db.select(Miner)).scalar_one().name == "Wanjiru Kamau"


@pytest.mark.parametrize("data, status", [
    ({"to": "22384", "text": "HELP", "id": "x"}, 400),  # no from
    ({"from": "not a phone", "text": "HELP", "id": "x"}, 400),
    ({"from": PHONE, "text": "HELP"}, 400),  # no id
])
def test_malformed_inbound_is_refused_with_a_reason(client, sms_app, data, status):
    response = client.post("/sms/inbound", data=data)
    assert response.status_code == status and "Bad request" in response.get_data(as_text=True)


def test_callback_token(client, sms_app):
    sms_app.config["CALLBACK_TOKEN"] = "s3cret"
    fields = {"from": PHONE, "text": "HELP", "id": "ATx1"}
    assert client.post("/sms/inbound", data=fields).status_code == 403
    assert client.post("/sms/inbound?token=nope", data=fields).status_code == 403
    assert client.post("/sms/delivery", data={"id": "x", "status": "Success"}).status_code == 403
    assert client.post("/sms/optout", data={"phoneNumber": PHONE}).status_code == 403
    assert client.post("/sms/inbound?token=s3cret", data=fields).status_code == 200


def sent_message(client, app, fake_at):
    from sms.outbound import queue_sms

    queue_sms(PHONE, "Habari", locale="sw", purpose="test")
    run_jobs(app)
    db.session.expire_all()
    return db.session.execute(db.select(Message)).scalar_one()


def report(client, at_id, status, failure_reason=None, phone=PHONE):
    data = {"id": at_id, "status": status, "phoneNumber": phone, "networkCode": "63902"}
    if failure_reason:
        data["failureReason"] = failure_reason
    response = client.post("/sms/delivery", data=data)
    assert response.status_code == 200
    db.session.expire_all()


def test_delivery_reports_out_of_order_only_move_forward(client, fake_at, sms_app):
    message = sent_message(client, sms_app, fake_at)
    report(client, message.at_message_id, "Success")
    assert db.session.get(Message, message.id).status == "delivered"
    for late in ("Sent", "Submitted", "Buffered", "Failed"):
        report(client, message.at_message_id, late)
        row = db.session.get(Message, message.id)
        assert (row.status, row.delivery_status) == ("delivered", "Success")
    assert row.delivered_at is not None


def test_delivery_report_steps_and_failure(client, fake_at, sms_app):
    message = sent_message(client, sms_app, fake_at)
    report(client, message.at_message_id, "Submitted")
    assert db.session.get(Message, message.id).status == "submitted"
    report(client, message.at_message_id, "Sent")  # late, lower: ignored
    assert db.session.get(Message, message.id).status == "submitted"
    report(client, message.at_message_id, "Rejected", "DeliveryFailure")
    row = db.session.get(Message, message.id)
    assert row.status == "failed" and row.failure_reason == "delivery: DeliveryFailure"


def test_delivery_report_blacklist_opts_the_miner_out(client, fake_at, sms_app):
    add_miner(PHONE)
    message = sent_message(client, sms_app, fake_at)
    report(client, message.at_message_id, "Failed", "UserInBlackList")
    assert db.session.execute(db.select(Miner)).scalar_one().sms_opt_out_at is not None


def test_unknown_delivery_report_is_acknowledged(client, sms_app, caplog):
    caplog.set_level("INFO", logger="sms.delivery")
    report(client, "ATXid_unknown", "Success")
    assert "unknown message id" in caplog.text
    assert client.post("/sms/delivery", data={"id": "x", "status": "Weird"}).status_code == 200
    assert client.post("/sms/delivery", data={"status": "Success"}).status_code == 400


def test_delivery_reports_posted_by_the_fake_gateway(client, fake_at, sms_app, live_url):
    import time

    fake_at.set_faults(dlr=True, dlr_delay=0.05)
    message = sent_message(client, sms_app, fake_at)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(Message, message.id).status == "delivered":
            break
        time.sleep(0.05)
    assert db.session.get(Message, message.id).status == "delivered"


def test_opt_out_callback_is_idempotent(client, sms_app):
    add_miner(PHONE)
    for _ in range(2):
        response = client.post("/sms/optout", data={"senderId": "MADINI", "phoneNumber": "0711000001"})
        assert response.status_code == 200
    miner = db.session.execute(db.select(Miner)).scalar_one()
    first = miner.sms_opt_out_at
    assert first is not None and not miner.receives_sms
    client.post("/sms/optout", data={"senderId": "MADINI", "phoneNumber": PHONE})
    db.session.expire_all()
    assert db.session.execute(db.select(Miner)).scalar_one().sms_opt_out_at == first
    assert client.post("/sms/optout", data={"phoneNumber": "+254799999999"}).status_code == 200  # not a miner


def test_erasure_anonymises_messages(client, fake_at, sms_app):
    from miners import erasure

    miner = add_miner(PHONE)
    text_in(client, "HELP")
    run_jobs(sms_app)
    assert erasure.erase(PHONE)
    db.session.expire_all()
    assert all(m.phone is None and m.miner_id is None and m.text == "[erased]"
               for m in db.session.execute(db.select(Message)).scalars())
    inbound = db.session.execute(db.select(InboundMessage)).scalar_one()
    assert (inbound.phone, inbound.text) == (None, "[erased]")
    assert db.session.get(Miner, miner.id) is None


def test_two_workers_with_the_same_message_answer_it_once(sms_app, redis):
    """AT posted one message twice at once: while one worker handles it, the other job steps
    back (RQ retries it) and, once it is handled, finds nothing to do."""
    from sms import inbound

    fields = {"from": PHONE, "to": "22384", "text": "MSAADA", "id": "ATrace1", "date": "", "linkId": "",
              "networkCode": "63902"}
    redis.set(inbound.INBOUND_LOCK_KEY.format(at_id="ATrace1"), 1)  # the first worker is mid-way
    with pytest.raises(inbound.InboundBusy):
        inbound.handle_inbound(fields)
    redis.delete(inbound.INBOUND_LOCK_KEY.format(at_id="ATrace1"))
    assert inbound.handle_inbound(fields) == "MSAADA"  # the retry, once the lock is gone
    assert inbound.handle_inbound(fields) == "duplicate"
    assert len(db.session.execute(db.select(Message).filter_by(phone=PHONE)).scalars().all()) == 1
    assert not redis.exists(inbound.INBOUND_LOCK_KEY.format(at_id="ATrace1"))


def test_a_report_that_beats_the_send_answer_is_not_undone(client, fake_at, sms_app):
    """The fake reports faster than it answers: the report adopts the claimed broadcast row,
    then the worker records AT's answer without moving 'delivered' back to 'sent'."""
    import broadcasts.lifecycle

    add_miner(PHONE)
    fake_at.set_faults(dlr=True, dlr_delay=0.0, latency_ms=300)
    broadcast = broadcasts.lifecycle.create({"sw": "Habari"}, {}, urgent=True)
    run_jobs(sms_app)
    db.session.expire_all()
    message = db.session.execute(db.select(Message)).scalar_one()
    assert message.status == "delivered" and message.at_status_code == 101
    assert message.at_message_id == fake_at.messages(PHONE)[0]["messageId"]
    assert broadcasts.lifecycle.progress(db.session.get(type(broadcast), broadcast.id))["delivered"] == 1


def test_a_failed_handler_is_retried_and_answers_once(client, fake_at, sms_app, monkeypatch):
    from rq import Retry

    from sms import inbound, keywords

    routes = sms_app.extensions["capabilities"].keyword_router.routes
    route = routes["HELP"]
    calls = []

    def flaky(message):
        calls.append(message.text)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return route.handler(message)

    monkeypatch.setitem(routes, "HELP", keywords.Route(route.words, flaky))
    monkeypatch.setattr(inbound, "Retry", lambda max, interval: Retry(max=max, interval=0))
    text_in(client, "HELP", at_id="ATInbound_flaky")
    run_jobs(sms_app)
    assert len(calls) == 2 and len(inbox(fake_at)) == 1
    assert db.session.execute(db.select(InboundMessage)).scalar_one().handled_at is not None


# --- batches: the callback appends to a list, jobs take fifty at a time ----------------------

def test_a_burst_of_callbacks_queues_one_drain_and_is_handled_in_batches(client, fake_at, sms_app, redis):
    from rq import Queue

    from sms import inbound

    phones = [f"+2547110002{n:02d}" for n in range(inbound.BATCH_SIZE + 5)]
    for phone in phones:
        text_in(client, "HELP", phone=phone)
    assert redis.llen(inbound.PENDING_KEY) == len(phones)
    replies = Queue("replies", connection=redis)
    assert [job.func_name for job in replies.get_jobs()] == ["sms.inbound.drain_pending"]  # one, not 55
    assert inbound.drain_pending() == len(phones)  # what the worker does with that job
    assert redis.llen(inbound.PENDING_KEY) == 0 and not redis.exists(inbound.DRAIN_QUEUED_KEY)
    batches = [job for job in replies.get_jobs() if job.func_name == "sms.inbound.handle_batch"]
    assert [len(job.args[0]) for job in batches] == [inbound.BATCH_SIZE, 5]
    run_jobs(sms_app)
    assert all(len(inbox(fake_at, phone)) == 1 for phone in phones)
    assert db.session.execute(db.select(db.func.count()).select_from(InboundMessage)
                              .where(InboundMessage.handled_at.is_not(None))).scalar_one() == len(phones)


def test_messages_wait_in_redis_until_a_job_holds_them(client, fake_at, sms_app, redis):
    """The drain job was lost (its worker died before running it): nothing is lost, and the
    next callback (or the cron line, a minute later) drains the list."""
    from core import jobs
    from sms import inbound

    text_in(client, "HELP", phone="+254711000301")
    redis.delete("rq:queue:replies")  # the queued drain job is gone
    assert jobs.queue(jobs.REPLIES).count == 0 and redis.llen(inbound.PENDING_KEY) == 1
    redis.delete(inbound.DRAIN_QUEUED_KEY)  # its flag expired (DRAIN_QUEUED_SECONDS)
    text_in(client, "HELP", phone="+254711000302")
    run_jobs(sms_app)
    assert len(inbox(fake_at, "+254711000301")) == 1 and len(inbox(fake_at, "+254711000302")) == 1
    assert redis.llen(inbound.PENDING_KEY) == 0


def test_a_batch_run_twice_answers_each_message_once(client, fake_at, sms_app, redis):
    """A drain that died between queuing a batch and trimming the list hands the same
    messages out again: handling is once per AT id, whatever the number of jobs."""
    from sms import inbound

    fields = [{"from": f"+25471100040{n}", "to": "22384", "text": "HELP", "id": f"ATbatch{n}", "date": "",
               "linkId": "", "networkCode": "63902"} for n in range(3)]
    assert inbound.handle_batch(fields) == 3
    inbound.handle_batch(fields)
    run_jobs(sms_app)
    assert [len(inbox(fake_at, f["from"])) for f in fields] == [1, 1, 1]
