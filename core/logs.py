"""Logging that never writes a full phone number (Kenya Data Protection Act 2019).

Masking happens where each log record is made (a record factory), so every handler sees
the masked text: ours, the servers', RQ's (which prints job arguments), and any added
later (test capture, a log shipper).
"""
import logging

from core.phones import mask_in_text


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
    """Mask phone numbers in every log record made in this process (once)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "masks_phones", False):
        def masking_factory(*args, **kwargs):
            return mask_record(factory(*args, **kwargs))

        masking_factory.masks_phones = True
        logging.setLogRecordFactory(masking_factory)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
