"""An imported history made to agree with the balance the exchange shows now.

An import reaches back only so far (the exchange keeps a window of it, the user may have
traded before the bot looked), so the history of a coin may sell coins it never saw bought
or explain fewer coins than are held. Those coins are not guessed at: they become an
opening deposit of unknown cost, before the first event, just large enough that no sale
or withdrawal takes more than was there and that the history ends with what is held.
What the history says is held beyond the balance (a withdrawal it did not see) leaves at
the end, as a withdrawal.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from actors.accounting.cost_basis import ZERO, Deposit, Event, Withdrawal


def _change(event: Event) -> Decimal:
    if isinstance(event, Deposit):
        return event.quantity
    if isinstance(event, Withdrawal):
        return -event.quantity
    return event.quantity if event.side == "buy" else -event.quantity


def agreeing(history: Sequence[Event], held: Decimal) -> list[Event]:
    """`history` (oldest first) with the coins it cannot account for, so that it ends
    holding `held`."""
    running = lowest = ZERO
    for event in history:
        running += _change(event)
        lowest = min(lowest, running)
    opening = max(-lowest, held - running)
    events: list[Event] = [Deposit(opening, None)] if opening > 0 else []
    events.extend(history)
    surplus = opening + running - held
    if surplus > 0:
        events.append(Withdrawal(surplus))
    return events
