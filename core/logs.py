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


def install(level=logging.INFO):
    """Put the masking filter on every handler of the root logger (once)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if not any(isinstance(f, MaskPhonesFilter) for f in handler.filters):
            handler.addFilter(MaskPhonesFilter())
