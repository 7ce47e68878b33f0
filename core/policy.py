"""Officer actions: who may do what, and where (the county rule), in one place for every door.

A capability's officer action (publish a price, change an incident's status, create a
broadcast...) is a service function that takes the acting `officer` and:

1. checks the role (`require(officer, action)`, Officer.may) and the county rule
   (`in_scope`, or `county_clause` inside the query that loads the record);
2. does the work and writes the audit entry (models.audit.record, which records the door);
3. raises a `Refused` (NotFound, OutOfScope, NotAllowed, Invalid) that every door shows its
   own way: the API as its error shape (status and code), the dashboard as a page or a
   message, the CLI as an error line.

`officer` is None for the command line run without `--as OFFICER`: whoever has the server's
shell already has the database, so no rule applies, and the audit entry says `cli`.
"""
from sqlalchemy import func, true

CLI_OPERATOR = "cli"  # who did a command-line action run without --as OFFICER


class Refused(Exception):
    """An officer action that is not done; `status` and `code` are the API's."""

    status = 400
    code = "invalid"

    def __init__(self, message, *, code=None, status=None, field=None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.field = field


class Invalid(Refused):
    status, code = 400, "invalid"


class NotFound(Refused):
    status, code = 404, "not_found"


class OutOfScope(Refused):
    """The record is in a county the officer does not cover."""

    status, code = 403, "forbidden"


class NotAllowed(Refused):
    """The officer's role does not allow the action."""

    status, code = 403, "forbidden"


def may(officer, action):
    return officer is None or officer.may(action)


def require(officer, action):
    if not may(officer, action):
        raise NotAllowed(f"the {officer.role} role may not do this")


def scope_county(officer):
    """The county an officer is limited to, or None (admins, officers without a county, the CLI)."""
    if officer is None or officer.role == "admin" or not officer.county:
        return None
    return officer.county


def in_scope(officer, county):
    """The county rule: an officer with a county acts only on records of that county."""
    limited = scope_county(officer)
    return limited is None or (county or "").casefold() == limited.casefold()


def require_scope(officer, county, message=None):
    if not in_scope(officer, county):
        raise OutOfScope(message or f"your account covers {officer.county} only")


def county_clause(officer, column):
    """The county rule as a SQL condition on `column`, for the query that loads the records."""
    limited = scope_county(officer)
    return true() if limited is None else func.lower(column) == limited.casefold()


def username(officer):
    """Who did it, for the records a capability keeps besides the audit log."""
    return officer.username if officer is not None else CLI_OPERATOR


class FieldInvalid(Invalid):
    """Bad input that names its field: the message is "field: reason" (the API's 400, the
    CLI's error line), `reason` alone for the form that shows it under the field."""

    def __init__(self, field, reason, *, code=None, status=None):
        super().__init__(f"{field}: {reason}", code=code, status=status, field=field)
        self.reason = reason
