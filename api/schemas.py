"""Reusable OpenAPI schemas of the officers' API (#/components/schemas/...), shared by the
routes' docstrings. They describe what the serialisers in api/*.py, broadcasts/lifecycle.py,
prices/publishing.py and models/tip.py return; tests/test_openapi.py checks the running app
against them."""
from api.components import register_schema
from models.tip import TIP_SCREEN_MAX

NULLABLE_STRING = {"type": "string", "nullable": True}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
INCIDENT_STATUSES = ["new", "acknowledged", "responding", "resolved", "rejected"]

register_schema("Incident", {
    "type": "object",
    "required": ["reference", "status", "category", "urgent", "people", "county", "site", "occurred",
                 "description", "channel", "reporter", "reported_at", "updated_at", "follow_up_count"],
    "properties": {
        "reference": {"type": "string", "example": "MS-7K3Q"},
        "status": {"type": "string", "enum": INCIDENT_STATUSES},
        "category": {"type": "string", "example": "COLLAPSE"},
        "urgent": {"type": "boolean"},
        "people": {"type": "object", "required": ["dead", "injured", "trapped_or_missing"],
                   "properties": {"dead": {"type": "integer", "minimum": 0},
                                  "injured": {"type": "integer", "minimum": 0},
                                  "trapped_or_missing": {"type": "integer", "minimum": 0}}},
        "county": NULLABLE_STRING, "site": NULLABLE_STRING,
        "occurred": {"type": "string", "enum": ["now", "today", "earlier"]},
        "description": NULLABLE_STRING,
        "channel": {"type": "string", "enum": ["ussd", "sms"]},
        "reporter": {
            "type": "object", "required": ["anonymous", "phone", "registered", "locale", "gets_sms_updates"],
            "properties": {
                "anonymous": {"type": "boolean"},
                "phone": {"type": "string", "nullable": True,
                          "description": "never for anonymous reports; masked unless the officer is an admin"},
                "registered": {"type": "boolean"}, "locale": {"type": "string"},
                "gets_sms_updates": {"type": "boolean"}}},
        "reported_at": TIME, "updated_at": TIME,
        "follow_up_count": {"type": "integer", "minimum": 0},
        "follow_ups": {"type": "array", "items": {
            "type": "object", "required": ["text", "channel", "created_at"],
            "properties": {"text": {"type": "string"}, "channel": {"type": "string"}, "created_at": TIME}}},
        "status_history": {"type": "array", "items": {
            "type": "object", "required": ["officer", "from", "to", "note", "at"],
            "properties": {"officer": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
                           "note": NULLABLE_STRING, "at": TIME}}},
        "reporter_looked_up": {"type": "array", "description": "admins only: who looked at the number, and why",
                               "items": {"type": "object", "properties": {
                                   "officer": {"type": "string"}, "reason": {"type": "string"}, "at": TIME}}},
    },
})

NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL characters: the API answers 400 bad_characters
BROADCAST_TEXT = {"type": "string", "minLength": 1, "maxLength": 300, "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$",
                  "description": "at most 6 SMS parts once typographic marks are made GSM-7"}
AUDIENCE_VALUE = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$"}
register_schema("BroadcastInput", {
    "type": "object", "required": ["text"], "additionalProperties": False,
    "properties": {
        "text": {"type": "object", "minProperties": 1, "additionalProperties": False,
                 "properties": {"sw": BROADCAST_TEXT, "en": BROADCAST_TEXT},
                 "description": "one text per language; each miner gets theirs, else DEFAULT_LOCALE's"},
        "audience": {
            "type": "object", "additionalProperties": False,
            "description": "filters, all optional ({} or absent: every miner who accepts SMS); a county officer's "
                           "county is filled in and no other is allowed. `{\"all\": true}` is accepted alone.",
            "properties": {
                "county": AUDIENCE_VALUE, "site": AUDIENCE_VALUE,
                "role": {"type": "string", "enum": ["digger", "processor", "buyer", "owner", "other"]},
                "gender": {"type": "string", "enum": ["woman", "man", "undisclosed"]},
                "language": {"type": "string", "enum": ["sw", "en"]},
                "registered_after": {"type": "string", "format": "date"},
                "registered_before": {"type": "string", "format": "date"}}},
        "send_at": {"type": "string", "format": "date-time", "nullable": True,
                    "description": "later sending; without a zone, Nairobi time; null or past: now"},
        "urgent": {"type": "boolean", "default": False,
                   "description": "safety alerts go at any hour; others only 07:00-19:00 Nairobi time"},
    },
})
COUNTS = {"type": "object", "required": ["total", "queued", "sent", "delivered", "failed", "skipped", "opted_out"],
          "properties": {name: {"type": "integer", "minimum": 0} for name in
                         ("total", "queued", "sent", "delivered", "failed", "skipped", "cancelled", "opted_out",
                          "done")}}
