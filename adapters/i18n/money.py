"""Numbers and money in the reader's language, from Babel's locale data."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from babel.numbers import format_compact_decimal, format_decimal

from adapters.i18n.words import spell

# Babel's locale for each language a user can choose (dates on charts use it too).
BABEL_LOCALES = {"id": "id_ID", "en": "en_US"}
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


def idr(text: str, language: str, places: int = 0) -> str:
    """`Rp 1.234.567` (id) or `Rp 1,234,567` (en); IDR is shown in whole rupiah, except
    where a price needs `places` decimals to be told apart (`Rp 0,35` for a coin below a
    rupiah on a chart's axis)."""
    value = _number(text)
    if value is None:
        return text
    shown = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
    pattern = f"{_INTEGER}.{'0' * places}" if places else _INTEGER
    return f"Rp {format_decimal(shown, format=pattern, locale=BABEL_LOCALES[language])}"


def idr_compact(text: str, language: str, fraction_digits: int = 1) -> str:
    """`Rp 1,2 jt`, `Rp 1,5 M` (id) or `Rp 1.2M`, `Rp 1.5B` (en): rupiah where a chart has
    no room for every digit, in the locale's own units (rb, jt, M, T: ribu, juta, miliar,
    triliun)."""
    value = _number(text)
    if value is None:
        return text
    short = format_compact_decimal(
        value, format_type="short", locale=BABEL_LOCALES[language], fraction_digits=fraction_digits
    )
    return f"Rp {short}"


def percent(text: str, language: str) -> str:
    """`+1,25%` (id) or `+1.25%` (en): a change, signed, with two decimals."""
    value = _number(text)
    if value is None:
        return text
    sign = "+" if value > 0 else "-" if value < 0 else ""
    shown = format_decimal(abs(value), format=_TWO_PLACES, locale=BABEL_LOCALES[language])
    return f"{sign}{shown}%"


def number(text: str, language: str) -> str:
    """`0,00123` (id) or `0.00123` (en): up to eight decimals, never exponent notation."""
    value = _number(text)
    if value is None:
        return text
    return format_decimal(value, format=_UP_TO_EIGHT, locale=BABEL_LOCALES[language])


def in_words(text: str, language: str) -> str:
    """`seribu lima ratus` (id) or `one thousand five hundred` (en) for a whole number;
    the number as given when it has decimals or is out of the spelled range."""
    value = _number(text)
    if value is None or value != value.to_integral_value():
        return text
    return spell(int(value), language) or text
