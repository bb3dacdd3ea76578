"""Whole numbers spelled out (`seribu lima ratus`, `one thousand five hundred`): the one
way to write a number that no convention of separators can misread, shown next to the
digits when a typed number could be taken two ways."""

from __future__ import annotations

_ID_UNITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_ID_SCALES = ("", "ribu", "juta", "miliar", "triliun")
_EN_UNITS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ("", "thousand", "million", "billion", "trillion")
LIMIT = 1000 ** len(_ID_SCALES)  # spelled below this; larger numbers are left to digits


def spell(number: int, language: str) -> str:
    """`number` in words; empty for a number out of range (negative or ≥ 10^15)."""
    if not 0 <= number < LIMIT:
        return ""
    if number == 0:
        return _ID_UNITS[0] if language == "id" else _EN_UNITS[0]
    words: list[str] = []
    scales = _ID_SCALES if language == "id" else _EN_SCALES
    for power in range(len(scales) - 1, -1, -1):
        chunk = number // 1000**power % 1000
        if not chunk:
            continue
        if language == "id" and power == 1 and chunk == 1:
            words.append("seribu")
            continue
        words.append(_id_hundreds(chunk) if language == "id" else _en_hundreds(chunk))
        if scales[power]:
            words.append(scales[power])
    return " ".join(words)


def _id_hundreds(chunk: int) -> str:
    hundreds, rest = divmod(chunk, 100)
    words = []
    if hundreds:
        words.append("seratus" if hundreds == 1 else f"{_ID_UNITS[hundreds]} ratus")
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif 12 <= rest <= 19:
        words.append(f"{_ID_UNITS[rest - 10]} belas")
    elif rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(f"{_ID_UNITS[tens]} puluh" + (f" {_ID_UNITS[units]}" if units else ""))
    elif rest:
        words.append(_ID_UNITS[rest])
    return " ".join(words)


def _en_hundreds(chunk: int) -> str:
    hundreds, rest = divmod(chunk, 100)
    words = []
    if hundreds:
        words.append(f"{_EN_UNITS[hundreds]} hundred")
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_UNITS[units]}" if units else ""))
    elif rest:
        words.append(_EN_UNITS[rest])
    return " ".join(words)
