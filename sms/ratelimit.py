"""The shared cap on requests per second to Africa's Talking (`AT_MAX_RPS`, default 10).

Every worker process sends through the same Redis-held window, so ten workers together
still make at most AT_MAX_RPS requests in any one second (a burst of replies cannot get a
shortcode throttled or the account flagged). `AT_MAX_RPS=0` lifts the cap (benchmarks).

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

KEY = "at-messaging"
MAX_WAIT_SECONDS = 30


def _limit_item(rps):
    """AT_MAX_RPS as a window: 10 -> 10 per 1 s; 0.5 -> 1 per 2 s."""
    if rps >= 1:
        return RateLimitItemPerSecond(int(rps), 1)
    return RateLimitItemPerSecond(1, math.ceil(1 / rps))


class RateLimitTimeout(RuntimeError):
    pass


def acquire(rps=None, *, max_wait=MAX_WAIT_SECONDS, sleep=time.sleep):
    """Block until one request to AT may go out (shared across all workers)."""
    app = current_app._get_current_object()
    rps = app.config["AT_MAX_RPS"] if rps is None else rps
    if not rps or rps <= 0:
        return 0.0
    item, limiter = _limit_item(rps), moving_window_limiter(app, "madini:rl")
    waited, deadline = 0.0, time.monotonic() + max_wait
    while not limiter.hit(item, KEY):
        stats = limiter.get_window_stats(item, KEY)
        pause = min(max(stats.reset_time - time.time(), 0.005), 1.0)
        if time.monotonic() + pause > deadline:
            raise RateLimitTimeout(f"no AT request slot within {max_wait}s")
        sleep(pause)
        waited += pause
    return waited
