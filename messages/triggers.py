"""Trigger ids: whose price watch this is, as the string RegisterTrigger, RemoveTrigger and
TriggerFired carry.

An alert's trigger is `alert:<alert id>`; a strategy's is `s<strategy id>:<name>`, the name
being the strategy's own for what it watches (`level`, `tp`); a resting order's is
`order:<client_order_id>`. The TriggerBook keys its
index by the string and the receivers decode it here, so no one splits it by hand and a
garbled id is refused where it arrives, not misrouted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from messages.base import database_id

ALERT = "alert:"
ORDER = "order:"
STRATEGY = "s"


class MalformedTriggerId(ValueError):
    """A trigger id this bot did not encode."""


class _Encoded:
    @classmethod
    def decode(cls, text: str) -> Self:
        """The id of this kind, or MalformedTriggerId (an alert's id is no strategy's)."""
        trigger_id = decode_trigger_id(text)
        if not isinstance(trigger_id, cls):
            raise MalformedTriggerId(f"not the id of a {cls.__name__}")
        return trigger_id


@dataclass(frozen=True)
class AlertTrigger(_Encoded):
    alert_id: int

    def encode(self) -> str:
        return _checked(self, f"{ALERT}{self.alert_id}")


@dataclass(frozen=True)
class StrategyTrigger(_Encoded):
    strategy_id: int
    name: str

    def encode(self) -> str:
        return _checked(self, f"{STRATEGY}{self.strategy_id}:{self.name}")


@dataclass(frozen=True)
class OrderTrigger(_Encoded):
    client_order_id: str

    def encode(self) -> str:
        return _checked(self, f"{ORDER}{self.client_order_id}")


TriggerId = AlertTrigger | StrategyTrigger | OrderTrigger


def decode_trigger_id(text: str) -> TriggerId:
    """Raises MalformedTriggerId for anything `encode` does not produce."""
    if text.startswith(ALERT):
        return AlertTrigger(_id(text.removeprefix(ALERT)))
    if text.startswith(ORDER):
        client_order_id = text.removeprefix(ORDER)
        if client_order_id and ":" not in client_order_id:
            return OrderTrigger(client_order_id)
        raise MalformedTriggerId("not an order's id")
    head, separator, name = text.partition(":")
    if head.startswith(STRATEGY) and separator and name:
        return StrategyTrigger(_id(head.removeprefix(STRATEGY)), name)
    raise MalformedTriggerId("unknown kind of trigger id")


def _id(text: str) -> int:
    number = database_id(text)
    if number is None:
        raise MalformedTriggerId("not an id")
    return number


def _checked(trigger_id: TriggerId, text: str) -> str:
    """The id encoded, refused when it would not decode to itself (a negative id)."""
    if decode_trigger_id(text) != trigger_id:
        raise MalformedTriggerId(f"{trigger_id!r} cannot be encoded")
    return text
