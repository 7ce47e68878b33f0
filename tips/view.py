"""The tip catalogue as screens and replies read it (pure: no database, no Redis).

tips/catalogue.py builds this shape from the database into the "tips" snapshot; the USSD
journey reads it with `Catalogue(**session.snapshot("tips"))`.
"""
from dataclasses import dataclass, field


@dataclass
class Catalogue:
    topics: list = field(default_factory=list)  # [{"code", "sw", "en", "words_en", "words_sw"}], in order
    tips: dict = field(default_factory=dict)  # id -> {"topic", "sw", "en"}
    by_topic: dict = field(default_factory=dict)  # topic code -> [tip ids] in order
    order: list = field(default_factory=list)  # every active tip, interleaving the topics

    def topic(self, code):
        return next((t for t in self.topics if t["code"] == code), None)

    def topic_for_word(self, word):
        """The topic a word picks ("mercury", "zebaki"), or None."""
        word = (word or "").strip().lower()
        for topic in self.topics:
            if word == topic["code"] or word in topic["words_en"] or word in topic["words_sw"]:
                return topic
        return None
