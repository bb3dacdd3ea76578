"""Numbers and money in the reader's language, from Babel's locale data."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal

from adapters.i18n.words import spell

_LOCALES = {"id": "id_ID", "en": "en_US"}
_INTEGER = "#,##0"
_UP_TO_EIGHT = "#,##0.########"
_TWO_PLACES = "#,##0.00"


# Beyond these a value is shown as it came: Babel would write out every digit of `1E+999999`.
_LARGEST_EXPONENT = 18
_SMALLEST_EXPONENT = -30


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not value.is_finite():
        return None
    if value and not _SMALLEST_EXPONENT <= value.adjusted() <= _LARGEST_EXPONENT:
        return None
    return value


def idr(text: str, language: str) -> str:
    """`Rp 1.234.567` (id) or `Rp 1,234,567` (en); IDR is shown in whole rupiah."""
    value = _number(text)
    if value is None:
        return text
    whole = value.to_integral_value(rounding="ROUND_FLOOR")
    return f"Rp {format_decimal(whole, format=_INTEGER, locale=_LOCALES[language])}"


def percent(text: str, language: str) -> str:
    """`+1,25%` (id) or `+1.25%` (en): a change, signed, with two decimals."""
    value = _number(text)
    if value is None:
        return text
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return f"{sign}{format_decimal(abs(value), format=_TWO_PLACES, locale=_LOCALES[language])}%"


def number(text: str, language: str) -> str:
    """`0,00123` (id) or `0.00123` (en): up to eight decimals, never exponent notation."""
    value = _number(text)
    if value is None:
        return text
    return format_decimal(value, format=_UP_TO_EIGHT, locale=_LOCALES[language])


def in_words(text: str, language: str) -> str:
    """`seribu lima ratus` (id) or `one thousand five hundred` (en) for a whole number;
    the number as given when it has decimals or is out of the spelled range."""
    value = _number(text)
    if value is None or value != value.to_integral_value():
        return text
    return spell(int(value), language) or text
