"""The audit log of officer actions: who did what to what, when, from where.

Every capability records its officer actions with `record(officer, action, target, detail)`:
sign-ins and their failures, officer changes, exports, incident status changes,
broadcasts... Rows are never updated or deleted by the app. Never put a full phone number
in `target` or `detail` (mask it with core.phones.mask).

An officer action is recorded by the capability's service function (e.g.
`broadcasts.actions.create`), not by the page or route that called it, so that the entry is
written whichever door the action came through; `door` says which: "dashboard" (also the
phone simulator), "api" or "cli" (found from the request when not given). An action at the
command line without `--as OFFICER` has no officer: its entry is by `cli`.
"""
from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.policy import CLI_OPERATOR
from models.base import UTCDateTime, db, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    # The officer may be deleted later; the username they had is kept with the entry.
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="SET NULL"), nullable=True, index=True)
    officer_username: Mapped[str | None] = mapped_column(String(60), nullable=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    target: Mapped[str | None] = mapped_column(String(120), nullable=True)
    detail = mapped_column(JSON, nullable=True)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)
    door: Mapped[str | None] = mapped_column(String(10), nullable=True)  # dashboard, api, cli


DOORS = ("dashboard", "api", "cli")


def current_door():
    """The door of the action being done now: the API for /api/ requests, the dashboard for
    any other request (pages, simulator), the command line outside a request."""
    if not has_request_context():
        return "cli"
    return "api" if request.path.startswith("/api/") else "dashboard"


def record(officer, action, target=None, detail=None, *, username=None, commit=True, door=None):
    """Log one officer action. `officer` may be None (a failed sign-in: pass `username`; a
    command-line action without an officer is by CLI_OPERATOR)."""
    door = door or current_door()
    if officer is None and username is None and door == "cli":
        username = CLI_OPERATOR
    entry = AuditEntry(
        officer_id=getattr(officer, "id", None),
        officer_username=getattr(officer, "username", None) or (username or "")[:60] or None,
        action=action[:40],
        target=str(target)[:120] if target is not None else None,
        detail=detail,
        ip=(request.remote_addr or "")[:45] or None if has_request_context() else None,
        door=door,
    )
    db.session.add(entry)
    if commit:
        db.session.commit()
    return entry
