"""Logging that never writes a full phone number (Kenya Data Protection Act 2019).

Masking happens where each log record is made (a record factory), so every handler sees
the masked text: ours, the servers', RQ's (which prints job arguments), and any added
later (test capture, a log shipper).

Every record also carries the request id (`RequestIdMiddleware` sets one per HTTP request,
from X-Request-ID or new; jobs queued during it carry it, see core/jobs.py) and the caller's
masked number when a callback named one. LOG_FORMAT=json writes one JSON object per line
(time, level, logger, message, request_id, phone) for log collectors; the default is text.
"""
import collections
import contextvars
import json
import logging
import os
import re
import uuid
from datetime import datetime, timezone

from core.phones import mask, mask_in_text

REQUEST_ID = contextvars.ContextVar("request_id", default=None)
PHONE = contextvars.ContextVar("masked_phone", default=None)
_GIVEN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id():
    return REQUEST_ID.get()


def bind_request_id(value=None):
    """Use `value` (when it looks like an id) or a new id for what follows in this context."""
    request_id = value if value and _GIVEN_ID.match(value) else uuid.uuid4().hex[:16]
    REQUEST_ID.set(request_id)
    PHONE.set(None)
    return request_id


def bind_phone(phone):
    """The number this request or job is about: logged masked, never in clear."""
    PHONE.set(mask(phone) if phone else None)


class RequestIdMiddleware:
    """WSGI: a request id for every request (AT's callbacks included), echoed as X-Request-ID."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        request_id = bind_request_id(environ.get("HTTP_X_REQUEST_ID"))

        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Request-ID", request_id)], exc_info)

        return self.wsgi_app(environ, start)


class QuietRoutineJobs(logging.Filter):
    """RQ logs three INFO lines for every job it runs. For routine jobs that run every minute
    and mostly find nothing to do (the inbound SMS drain), those lines go to DEBUG only;
    their warnings and errors are kept."""

    JOB_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
    WORKER = re.compile(r"^Worker \S+: ")

    def __init__(self, functions):
        super().__init__()
        self.functions, self.quiet_ids = tuple(functions), collections.deque(maxlen=64)

    def filter(self, record):
        if record.levelno != logging.INFO or logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return True
        message = record.getMessage()
        ids = self.JOB_ID.findall(self.WORKER.sub("", message, count=1))  # not the worker's own name
        if any(function in message for function in self.functions):
            self.quiet_ids.extend(ids)
            return False
        return not any(job_id in self.quiet_ids for job_id in ids)


ROUTINE_JOBS = ("sms.inbound.drain_pending",)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors (LOG_FORMAT=json)."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None), "phone": getattr(record, "masked_phone", None),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_in_text(self.formatException(record.exc_info))
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def mask_record(record):
    """Rewrite a record's message (and traceback) with every phone number masked."""
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call: leave it to logging's own error report
        return record
    masked = mask_in_text(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and not record.exc_text:
        record.exc_text = mask_in_text(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = mask_in_text(record.exc_text)
    return record


def install(level=logging.INFO):
    """Mask phone numbers in every log record made in this process (once); LOG_FORMAT=json
    makes the root handler write JSON lines."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "masks_phones", False):
        def masking_factory(*args, **kwargs):
            record = mask_record(factory(*args, **kwargs))
            record.request_id, record.masked_phone = REQUEST_ID.get(), PHONE.get()
            return record

        masking_factory.masks_phones = True
        logging.setLogRecordFactory(masking_factory)
    rq_worker = logging.getLogger("rq.worker")
    if not any(isinstance(f, QuietRoutineJobs) for f in rq_worker.filters):
        rq_worker.addFilter(QuietRoutineJobs(ROUTINE_JOBS))
    root = logging.getLogger()
    if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
        if not root.handlers:
            logging.basicConfig(level=level)
        for handler in root.handlers:
            if not isinstance(handler.formatter, JsonFormatter):
                handler.setFormatter(JsonFormatter())
    elif not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
