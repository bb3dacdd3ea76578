"""Rupiah as the exchange counts them: whole, rounded half up (fees, fills' values, the
profit a strategy reports)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def whole_rupiah(value: Decimal) -> Decimal:
    """A fill's value to the rupiah: its price is the fill's average (8 places), so the
    product carries dust the exchange never charged (it reports whole rupiah)."""
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
