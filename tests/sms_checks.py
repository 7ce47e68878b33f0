"""Checks any capability runs on its fixed SMS templates (brief: every SMS template is one
GSM-7 part in both languages, with worst-case data).

    from tests.sms_checks import assert_sms_templates
    assert_sms_templates([(N_("Report %(ref)s received."), {"ref": "KAK-2026-00001"})])

`headroom` reserves characters for what Africa's Talking appends to the first bulk message
to a number (its opt-out instructions): alerts and broadcasts keep ~40.
"""
from core.i18n import LOCALES, translate, translations
from sms.encoding import GSM7, GSM7_SINGLE, analyse

BULK_HEADROOM = 40


def template_problems(msgid, params=None, *, headroom=0, locales=LOCALES):
    """Every way `msgid` (filled with `params`) fails to be one GSM-7 SMS, per language."""
    problems = []
    for locale in locales:
        # msgids are English; every other catalogue must have a non-empty msgstr.
        if locale != "en" and not getattr(translations(locale), "_catalog", {}).get(msgid):
            problems.append(f"[{locale}] no translation for {msgid!r}")
        text = translate(locale, msgid, **(params or {}))
        result = analyse(text, transliterate=False)
        if result.encoding != GSM7:
            problems.append(f"[{locale}] not GSM-7 ({''.join(result.non_gsm)}): {text!r}")
        elif result.length > GSM7_SINGLE - headroom:
            problems.append(
                f"[{locale}] {result.length} septets > {GSM7_SINGLE - headroom} "
                f"(160 - {headroom} headroom): {text!r}")
    return problems


def assert_sms_templates(templates, *, headroom=0, locales=LOCALES):
    """templates: iterable of (msgid, params) pairs; fails listing every problem at once."""
    problems = []
    for msgid, params in templates:
        problems += template_problems(msgid, params, headroom=headroom, locales=locales)
    assert not problems, "SMS templates that are not single-part GSM-7:\n" + "\n".join(problems)


def queued_messages(queue):
    """The message rows behind the send jobs waiting on an RQ queue, in queue order.

    A send job carries only its message id (`sms.outbound.send_message`); the phone, text,
    purpose and language are on the durable row.
    """
    from models import Message, db

    ids = [job.args[0] for job in queue.get_jobs() if job.func_name == "sms.outbound.send_message"]
    rows = {m.id: m for m in db.session.execute(db.select(Message).where(Message.id.in_(ids))).scalars()}
    return [rows[i] for i in ids if i in rows]
