"""The PNG beside results/latest.json: USSD hops/s (app vs ceiling) and paced p99 per server,
then the broadcast and inbound SMS figures against their targets."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def draw(report, path):
    hop = report["benchmarks"].get("ussd_hop")
    broadcast = report["benchmarks"].get("broadcast") or {}
    inbound = report["benchmarks"].get("inbound") or {}
    sms_panels = [panel for panel, present in ((_broadcast, "uncapped" in broadcast), (_inbound, "runs" in inbound))
                  if present]
    if not hop or "servers" not in hop:
        if not sms_panels:
            return None
        fig, axes = plt.subplots(1, len(sms_panels), figsize=(5.5 * len(sms_panels), 4.2), squeeze=False)
        for panel, axis in zip(sms_panels, axes[0]):
            panel(report, axis)
        return _save(fig, report, path)
    servers = list(hop["servers"])
    ceiling = [hop["servers"][s]["ceiling"]["hops_per_s"] for s in servers]
    app = [hop["servers"][s]["app"]["hops_per_s"] for s in servers]
    def latency(run, key):
        return [(hop["servers"][s].get(run) or {}).get("latency_ms", {}).get(key) or 0 for s in servers]

    p99_target = latency("app_paced", "p99")
    p50_headroom, p99_headroom = latency("app_paced_headroom", "p50"), latency("app_paced_headroom", "p99")
    fig, axes = plt.subplots(1, 2 + len(sms_panels), figsize=(5.5 * (2 + len(sms_panels)), 4.2), squeeze=False)
    left, right = axes[0][0], axes[0][1]
    for panel, axis in zip(sms_panels, axes[0][2:]):
        panel(report, axis)
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
    return _save(fig, report, path)


def _save(fig, report, path):
    fig.suptitle(f"{report['git_revision'][:12]} - {report['machine']['cores']} cores - {report['timestamp']}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _broadcast(report, axis):
    result = report["benchmarks"]["broadcast"]
    fast, capped = result["uncapped"], result.get("capped") or {}
    seconds = result.get("projected_seconds_for_250k") or 0
    bars = axis.bar(["250k recipients\n(s, no cap)", "AT requests/s\nvs cap (%)"],
                    [seconds, 100 * (result.get("rate_share_of_cap") or 0)], color=["#c8102e", "#e07a5f"])
    axis.axhline(result["target"]["seconds_for_250k"], color="black", linestyle="--", linewidth=1,
                 label=f"targets: < {result['target']['seconds_for_250k']:.0f} s, >= 90% of cap")
    axis.plot([0.6, 1.4], [90, 90], color="black", linestyle="--", linewidth=1)
    for bar, label in zip(bars, [f"{seconds:.0f} s" + ("" if result.get("speed_measured_at_250k") else
                                                       f"\n(from {fast.get('miners', 0):,})"),
                                 f"{capped.get('at_requests_per_second_while_sending', 0)}/s"]):
        axis.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), label, ha="center", va="bottom", fontsize=8)
    axis.set_title(f"Broadcast ({fast.get('workers')} workers, RSS {fast.get('peak_worker_rss_mb')} MB)")
    axis.legend(fontsize=8, loc="lower right")


def _inbound(report, axis):
    result = report["benchmarks"]["inbound"]
    runs = result["runs"]
    labels = ["acks/s\nburst", "acks/s\nworkers busy", "handled/s\nby workers"]
    values = [runs["burst"]["acks_per_s"], runs["steady"]["acks_per_s"], runs["burst"]["handled_per_s"] or 0]
    bars = axis.bar(labels, values, color=["#c8102e", "#e07a5f", "#9aa5b1"])
    for bar, value in zip(bars, values):
        axis.text(bar.get_x() + bar.get_width() / 2, value, f"{value:.0f}", ha="center", va="bottom", fontsize=8)
    axis.axhline(result["target"]["acks_per_s"], color="black", linestyle="--", linewidth=1, label="ack target")
    axis.set_title(f"Inbound SMS ({result['database']})")
    axis.legend(fontsize=8)
