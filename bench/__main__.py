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
BENCHMARKS = ("ussd_hop", "broadcast", "inbound")
HISTORY = RESULTS / "history.jsonl"


def git_revision():
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    revision = git("rev-parse", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
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
    return line


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="bin/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("benchmarks", nargs="*", default=list(BENCHMARKS), help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--servers", default=",".join(SERVERS), help="web servers to compare (comma-separated)")
    parser.add_argument("--sessions", type=int, default=200, help="concurrent USSD callers")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run")
    parser.add_argument("--max-hops", type=int, default=500_000, help="hard bound on hops per run")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="server workers (default: cores)")
    parser.add_argument("--broadcast-miners", type=int, default=50_000,
                        help="recipients of the uncapped broadcast run (250000: the issue's full size)")
    parser.add_argument("--broadcast-workers", type=int, default=3, help="RQ worker processes for broadcasts")
    parser.add_argument("--inbound-messages", type=int, default=4000, help="distinct inbound SMS per burst")
    parser.add_argument("--inbound-workers", type=int, default=None, help="RQ workers for inbound (default: cores)")
    parser.add_argument("--quick", action="store_true",
                        help="short runs (3 s, 10,000 recipients, 1,000 SMS) to check the harness")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 3.0, 1.0
        args.broadcast_miners, args.inbound_messages = min(args.broadcast_miners, 10_000), 1000
    context = {
        "cores": args.workers, "sessions": args.sessions, "duration": args.duration, "warmup": args.warmup,
        "max_hops": args.max_hops, "servers": [s for s in args.servers.split(",") if s],
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


if __name__ == "__main__":
    main()
