"""The base of every running strategy: a plain object its UserActor hosts in its own
process (actors/user/strategy_host.py), handed one message at a time.

Rules every strategy keeps:
- its progress is saved *before* it acts, so a restart resumes, never repeats;
- it never calls the exchange: it asks its host for an order under a leg label (the
  UserActor owns the key and the nonce); the host derives the order's client_order_id from
  (strategy, leg, sequence) and saves the intent with the strategy's progress before it
  asks, asks again for an intent a restart left without an end (never sent twice), and
  hands every update of the order (its placement's end too) to `on_order_update`, again
  after a restart until the strategy has handled it;
- it watches prices through triggers in the TriggerBook and time through durable timers,
  and waits for them without holding its user's actor in memory;
- it acts only through its context, so it can be built and tested alone with a fake one.

An exception in a hook is its host's to contain: logged, counted, and the strategy rebuilt
from its saved row after a back-off (marked failed when it keeps raising).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from messages.charts import ChartLine
from messages.commands import OrderType, Side
from messages.events import OrderUpdate, TriggerFired, TriggerKind
from messages.statuses import StrategyStatus
from persistence.models.strategies import Strategy


class StrategyContext(Protocol):
    """What the host gives a strategy: its row, and the only ways it acts."""

    @property
    def row(self) -> Strategy:
        """The strategy's definition (params) and saved progress (state, status)."""

    def save(self, status: StrategyStatus | None = None, **state: Any) -> None:
        """Progress (and status) written first; act only after this returns."""

    def watch(self, name: str, kind: TriggerKind, **fields: Any) -> None:
        """A trigger in the TriggerBook; `name` tells this strategy's triggers apart."""

    def order(
        self,
        leg: str,
        side: Side,
        order_type: OrderType,
        *,
        price: str | None = None,
        quantity: str | None = None,
        quote_amount: str | None = None,
        **state: Any,
    ) -> str:
        """Ask the host for the next order of `leg`; `state` is saved with the intent, in one
        write, before anything is asked. Returns the order's client_order_id; its updates
        come to `on_order_update` afterwards."""

    def cancel(self, client_order_id: str | None = None) -> None:
        """Cancel one of the strategy's orders, or all its resting ones (None); each end
        comes to `on_order_update`."""

    def set_timer(self, delay: timedelta, payload: str) -> None:
        """`on_timer(payload)` once, after `delay`: saved before this returns, it survives
        restarts of the strategy, its user's actor and the whole system (do not set it
        again in `on_start`). A timer whose handler did not return is handed again, so
        what `on_timer` does is guarded by the strategy's saved state."""

    def stop(self, **state: Any) -> None:
        """The strategy is done: final state and the stopped status written, then `on_stop`,
        and it leaves with its triggers."""

    def unwatch(self, name: str) -> None:
        """The trigger `name` removed from the TriggerBook (nothing if it is not armed)."""

    def pause(self, **state: Any) -> None:
        """Like `stop`, but paused: the user (or an admin) resumes it, and it starts again
        from this state."""

    def open_orders(self) -> list[str]:
        """The client_order_ids of the strategy's orders asked for whose end it has not
        handled yet."""

    def now(self) -> datetime:
        """The time (UTC) a strategy reads: its tests set it."""

    def last_price(self) -> Decimal | None:
        """The pair's last traded price, or None when the exchange cannot say now."""

    def notify(self, key: str, **params: Any) -> None:
        """Tells the user (a strategy notification: their settings may mute it), with the
        strategy's id, pair and coin added to `params`."""

    def realised(self, amount: Decimal, update: OrderUpdate) -> None:
        """A profit (or a loss, negative) in rupiah that `update` realised: counted once
        for the day, toward the user's daily loss limit."""


@dataclass(frozen=True)
class Progress:
    """What /strategy shows of a strategy from its saved row alone (it may be out of
    memory): its profit or loss so far, None for a kind that counts none, and what it waits
    to do next, as a term and a value (`next_buy`, `08-12 08:00 WIB`); for a kind that
    builds a position (a DCA's cycle), what it holds and what that cost, so its average and
    return can be shown."""

    pnl: Decimal | None = None
    next_term: str = ""
    next_value: str = ""
    holding: tuple[Decimal, Decimal] | None = None  # coins it holds and the rupiah they cost


class BaseStrategy:
    kind: ClassVar[str] = ""

    @classmethod
    def progress(cls, params: dict[str, Any], state: dict[str, Any]) -> Progress:
        """Read from the saved state; raises BadParameter for parameters that make no plan."""
        return Progress()

    @classmethod
    def chart_lines(cls, params: dict[str, Any], state: dict[str, Any]) -> tuple[ChartLine, ...]:
        """The prices a chart of it marks (its levels and exits), read from the saved row
        like `progress`; raises BadParameter for parameters that make no plan."""
        return ()

    def __init__(self, context: StrategyContext) -> None:
        self.context = context

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.context.row.params)

    @property
    def state(self) -> dict[str, Any]:
        return dict(self.context.row.state)

    def on_start(self) -> None:
        """Arm triggers and timers from the saved state (at the start and every restart)."""

    def on_stop(self) -> None:
        """Stopped with its orders kept: leave nothing else behind (the host removes the
        strategy's triggers itself)."""

    def on_leave(self, sell: bool) -> None:
        """The user stops it and its orders must not stay: cancel them, and with `sell`
        sell what it holds at market once their ends are known; then `stop`. This default
        cancels and stops at once, for a kind whose orders fill at once (a market buy)."""
        if self.context.open_orders():
            self.context.cancel()
        self.context.stop(result="stopped")

    def on_trigger(self, fired: TriggerFired) -> None:
        """A watched price was reached."""

    def on_timer(self, payload: str) -> None:
        """A timer of the strategy's own came due."""

    def on_order_update(self, update: OrderUpdate) -> None:
        """A change of an order the strategy asked for: a fill, or its end (filled,
        cancelled, rejected). `(client_order_id, sequence)` names it: one told again after a
        crash in the middle of handling it has the same."""
