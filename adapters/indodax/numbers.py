"""Numbers as the exchange writes and reads them."""

from __future__ import annotations

from decimal import Decimal


def wire_decimal(value: Decimal) -> str:
    """`0.00000001`, `1550000000`: no exponent and no trailing zeros, every digit kept."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
