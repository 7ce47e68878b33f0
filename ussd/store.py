"""USSD session records in Redis.

A record is JSON: the flow `Session` plus what the transport needs (the previous hop's
`text`, the screen we answered, whether it ended). Keys include the phone number as well as
the sessionId, so a sessionId reused by another phone can never reach someone else's session.
"""
import json

SESSION_KEY = "ussd:s:{sid}:{phone}"
SEEN_KEY = "ussd:seen:{sid}:{phone}"  # outlives the session: tells "expired" from "direct dial"
RESUME_KEY = "ussd:resume:{phone}"
LOCK_KEY = "ussd:lock:{sid}:{phone}"


class SessionStore:
    def __init__(self, redis, ttl, resume_ttl):
        self.redis, self.ttl, self.resume_ttl = redis, ttl, resume_ttl

    def load(self, sid, phone):
        raw = self.redis.get(SESSION_KEY.format(sid=sid, phone=phone))
        return json.loads(raw) if raw else None

    def save(self, sid, phone, record, first_hop=False):
        pipe = self.redis.pipeline(transaction=False)
        pipe.set(SESSION_KEY.format(sid=sid, phone=phone), json.dumps(record, separators=(",", ":")), ex=self.ttl)
        if first_hop:
            pipe.set(SEEN_KEY.format(sid=sid, phone=phone), 1, ex=max(self.ttl * 10, self.resume_ttl))
        pipe.execute()

    def was_seen(self, sid, phone):
        return bool(self.redis.exists(SEEN_KEY.format(sid=sid, phone=phone)))

    def lock(self, sid, phone):
        return self.redis.lock(LOCK_KEY.format(sid=sid, phone=phone), timeout=10, blocking_timeout=5)

    def resume_get(self, phone):
        raw = self.redis.get(RESUME_KEY.format(phone=phone))
        return json.loads(raw) if raw else None

    def resume_put(self, phone, snapshot):
        self.redis.set(RESUME_KEY.format(phone=phone), json.dumps(snapshot, separators=(",", ":")),
                       ex=self.resume_ttl)

    def resume_clear(self, phone):
        self.redis.delete(RESUME_KEY.format(phone=phone))
