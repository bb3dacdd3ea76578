"""The states a row can be in, as the strings the database stores (no migration: each value
is the stored text, and a StrEnum compares equal to it).

A status compared by hand (`== "runing"`) is a typo no test catches; a member that does not
exist is an error the type checker and the first import report.
"""

from __future__ import annotations

from enum import StrEnum


class OrderState(StrEnum):
    """A real order's life, and a paper order's (which never fills in part)."""

    PENDING = "pending"  # recorded, not yet sent
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"  # refused by the exchange (or the paper book)
    UNKNOWN = "unknown"  # sent, no answer: looked up by client_order_id, never sent again


class OrderChange(StrEnum):
    """What one update of a followed order says (a row of `fills`, an OrderUpdate)."""

    PARTIAL = "partial"  # some of it traded; the rest still rests
    FILLED = "filled"  # the last of it traded
    CANCELLED = "cancelled"  # it ended with the rest untraded
    REJECTED = "rejected"  # the exchange (or the paper book) refused it


class OrderOutcome(StrEnum):
    """What following up an order of unknown outcome found (told once, keyed by it)."""

    PLACED = "placed"
    NOT_PLACED = "not_placed"
    UNKNOWN = "unknown"


class StrategyStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FAILED = "failed"  # failed repeatedly: only stopping it is left


class AlertStatus(StrEnum):
    ACTIVE = "active"
    FIRED = "fired"
    DELETED = "deleted"


class UserStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # paused by an admin: commands refused, strategies paused
