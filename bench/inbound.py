"""Inbound SMS benchmark: POST /sms/inbound acknowledged per second, and the time until
every message is handled by real RQ workers.

The stack (bench/stack.py): the Procfile's web server (granian) with workers = cores, the
Procfile's `rq worker` processes (default: as many as cores), one Redis, one database
(PostgreSQL in a private schema when it answers, else SQLite), and the fake AT gateway
for the replies (no rate cap: AT_MAX_RPS=0, see the summary for what the cap means).

An asyncio client (aiohttp, keep-alive, bounded concurrency) posts N callbacks exactly as
Africa's Talking does: form-encoded `from`, `to`, `text`, `date`, `id`, `linkId`,
`networkCode`, from distinct phones, with a realistic mix of keywords in both languages
(HELP, TIP, PRICE, REPORT, LANG, plain text) and 2% AT retries (the same `id` again). The
workers run while the callbacks arrive, as in production.

Measured:
- durable before acknowledged: in the burst run no worker runs while the callbacks arrive, so
  every stored row was written by the callback itself before its 200 (sms.inbound.accept);
- acknowledged per second: 200 answers / seconds from the first POST to the last answer
  (target >= 1,000/s), with p50/p99 of the answer time and server CPU per callback;
- processed: seconds from the first POST until every distinct message is stored and
  handled (`sms_inbound.handled_at`), and until every reply was accepted by the gateway.

    python -m bench inbound [--inbound-messages 10000] [--inbound-workers 2]
"""
import asyncio
import itertools
import random
import time
import uuid
from datetime import datetime, timezone

import aiohttp

from bench import loadgen, procstat
from bench.stack import Stack

TARGET_ACKS_PER_S = 1000.0
CONCURRENCY = 100  # callbacks in flight (AT posts many at once at peak)
RETRY_SHARE = 0.02  # AT re-posts a callback it did not see answered in time
POST_TIMEOUT = 300  # seconds for posting every callback
PROCESS_TIMEOUT = 600  # seconds; the benchmark gives up (and says so) after this

# (weight, text): what miners text the shortcode, both languages.
MIX = (
    (20, "HELP"), (10, "MSAADA"), (15, "TIP"), (10, "USHAURI"), (10, "PRICE"), (10, "BEI Migori"),
    (5, "REPORT pit collapse at Osiri, two people trapped"), (5, "RIPOTI mafuriko shimoni Macalder"),
    (5, "LANG EN"), (10, "habari yenu, nataka kujua zaidi"),
)


def _messages(n, seed=8):
    rng = random.Random(seed)
    texts = [text for weight, text in MIX for _ in range(weight)]
    base = rng.randrange(0, 10_000_000)
    run = uuid.uuid4().hex[:8]
    for i in range(n):
        yield {"from": f"+2547{(base + i) % 100_000_000:08d}", "to": "22384", "text": rng.choice(texts),
               "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"), "id": f"ATInbound_{run}_{i}",
               "linkId": "", "networkCode": "63902"}


async def _post_all(url, messages, concurrency, max_seconds):
    latencies, statuses, samples = [], {}, []
    queue = list(messages)
    position = itertools.count()
    connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=30)
    timeout = aiohttp.ClientTimeout(total=10)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds  # bounded in time as well as in count

    async def sender(http):
        while loop.time() < deadline:
            i = next(position)
            if i >= len(queue):
                return
            began = loop.time()
            try:
                async with http.post(url, data=queue[i]) as response:
                    body = await response.text()
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                status, body = 0, type(exc).__name__
            latencies.append(loop.time() - began)
            statuses[status] = statuses.get(status, 0) + 1
            if status != 200 and len(samples) < 5:
                samples.append(f"{status}: {body[:100]}")

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        await asyncio.gather(*(sender(http) for _ in range(concurrency)))
    return latencies, statuses, samples


