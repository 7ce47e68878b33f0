"""Translations for callers (USSD screens, SMS), outside any Flask request.

Officers' web pages use Flask-Babel; callers' text is rendered in the caller's own
language, which is not the request's, so it goes through here. Both read the same
catalogues in `locales/`. Source strings (msgids) are English; `N_` marks them for
extraction without translating; `t(...)` (a session's translator), `translate(locale, ...)`
and `translate_plural(locale, ...)` are extraction keywords too (see bin/i18n).
"""
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LOCALES = ("sw", "en")
LANGUAGE_NAMES = {"sw": "Kiswahili", "en": "English"}
# Kenya's time (EAT, UTC+3, no daylight saving): what callers and officers read and type.
# The one definition; stored times are UTC.
NAIROBI = ZoneInfo("Africa/Nairobi")


def N_(msgid):
    """Mark a string for extraction; it is translated where it is shown."""
    return msgid


@lru_cache(maxsize=None)
def translations(locale):
    """The catalogue for a locale: the compiled .mo, or the .po when it is newer or alone."""
    if locale not in LOCALES:
        return NullTranslations()
    directory = LOCALES_DIR / locale / "LC_MESSAGES"
    po, mo = directory / "messages.po", directory / "messages.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with open(mo, "rb") as handle:
            return Translations(handle)
    if po.exists():
        import io

        with open(po, "rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer)
    return NullTranslations()


def translate(locale, msgid, **params):
    """msgid in `locale`, with %(name)s parameters filled in."""
    text = translations(locale).gettext(msgid)
    return text % params if params else text


def translate_plural(locale, singular, plural, n, **params):
    text = translations(locale).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def translator(locale):
    """A one-argument gettext bound to a locale: t('Back') -> 'Rudi'."""
    catalogue = translations(locale)

    def t(msgid, **params):
        text = catalogue.gettext(msgid)
        return text % params if params else text

    return t
