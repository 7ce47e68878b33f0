"""`bin/bench` / `make bench` / `python -m bench`: run the benchmarks, print them with their
ratios and targets, and write bench/results/latest.json (+ a PNG chart beside it).

Benchmarks are modules of this package with `run(context) -> dict` and, optionally,
`summary(result) -> [lines]` and `chart(result, axes)`. A benchmark whose module has not
landed yet is reported as such, never skipped silently.
"""
import argparse
import datetime
import importlib
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from bench.servers import ROOT, SERVERS

RESULTS = Path(__file__).parent / "results"
BENCHMARKS = ("ussd_hop", "broadcast", "inbound", "intake")
HISTORY = RESULTS / "history.jsonl"


def git_revision():
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    revision = git("rev-parse", "HEAD") or "unknown"
    # The results a previous run left behind do not make the code under test "dirty".
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"))
    return revision + ("-dirty" if dirty else "")


def headline(report):
    """The few numbers of a run worth keeping side by side with earlier runs."""
    line = {"timestamp": report["timestamp"], "git_revision": report["git_revision"],
            "cores": report["machine"]["cores"], "load_average_at_start": report["machine"]["load_average_at_start"]}
    hop = report["benchmarks"].get("ussd_hop", {})
    if "servers" in hop:
        chosen = hop["servers"].get("granian-wsgi") or hop["servers"][hop["chosen_server"]]
        line["ussd_hop"] = {"server": "granian-wsgi" if "granian-wsgi" in hop["servers"] else hop["chosen_server"],
                            "database": hop["database"], "ceiling_hops_per_s": chosen["ceiling"]["hops_per_s"],
                            "app_hops_per_s": chosen["app"]["hops_per_s"], "ratio": chosen["ratio_vs_ceiling"],
                            "server_cpu_us_per_hop": chosen["app"]["server_cpu_us_per_hop"],
                            "ceiling_cpu_us_per_hop": chosen["ceiling"]["server_cpu_us_per_hop"],
                            "cpu_ratio": chosen.get("cpu_ratio_vs_ceiling"), "walks": hop.get("journeys"),
                            "p99_ms_at_70pct": chosen["app_paced_headroom"]["latency_ms"]["p99"],
                            "meets_target": hop["meets_target"]}
    broadcast = report["benchmarks"].get("broadcast", {})
    if "uncapped" in broadcast:
        fast = broadcast["uncapped"]
        line["broadcast"] = {"recipients": fast.get("miners"), "seconds": fast.get("seconds"),
                             "messages_per_s": fast.get("messages_per_second"),
                             "projected_seconds_for_250k": broadcast.get("projected_seconds_for_250k"),
                             "peak_worker_rss_mb": fast.get("peak_worker_rss_mb"),
                             "rate_share_of_cap": broadcast.get("rate_share_of_cap"),
                             "meets_target": broadcast.get("meets_target")}
    inbound = report["benchmarks"].get("inbound", {})
    if "runs" in inbound:
        line["inbound"] = {"database": inbound["database"], "acks_per_s_burst": inbound["runs"]["burst"]["acks_per_s"],
                           "acks_per_s_steady": inbound["runs"]["steady"]["acks_per_s"],
                           "handled_per_s": inbound["runs"]["burst"]["handled_per_s"],
                           "seconds_until_all_handled": inbound["runs"]["burst"]["seconds_until_all_handled"],
                           "meets_target": inbound["meets_target"]}
    intake = report["benchmarks"].get("intake", {})
    if "accuracy" in intake:
        line["intake"] = {"messages": intake["messages"], "accuracy": intake["accuracy"],
                          "critical_misses": len(intake["critical_misses"]), "meets_target": intake["meets_target"]}
    return line


