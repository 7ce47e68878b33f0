from models import Message, db, Broadcast
from sms import broadcasts
from sms.outbound import queue_sms
from tests.sms_support import _fake_server, _live_servers, add_miner, fake_at, live_url, run_jobs, sms_app  # noqa: F401


def test_smoke(fake_at, sms_app):
    queue_sms("+254711000001", "Habari’s", locale="sw", purpose="test")
    run_jobs(sms_app)
    msg = db.session.execute(db.select(Message)).scalar_one()
    assert msg.status == "sent", msg.failure_reason
    assert fake_at.messages("+254711000001")[0]["text"] == "Habari's"
    for i in range(250):
        add_miner(f"+2547120{i:05d}", locale="en" if i % 3 == 0 else "sw")
    b = broadcasts.create({"sw": "Tahadhari", "en": "Alert"}, {}, urgent=True)
    run_jobs(sms_app)
    db.session.expire_all()
    b = db.session.get(Broadcast, b.id)
    print(broadcasts.serialise(b))
    assert b.status == "done"
    assert fake_at.stats()["accepted"] == 251
