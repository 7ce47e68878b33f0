"""Issue 6 "done when", end to end through the real endpoints, CLI and RQ queues: a miner
reads three tips in Swahili, gets one by SMS, checks the Migori price and subscribes; an
officer publishes a new price from the CLI; the alert job queues the subscriber's SMS.
(The fake gateway's inbox belongs to the SMS core: here the queued send job is the proof.)"""
from rq import Queue

from core import jobs
from miners.registration import register
from prices.publishing import ensure_default_markets
from tips.catalogue import catalogue, load_file
from tests.sms_checks import queued_messages


def test_miner_reads_tips_gets_one_by_sms_subscribes_and_is_alerted(runner, phone, redis):
    load_file()
    ensure_default_markets()
    assert runner.invoke(args=["price", "publish", "--market", "Migori", "--kes-per-gram", "9500",
                               "--purity", "0.9"]).exit_code == 0
    register(phone.number, name="Wanjiru", county="Migori", site="Osiri", role="digger", gender="woman",
             locale="sw", sms=True)
    cat = catalogue()
    shafts = cat.by_topic["shafts"]

    phone.dial()
    phone.send("2")
    screens = [phone.send("1"), phone.send("1"), phone.send("1")]
    for screen, tip_id in zip(screens, shafts):
        assert cat.tips[tip_id]["sw"] in screen and "98" not in screen  # the whole tip
    assert phone.send("2").startswith("CON Tumekutumia ushauri huu kwa SMS.")
    assert phone.send("00").startswith("CON Madini Salama. Karibu Wanjiru")
    price_screen = phone.send("3")
    assert "Migori" in price_screen and "KES 9,500/g" in price_screen
    phone.send("3")
    assert phone.send("1").startswith("END Tayari")

    replies = queued_messages(Queue(jobs.REPLIES, connection=redis))
    assert [(m.phone, m.text) for m in replies] == [(phone.number, cat.tips[shafts[2]]["sw"])]

    result = runner.invoke(args=["price", "publish", "--market", "Migori", "--kes-per-gram", "9850",
                                 "--purity", "0.9"])
    assert result.exit_code == 0, result.output
    bulk = Queue(jobs.BULK, connection=redis)
    alert_jobs = [j for j in bulk.jobs if j.func_name == "prices.publishing.send_price_alerts"]
    assert len(alert_jobs) == 2  # one per publication; the first had no subscriber yet
    for job in alert_jobs:
        job.perform()
    [alert] = queued_messages(bulk)
    assert alert.phone == phone.number
    assert alert.text.startswith("Madini Salama: bei mpya Migori") and "KES 9,850/g" in alert.text
    assert "Imepanda 3.7%" in alert.text and alert.purpose == "price_alert"
