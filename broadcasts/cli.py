"""`flask --app app broadcast ...`: send a broadcast from a terminal and watch it go out.

    flask --app app broadcast send --sw "Mvua kubwa leo..." --en "Heavy rain today..." \\
        --county Migori [--urgent] [--at "2026-12-01 08:00"] [--yes]
    flask --app app broadcast status ID | cancel ID | resume ID | list
    (send, cancel and resume take --as OFFICER: their county rule applies, the audit log names them)

`send` shows the preview (recipients per language, encoding, parts, cost), asks to confirm
(or --yes), then follows the broadcast with a progress bar until every message is handled.
"""
import time
from datetime import datetime, timedelta

import click
from flask.cli import AppGroup

from broadcasts import actions, lifecycle
from broadcasts.audience import preview
from broadcasts.hours import in_sending_hours, next_sending_start
from core.clidoor import as_officer_option, refused_as_click
from core.i18n import NAIROBI
from models import Broadcast, db

broadcast_cli = AppGroup("broadcast", help="Send SMS broadcasts to miners and follow them.")

STALL_HINT_SECONDS = 15


def parse_when(value):
    """'2026-12-01 08:00', '2026-12-01T08:00+03:00' or '08:00' (next such time), Nairobi time."""
    if value is None:
        return None
    value = value.strip()
    try:
        if len(value) <= 5 and ":" in value:
            hour, minute = (int(part) for part in value.split(":"))
            now = datetime.now(NAIROBI)
            when = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
            return when if when > now else when + timedelta(days=1)
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use 'YYYY-MM-DD HH:MM' or 'HH:MM' (Nairobi time)", param_hint="--at") from None
    return when if when.tzinfo else when.replace(tzinfo=NAIROBI)


def show_preview(shown):
    for locale, info in shown["languages"].items():
        click.echo(f"  [{locale}] {info['recipients']} recipient(s), {info['encoding']}, {info['segments']} part(s), "
                   f"~KES {info['cost_kes']:.2f}")
        click.echo(f"       \"{info['text']}\"")
        for warning in info["warnings"]:
            click.secho(f"       ! {warning}", fg="yellow")
    click.echo(f"  total: {shown['recipients']} recipient(s), ~KES {shown['cost_kes']:.2f} "
               f"(at KES {shown['cost_per_segment_kes']:.2f} per part); {shown['excluded']} excluded "
               f"(no SMS consent, opted out or unreachable)")
    if shown.get("balance_short"):
        click.secho(f"  ! the Africa's Talking balance is KES {shown['balance_kes']:.2f}, less than this costs: "
                    "top up first, or it stops halfway", fg="red")


def show_status(broadcast):
    data = lifecycle.serialise(broadcast)
    counts = data["counts"]
    click.echo(f"broadcast {data['id']}: {data['status']}" + (f" ({data['pause_reason']})" if data["pause_reason"] else ""))
    click.echo("  " + ", ".join(f"{k} {counts[k]}" for k in
                                ("total", "queued", "sent", "delivered", "failed", "skipped", "cancelled", "opted_out")))
    for key in ("send_at", "started_at", "finished_at", "cancelled_at"):
        if data[key]:
            click.echo(f"  {key.replace('_', ' ')}: {data[key]}")


def follow(broadcast_id, expected, poll=0.5):
    """A live progress bar until the broadcast is done, cancelled or paused."""
    finished = (Broadcast.DONE, Broadcast.CANCELLED, Broadcast.PAUSED)
    last_done, last_change, hinted = 0, time.monotonic(), False
    with click.progressbar(length=max(1, expected), label=f"broadcast {broadcast_id}", show_pos=True,
                           show_percent=True) as bar:
        while True:
            db.session.expire_all()
            broadcast = db.session.get(Broadcast, broadcast_id)
            counts = lifecycle.progress(broadcast)
            if broadcast.total is not None and bar.length != max(1, broadcast.total):
                bar.length = max(1, broadcast.total)
            done = min(counts["done"], bar.length)
            if done > last_done:
                bar.update(done - last_done)
                last_done, last_change = done, time.monotonic()
            if broadcast.status in finished:
                break
            if not hinted and time.monotonic() - last_change > STALL_HINT_SECONDS:
                click.echo("\n  no progress yet: is a worker running? (bin/run starts one)", err=True)
                hinted = True
            time.sleep(poll)
    show_status(broadcast)
    return broadcast


