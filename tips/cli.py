"""`flask --app app tips ...`: load the content file, add, edit, retire, restore and list tips,
run the weekly drip by hand. add/edit/retire/restore take --as OFFICER (their role applies and
the audit log names them); tips.catalogue checks the role and writes the audit entry."""
from datetime import datetime, timezone

import click
from flask.cli import AppGroup

from core.clidoor import as_officer_option, refused_as_click
from models import Tip, TipTopic, db
from tips import catalogue as tips_catalogue
from tips.catalogue import CONTENT_FILE, ContentError
from tips.drip import run_weekly_drip

tips_cli = AppGroup("tips", help="Safety tips: load content, add, retire, list, drip.")


@tips_cli.command("load")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), default=str(CONTENT_FILE),
              show_default=True)
@click.option("--retire-missing", is_flag=True, help="Retire tips from the file that are no longer in it.")
@click.option("--replace-edited", is_flag=True, help="Put the file's text back on tips officers edited.")
def load(path, retire_missing, replace_edited):
    """Load the tip content file (safe to run again: tips are updated by id; officers' edits are kept)."""
    try:
        counts = tips_catalogue.load_file(path, retire_missing=retire_missing, replace_edited=replace_edited)
    except ContentError as exc:
        raise click.ClickException("the content file has problems:\n  " + "\n  ".join(exc.problems)) from None
    click.echo("tips: {added} added, {updated} updated, {unchanged} unchanged, {retired} retired".format(**counts))
    if counts["kept_edited"]:
        click.echo(f"{counts['kept_edited']} tips edited by officers keep their text (--replace-edited to overwrite)")
    if counts["still_retired"]:
        click.echo(f"{counts['still_retired']} tips in the file stay retired (tips restore ID to bring one back)")


@tips_cli.command("add")
@click.option("--topic", required=True)
@click.option("--sw", required=True, help="Swahili text (GSM-7, at most 160 characters)")
@click.option("--en", required=True, help="English text (GSM-7, at most 160 characters)")
@click.option("--id", "tip_id", default=None, help="A stable id (default: <topic>-<n>)")
@click.option("--source", "sources", multiple=True, help="Source key (repeatable)")
@as_officer_option
def add(topic, sw, en, tip_id, sources, officer):
    """Add a tip (an officer's own)."""
    try:
        with refused_as_click():
            tip = tips_catalogue.add_tip(topic=topic, sw=sw, en=en, tip_id=tip_id, sources=sources, officer=officer)
    except ContentError as exc:
        raise click.ClickException("; ".join(exc.problems)) from None
    click.echo(f"added tip {tip.id}")


@tips_cli.command("edit")
@click.argument("tip_id")
@click.option("--topic", default=None, help="Move it to this topic (default: where it is)")
@click.option("--sw", default=None, help="New Swahili text (GSM-7, at most 160 characters)")
@click.option("--en", default=None, help="New English text (GSM-7, at most 160 characters)")
@click.option("--source", "sources", multiple=True, help="Source key (repeatable; default: as they are)")
@as_officer_option
def edit(tip_id, topic, sw, en, sources, officer):
    """Correct a tip (it keeps this text when the content file is loaded again)."""
    tip = db.session.get(Tip, tip_id)
    if tip is None:
        raise click.ClickException(f"no tip {tip_id}")
    if topic is None and sw is None and en is None and not sources:
        raise click.UsageError("give at least one of --topic, --sw, --en, --source")
    try:
        with refused_as_click():
            tips_catalogue.edit_tip(tip_id, topic=topic or tip.topic_code, sw=tip.text_sw if sw is None else sw,
                                    en=tip.text_en if en is None else en,
                                    sources=list(sources) if sources else (tip.sources or "").split(),
                                    officer=officer)
    except ContentError as exc:
        raise click.ClickException("; ".join(exc.problems)) from None
    click.echo(f"edited tip {tip_id}")


@tips_cli.command("retire")
@click.argument("tip_id")
@as_officer_option
def retire(tip_id, officer):
    """Stop showing and sending a tip."""
    with refused_as_click():
        if tips_catalogue.set_retired(tip_id, True, officer=officer) is None:
            raise click.ClickException(f"no tip {tip_id}")
    click.echo(f"retired {tip_id}")


@tips_cli.command("restore")
@click.argument("tip_id")
@as_officer_option
def restore(tip_id, officer):
    """Bring a retired tip back."""
    with refused_as_click():
        if tips_catalogue.set_retired(tip_id, False, officer=officer) is None:
            raise click.ClickException(f"no tip {tip_id}")
    click.echo(f"restored {tip_id}")


@tips_cli.command("list")
@click.option("--topic", default=None)
@click.option("--retired", is_flag=True, help="List retired tips instead.")
def list_tips(topic, retired):
    """List tips (id, topic, English text)."""
    query = db.select(Tip).order_by(Tip.topic_code, Tip.position)
    query = query.filter(Tip.retired_at.is_not(None) if retired else Tip.retired_at.is_(None))
    if topic:
        if db.session.get(TipTopic, topic) is None:
            raise click.ClickException(f"no topic {topic}")
        query = query.filter_by(topic_code=topic)
    for tip in db.session.execute(query).scalars():
        click.echo(f"{tip.id:<28} {tip.topic_code:<12} {tip.text_en}")


@tips_cli.command("drip")
@click.option("--now", "now_text", default=None, help="Pretend it is this UTC time (ISO 8601), for a dry run.")
def drip(now_text):
    """Send this week's tip now to consented miners who have not had it (if the slot has passed)."""
    now = datetime.fromisoformat(now_text).replace(tzinfo=timezone.utc) if now_text else None
    click.echo(f"queued {run_weekly_drip(now)} weekly tips")
