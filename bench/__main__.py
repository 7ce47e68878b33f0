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
BENCHMARKS = ("ussd_hop", "broadcast", "inbound_sms")


def git_revision():
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    revision = git("rev-parse", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return revision + ("-dirty" if dirty else "")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="bin/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("benchmarks", nargs="*", default=list(BENCHMARKS), help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--servers", default=",".join(SERVERS), help="web servers to compare (comma-separated)")
    parser.add_argument("--sessions", type=int, default=200, help="concurrent USSD callers")
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run")
    parser.add_argument("--max-hops", type=int, default=500_000, help="hard bound on hops per run")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="server workers (default: cores)")
    parser.add_argument("--repeat", type=int, default=1, help="take turns N times; report each server's median run")
    parser.add_argument("--quick", action="store_true", help="short runs (3 s) to check the harness")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 3.0, 1.0
    context = {
        "cores": args.workers, "sessions": args.sessions, "duration": args.duration, "warmup": args.warmup,
        "max_hops": args.max_hops, "repeat": max(1, args.repeat), "servers": [s for s in args.servers.split(",") if s],
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
