"""Profile USSD hops in-process with pyinstrument: `python -m bench.profile_hop [--hops N]`.

Walks the benchmark journeys through the WSGI app (Flask's test client, a real Redis and a
fresh SQLite file) and prints where the time goes, plus microseconds per hop. Used to find
what stands in the way of the hot path before optimising it.
"""
import argparse
import itertools
import os
import tempfile
import time
import uuid

from bench.journeys import weighted


def walk_hops(client, hops):
    walks = weighted()
    done = 0
    for n in itertools.count():
        walk = walks[n % len(walks)]
        phone = f"+2547{(n + 10_000_000 + int(time.time()) % 1000 * 10_000) % 100_000_000:08d}"
        sid = "ATUid_prof_" + uuid.uuid4().hex
        typed = []
        for number, answer in enumerate(("",) + walk.inputs):
            if number:
                typed.append(answer)
            response = client.post("/ussd", data={"sessionId": sid, "phoneNumber": phone, "serviceCode": "*384*12#",
                                                  "networkCode": "63902", "text": "*".join(typed)})
            assert response.status_code == 200, response.data
            done += 1
            if done >= hops:
                return done


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hops", type=int, default=3000)
    parser.add_argument("--no-profile", action="store_true", help="only time the hops")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="madini-profile-")
    from core import redis as redis_setup

    redis_url = os.environ.get("BENCH_REDIS_URL") or redis_setup.ensure_embedded(os.path.join(workdir, "redis"))
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/profile.db", "REDIS_URL": redis_url,
                      "INSTANCE_PATH": workdir, "CALLBACK_TOKEN": None})
    with app.app_context():
        upgrade()
    client = app.test_client()
    walk_hops(client, 300)  # warm up: imports, catalogues, connection pools
    if args.no_profile:
        started, cpu_started = time.perf_counter(), time.process_time()
        walk_hops(client, args.hops)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(f"{wall * 1e6 / args.hops:.0f} us per hop, {cpu * 1e6 / args.hops:.0f} us CPU of this process "
              "(in-process, test client; Redis and database servers not counted)")
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    started = time.perf_counter()
    with profiler:
        walk_hops(client, args.hops)
    elapsed = time.perf_counter() - started
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"{elapsed * 1e6 / args.hops:.0f} us per hop under the profiler (in-process, test client)")


if __name__ == "__main__":
    main()
