"""Segment counting and GSM-7 transliteration (sms/encoding.py)."""
import pytest

from sms.encoding import GSM7, UCS2, analyse, is_gsm7, preview, segment_count, to_gsm7


@pytest.mark.parametrize("length, parts", [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
def test_gsm7_boundaries(length, parts):
    result = analyse("a" * length)
    assert (result.encoding, result.length, result.segments) == (GSM7, length, parts)


def test_extension_characters_count_twice():
    assert analyse("{" * 80).length == 160
    assert analyse("{" * 80).segments == 1
    assert analyse("{" * 80 + "a").segments == 2
    assert analyse("€").length == 2
    assert analyse("^{}[]~\\|€").length == 18


def test_extension_character_is_never_split_across_parts():
    # 152 plain septets then an extension char: the 2 septets do not fit in part 1's last
    # slot (153), so they move to part 2; 152 + 2 + 152 = 306 would fit 2 parts if split.
    text = "a" * 152 + "€" + "a" * 152
    assert analyse(text).length == 306
    assert analyse(text).segments == 3
    assert analyse("a" * 151 + "€" + "a" * 153).segments == 2


@pytest.mark.parametrize("length, parts", [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_ucs2_boundaries(length, parts):
    text = "ж" * length
    result = analyse(text)
    assert (result.encoding, result.length, result.segments) == (UCS2, length, parts)


def test_ucs2_counts_utf16_units_and_never_splits_a_surrogate_pair():
    assert analyse("😀").length == 2
    assert analyse("😀" * 35).segments == 1
    assert analyse("😀" * 35 + "a").segments == 2
    # 66 units + an emoji (2 units) does not fit the 67-unit part: it moves to the next.
    assert analyse("ж" * 66 + "😀" + "ж" * 66).segments == 3


def test_gsm7_latin_letters_stay():
    assert is_gsm7("Habari é ñ ü £ @ Ä")
    assert to_gsm7("café ñ") == "café ñ"


def test_typographic_characters_become_gsm7():
    text = "Ng’ombe “salama” – hatari — sasa… ‘ndiyo’\u00a0ok"
    assert to_gsm7(text) == "Ng'ombe \"salama\" - hatari - sasa... 'ndiyo' ok"
    result = analyse(text)
    assert result.encoding == GSM7 and result.segments == 1


def test_emoji_keeps_ucs2_and_preview_says_why():
    shown = preview("Tahadhari 😀 mgodi")
    assert shown["encoding"] == UCS2
    assert "😀" in shown["warnings"][0]
    assert preview("Hello’s")["changed"] is True
    assert preview("Hello")["changed"] is False
    assert preview("a" * 200)["segments"] == 2


def test_segment_count_without_transliteration():
    assert segment_count("’" * 70) == 1
    assert segment_count("’" * 71) == 2
