"""Whole USSD conversations as golden files, replayed against the real app and Redis.

Each file in tests/conversations/ is a script a reviewer can read like a phone screen:

    @phone +254712345678      whose phone dials (a new handset)
    @dial                     dial *384*12# (or `@dial 4*1` to dial *384*12*4*1#)
    > 4                       type 4 and send (`>` alone sends an empty answer)
    @repeat                   the gateway sends the same hop again
    @expire                   the session's Redis record times out
    @miner name=Amina; county=Kakamega    the database holds this miner
    @no-miner                 the database holds no miner for this phone
    @freeze 2026-11-24T07:00  the clock reads this UTC time from here on (it ticks on)
    @call tests.golden_setup:publish_price Migori 9850 0.9    run a setup function with these words

Lines after `@dial`, `>` and `@repeat` are the screen expected back, exactly.
UPDATE_GOLDEN=1 rewrites the expected screens from what the app answers (then review the diff).
"""
import contextlib
import importlib
import os
from pathlib import Path

import pytest
from freezegun import freeze_time

from models import Miner, db
from ussd.store import SESSION_KEY

from tests.conftest import Phone

HERE = Path(__file__).parent / "conversations"
FILES = sorted(HERE.glob("*.txt"))
SCREEN_COMMANDS = ("@dial", ">", "@repeat")


def parse(path):
    steps, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") and current is None:
            continue
        if line.startswith("@") or line.startswith(">"):
            current = {"command": line, "expected": []}
            steps.append(current)
        elif current is not None:
            current["expected"].append(line)
    for step in steps:
        while step["expected"] and not step["expected"][-1].strip():
            step["expected"].pop()
    return steps


def write(path, steps):
    header = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    out = header[:]
    for step in steps:
        out.append(step["command"])
        out += step["expected"]
        if step["expected"]:
            out.append("")
    path.write_text("\n".join(out).rstrip("\n") + "\n", encoding="utf-8")


def check_miner(number, spec):
    miner = db.session.execute(db.select(Miner).filter_by(phone=number)).scalar_one_or_none()
    assert miner is not None, f"no miner stored for {number}"
    for pair in spec.split(";"):
        field, _, value = pair.strip().partition("=")
        actual = getattr(miner, field.strip())
        if isinstance(actual, bool) or value in ("None", "set"):
            actual = {True: "True", False: "False", None: "None"}.get(actual, "set")
        assert str(actual) == value, f"miner.{field} is {actual!r}, expected {value!r}"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_conversation(path, client, redis):
    from incidents import reference

    # Each file draws its own repeatable references, so files replayed in one test (the logs
    # test) never clash with each other.
    reference._random.seed(f"2026:{path.name}")
    with contextlib.ExitStack() as clock:
        replay(path, client, redis, clock)


def call_setup(spec):
    """`module:function word word...` -> module.function("word", "word", ...)."""
    target, *words = spec.split()
    module, _, function = target.partition(":")
    getattr(importlib.import_module(module), function)(*words)


def replay(path, client, redis, clock):
    update = os.environ.get("UPDATE_GOLDEN") == "1"
    phone = Phone(client)
    steps = parse(path)
    for number, step in enumerate(steps, 1):
        command = step["command"]
        if command.startswith("@freeze"):
            clock.enter_context(freeze_time(command.split(None, 1)[1].strip(), tick=True))
            continue
        if command.startswith("@call"):
            call_setup(command[len("@call"):].strip())
            continue
        if command.startswith("@phone"):
            phone = Phone(client, command.split(None, 1)[1].strip())
            continue
        if command.startswith("@dial"):
            screen = phone.dial(command[len("@dial"):].strip())
        elif command.startswith(">"):
            screen = phone.send(command[1:].lstrip(" ") if len(command) > 1 else "")
        elif command == "@repeat":
            screen = phone.repeat()
        elif command == "@expire":
            redis.delete(SESSION_KEY.format(sid=phone.session_id, phone=phone.number))
            continue
        elif command.startswith("@miner"):
            db.session.expire_all()
            check_miner(phone.number, command[len("@miner"):].strip())
            continue
        elif command == "@no-miner":
            db.session.expire_all()
            assert db.session.execute(db.select(Miner).filter_by(phone=phone.number)).first() is None
            continue
        else:
            raise AssertionError(f"{path.name}: unknown command {command!r}")
        lines = screen.split("\n")
        assert len(screen) - 4 <= 160, f"{path.name} step {number}: screen over 160 characters"
        if update:
            step["expected"] = lines
        else:
            assert lines == step["expected"], f"{path.name} step {number} ({command})"
    if update:
        write(path, steps)
