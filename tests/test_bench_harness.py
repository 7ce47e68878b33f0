"""The benchmark's own pieces: every scripted walk is a real journey (the load generator would
otherwise count wrong screens), percentiles, and CPU accounting from /proc."""
import os
import subprocess
import sys

import pytest

from bench import loadgen, procstat
from bench.journeys import WALKS, by_name, weighted
from core.i18n import LOCALES, translate
from flows.engine import MSG_FAILED
from tests.conftest import Phone

APOLOGIES = {translate(locale, MSG_FAILED) for locale in LOCALES}


@pytest.mark.parametrize("walk", WALKS, ids=[w.name for w in WALKS])
def test_every_walk_is_a_real_journey(client, walk):
    phone = Phone(client, "+254716000001")
    screens = [phone.dial()] + [phone.send(answer) for answer in walk.inputs]
    for screen in screens[:-1]:
        assert screen.startswith("CON "), (walk.name, screens)
    assert screens[-1].startswith("END " if walk.ends else "CON "), (walk.name, screens[-1])
    assert not any(screen[4:] in APOLOGIES for screen in screens)


def test_weighted_mix():
    mix = weighted()
    assert len(mix) == sum(w.weight for w in WALKS)
    assert {w.name for w in mix} == {w.name for w in WALKS if w.weight}
    assert "register_start" not in {w.name for w in mix}  # measured alone, with --walks


def test_chosen_walks_are_played_alone_whatever_their_weight():
    chosen = weighted(by_name(["register_start", "incident"]), chosen=True)
    assert [w.name for w in chosen] == ["register_start"] + ["incident"] * 3
    with pytest.raises(ValueError, match="unknown walk"):
        by_name(["nope"])


def test_the_summary_judges_throughput_cpu_and_p99_at_70_percent():
    from bench import ussd_hop

    def run(hops_per_s, cpu, p99=10.0, offered=None):
        return {"hops_per_s": hops_per_s, "server_cpu_us_per_hop": cpu, "errors": 0, "wrong_screens": 0,
                "latency_ms": {"p50": 1.0, "p95": 5.0, "p99": p99}, "offered_hops_per_s": offered or hops_per_s}

    def judged(app_cpu, p99_at_70):
        entry = {"ceiling": run(1000, 400), "app": run(900, app_cpu), "app_paced": run(800, app_cpu, p99=80.0),
                 "app_paced_headroom": run(630, app_cpu, p99=p99_at_70)}
        ussd_hop.judge(entry)
        return entry

    assert judged(480, 20.0)["meets_target"] and judged(480, 20.0)["cpu_ratio_vs_ceiling"] == 1.2
    assert not judged(520, 20.0)["meets_target"]  # 1.3x the ceiling's CPU
    assert not judged(480, 60.0)["meets_target"]  # p99 at 70% of capacity
    assert "1.20x (target <= 1.25)" in ussd_hop.summary_line("granian-wsgi", judged(480, 20.0))


def test_percentiles():
    values = sorted(x / 1000 for x in range(1, 101))  # 1..100 ms
    assert loadgen.percentile(values, 50) == 0.05
    assert loadgen.percentile(values, 99) == 0.099
    assert loadgen.percentile([], 99) is None
    summary = loadgen.summarise_ms(values)
    assert summary == {"count": 100, "p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0}


def test_cpu_of_a_process_tree():
    child = subprocess.Popen([sys.executable, "-c", "import time\nt=time.process_time()\n"
                              "while time.process_time() - t < 0.3: pass\ntime.sleep(5)"])
    try:
        import time

        deadline = time.monotonic() + 10
        while procstat.cpu_seconds([child.pid]) < 0.25 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child.pid in procstat.descendants(os.getpid())
        assert 0.25 <= procstat.cpu_seconds([child.pid]) < 5
        assert procstat.cpu_seconds([child.pid, 99_999_999]) == procstat.cpu_seconds([child.pid])
    finally:
        child.kill()
        child.wait()
