"""Numbers as users type them (`1,000,000`, `0.5`), parsed to Decimal in one place for
orders and alerts alike."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def typed_decimal(text: str | None) -> Decimal | None:
    """None for nothing typed; ValueError for text that is not a finite number."""
    if text is None or not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value
