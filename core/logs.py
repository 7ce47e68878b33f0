"""Logging that never writes a full phone number (Kenya Data Protection Act 2019)."""
import logging

from core.phones import mask_in_text


class MaskPhonesFilter(logging.Filter):
    """Rewrites each record's message with every phone number masked."""

    def filter(self, record):
        message = record.getMessage()
        masked = mask_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_in_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_in_text(record.exc_text)
        return True


# Libraries that log with handlers of their own (RQ prints each job's arguments).
THIRD_PARTY_LOGGERS = ("rq.worker", "rq.job", "rq.queue", "rq.scheduler", "gunicorn.error", "werkzeug")


def _add_filter(target):
    if not any(isinstance(f, MaskPhonesFilter) for f in target.filters):
        target.addFilter(MaskPhonesFilter())


def install(level=logging.INFO):
    """Mask phone numbers in every record: on the root logger's handlers (our code) and on
    the loggers of libraries that keep handlers of their own."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        _add_filter(handler)
    for name in THIRD_PARTY_LOGGERS:
        _add_filter(logging.getLogger(name))
