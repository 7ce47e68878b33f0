"""SMS keywords TIP / USHAURI [topic word] (CONTRACT.md section 2)."""
from core.i18n import N_, translate
from sms.keywords import Inbound, keyword
from tips.catalogue import catalogue
from tips.delivery import next_tip_for

MSG_UNKNOWN_TOPIC = N_("Send TIP for a safety tip, or TIP and a topic: %(words)s")
MSG_NO_TIPS = N_("No safety tips yet. Please try again later.")


def topic_words(cat, locale):
    """One word per topic, in the reader's language: what 'TIP <word>' understands."""
    key = "words_en" if locale == "en" else "words_sw"
    return ", ".join(t[key][0] for t in cat.topics if t[key])


@keyword("TIP", "USHAURI")
def tip_keyword(message: Inbound):
    cat = catalogue()
    topic = None
    word = message.args.split()[0] if message.args.split() else ""
    if word:
        found = cat.topic_for_word(word.strip(".,!?;:").lower())
        if found is None:
            return translate(message.locale, MSG_UNKNOWN_TOPIC, words=topic_words(cat, message.locale))
        topic = found["code"]
    text = next_tip_for(message.phone, message.locale, topic=topic, channel="sms")
    return text if text is not None else translate(message.locale, MSG_NO_TIPS)