register_schema("BroadcastPreview", {
    "type": "object", "required": ["recipients", "excluded", "languages", "cost_kes", "cost_per_segment_kes"],
    "properties": {
        "recipients": {"type": "integer", "minimum": 0},
        "excluded": {"type": "integer", "minimum": 0, "description": "in the audience but not reachable by SMS"},
        "languages": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["text", "encoding", "length", "segments", "recipients", "cost_kes"],
            "properties": {"text": {"type": "string"}, "encoding": {"type": "string", "enum": ["GSM-7", "UCS-2"]},
                           "length": {"type": "integer"}, "segments": {"type": "integer"},
                           "changed": {"type": "boolean"}, "warnings": {"type": "array", "items": {"type": "string"}},
                           "recipients": {"type": "integer"}, "cost_kes": {"type": "number"}}}},
        "cost_kes": {"type": "number"}, "cost_per_segment_kes": {"type": "number"},
        "balance_kes": {"type": "number", "nullable": True, "description": "Africa's Talking balance; null when unknown"},
        "balance_short": {"type": "boolean", "description": "the estimated cost is more than the balance"},
    },
})
register_schema("Broadcast", {
    "type": "object",
    "required": ["id", "status", "urgent", "text", "audience", "send_at", "created_at", "counts"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string",
                   "enum": ["scheduled", "planning", "sending", "waiting", "paused", "cancelled", "done"]},
        "urgent": {"type": "boolean"},
        "text": {"type": "object", "additionalProperties": {"type": "string"}},
        "audience": {"type": "object"},
        "send_at": NULLABLE_TIME, "created_at": NULLABLE_TIME, "started_at": NULLABLE_TIME,
        "finished_at": NULLABLE_TIME, "cancelled_at": NULLABLE_TIME,
        "pause_reason": NULLABLE_STRING, "officer_id": {"type": "integer", "nullable": True},
        "counts": COUNTS,
        "preview": {"$ref": "#/components/schemas/BroadcastPreview"},
    },
})
register_schema("Price", {
    "type": "object",
    "required": ["id", "market", "county", "kes_per_gram", "purity", "kes_per_pure_gram", "source", "observed_at",
                 "published_at", "published_by"],
    "properties": {
        "id": {"type": "integer"}, "market": {"type": "string"}, "county": {"type": "string"},
        "kes_per_gram": {"type": "number"}, "purity": {"type": "number", "description": "fraction, 0.9 = 90%"},
        "kes_per_pure_gram": {"type": "number"}, "source": {"type": "string"},
        "observed_at": TIME, "published_at": TIME, "published_by": NULLABLE_STRING,
    },
})
register_schema("PriceInput", {
    "type": "object", "required": ["market", "kes_per_gram", "purity"], "additionalProperties": False,
    "description": "Also accepted: kes_per_gram as text ('9,850'), purity as a percentage ('90%') or karats "
                   "('22k'), and observed_at (ISO 8601, not in the future; default now).",
    "properties": {
        "market": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": NO_NUL, "example": "Migori"},
        "kes_per_gram": {"type": "integer", "minimum": 1, "maximum": 1000000, "example": 9850},
        "purity": {"type": "number", "minimum": 0.01, "maximum": 1, "example": 0.9},
        "source": {"type": "string", "maxLength": 120, "pattern": NO_NUL},
    },
})
register_schema("Tip", {
    "type": "object",
    "required": ["id", "topic", "sw", "en", "sources", "origin", "created_by", "retired", "created_at", "retired_at"],
    "properties": {
        "id": {"type": "string"}, "topic": {"type": "string"}, "sw": {"type": "string"}, "en": {"type": "string"},
        "sources": {"type": "array", "items": {"type": "string"}},
        "origin": {"type": "string", "enum": ["file", "officer"]}, "created_by": NULLABLE_STRING,
        "retired": {"type": "boolean"}, "created_at": NULLABLE_TIME, "retired_at": NULLABLE_TIME,
        "edited_by": NULLABLE_STRING, "edited_at": NULLABLE_TIME,
    },
})
TIP_TEXT = {"type": "string", "minLength": 1, "maxLength": TIP_SCREEN_MAX, "pattern": r"^[A-Za-z0-9 .,;:!?'()-]*[A-Za-z0-9][A-Za-z0-9 .,;:!?'()-]*$",
            "description": f"whole on one USSD screen and one SMS: at most {TIP_SCREEN_MAX} GSM-7 characters"}
register_schema("TipInput", {
    "type": "object", "required": ["topic", "sw", "en"], "additionalProperties": False,
    "properties": {
        "topic": {"type": "string", "minLength": 1, "pattern": NO_NUL, "description": "a topic code from GET /api/v1/tips/topics"},
        "sw": TIP_TEXT, "en": TIP_TEXT,
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{1,59}$", "description": "default: <topic>-<n>"},
        "sources": {"type": "array", "items": {"type": "string", "maxLength": 40, "pattern": NO_NUL}, "maxItems": 4},
    },
})
register_schema("TipEdit", {
    "type": "object", "required": ["topic", "sw", "en"], "additionalProperties": False,
    "properties": {
        "topic": {"type": "string", "minLength": 1, "pattern": NO_NUL, "description": "a topic code from GET /api/v1/tips/topics"},
        "sw": TIP_TEXT, "en": TIP_TEXT,
        "sources": {"type": "array", "items": {"type": "string", "maxLength": 40, "pattern": NO_NUL}, "maxItems": 4,
                    "description": "default: the tip's sources as they are"},
    },
})
register_schema("TipTopic", {
    "type": "object", "required": ["code", "sw", "en", "words"],
    "properties": {"code": {"type": "string"}, "sw": {"type": "string"}, "en": {"type": "string"},
                   "words": {"type": "object", "properties": {"en": {"type": "array", "items": {"type": "string"}},
                                                              "sw": {"type": "array", "items": {"type": "string"}}}}},
})
