"""Words officers read for the codes the database stores (statuses, categories...), in the
page's language. Category and occurrence labels are the callers' msgids (one catalogue);
the rest are officers' words, marked here with lazy_gettext."""
from flask_babel import gettext, lazy_gettext as _l

from incidents.categories import CATEGORY_LABELS, OCCURRED_LABELS

MESSAGE_STATUSES = {
    "queued": _l("Queued"), "sending": _l("Sending"), "sent": _l("Sent"), "submitted": _l("Sent"),
    "delivered": _l("Delivered"), "failed": _l("Failed"), "skipped": _l("Skipped (opted out)"),
    "cancelled": _l("Cancelled"),
}
INCIDENT_STATUSES = {
    "new": _l("New"), "acknowledged": _l("Acknowledged"), "responding": _l("Responding"),
    "resolved": _l("Resolved"), "rejected": _l("Closed without action"),
}
BROADCAST_STATUSES = {
    "scheduled": _l("Scheduled"), "planning": _l("Preparing"), "sending": _l("Sending"),
    "waiting": _l("Waiting for sending hours"), "paused": _l("Paused"), "cancelled": _l("Cancelled"),
    "done": _l("Finished"),
}
MESSAGE_PURPOSES = {
    "incident_receipt": _l("Report receipt"), "incident_status": _l("Status update"),
    "incident_alert": _l("Urgent alert to officers"), "broadcast": _l("Broadcast"),
}


def _label(table, code):
    return str(table.get(code, code or ""))


def status_label(code):
    return _label(MESSAGE_STATUSES, code)


def incident_status_label(code):
    return _label(INCIDENT_STATUSES, code)


def broadcast_status_label(code):
    return _label(BROADCAST_STATUSES, code)


def category_label(code):
    return gettext(CATEGORY_LABELS[code]) if code in CATEGORY_LABELS else (code or "")


def occurred_label(code):
    return gettext(OCCURRED_LABELS[code]) if code in OCCURRED_LABELS else (code or "")


def purpose_label(code):
    return _label(MESSAGE_PURPOSES, code)


def page_labels():
    """The label functions templates use (a context processor of the dashboard's pages and of
    the capabilities' officer pages, dashboard.init_app)."""
    return {"status_label": status_label, "incident_status_label": incident_status_label,
            "broadcast_status_label": broadcast_status_label, "category_label": category_label,
            "occurred_label": occurred_label, "purpose_label": purpose_label}
