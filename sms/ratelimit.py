"""The shared cap on requests per second to Africa's Talking (`AT_MAX_RPS`, default 10).

Every worker process sends through the same Redis-held window, so ten workers together
still make at most AT_MAX_RPS requests in any one second (a burst of replies cannot get a
shortcode throttled or the account flagged). `AT_MAX_RPS=0` lifts the cap (benchmarks).

Alerts first: officers' alerts (the `alerts` queue) may use every slot of the window; all
other traffic only AT_MAX_RPS minus a reserve (a fifth, at least one, when the cap is 2/s or
more), so a flood of replies or a broadcast never leaves an urgent alert waiting for a slot.
Two windows do it: everyone counts in the whole one; the others first need a slot in theirs.

Why `limits`: it is a well-kept library whose moving-window strategy is one atomic Lua
script over a Redis sorted list - exact "at most N in any rolling second" across processes,
with `get_window_stats` telling a caller how long to wait. RQ's own `RateLimit` caps
concurrency (jobs at once), not requests per second, and a hand-written bucket would be
the same Lua with fewer eyes on it.
"""
import math
import time

from flask import current_app
from limits import RateLimitItemPerSecond

from core.redis import moving_window_limiter

KEY = "at-messaging"  # every request to AT
OTHERS_KEY = "at-messaging-others"  # requests that are not alerts, within their smaller share
MAX_WAIT_SECONDS = 30
RESERVE_SHARE = 0.2  # of the cap kept free for alerts


def _limit_item(rps):
    """AT_MAX_RPS as a window: 10 -> 10 per 1 s; 0.5 -> 1 per 2 s."""
    if rps >= 1:
        return RateLimitItemPerSecond(int(rps), 1)
    return RateLimitItemPerSecond(1, math.ceil(1 / rps))


def others_rps(rps):
    """The share of the cap that traffic other than alerts may use."""
    if rps < 2:
        return rps  # no room to reserve a whole request
    return rps - max(1, int(rps * RESERVE_SHARE))


class RateLimitTimeout(RuntimeError):
    pass


def acquire(rps=None, *, priority=False, max_wait=MAX_WAIT_SECONDS, sleep=time.sleep):
    """Block until one request to AT may go out (shared across all workers); returns the
    seconds waited. `priority` (alerts) skips the others' window and so finds the reserve."""
    app = current_app._get_current_object()
    rps = app.config["AT_MAX_RPS"] if rps is None else rps
    if not rps or rps <= 0:
        return 0.0
    limiter = moving_window_limiter(app, "madini:rl")
    deadline = time.monotonic() + max_wait
    waited = 0.0
    if not priority:
        waited += _wait_for_slot(limiter, _limit_item(others_rps(rps)), OTHERS_KEY, deadline, max_wait, sleep)
    waited += _wait_for_slot(limiter, _limit_item(rps), KEY, deadline, max_wait, sleep)
    return waited


def _wait_for_slot(limiter, item, key, deadline, max_wait, sleep):
    waited = 0.0
    while not limiter.hit(item, key):
        stats = limiter.get_window_stats(item, key)
        pause = min(max(stats.reset_time - time.time(), 0.005), 1.0)
        if time.monotonic() + pause > deadline:
            raise RateLimitTimeout(f"no AT request slot within {max_wait}s")
        sleep(pause)
        waited += pause
    return waited