@broadcast_cli.command("send")
@click.option("--sw", "text_sw", help="Swahili text")
@click.option("--en", "text_en", help="English text")
@click.option("--county", multiple=True, help="Only miners in this county (repeatable)")
@click.option("--site", multiple=True)
@click.option("--role", multiple=True, help="digger, processor, buyer, owner, other")
@click.option("--gender", multiple=True, help="woman, man, undisclosed")
@click.option("--language", multiple=True, type=click.Choice(["sw", "en"]))
@click.option("--registered-after", help="YYYY-MM-DD")
@click.option("--registered-before", help="YYYY-MM-DD")
@click.option("--urgent", is_flag=True, help="A safety alert: sent at any hour")
@click.option("--at", "at", help="Send later: 'YYYY-MM-DD HH:MM' or 'HH:MM', Nairobi time")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@click.option("--no-follow", is_flag=True, help="Do not wait with a progress bar")
@as_officer_option
def send(text_sw, text_en, county, site, role, gender, language, registered_after, registered_before, urgent, at,
         yes, no_follow, officer):
    """Preview, confirm and send a broadcast, then follow it to the end."""
    raw_texts = {k: v for k, v in (("sw", text_sw), ("en", text_en)) if v}
    raw_audience = {"county": list(county), "site": list(site), "role": list(role), "gender": list(gender),
                    "language": list(language), "registered_after": registered_after,
                    "registered_before": registered_before}
    with refused_as_click():
        texts, audience = actions.prepare(officer, raw_texts, raw_audience)
    send_at = parse_when(at)
    shown = preview(texts, audience)
    click.echo(f"Broadcast to {', '.join(f'{k}={v}' for k, v in audience.items()) or 'all miners'}"
               f"{' (URGENT)' if urgent else ''}" + (f", at {send_at:%Y-%m-%d %H:%M} Nairobi" if send_at else ""))
    show_preview(shown)
    if shown["recipients"] == 0:
        raise click.ClickException("nobody in this audience accepts SMS: nothing to send")
    if not yes and not click.confirm("Send it?", default=False):
        click.echo("not sent")
        return
    with refused_as_click():
        broadcast, _shown = actions.create(officer, texts, audience, urgent=urgent, send_at=send_at)
    click.echo(f"broadcast {broadcast.id} created")
    if send_at or no_follow:
        click.echo(f"follow it with: flask --app app broadcast status {broadcast.id}")
        return
    if not urgent and not in_sending_hours():
        click.echo(f"not urgent: it waits for sending hours (from {next_sending_start():%Y-%m-%d %H:%M} UTC)")
        return
    try:
        follow(broadcast.id, shown["recipients"])
    except KeyboardInterrupt:
        click.echo(f"\nstill sending in the background; see: flask --app app broadcast status {broadcast.id}")


def _get(broadcast_id):
    broadcast = db.session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise click.ClickException(f"no broadcast {broadcast_id}")
    return broadcast


@broadcast_cli.command("status")
@click.argument("broadcast_id", type=int)
@click.option("--follow", "follow_it", is_flag=True, help="Progress bar until it finishes")
def status(broadcast_id, follow_it):
    """Show a broadcast's progress."""
    broadcast = _get(broadcast_id)
    if follow_it:
        follow(broadcast.id, broadcast.total or lifecycle.progress(broadcast)["total"])
    else:
        show_status(broadcast)


@broadcast_cli.command("cancel")
@click.argument("broadcast_id", type=int)
@as_officer_option
def cancel(broadcast_id, officer):
    """Stop a broadcast: nobody else gets it."""
    with refused_as_click():
        show_status(actions.cancel(officer, broadcast_id))


@broadcast_cli.command("resume")
@click.argument("broadcast_id", type=int)
@as_officer_option
def resume(broadcast_id, officer):
    """Carry on after a pause (e.g. the AT balance was topped up) or a crash."""
    with refused_as_click():
        show_status(actions.resume(officer, broadcast_id))


@broadcast_cli.command("list")
@click.option("--limit", default=20)
def list_(limit):
    """The latest broadcasts."""
    for broadcast in db.session.execute(
            db.select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)).scalars():
        counts = lifecycle.progress(broadcast)
        click.echo(f"{broadcast.id:>5}  {broadcast.status:<9} {counts['done']}/{counts['total']}  "
                   f"{broadcast.created_at:%Y-%m-%d %H:%M}  {next(iter(broadcast.texts.values()))[:40]}")
