"""Numbers as the exchange writes and reads them."""

from __future__ import annotations

import re
from decimal import Decimal

_PLAIN = re.compile(r"\d{1,30}(\.\d{1,30})?")


def wire_decimal(value: Decimal) -> str:
    """`0.00000001`, `1550000000`: no exponent and no trailing zeros, every digit kept."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def plain_decimal(text: str | None) -> Decimal | None:
    """A number a program wrote (`0.001`, `100000`): ASCII digits and a point, nothing else
    (no sign, exponent or grouping); None for none, ValueError for anything else."""
    if text is None:
        return None
    if not _PLAIN.fullmatch(text):
        raise ValueError("not a plain decimal number")
    return Decimal(text)
