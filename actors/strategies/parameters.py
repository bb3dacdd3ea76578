"""A strategy's parameters are text as stored in its row; each kind reads its numbers the
same way, and names the one at fault when it cannot."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

LARGEST = 10**15  # no amount, price or percentage of a plan comes near it


class BadParameter(ValueError):
    """A parameter that does not make a plan: `field` names it, the text says what it
    should be."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(f"{field}: {text}" if field else text)
        self.field = field


def decimal_parameter(value: Any, name: str, error: type[BadParameter] = BadParameter) -> Decimal:
    """A finite number of sensible size, or `error` naming `name`."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise error(name, "a number") from None
    if not number.is_finite() or abs(number) > LARGEST:
        raise error(name, "a number")
    return number
