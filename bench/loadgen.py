"""A bounded asyncio load generator speaking to /ussd the way Africa's Talking does.

`sessions` concurrent callers each walk the scripted journeys (bench/journeys.py) over
keep-alive HTTP/1.1 connections on 127.0.0.1: one POST per hop, `text` = every input so
far joined by '*', a fresh sessionId and phone number per walk. Every run is bounded both
in time (`warmup + duration`) and in hops (`max_hops`).

Two ways to load:
- saturation (`rate=None`): each caller sends its next hop as soon as the last is answered;
  gives the most hops per second the server can do.
- paced (`rate=R`): hops leave on a shared schedule of R per second (still at most
  `sessions` in flight); gives the latency a caller sees at that load. Latency is timed
  from the scheduled start, so a server that falls behind is charged for the wait
  (no coordinated omission).
"""
import asyncio
import itertools
import math
import random
import resource
import uuid
from dataclasses import dataclass, field

import aiohttp

from bench.journeys import by_name, weighted

REQUEST_TIMEOUT = 10  # AT gives up on a hop after 10 s

# Phone numbers never repeat within one bench process (a number seen before would be a
# registered caller or be offered "continue where you stopped"), nor likely across runs.
_PHONES = itertools.count(random.randrange(0, 50_000_000))


@dataclass
class Stats:
    hops: int = 0  # answered inside the measured window
    errors: int = 0  # non-200, a body that is not CON/END, an apology, a transport error
    wrong_kind: int = 0  # CON where the walk expected END or the reverse
    walks_done: int = 0
    latencies: dict = field(default_factory=lambda: {"first": [], "middle": [], "last": []})
    error_samples: list = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu: float = 0.0

    def all_latencies(self):
        return sorted(itertools.chain.from_iterable(self.latencies.values()))


def percentile(sorted_values, p):
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def summarise_ms(values):
    values = sorted(values)
    return {
        "count": len(values),
        **{f"p{p}": round(percentile(values, p) * 1000, 2) if values else None for p in (50, 95, 99)},
        "max": round(values[-1] * 1000, 2) if values else None,
    }


async def run_load(base_url, *, sessions=200, duration=10.0, warmup=2.0, max_hops=200_000, rate=None,
                   check_screens=True, failure_markers=(), on_window=None, walks=None):
    """Drive POST {base_url}/ussd; returns Stats for the measured window (after warmup).

    `on_window(start: bool)` is called when the measured window opens and closes (the caller
    samples server CPU there). `failure_markers`: texts of the service's apology screens,
    counted as errors when seen. `walks`: names of the walks to play (default: the weighted mix).
    """
    url = base_url + "/ussd"
    stats = Stats()
    walks = weighted(by_name(walks), chosen=True) if walks else weighted()
    run_id = uuid.uuid4().hex[:8]
    hop_counter = itertools.count(1)
    loop = asyncio.get_running_loop()
    start = loop.time()
    window_open, window_close = start + warmup, start + warmup + duration
    schedule = {"next": start}
    window = {"open": False}

    async def window_clock():
        await asyncio.sleep(max(0.0, window_open - loop.time()))
        window["open"] = True
        if on_window:
            on_window(True)
        await asyncio.sleep(max(0.0, window_close - loop.time()))
        window["open"] = False
        if on_window:
            on_window(False)

    async def slot():
        """Paced mode: wait for this hop's place in the shared schedule; returns it."""
        planned = max(schedule["next"], loop.time())
        schedule["next"] = planned + 1.0 / rate
        delay = planned - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        return planned

    def over():
        return loop.time() >= window_close or next(hop_counter) > max_hops

    async def caller(index, http):
        if rate:
            # Paced callers start spread over the warm-up, not all at once: otherwise they walk
            # in lockstep and every first hop (a database read) and every last hop (a commit)
            # of 200 sessions arrives in one burst, which AT's independent callers never do.
            await asyncio.sleep(warmup * index / sessions)
        for walk_number in itertools.count():
            walk = walks[(index + walk_number) % len(walks)]
            # A valid Kenyan mobile number per walk, so each first hop looks up a new caller.
            phone = f"+2547{next(_PHONES) % 100_000_000:08d}"
            sid = f"ATUid_bench_{run_id}_{index}_{walk_number}"
            typed = []
            steps = ("",) + walk.inputs
            for number, answer in enumerate(steps):
                if over():
                    return
                if number:
                    typed.append(answer)
                form = {"sessionId": sid, "phoneNumber": phone, "serviceCode": "*384*12#",
                        "networkCode": "63902", "text": "*".join(typed)}
                begun = await slot() if rate else loop.time()
                try:
                    async with http.post(url, data=form) as response:
                        body = await response.text()
                        status = response.status
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    body, status = f"transport error: {type(exc).__name__}", 0
                ended = loop.time()
                last = number == len(steps) - 1
                counted = window["open"] and begun >= window_open
                if counted:
                    stats.hops += 1
                    kind = "first" if number == 0 else "last" if last else "middle"
                    stats.latencies[kind].append(ended - begun)
                failed = status != 200 or not body.startswith(("CON ", "END "))
                if not failed and any(marker in body for marker in failure_markers):
                    failed = True
                if failed:
                    if counted:
                        stats.errors += 1
                    if len(stats.error_samples) < 5:
                        stats.error_samples.append(f"{status}: {body[:120]}")
                    break
                if check_screens and body.startswith("END ") != (last and walk.ends):
                    if counted:
                        stats.wrong_kind += 1
                    if len(stats.error_samples) < 5:
                        stats.error_samples.append(f"{walk.name} hop {number}: {body[:120]}")
                    break
                if last and counted:
                    stats.walks_done += 1

    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    connector = aiohttp.TCPConnector(limit=sessions, keepalive_timeout=30)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        clock = asyncio.create_task(window_clock())
        callers = [asyncio.create_task(caller(i, http)) for i in range(sessions)]
        # Hard bound: nothing outlives the window by more than one request timeout.
        done, pending = await asyncio.wait(callers, timeout=warmup + duration + REQUEST_TIMEOUT + 5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()  # a bug in the generator must not pass silently
        await clock
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    stats.elapsed = duration
    stats.client_cpu = (usage_after.ru_utime + usage_after.ru_stime) - (usage_before.ru_utime + usage_before.ru_stime)
    return stats
