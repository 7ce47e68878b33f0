"""The PNG beside results/latest.json: USSD hops/s (app vs ceiling) and paced p99 per server."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def draw(report, path):
    hop = report["benchmarks"].get("ussd_hop")
    if not hop or "servers" not in hop:
        return None
    servers = list(hop["servers"])
    ceiling = [hop["servers"][s]["ceiling"]["hops_per_s"] for s in servers]
    app = [hop["servers"][s]["app"]["hops_per_s"] for s in servers]
    def latency(run, key):
        return [(hop["servers"][s].get(run) or {}).get("latency_ms", {}).get(key) or 0 for s in servers]

    p99_target = latency("app_paced", "p99")
    p50_headroom, p99_headroom = latency("app_paced_headroom", "p50"), latency("app_paced_headroom", "p99")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    x = range(len(servers))
    width = 0.38
    left.bar([i - width / 2 for i in x], ceiling, width, label="ceiling (Flask + Redis GET/SET)", color="#9aa5b1")
    left.bar([i + width / 2 for i in x], app, width, label="Madini Salama /ussd", color="#c8102e")
    for i, (c, a) in enumerate(zip(ceiling, app)):
        left.text(i + width / 2, a, f"{a / c:.2f}x" if c else "", ha="center", va="bottom", fontsize=9)
    left.plot([-0.5, len(servers) - 0.5], [0, 0], color="black", linewidth=0.5)
    left.set_xticks(list(x), servers)
    left.set_ylabel("hops per second (saturated)")
    left.set_title("USSD hop throughput")
    left.legend(fontsize=8, loc="lower right")
    third = 0.27
    right.bar([i - third for i in x], p50_headroom, third, label="p50 at 70% of app capacity", color="#9aa5b1")
    right.bar(list(x), p99_headroom, third, label="p99 at 70% of app capacity", color="#e07a5f")
    right.bar([i + third for i in x], p99_target, third, label="p99 at 0.8x ceiling rate", color="#c8102e")
    right.set_yscale("symlog", linthresh=10)
    right.axhline(hop["target"]["p99_ms"], color="black", linestyle="--", linewidth=1, label="p99 target")
    right.set_xticks(list(x), servers)
    right.set_ylabel("ms per hop (log scale)")
    right.set_title("Latency, paced load")
    right.legend(fontsize=8)
    fig.suptitle(f"{report['git_revision'][:12]} - {report['machine']['cores']} cores - {report['timestamp']}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