def _counts(engine):
    from sqlalchemy import text

    with engine.connect() as conn:
        inbound = conn.execute(text("SELECT count(*), count(handled_at) FROM sms_inbound")).one()
        replies = conn.execute(text(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('sent', 'submitted', 'delivered')),"
            " count(*) FILTER (WHERE status = 'failed') FROM sms_messages WHERE broadcast_id IS NULL")).one()
    return {"stored": inbound[0], "handled": inbound[1], "replies": replies[0], "replies_sent": replies[1],
            "replies_failed": replies[2]}


def _one_run(stack, mode, n, cores, worker_count, log):
    """mode "burst": the callbacks arrive with no worker running (the web tier alone), then
    the workers start and drain the backlog; "steady": workers run while callbacks arrive."""
    from sqlalchemy import create_engine

    messages = list(_messages(n, seed=8 if mode == "burst" else 18))
    retried = random.Random(9).sample(messages, int(n * RETRY_SHARE))
    posts = messages + [dict(m) for m in retried]
    random.Random(10).shuffle(posts)
    web = stack.start_web("granian-wsgi", cores)
    workers = stack.start_workers(worker_count) if mode == "steady" else []
    engine = create_engine(stack.database_url)
    before = _counts(engine)
    cpu_web = web.cpu_seconds()
    log(f"[inbound] {mode}: posting {len(posts)} callbacks ({n} distinct, {len(retried)} AT retries), "
        f"{CONCURRENCY} in flight, {len(workers)} workers running ...")
    started = time.monotonic()
    latencies, statuses, samples = asyncio.run(_post_all(web.url + "/sms/inbound", posts, CONCURRENCY, POST_TIMEOUT))
    acked_seconds = time.monotonic() - started
    cpu_web = web.cpu_seconds() - cpu_web
    # Durable before acknowledged: every message answered 200 is a row already (burst: no
    # worker has run yet, so the rows can only come from the callbacks themselves).
    stored_at_ack = _counts(engine)["stored"] - before["stored"]
    drain_started = time.monotonic()
    if not workers:
        workers = stack.start_workers(worker_count)
        drain_started = time.monotonic()
    worker_pids = [p.pid for p in workers]
    cpu_workers = procstat.cpu_seconds(worker_pids)
    handled_at = replies_at = None
    counts = {}
    while time.monotonic() - started < PROCESS_TIMEOUT:
        counts = {k: v - before[k] for k, v in _counts(engine).items()}
        now = time.monotonic()
        if handled_at is None and counts["handled"] >= n:
            handled_at = now
        if handled_at is not None and counts["replies_sent"] + counts["replies_failed"] >= counts["replies"]:
            replies_at = now
            break
        time.sleep(0.25)
    cpu_workers = procstat.cpu_seconds(worker_pids) - cpu_workers
    engine.dispose()
    for process in workers:  # the next run starts from no worker
        process.terminate()
    for process in workers:
        process.wait(timeout=30)
    web.stop()
    ok = statuses.get(200, 0)

    def since(t, origin):
        return round(t - origin, 2) if t is not None else None

    result = {
        "mode": mode, "callbacks": len(posts), "distinct_messages": n, "at_retries": len(retried),
        "acknowledged": ok, "statuses": {str(k): v for k, v in statuses.items()}, "error_samples": samples,
        "ack_seconds": round(acked_seconds, 2), "acks_per_s": round(ok / acked_seconds, 1),
        "ack_latency_ms": loadgen.summarise_ms(latencies),
        "server_cpu_us_per_callback": round(cpu_web * 1e6 / max(1, len(posts))),
        "worker_cpu_ms_per_message": round(cpu_workers * 1e3 / max(1, n), 2),
        # From the first POST, and (burst) from when the workers started on the backlog.
        "seconds_until_all_handled": since(handled_at, started),
        "seconds_until_all_replies_sent": since(replies_at, started),
        "worker_seconds_to_handle_all": since(handled_at, drain_started),
        "final_counts": counts, "stored_when_acknowledged": stored_at_ack,
    }
    seconds = result["worker_seconds_to_handle_all"]
    result["handled_per_s"] = round(n / seconds, 1) if seconds else None
    return result


