"""Broadcast benchmark: N miners, one broadcast, real RQ worker processes, the fake gateway.

    .venv/bin/python bench/broadcast.py [--miners 250000] [--workers 3] [--database URL]

Seeds N miners in a throw-away database (a private PostgreSQL schema when PostgreSQL
answers at TEST_DATABASE_URL / 127.0.0.1:5432/test, else a SQLite file), starts the fake AT
gateway (no delivery reports) and `rq worker` processes (the Procfile's worker class) on a
private embedded Redis, with the rate cap lifted (AT_MAX_RPS=0). Then it POSTs the broadcast
to the API and waits until every message is acknowledged by the gateway. Prints total
seconds (API call to last acknowledgement), messages/s, AT requests/s and the peak RSS of
the worker processes, and the same as JSON (also to --json-out).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from core import pgschema  # noqa: E402

COUNTIES = ("Migori", "Kakamega", "Narok", "Siaya", "Vihiga")


def postgres_base(url):
    return pgschema.reachable(url, "TEST_DATABASE_URL")


def seed(database_url, n, is_postgres):
    """Bulk-insert n consenting miners (COPY on PostgreSQL), ~30% English speakers."""
    started = time.monotonic()
    now = "2026-01-01 00:00:00+00"
    if is_postgres:
        import psycopg

        plain = database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain) as conn, conn.cursor() as cur:
            with cur.copy("COPY miners (phone, name, county, site, role, gender, locale, consent_at, sms_consent_at,"
                          " registered_via, is_test, created_at, updated_at) FROM STDIN") as copy:
                for i in range(n):
                    copy.write_row((f"+2547{i:08d}", f"Miner {i}", COUNTIES[i % 5], "Site", "digger", "woman",
                                    "en" if i % 10 < 3 else "sw", now, now, "ussd", False, now, now))
            conn.commit()
    else:
        engine = create_engine(database_url)
        rows = ({"p": f"+2547{i:08d}", "n": f"Miner {i}", "c": COUNTIES[i % 5], "l": "en" if i % 10 < 3 else "sw"}
                for i in range(n))
        with engine.begin() as conn:
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) == 5000:
                    conn.execute(text(
                        "INSERT INTO miners (phone, name, county, site, role, gender, locale, consent_at, sms_consent_at,"
                        " registered_via, is_test, created_at, updated_at) VALUES (:p, :n, :c, 'Site', 'digger', 'woman',"
                        f" :l, '{now}', '{now}', 'ussd', 0, '{now}', '{now}')"), batch)
                    batch = []
            if batch:
                conn.execute(text(
                    "INSERT INTO miners (phone, name, county, site, role, gender, locale, consent_at, sms_consent_at,"
                    " registered_via, is_test, created_at, updated_at) VALUES (:p, :n, :c, 'Site', 'digger', 'woman',"
                    f" :l, '{now}', '{now}', 'ussd', 0, '{now}', '{now}')"), batch)
        engine.dispose()
    return time.monotonic() - started


def tree_rss(processes):
    total = 0
    for proc in processes:
        try:
            ps = psutil.Process(proc.pid)
            total_one = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
            total = max(total, total_one)  # peak of any single worker (with its children)
        except psutil.Error:
            pass
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--miners", type=int, default=250_000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--database", default=None, help="PostgreSQL base URL (a private schema is used)")
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file even when PostgreSQL answers")
    parser.add_argument("--timeout", type=float, default=600, help="give up after this many seconds")
    parser.add_argument("--max-rps", type=float, default=0.0,
                        help="AT_MAX_RPS for the workers (default 0: the cap lifted); the achieved rate is reported")
    parser.add_argument("--json-out", default=None)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="madini-bench-"))
    procs, drop_schema = [], None
    base = None if args.sqlite else postgres_base(args.database)
    if base:
        database_url, drop_schema = pgschema.create_private_schema(base, "bench")
    else:
        database_url = f"sqlite:///{workdir / 'bench.db'}"
    try:
        from core import redis as redis_setup

        redis_url = redis_setup.ensure_embedded(workdir / "redis", stop_on_exit=False)
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "INSTANCE_PATH": str(workdir),
               "AT_MAX_RPS": str(args.max_rps), "AT_BATCH_SIZE": str(args.batch_size), "AT_API_KEY": "bench-key",
               "AT_USERNAME": "bench", "PYTHONPATH": str(ROOT)}
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "INSTANCE_PATH", "AT_MAX_RPS",
                                                "AT_BATCH_SIZE", "AT_API_KEY", "AT_USERNAME")})

        fake = subprocess.Popen([sys.executable, "-m", "fakeat", "--port", "0", "--no-dlr", "--quiet"], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        procs.append(fake)
        fake_info = json.loads(fake.stdout.readline())
        env["AT_API_URL"] = os.environ["AT_API_URL"] = fake_info["api"]

        from flask_migrate import upgrade

        from app import create_app
        from models import ApiToken, Officer, db

        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url})
        with app.app_context():
            upgrade()
            officer = Officer(username="bench", role="admin")
            officer.set_password("bench-password")
            db.session.add(officer)
            token = ApiToken.issue(officer)
            db.session.commit()
        seconds_seed = seed(database_url, args.miners, bool(base))
        print(f"seeded {args.miners} miners in {seconds_seed:.1f}s ({'PostgreSQL' if base else 'SQLite'})",
              file=sys.stderr)

        workers = [subprocess.Popen(
            [str(Path(sys.executable).parent / "rq"), "worker", "--url", redis_url,
             "--worker-class", "worker.AppSimpleWorker", "--quiet", "alerts", "replies", "bulk", "default"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(workdir / f"worker{i}.log", "w"))
            for i in range(args.workers)]
        procs += workers
        # The clock starts when every worker has registered (imported the app, connected).
        from rq import Worker

        import redis as redis_lib

        connection = redis_lib.Redis.from_url(redis_url)
        deadline = time.monotonic() + 60
        while Worker.count(connection=connection) < args.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        peak = tree_rss(workers)

        client = app.test_client()
        started = time.monotonic()
        response = client.post("/api/v1/broadcasts", headers={"Authorization": f"Bearer {token}"}, json={
            "text": {"sw": "Tahadhari: mvua kubwa leo. Usiingie shimoni. Madini Salama",
                     "en": "Alert: heavy rain today. Do not enter the pits. Madini Salama"},
            "audience": {}, "urgent": True, "send_at": None})
        assert response.status_code == 202, response.get_data(as_text=True)
        broadcast_id = response.get_json()["id"]
        status, counts = None, {}
        import requests

        # The gateway's request counter, sampled: when the first and the last AT request came.
        first_request_at = last_request_at = None
        seen_requests = first_count = 0
        with app.app_context():
            from models import Broadcast
            import broadcasts.lifecycle

            while time.monotonic() - started < args.timeout:
                peak = max(peak, tree_rss(workers))
                requests_now = requests.get(fake_info["fakeat"] + "/admin/stats", timeout=10).json()["requests"]
                if requests_now > seen_requests:
                    now = time.monotonic() - started
                    if first_request_at is None:
                        first_request_at, first_count = now, requests_now
                    last_request_at, seen_requests = now, requests_now
                db.session.expire_all()
                broadcast = db.session.get(Broadcast, broadcast_id)
                status = broadcast.status
                if status in ("done", "paused", "cancelled"):
                    break
                time.sleep(0.2)
            elapsed = time.monotonic() - started
            final = db.session.get(Broadcast, broadcast_id)
            counts = broadcasts.lifecycle.progress(final)
            phases = {
                "queued_to_started": (final.started_at - final.created_at).total_seconds() if final.started_at else None,
                "planning": (final.planned_at - final.started_at).total_seconds() if final.planned_at else None,
                "after_planning": (final.finished_at - final.planned_at).total_seconds() if final.finished_at else None,
            }
        cpu = {"workers": 0.0, "fake_gateway": 0.0}
        for name, group in (("workers", workers), ("fake_gateway", [fake])):
            for proc in group:
                try:
                    times = psutil.Process(proc.pid).cpu_times()
                    cpu[name] += times.user + times.system
                except psutil.Error:
                    pass
        stats = requests.get(fake_info["fakeat"] + "/admin/stats", timeout=10).json()
        result = {
            "miners": args.miners, "workers": args.workers, "batch_size": args.batch_size,
            "database": "postgresql" if base else "sqlite", "status": status,
            "seconds": round(elapsed, 2), "messages_per_second": round(counts.get("sent", 0) / elapsed, 1),
            "at_requests": stats["requests"], "at_requests_per_second": round(stats["requests"] / elapsed, 1),
            "accepted_by_gateway": stats["accepted"], "duplicates_at_gateway": stats["duplicates"],
            "counts": counts, "phases_seconds": phases, "peak_worker_rss_mb": round(peak / 2**20, 1), "cpus": os.cpu_count(),
            "cpu_seconds": {k: round(v, 1) for k, v in cpu.items()},
            "at_max_rps": args.max_rps,
        }
        if first_request_at is not None and last_request_at > first_request_at:
            # Requests after the first sample that saw any, over the time to the last one seen.
            result["at_requests_per_second_while_sending"] = round(
                (seen_requests - first_count) / (last_request_at - first_request_at), 2)
            result["sending_seconds"] = round(last_request_at - first_request_at, 2)
        print(f"{args.miners} recipients: {status} in {elapsed:.1f}s - {result['messages_per_second']} messages/s, "
              f"{result['at_requests_per_second']} AT requests/s, peak worker RSS {result['peak_worker_rss_mb']} MB, "
              f"gateway accepted {stats['accepted']} (duplicates {stats['duplicates']})")
        print(json.dumps(result))
        if status != "done":
            for i in range(args.workers):
                print(f"--- worker {i} log (tail)", file=sys.stderr)
                print((workdir / f"worker{i}.log").read_text()[-3000:], file=sys.stderr)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(result, indent=2))
        return 0 if status == "done" and stats["accepted"] == args.miners and not stats["duplicates"] else 1
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        try:
            from core import redis as redis_setup

            redis_setup.stop_embedded(workdir / "redis")
        except Exception:
            pass
        if drop_schema is not None:
            drop_schema()
        shutil.rmtree(workdir, ignore_errors=True)


# --- bin/bench ------------------------------------------------------------------------------
TARGET_SECONDS_250K = 60.0
TARGET_RSS_MB = 300.0
TARGET_RATE_SHARE = 0.9
RATE_CAPPED_REQUESTS = 250  # AT requests in the capped run (25 s at the default cap of 10/s)


def _run_once(log, miners, workers, max_rps, timeout):
    """One run in a fresh process (this module sets the environment of the process it runs in)."""
    with tempfile.TemporaryDirectory(prefix="madini-bench-broadcast-") as directory:
        out = Path(directory) / "result.json"
        argv = [sys.executable, str(Path(__file__).resolve()), "--miners", str(miners), "--workers", str(workers),
                "--max-rps", str(max_rps), "--timeout", str(timeout), "--json-out", str(out)]
        completed = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout + 300)
        if not out.exists():
            log(f"[broadcast] run failed (exit {completed.returncode}): {completed.stderr[-2000:]}")
            return {"status": "failed", "exit_code": completed.returncode, "stderr_tail": completed.stderr[-2000:]}
        return json.loads(out.read_text())


def run(context):
    """Two runs: the cap lifted (N recipients as fast as the workers go), and with the
    default AT_MAX_RPS cap (is the cap used, not wasted?)."""
    from config import load

    log = context["log"]
    miners = context.get("broadcast_miners") or 50_000
    workers = context.get("broadcast_workers") or 3
    cap = load()["AT_MAX_RPS"] or 10.0
    log(f"[broadcast] {miners} recipients, {workers} workers, no rate cap ...")
    fast = _run_once(log, miners, workers, 0, timeout=900)
    capped_miners = int(RATE_CAPPED_REQUESTS * 100)
    log(f"[broadcast] {capped_miners} recipients with the default rate cap ({cap:g} AT requests/s) ...")
    capped = _run_once(log, capped_miners, workers, cap, timeout=900)
    result = {"uncapped": fast, "capped": capped, "at_max_rps": cap,
              "target": {"seconds_for_250k": TARGET_SECONDS_250K, "worker_rss_mb": TARGET_RSS_MB,
                         "rate_share_of_cap": TARGET_RATE_SHARE}}
    if fast.get("status") == "done" and fast.get("messages_per_second"):
        result["projected_seconds_for_250k"] = round(fast["seconds"] * 250_000 / fast["miners"], 1)
        complete = fast["accepted_by_gateway"] == fast["miners"] and not fast["duplicates_at_gateway"]
        seconds = fast["seconds"] if fast["miners"] >= 250_000 else result["projected_seconds_for_250k"]
        result["speed_met"] = bool(complete and seconds < TARGET_SECONDS_250K
                                   and fast["peak_worker_rss_mb"] < TARGET_RSS_MB)
        result["speed_measured_at_250k"] = fast["miners"] >= 250_000
    rate = capped.get("at_requests_per_second_while_sending")
    if rate:
        result["rate_share_of_cap"] = round(rate / cap, 3)
        result["rate_met"] = bool(rate >= TARGET_RATE_SHARE * cap and capped["duplicates_at_gateway"] == 0
                                  and capped["accepted_by_gateway"] == capped["miners"])
    result["meets_target"] = bool(result.get("speed_met") and result.get("rate_met"))
    return result


def summary(result):
    fast, capped = result.get("uncapped", {}), result.get("capped", {})
    lines = ["Broadcast: real RQ worker processes -> fake AT gateway (no delivery reports)"]
    if fast.get("status") == "done":
        measured = "measured" if result.get("speed_measured_at_250k") else \
            f"projected from {fast['miners']:,} (bin/bench --broadcast-miners 250000 measures it)"
        lines.append(
            f"  no cap: {fast['miners']:,} recipients in {fast['seconds']} s ({fast['messages_per_second']:.0f} "
            f"messages/s, {fast['at_requests_per_second']} AT requests/s, {fast['workers']} workers, "
            f"{fast['database']}); 250,000 in {result['projected_seconds_for_250k']} s {measured} (target < "
            f"{TARGET_SECONDS_250K:.0f} s) | peak worker RSS {fast['peak_worker_rss_mb']} MB (target < "
            f"{TARGET_RSS_MB:.0f}) | duplicates {fast['duplicates_at_gateway']} | "
            f"{'MET' if result.get('speed_met') else 'NOT MET'}")
    else:
        lines.append(f"  no cap: {fast.get('status')}")
    if capped.get("at_requests_per_second_while_sending"):
        lines.append(
            f"  cap {result['at_max_rps']:g}/s: {capped['miners']:,} recipients, "
            f"{capped['at_requests_per_second_while_sending']} AT requests/s while sending = "
            f"{result['rate_share_of_cap']:.0%} of the cap (target >= {TARGET_RATE_SHARE:.0%}) | duplicates "
            f"{capped['duplicates_at_gateway']} | {'MET' if result.get('rate_met') else 'NOT MET'}")
    else:
        lines.append(f"  capped run: {capped.get('status')}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
