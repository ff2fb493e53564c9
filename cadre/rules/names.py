"""The order people expect names in: by pinyin (何 hé, 倪 ní, 严 yán, 周 zhōu), not by code point.

Pure: pypinyin is a pure-Python library with its own data; no Flask, no database.
Heteronyms take pypinyin's most common reading, except that the first character
of a name takes its reading as a surname (单 shàn, 曾 zēng, 解 xiè) from a short table.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.contrib.tone_convert import to_tone3

__all__ = ["name_sort_key"]


@lru_cache(maxsize=4096)
def name_sort_key(name: str | None) -> tuple[tuple[str, ...], str]:
    """A key that sorts names by pinyin syllable (tone as the tie-break), then by the text itself.

    Latin letters sort with the pinyin (they are spelled the same way); an empty name sorts last.
    """
    text = (name or "").strip()
    if not text:
        return ((chr(0x10FFFF),), "")
    syllables = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="default")
    if syllables and "\u4e00" <= text[0] <= "\u9fff":
        surname = _surname(text[0])
        if surname:
            syllables[0] = surname
    return (tuple(s.lower() for s in syllables), text)


def _surname(char: str) -> str | None:
    reading = _SURNAME_READINGS.get(char)
    return to_tone3(reading, neutral_tone_with_five=True) if reading else None


# Surnames whose everyday reading differs from their reading as a surname.
_SURNAME_READINGS = {
    "单": "shàn",
    "曾": "zēng",
    "解": "xiè",
    "仇": "qiú",
    "朴": "piáo",
    "查": "zhā",
    "区": "ōu",
    "盖": "gě",
    "乐": "yuè",
    "缪": "miào",
    "覃": "qín",
    "召": "shào",
    "种": "chóng",
    "折": "shé",
    "翟": "zhái",
    "尉": "yù",
    "员": "yùn",
    "秘": "bì",
    "长": "zhǎng",
    "重": "chóng",
}
