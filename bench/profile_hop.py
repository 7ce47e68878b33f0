"""Profile USSD hops in-process: `python -m bench.profile_hop [--hops N] [--no-profile] [--walk NAME]`.

Walks the benchmark journeys through the app's WSGI callable itself (the environ a server
would build, no HTTP and no test client in the way), against a real Redis and the database
the benchmark uses (PostgreSQL in a private schema when it answers, else a SQLite file;
BENCH_DATABASE_URL chooses as in bench/ussd_hop.py), and prints where the time goes with
pyinstrument, or with --no-profile the CPU per hop by kind (first, middle, last) next to the
ceiling app's (bench/ceiling_app.py) under the same harness.
"""
import argparse
import io
import itertools
import os
import subprocess
import tempfile
import time
import uuid
from urllib.parse import urlencode

from bench.journeys import WALKS, weighted

ENVIRON = {"REQUEST_METHOD": "POST", "PATH_INFO": "/ussd", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
           "SERVER_PORT": "5000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
           "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.url_scheme": "http",
           "wsgi.version": (1, 0), "wsgi.errors": io.StringIO(), "wsgi.multithread": True,
           "wsgi.multiprocess": True, "wsgi.run_once": False}


def post(wsgi, form):
    body = urlencode(form).encode()
    environ = {**ENVIRON, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    status = []
    answer = b"".join(wsgi(environ, lambda s, headers, exc_info=None: status.append(s)))
    assert status[0].startswith("200"), (status, answer)
    return answer


def walk_hops(wsgi, hops, walks=None, timings=None):
    """Play `hops` hops of the walks (by weight); `timings` collects (kind, CPU seconds) per hop."""
    walks = walks or weighted()
    done = 0
    for n in itertools.count():
        walk = walks[n % len(walks)]
        phone = f"+2547{(n + 10_000_000 + int(time.time()) % 1000 * 10_000) % 100_000_000:08d}"
        sid = "ATUid_prof_" + uuid.uuid4().hex
        typed = []
        inputs = ("",) + walk.inputs
        for number, answer in enumerate(inputs):
            if number:
                typed.append(answer)
            form = {"sessionId": sid, "phoneNumber": phone, "serviceCode": "*384*12#", "networkCode": "63902",
                    "text": "*".join(typed)}
            started = time.thread_time()
            post(wsgi, form)
            if timings is not None:
                kind = "first" if number == 0 else "last" if number == len(inputs) - 1 else "middle"
                timings.append((kind, time.thread_time() - started))
            done += 1
            if done >= hops:
                return done


def _database(workdir):
    from core import pgschema

    url = os.environ.get("BENCH_DATABASE_URL", "")
    postgres = None if url == "sqlite" else pgschema.reachable(url or None, "BENCH_DATABASE_URL", "TEST_DATABASE_URL")
    if postgres:
        return pgschema.create_private_schema(postgres, "profile")
    return f"sqlite:///{workdir}/profile.db", None


def _summary(name, timings):
    by_kind = {}
    for kind, seconds in timings:
        by_kind.setdefault(kind, []).append(seconds)
    total = sum(s for _, s in timings) / len(timings)
    parts = ", ".join(f"{kind} {sum(v) * 1e6 / len(v):.0f}" for kind, v in sorted(by_kind.items()))
    return f"{name}: {total * 1e6:.0f} us CPU per hop ({parts})", total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hops", type=int, default=3000)
    parser.add_argument("--no-profile", action="store_true", help="only time the hops (and the ceiling's)")
    parser.add_argument("--walk", choices=[w.name for w in WALKS], help="only this walk (default: the mix)")
    args = parser.parse_args()
    walks = [w for w in WALKS if w.name == args.walk] if args.walk else None
    workdir = tempfile.mkdtemp(prefix="madini-profile-")
    from core import redis as redis_setup

    redis_url = os.environ.get("BENCH_REDIS_URL") or redis_setup.ensure_embedded(os.path.join(workdir, "redis"))
    database_url, drop = _database(workdir)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "INSTANCE_PATH": workdir}
    subprocess.run([os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".venv", "bin",
                    "flask"), "--app", "app", "db", "upgrade"], env=env, check=True, capture_output=True)
    os.environ.update({"REDIS_URL": redis_url})
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url, "INSTANCE_PATH": workdir,
                      "CALLBACK_TOKEN": None})
    wsgi = app  # Flask.__call__ -> app.wsgi_app (the lean path in front of Flask), as a server calls it
    try:
        walk_hops(wsgi, 300, walks)  # warm up: imports, catalogues, connection pools
        if args.no_profile:
            from bench import ceiling_app

            ceiling = []
            walk_hops(ceiling_app.app, args.hops, walks, ceiling)
            timings = []
            walk_hops(wsgi, args.hops, walks, timings)
            line, app_cpu = _summary("app", timings)
            ceiling_line, ceiling_cpu = _summary("ceiling", ceiling)
            print(line)
            print(ceiling_line)
            print(f"app / ceiling: {app_cpu / ceiling_cpu:.2f}x CPU per hop (in-process, one thread; "
                  f"{'PostgreSQL' if drop else 'SQLite'}; Redis and database servers not counted)")
            return
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        started = time.perf_counter()
        with profiler:
            walk_hops(wsgi, args.hops, walks)
        elapsed = time.perf_counter() - started
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        print(f"{elapsed * 1e6 / args.hops:.0f} us per hop under the profiler (in-process, WSGI callable)")
    finally:
        if drop:
            drop()


if __name__ == "__main__":
    main()
