"""The fields of a running or paused strategy that may change in place, and when each
change takes effect. Each only decides what the strategy does from now on: none moves an
order already resting or rewrites what its saved state records, so the strategy is built
again from its saved state with the new parameters and carries on where it stood.

Not among them: a grid's range and levels (its resting orders sit on the old levels: a
new range is a new grid, stopped and set up again with its coins kept), a DCA's schedule
and safety orders (a cycle half-way through was sized by them), a TP/SL's targets (a
target partly executed cannot be cut again).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from messages.commands import EditableField

# Per kind: the fields, and the word for when a change takes effect.
SAFE_FIELDS: Mapping[str, Mapping[EditableField, str]] = {
    "dca": {
        "quote_amount": "edit_effect_next_runs",
        "max_buys": "edit_effect_next_runs",
        "budget": "edit_effect_next_runs",
        "take_profit_pct": "edit_effect_cycle",
    },
    "grid": {
        "amount_idr": "edit_effect_new_orders",
        "amount_coin": "edit_effect_new_orders",
        "stop_loss": "edit_effect_exit",
        "take_profit": "edit_effect_exit",
    },
}
# Fields holding rupiah (shown as rupiah); the others are counts, percents or coin.
RUPIAH_FIELDS: frozenset[EditableField] = frozenset(
    {"quote_amount", "budget", "amount_idr", "stop_loss", "take_profit"}
)
# What a strategy's saved state says while it is on its way out: no edit then.
LEAVING_STATES = ("exiting", "leaving")


def editable_fields(kind: str, params: Mapping[str, Any]) -> tuple[EditableField, ...]:
    """A grid's amount is edited in the unit it was set up with (IDR or coin per level)."""
    fields = tuple(SAFE_FIELDS.get(kind, {}))
    if kind == "grid":
        unit = "amount_coin" if params.get("amount_coin") else "amount_idr"
        fields = tuple(f for f in fields if not f.startswith("amount_") or f == unit)
    return fields


def effect_of(kind: str, field: EditableField) -> str:
    return SAFE_FIELDS[kind][field]


def leaving(state: Mapping[str, Any]) -> bool:
    return any(state.get(flag) for flag in LEAVING_STATES)
