"""SMS keywords TIP / USHAURI [topic word] (CONTRACT.md section 2); TIP STOP / USHAURI ACHA
ends the weekly tip only (TIP START / USHAURI ANZA brings it back)."""
from core.i18n import N_, translate
from models import Miner, db, utcnow
from sms.keywords import Inbound
from tips.catalogue import catalogue
from tips.delivery import next_tip_for

MSG_UNKNOWN_TOPIC = N_("Send TIP for a safety tip, or TIP and a topic: %(words)s")
MSG_NO_TIPS = N_("No safety tips yet. Please try again later.")
MSG_TIPS_STOPPED = N_("Weekly safety tips stopped. Other SMS continue (send STOP to end all). TIP START to get "
                      "them again.")
MSG_TIPS_STARTED = N_("Weekly safety tips started again. TIP STOP to end them.")
MSG_NO_WEEKLY_TIPS = N_("Weekly tips go to registered miners: dial *384*12# and choose 4. Send TIP for a tip now.")
SWITCHES = {"STOP": False, "ACHA": False, "START": True, "ANZA": True}


def switch_weekly_tips(phone, on):
    """TIP STOP / TIP START for a registered miner; False when the phone has no miner."""
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    if miner is None:
        return False
    miner.tips_opt_out_at = None if on else (miner.tips_opt_out_at or utcnow())
    db.session.commit()
    return True


def topic_words(cat, locale):
    """One word per topic, in the reader's language: what 'TIP <word>' understands."""
    key = "words_en" if locale == "en" else "words_sw"
    return ", ".join(t[key][0] for t in cat.topics if t[key])


def tip_keyword(message: Inbound):
    switch = SWITCHES.get(message.args.strip().upper())
    if switch is not None:
        if not switch_weekly_tips(message.phone, switch):
            return translate(message.locale, MSG_NO_WEEKLY_TIPS)
        return translate(message.locale, MSG_TIPS_STARTED if switch else MSG_TIPS_STOPPED)
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
