"""Amounts and prices as people type them, in either convention, read in one place.

Indonesians write `1.549.908.000` and `0,5` (`.` groups thousands, `,` is the decimal
mark); English speakers write `1,549,908,000` and `0.5`. Grouping counts only in exact
groups of three after a first group of one to three digits (no leading zero), so most
numbers have one reading under either convention and are taken as such. A number that
reads as two different values (`1.500`: fifteen hundred, or one and a half) is never
guessed: the caller asks which one was meant.

Everything else is refused with a reason the user can act on: signs, exponents, words
(NaN, Infinity), separators out of place, anything but digits, and numbers too long to
hold a price or an amount. Decimal digits of other scripts (Arabic-Indic, Devanagari,
fullwidth) are unambiguous and read as their ASCII twins; other digit-like characters (`²`, `½`)
are refused. Nothing here raises, whatever the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from messages.replies import Button

# Bounds wide enough for any price or amount on Indodax (IDR values in the trillions,
# coins to 18 decimals) and narrow enough that every value renders in a chat message.
MAX_TEXT = 40
MAX_WHOLE_DIGITS = 15  # below 10^15
MAX_DECIMALS = 18
SHOWN_CHARACTERS = 24  # how much of a refused text is echoed back

_GROUPED = re.compile(r"[1-9]\d{0,2}(?:X\d{3})+")
_EXPONENT = re.compile(r"\d[eE][+-]?\d")
_WORDS = ("nan", "snan", "inf", "infinity")


@dataclass(frozen=True)
class Unreadable:
    """Not a number we take; `key` says why in the catalogs (param `value`)."""

    key: str
    value: str


@dataclass(frozen=True)
class TwoReadings:
    """`1.500` or `1,500`: the Indonesian reading (`.` groups) and the English one."""

    typed: str
    indonesian: Decimal
    english: Decimal

    @property
    def values(self) -> tuple[Decimal, Decimal]:
        return (self.indonesian, self.english)


Reading = Decimal | TwoReadings | Unreadable


def read_number(text: str) -> Reading:
    """The value a user meant by `text`, both values when it could be either, or why not."""
    typed = text.strip()
    ascii_text = _ascii_digits(typed) if len(typed) <= MAX_TEXT else None
    if not ascii_text:
        return _refusal(typed)
    indonesian, english = _under(ascii_text, ".", ","), _under(ascii_text, ",", ".")
    readings = [value for value in (indonesian, english) if value is not None]
    if not readings:
        return Unreadable("number.separators", shown(typed))
    refused = [value for value in readings if isinstance(value, Unreadable)]
    if refused:
        return refused[0]
    if len(readings) == 1 or indonesian == english:
        return readings[0]
    assert isinstance(indonesian, Decimal) and isinstance(english, Decimal)
    return TwoReadings(shown(typed), indonesian, english)


def as_typed(value: Decimal) -> str:
    """A text `read_number` reads back as exactly `value` (plain digits and a point; a
    fourth decimal zero when three would look like a thousands group): how a chosen
    reading travels on, through a button or to an actor."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    decimals = text.partition(".")[2]
    return f"{text}0" if len(decimals) == 3 else text


def reading_button(value: Decimal, callback: str) -> Button:
    """One reading as the user sees it on its button: a whole number in digits and words
    (`1.500 (seribu lima ratus)`), a fraction in the user's own digits (`1,5`)."""
    key = "number.reading_whole" if value == value.to_integral_value() else "number.reading"
    return Button(key, callback, (("value", as_typed(value)),))


def shown(text: str) -> str:
    """A typed text short enough to echo in a reply."""
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return text[: SHOWN_CHARACTERS - 1] + "…"


def _ascii_digits(text: str) -> str | None:
    """The text with every decimal digit in ASCII; None if anything but digits, `.` or `,`."""
    out = []
    for character in text:
        if character in ".,":
            out.append(character)
            continue
        digit = unicodedata.decimal(character, None)
        if digit is None:
            return None
        out.append(str(digit))
    return "".join(out)


def _refusal(text: str) -> Unreadable:
    """Why `text`, which is not digits and separators of a sensible length, is refused."""
    if not text:
        return Unreadable("number.empty", "")
    if len(text) > MAX_TEXT:
        return Unreadable("number.too_long", shown(text))
    lowered = text.lower().lstrip("+-")
    if text[0] in "+-\u2212" and _ascii_digits(text[1:]) is not None:
        return Unreadable("number.sign", shown(text))
    if _EXPONENT.search(text):
        return Unreadable("number.exponent", shown(text))
    if lowered in _WORDS:
        return Unreadable("number.not_a_number", shown(text))
    return Unreadable("number.unreadable", shown(text))


def _under(text: str, group: str, mark: str) -> Decimal | Unreadable | None:
    """The value under one convention, None if the text is not written so, Unreadable if
    it is but out of bounds."""
    whole, has_mark, decimals = text.partition(mark)
    if mark in decimals or group in decimals or (has_mark and not decimals):
        return None
    if group in whole:
        if not _GROUPED.fullmatch(whole.replace(group, "X")):
            return None
        whole = whole.replace(group, "")
    elif not whole and not has_mark:
        return None
    whole = whole.lstrip("0")
    if len(whole) > MAX_WHOLE_DIGITS:
        return Unreadable("number.too_large", shown(text))
    if len(decimals.rstrip("0")) > MAX_DECIMALS:
        return Unreadable("number.too_precise", shown(text))
    return Decimal(f"{whole or '0'}.{decimals}" if decimals else whole or "0")