def run(context):
    log = context["log"]
    cores = context["cores"]
    n = context.get("inbound_messages") or 4000
    worker_count = context.get("inbound_workers") or cores
    runs = {}
    with Stack(env={"AT_MAX_RPS": "0"}, log=log) as stack:
        stack.start_fakeat("--no-dlr")
        database = "postgresql" if stack.is_postgres else "sqlite"
        log(f"[inbound] {database}; granian with {cores} workers, {worker_count} RQ workers")
        for mode in ("burst", "steady"):
            runs[mode] = _one_run(stack, mode, n if mode == "burst" else max(500, n // 2), cores, worker_count, log)
        gateway = stack.fakeat("/admin/stats")
    burst = runs["burst"]
    result = {
        "server": "granian-wsgi", "web_workers": cores, "rq_workers": worker_count, "database": database,
        "concurrency": CONCURRENCY, "runs": runs, "gateway_accepted": gateway["accepted"],
        "gateway_duplicates": gateway["duplicates"], "target": {"acks_per_s": TARGET_ACKS_PER_S},
        "acks_per_s": burst["acks_per_s"],
    }
    result["ratio_vs_target"] = round(burst["acks_per_s"] / TARGET_ACKS_PER_S, 2)
    everything = all(r["acknowledged"] == r["callbacks"] and r["seconds_until_all_handled"] is not None
                     and r["final_counts"]["stored"] == r["distinct_messages"] for r in runs.values())
    result["durable_at_ack"] = burst["stored_when_acknowledged"] == burst["distinct_messages"]
    everything = everything and result["durable_at_ack"]
    result["lost_or_duplicated"] = not everything or gateway["duplicates"] > 0
    result["meets_target"] = bool(burst["acks_per_s"] >= TARGET_ACKS_PER_S and everything
                                  and not gateway["duplicates"])
    return result


def summary(result):
    if "runs" not in result:
        return [f"inbound: {result.get('status')}"]
    lines = [f"Inbound SMS: granian x{result['web_workers']}, {result['rq_workers']} RQ workers, {result['database']}, "
             f"{result['concurrency']} callbacks in flight; target >= {result['target']['acks_per_s']:.0f} acks/s "
             f"(burst run) -> {result['ratio_vs_target']:.2f}x, {'MET' if result['meets_target'] else 'NOT MET'}"]
    for mode, run_ in result["runs"].items():
        lat = run_["ack_latency_ms"]
        lines.append(
            f"  {mode:<6} {run_['callbacks']} callbacks ({run_['at_retries']} AT retries): acknowledged "
            f"{run_['acks_per_s']:.0f}/s, p50 {lat['p50']} p99 {lat['p99']} ms, {run_['server_cpu_us_per_callback']} "
            f"us server CPU each, non-200 {run_['callbacks'] - run_['acknowledged']} | all {run_['distinct_messages']} "
            f"handled {run_['seconds_until_all_handled']} s after the first POST ({run_['handled_per_s']}/s by the "
            f"workers, {run_['worker_cpu_ms_per_message']} ms worker CPU each), replies sent after "
            f"{run_['seconds_until_all_replies_sent']} s")
    lines.append(f"  stored exactly once: {'yes' if not result['lost_or_duplicated'] else 'NO'} "
                 f"(gateway duplicates {result['gateway_duplicates']}); stored before the 200 (burst, no worker "
                 f"running): {result['runs']['burst']['stored_when_acknowledged']} of "
                 f"{result['runs']['burst']['distinct_messages']}")
    return lines


def main(argv=None):
    import argparse
    import json
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    result = run({"cores": os.cpu_count(), "inbound_messages": args.messages, "inbound_workers": args.workers,
                  "log": lambda line: print(line, flush=True)})
    print("\n".join(summary(result)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
