"""LOG_FORMAT=json: one JSON object per line with the request id and the masked number; jobs
queued by a callback carry its request id."""
import io
import json
import logging

from core import jobs, logs


def json_lines(handler_stream):
    return [json.loads(line) for line in handler_stream.getvalue().splitlines() if line.strip()]


def test_callback_lines_are_json_with_request_id_and_masked_phone(client, monkeypatch):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logging.getLogger().addHandler(handler)
    try:
        response = client.post("/ussd/events", headers={"X-Request-ID": "req-abc123"},
                               data={"sessionId": "ATUid_json1", "phoneNumber": "+254711000999",
                                     "status": "Failed", "errorMessage": "gateway timeout"})
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "req-abc123"
    [line] = [entry for entry in json_lines(stream) if entry["logger"] == "ussd.views"]
    assert line["level"] == "WARNING" and line["request_id"] == "req-abc123"
    assert line["phone"] == "+2547******99" and "254711000999" not in json.dumps(line)
    assert line["time"].endswith("+00:00")


def test_every_request_gets_an_id_and_jobs_queued_under_it_carry_it(app, redis):
    logs.bind_request_id("not a valid id!")  # refused: a new one is made
    request_id = logs.current_request_id()
    assert request_id != "not a valid id!" and len(request_id) == 16
    job = jobs.queue(jobs.DEFAULT, redis).enqueue(print, "x")
    assert job.meta["request_id"] == request_id


def test_json_format_is_chosen_by_the_setting(monkeypatch):
    root = logging.getLogger()
    saved = [(h, h.formatter) for h in root.handlers]
    handler = logging.StreamHandler(io.StringIO())
    root.addHandler(handler)
    try:
        monkeypatch.setenv("LOG_FORMAT", "json")
        logs.install()
        assert isinstance(handler.formatter, logs.JsonFormatter)
    finally:
        root.removeHandler(handler)
        for h, formatter in saved:
            h.setFormatter(formatter)


def test_the_idle_inbound_drain_does_not_fill_the_worker_log(app, redis, caplog):
    from rq import SimpleWorker

    from sms.inbound import drain_pending

    logs.install()
    queue = jobs.queue(jobs.REPLIES, redis)
    quiet = queue.enqueue(drain_pending)
    loud = queue.enqueue(print, "something real")
    with caplog.at_level(logging.INFO, logger="rq.worker"):
        SimpleWorker([queue], connection=redis).work(burst=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "rq.worker"]
    assert not any(quiet.id in line for line in lines)
    assert any(loud.id in line for line in lines)
