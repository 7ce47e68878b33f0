"""`flask --app app ussd-sim --phone +254712345678`: dial the service from a terminal.

Every hop goes through the real POST /ussd endpoint (in this process, or a running server
with --url), exactly as Africa's Talking would send it, and each screen is drawn the way a
feature phone shows it.
"""
import textwrap
import uuid

import click
import requests
from flask import current_app
from flask.cli import with_appcontext

WIDTH = 28


def draw(body):
    kind, _, screen = body.partition(" ")
    lines = []
    for line in screen.split("\n"):
        lines += textwrap.wrap(line, WIDTH) or [""]
    top = "+" + "-" * (WIDTH + 2) + "+"
    out = [top] + [f"| {line:<{WIDTH}} |" for line in lines] + [top]
    out.append(f"  ({len(screen)} characters{', session over' if kind == 'END' else ''})")
    return "\n".join(out)


@click.command("ussd-sim")
@click.option("--phone", required=True, help="The caller's number, e.g. +254712345678")
@click.option("--url", default=None, help="POST to a running server (e.g. http://127.0.0.1:5000/ussd) "
                                          "instead of this process.")
@click.option("--code", default="*384*12#", show_default=True)
@with_appcontext
def ussd_sim(phone, url, code):
    """Dial the USSD service from the terminal (type q to hang up)."""
    token = current_app.config.get("CALLBACK_TOKEN")
    params = {"token": token} if token else {}
    client = None if url else current_app.test_client()
    session_id = "SIM_" + uuid.uuid4().hex
    inputs = []
    click.echo(f"Dialling {code} as {phone}")
    while True:
        form = {"sessionId": session_id, "phoneNumber": phone, "serviceCode": code,
                "networkCode": "99999", "text": "*".join(inputs)}
        if client:
            response = client.post("/ussd", data=form, query_string=params)
            body = response.get_data(as_text=True)
        else:
            body = requests.post(url, data=form, params=params, timeout=15).text
        click.echo(draw(body))
        if not body.startswith("CON "):
            return
        answer = click.prompt("reply", default="", show_default=False)
        if answer.strip().lower() in ("q", "quit"):
            click.echo("Hung up.")
            return
        inputs.append(answer)