def markdown_table(report):
    """The "latest results" table of docs/bench-and-scale.md, from a report."""
    def met(flag):
        return "met" if flag else "**not met**"

    rows = []
    hop = report["benchmarks"].get("ussd_hop", {})
    if "servers" in hop:
        name = "granian-wsgi" if "granian-wsgi" in hop["servers"] else hop["chosen_server"]
        entry = hop["servers"][name]
        paced, headroom = entry["app_paced"]["latency_ms"], entry["app_paced_headroom"]
        rows.append((f"USSD hop ({name}, {hop['database']}; walks: {', '.join(hop['journeys'])})",
                     f"{entry['app']['hops_per_s']:.0f} hops/s vs ceiling {entry['ceiling']['hops_per_s']:.0f}; "
                     f"server CPU {entry['app']['server_cpu_us_per_hop']} us/hop vs ceiling "
                     f"{entry['ceiling']['server_cpu_us_per_hop']} ({entry.get('cpu_ratio_vs_ceiling') or 0:.2f}x); "
                     f"p99 {headroom['latency_ms']['p99']} ms at {headroom['offered_hops_per_s']:.0f}/s (70% of "
                     f"capacity), {paced['p99']} ms at 0.8x ceiling",
                     ">= 0.8x ceiling, CPU <= 1.25x, p99 < 50 ms at 70%", f"{entry['ratio_vs_ceiling']:.2f}x",
                     met(entry["meets_target"])))
    broadcast = report["benchmarks"].get("broadcast", {})
    fast, capped = broadcast.get("uncapped", {}), broadcast.get("capped", {})
    if fast.get("status") == "done":
        full = fast["miners"] >= 250_000
        seconds = fast["seconds"] if full else broadcast["projected_seconds_for_250k"]
        rows.append((f"Broadcast, no cap ({fast['workers']} workers, {fast['database']})",
                     f"{fast['miners']:,} in {fast['seconds']} s ({fast['messages_per_second']:.0f}/s)"
                     + ("" if full else f", 250k projected {seconds} s") + f"; worker RSS {fast['peak_worker_rss_mb']} MB;"
                     f" duplicates {fast['duplicates_at_gateway']}",
                     "250k < 60 s, RSS < 300 MB", f"{60 / seconds:.2f}x" if seconds else "-",
                     met(broadcast.get("speed_met"))))
    if capped.get("at_requests_per_second_while_sending"):
        rows.append((f"Broadcast at the default cap ({broadcast['at_max_rps']:g}/s)",
                     f"{capped['at_requests_per_second_while_sending']} AT requests/s while sending",
                     ">= 90% of the cap", f"{broadcast['rate_share_of_cap']:.0%}", met(broadcast.get("rate_met"))))
    inbound = report["benchmarks"].get("inbound", {})
    if "runs" in inbound:
        burst, steady = inbound["runs"]["burst"], inbound["runs"]["steady"]
        rows.append((f"Inbound SMS acknowledged (granian x{inbound['web_workers']}, {inbound['database']})",
                     f"{burst['acks_per_s']:.0f}/s in a burst (p99 {burst['ack_latency_ms']['p99']} ms); "
                     f"{steady['acks_per_s']:.0f}/s with the workers busy on the same cores",
                     ">= 1,000/s", f"{inbound['ratio_vs_target']:.2f}x", met(inbound["meets_target"])))
        rows.append((f"Inbound SMS processed ({inbound['rq_workers']} RQ workers)",
                     f"{burst['distinct_messages']:,} handled {burst['seconds_until_all_handled']} s after the first "
                     f"callback ({burst['handled_per_s']}/s by the workers), all replies sent after "
                     f"{burst['seconds_until_all_replies_sent']} s; stored once: "
                     f"{'yes' if not inbound['lost_or_duplicated'] else 'NO'}", "(reported)", "-", "-"))
    intake = report["benchmarks"].get("intake", {})
    if "accuracy" in intake:
        rows.append((f"SMS intake on the labelled corpus ({intake['messages']} messages)",
                     f"{intake['accuracy']:.1%} read right; distress and opt-out misses: "
                     f"{len(intake['critical_misses'])} of {intake['critical']}",
                     ">= 95%, no distress or opt-out miss", f"{intake['accuracy'] / 0.95:.2f}x",
                     met(intake["meets_target"])))
    lines = [f"Latest results (`bench/results/latest.json`, revision {report['git_revision'][:7]}, "
             f"{report['machine']['cores']} cores, load average {report['machine']['load_average_at_start'][0]} "
             f"at the start, {report['timestamp'][:16].replace('T', ' ')} UTC):", "",
             "| benchmark | measured | target | ratio | |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="bin/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("benchmarks", nargs="*", default=list(BENCHMARKS), help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--servers", default=",".join(SERVERS), help="web servers to compare (comma-separated)")
    parser.add_argument("--sessions", type=int, default=200, help="concurrent USSD callers")
    parser.add_argument("--walks", default="", help="USSD walks to play alone, comma-separated (bench/journeys.py; "
                                                    "default: the weighted mix)")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run")
    parser.add_argument("--max-hops", type=int, default=500_000, help="hard bound on hops per run")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="server workers (default: cores)")
    parser.add_argument("--repeat", type=int, default=1, help="take turns N times; report each server's median run")
    parser.add_argument("--broadcast-miners", type=int, default=50_000,
                        help="recipients of the uncapped broadcast run (250000: the issue's full size)")
    parser.add_argument("--broadcast-workers", type=int, default=3, help="RQ worker processes for broadcasts")
    parser.add_argument("--inbound-messages", type=int, default=4000, help="distinct inbound SMS per burst")
    parser.add_argument("--inbound-workers", type=int, default=None, help="RQ workers for inbound (default: cores)")
    parser.add_argument("--quick", action="store_true",
                        help="short runs (3 s, 10,000 recipients, 1,000 SMS) to check the harness")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    parser.add_argument("--markdown", metavar="REPORT_JSON",
                        help="only print the docs' results table for a saved report, run nothing")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.markdown:
        print(markdown_table(json.loads(Path(args.markdown).read_text())))
        return
    if args.quick:
        args.duration, args.warmup = 3.0, 1.0
        args.broadcast_miners, args.inbound_messages = min(args.broadcast_miners, 10_000), 1000
    context = {
        "cores": args.workers, "sessions": args.sessions, "duration": args.duration, "warmup": args.warmup,
        "max_hops": args.max_hops, "repeat": max(1, args.repeat),
        "walks": [w for w in args.walks.split(",") if w], "servers": [s for s in args.servers.split(",") if s],
        "broadcast_miners": args.broadcast_miners, "broadcast_workers": args.broadcast_workers,
        "inbound_messages": args.inbound_messages, "inbound_workers": args.inbound_workers,
        "log": lambda line: print(line, flush=True),
    }
    unknown = [s for s in context["servers"] if s not in SERVERS]
    if unknown:
        sys.exit(f"unknown server(s): {', '.join(unknown)}; known: {', '.join(SERVERS)}")
    report = {
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
        "settings": {k: v for k, v in context.items() if k != "log"},
        "benchmarks": {},
    }
    modules = {}
    for name in args.benchmarks:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            print(f"[{name}] not built yet (no bench/{name}.py)")
            report["benchmarks"][name] = {"status": "not built yet"}
            continue
        if not hasattr(module, "run"):
            print(f"[{name}] bench/{name}.py has no run(context); run it on its own")
            report["benchmarks"][name] = {"status": "standalone"}
            continue
        print(f"[{name}] running ...", flush=True)
        report["benchmarks"][name] = module.run(context)
        modules[name] = module
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    with open(output.parent / HISTORY.name, "a") as history:  # one line per run, kept: the figures over time
        history.write(json.dumps(headline(report)) + "\n")
    chart_path = output.with_suffix(".png")
    from bench import chart

    chart.draw(report, chart_path)
    print()
    print(f"Madini Salama benchmarks @ {report['git_revision'][:12]} on {report['machine']['cores']} cores "
          f"({report['timestamp']})")
    for name, result in report["benchmarks"].items():
        module = modules.get(name)
        if module and hasattr(module, "summary"):
            for line in module.summary(result):
                print(line)
        elif "status" in result:
            print(f"{name}: {result['status']}")
    print(f"results: {output}  chart: {chart_path}")
    print()
    print(markdown_table(report))


if __name__ == "__main__":
    main()
