"""The sign-in limits, counted atomically in the app's Redis (shared by every web process).

- Per address: at most LOGIN_RATE_LIMIT ("10 per 5 minutes") failed sign-ins in a moving
  window. Each attempt takes its place in the window *before* the password is checked (one
  Lua script: count and add together), so a burst of parallel requests cannot all pass a
  check made before any of them was counted; a successful sign-in gives its place back.
- Per username: never a lockout (anyone could keep an officer out by guessing wrong on
  purpose), a slow-down. The first LOGIN_RATE_LIMIT failed attempts are free; after that,
  each attempt for that username must wait a delay that doubles from
  LOGIN_DELAY_BASE_SECONDS up to LOGIN_DELAY_MAX_SECONDS after the previous one. Guessing
  becomes hopeless, and the officer still gets in within a minute. A successful sign-in
  clears it.

`limits` (what sms/ratelimit.py uses) parses the limit; its strategies cannot give back an
attempt that succeeded, hence the two short scripts here.
"""
import time
import uuid
from dataclasses import dataclass

from flask import current_app
from limits import parse as parse_limit

ADDRESS_KEY = "login:address:{address}"  # sorted set: attempt id -> when (ms)
USER_COUNT_KEY = "login:user:{username}"  # failed (or pending) attempts for this username
USER_GATE_KEY = "login:user-gate:{username}"  # exists while the next attempt must wait

# KEYS: the address's window. ARGV: now (ms), window (ms), limit, attempt id.
# Returns 1 when the attempt took a place in the window, 0 when the window is full.
_RESERVE = """
redis.call('zremrangebyscore', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('zcard', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('zadd', KEYS[1], ARGV[1], ARGV[4])
redis.call('pexpire', KEYS[1], ARGV[2])
return 1
"""

# KEYS: the username's count, its gate. ARGV: free attempts, base delay (ms), max delay (ms),
# how long the count lasts (ms). Returns 0 when the attempt may go on (and counts it), else
# the milliseconds to wait.
_PACE = """
local n = tonumber(redis.call('get', KEYS[1]) or '0')
local free = tonumber(ARGV[1])
if n >= free then
    local delay = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ math.min(n - free, 20))
    if not redis.call('set', KEYS[2], 1, 'NX', 'PX', math.floor(delay)) then
        return math.max(1, redis.call('pttl', KEYS[2]))
    end
end
redis.call('incr', KEYS[1])
redis.call('pexpire', KEYS[1], ARGV[4])
return 0
"""


@dataclass
class Attempt:
    """A sign-in attempt that took its place in the limits: `allowed`, or refused with
    `wait_seconds` (None when the address is over its limit, a number for a username that
    is being slowed down)."""

    allowed: bool
    address_key: str = ""
    member: str = ""
    username: str = ""
    wait_seconds: int | None = None

    def succeeded(self):
        """The password was right: give the address's place back, clear the username's count."""
        redis = current_app.extensions["redis"]
        pipe = redis.pipeline(transaction=False)
        pipe.zrem(self.address_key, self.member)
        pipe.delete(USER_COUNT_KEY.format(username=self.username), USER_GATE_KEY.format(username=self.username))
        pipe.execute()


def _scripts(redis):
    cache = current_app.extensions.setdefault("signin-throttle", {})
    if "reserve" not in cache:
        cache["reserve"] = redis.register_script(_RESERVE)
        cache["pace"] = redis.register_script(_PACE)
    return cache["reserve"], cache["pace"]


def begin(address, username):
    """Count a sign-in attempt from `address` for `username` before the password is checked."""
    config = current_app.config
    redis = current_app.extensions["redis"]
    reserve, pace = _scripts(redis)
    limit = parse_limit(config["LOGIN_RATE_LIMIT"])
    window_ms = limit.get_expiry() * 1000
    address_key = ADDRESS_KEY.format(address=address or "unknown")
    member = uuid.uuid4().hex
    if not reserve(keys=[address_key], args=[int(time.time() * 1000), window_ms, limit.amount, member]):
        return Attempt(False)
    username = (username or "").strip().casefold()[:60]
    wait_ms = pace(keys=[USER_COUNT_KEY.format(username=username), USER_GATE_KEY.format(username=username)],
                   args=[limit.amount, int(config["LOGIN_DELAY_BASE_SECONDS"] * 1000),
                         int(config["LOGIN_DELAY_MAX_SECONDS"] * 1000), window_ms])
    if wait_ms:
        # Not a guess that was checked: the address's place goes back.
        redis.zrem(address_key, member)
        return Attempt(False, wait_seconds=max(1, -(-int(wait_ms) // 1000)))
    return Attempt(True, address_key, member, username)
