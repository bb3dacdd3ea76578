"""Decimal to the exact JSON type each Indodax field uses on the wire, and compact replies.

The exchange mixes types for the same quantity across surfaces (IDR balances are JSON ints in
getInfo and strings in cancelOrder; coin amounts are 8-decimal strings; OHLC values are JSON
numbers), so every reply builder picks one of these instead of formatting by hand.
"""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from aiohttp import web

from adapters.indodax.numbers import wire_decimal

COIN_STEP = Decimal("0.00000001")


# Ticker and depth prices are written exactly as the client writes numbers to the exchange.
plain = wire_decimal


def coin(value: Decimal) -> str:
    """Coin amounts on TAPI v1 (`"0.00010000"`), and the `1500000000.00000000` spelling of
    prices and IDR amounts in IDR-sized open-order rows: always eight decimals."""
    return f"{value.quantize(COIN_STEP, rounding=ROUND_DOWN):f}"


def quantity(value: Decimal) -> str:
    """TAPI 2.0 quantities: `"0.0001"`, `"0.0"` — trimmed, but always with a decimal point."""
    text = plain(value)
    return text if "." in text else f"{text}.0"


def grouped(value: Decimal) -> str:
    """`10,000` as in "Minimum order 10,000 IDR"; fractions kept as they are (`0.0001`)."""
    whole, _, fraction = plain(value).partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def number(value: Decimal) -> int | float:
    """A JSON number (OHLC, withdraw_fee): the only place a float appears, at the very edge,
    because the standard JSON encoder cannot write a Decimal; integral values stay ints."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def to_decimal(raw: object) -> Decimal:
    return Decimal(str(raw))


def snap(value: Decimal, step: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """The multiple of `step` (a price tick, 1 IDR, 1 satoshi) that `value` rounds to."""
    return (value / step).to_integral_value(rounding=rounding) * step


def json_reply(data: Any, status: int = 200) -> web.Response:
    """Compact JSON as the exchange sends it, UTF-8 so a typographic apostrophe stays one."""
    return web.json_response(data, status=status, dumps=_compact)


def _compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
