"""What changed on a followed order: the exchange's view of it (its status and its trades)
against the updates already recorded, as the updates still to record and the order's new
state. Plain logic, no I/O: the order life cycle (order_lifecycle.py) fetches and records.

A trade already recorded (by its trade id) is never recorded again; an order is ended
(filled, cancelled) only once its trades account for all it executed, so a trade list that
lags behind the order's status leaves the order followed until it catches up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from adapters.indodax.order_stream_wire import StreamedOrder
from adapters.indodax.wire import HistoryOrder, MyTrade, OrderStatus, PlacedOrder
from adapters.indodax.wire import OrderState as ExchangeState
from messages.statuses import OrderChange, OrderState
from persistence.models.fills import Change, Tally

PRICE_PLACES = Decimal("1e-8")  # an average price derived from amounts, as stored


@dataclass(frozen=True)
class Recorded:
    """What the database holds of the order's updates."""

    trade_ids: frozenset[str]
    filled: Decimal  # base coin, the recorded fills together
    ended: bool  # its end is recorded: filled, cancelled or rejected
    sequence: int = 0  # the last recorded update's number

    def tally(self) -> Tally:
        return Tally(self.sequence, self.filled)


@dataclass(frozen=True)
class Executed:
    """What the exchange says of an order: how much of it executed (base coin) and whether
    it is over. Told by the order's own status, or by the pair's order history together
    with the pair's trades (`executed_by_history`)."""

    client_order_id: str | None
    status: ExchangeState
    executed: Decimal


@dataclass(frozen=True)
class Verdict:
    changes: list[Change]
    state: OrderState
    filled: Decimal


def executed_by_status(status: OrderStatus) -> Executed:
    return Executed(status.client_order_id, status.status, _executed(status))


def executed_by_history(
    history: HistoryOrder, trades: Iterable[MyTrade], recorded: Recorded
) -> Executed | None:
    """A finished order as the pair's order history and the pair's recent trades tell it,
    when they tell it for sure: filled or cancelled, with trades for all it executed.
    Anything else (rejected, expired, trades not in the list yet) is for the order's own
    lookup to tell."""
    client_order_id = history.client_order_id
    if client_order_id is None or history.status not in ("filled", "cancelled"):
        return None
    own = (t for t in trades if t.client_order_id == client_order_id)
    traded = recorded.filled + sum(
        (t.quantity for t in own if t.trade_id not in recorded.trade_ids), Decimal(0)
    )
    if traded < history.executed_quantity:
        return None
    status: ExchangeState = "filled" if history.status == "filled" else "cancelled"
    return Executed(client_order_id, status, history.executed_quantity)


# A pushed update's status as the order's state; a rejection is for the lookup to tell.
_STREAMED_STATES: dict[str, ExchangeState] = {
    "NEW": "open",
    "FILL": "open",
    "DONE": "filled",
    "CANCELLED": "cancelled",
}


def executed_by_stream(
    pushed: Sequence[StreamedOrder],
) -> tuple[Executed, list[MyTrade]] | None:
    """One order's pushed updates (oldest first) told as a lookup tells them: its state and
    its trades. None when they cannot tell it for sure, and the order is looked up: a
    rejection, a taker's trade whose price the push does not say (a maker's traded at the
    order's own price), a fee and a tax in different coins."""
    last = pushed[-1]
    status = _STREAMED_STATES.get(last.status)
    if status is None:
        return None
    trades = []
    for update in pushed:
        if update.fill is None:
            continue
        trade = _streamed_trade(update)
        if trade is None:
            return None
        trades.append(trade)
    executed = max(update.executed for update in pushed)
    return Executed(last.client_order_id, status, executed), trades


def _streamed_trade(update: StreamedOrder) -> MyTrade | None:
    fill = update.fill
    assert fill is not None
    price = fill.price if fill.price is not None else update.price if fill.maker else None
    if price is None or (fill.tax > 0 and fill.tax_asset != fill.fee_asset):
        return None
    return MyTrade(
        pair=update.pair,
        trade_id=fill.trade_id,
        order_id=update.order_id,
        client_order_id=update.client_order_id,
        price=price,
        quantity=fill.quantity,
        quote_quantity=fill.quantity * price,
        commission=fill.fee + fill.tax,
        commission_asset=fill.fee_asset,
        is_buyer=update.side == "buy",
        is_maker=fill.maker,
        time=datetime.fromtimestamp(update.time_ms / 1000, UTC),
    )


def needs_trades(executed: Executed, recorded: Recorded) -> bool:
    """Whether the exchange has executed more than is recorded: then its trades are read."""
    return executed.executed > recorded.filled


def changes_between(executed: Executed, trades: Iterable[MyTrade], recorded: Recorded) -> Verdict:
    new = sorted(
        (t for t in trades if _of_order(t, executed) and t.trade_id not in recorded.trade_ids),
        key=lambda trade: (trade.time, _numeric(trade.trade_id)),
    )
    filled = recorded.filled + sum((trade.quantity for trade in new), Decimal(0))
    complete = filled >= executed.executed
    final = complete and executed.status in ("filled", "cancelled")
    changes = [
        Change(OrderChange.PARTIAL, trade.quantity, trade.price, trade.commission, trade.trade_id)
        for trade in new
    ]
    if final and not recorded.ended:
        if executed.status == "cancelled":
            changes.append(Change(OrderChange.CANCELLED))
        elif changes:
            changes[-1] = dataclasses.replace(changes[-1], kind=OrderChange.FILLED)
        else:  # the last trade was recorded before the exchange called the order filled
            changes.append(Change(OrderChange.FILLED))
    return Verdict(changes, _state(executed, final, filled), filled)


def placement_traded(reply: PlacedOrder) -> Decimal:
    """The coin an order traded at its placement: what a buy received, or a sell sold."""
    return reply.received if reply.side == "buy" else reply.spent


def placement_fill(reply: PlacedOrder) -> Change | None:
    """An order that ended filled at its placement (a market order), as one fill taken
    from the exchange's reply: the coin it traded, at the average price its value gives,
    and its fee. Nothing of it is left to look up, so no call is spent on its trades (a
    fill without trade ids is safe only for an order that will not be looked up again).
    A buy's `spend` includes its fee; a sell's `receive` is what is left after it."""
    coins = placement_traded(reply)
    if reply.remain != 0 or coins <= 0:
        return None
    value = reply.spent - reply.fee if reply.side == "buy" else reply.received + reply.fee
    return Change(OrderChange.FILLED, coins, (value / coins).quantize(PRICE_PLACES), reply.fee)


def _of_order(trade: MyTrade, executed: Executed) -> bool:
    """The trades are asked for by client_order_id, or for the whole pair; one naming
    another order is not this order's. (The v2 history spells the order id its own way,
    `btcidr-limit-100000`, so that id is not compared.)"""
    return trade.client_order_id in (None, executed.client_order_id)


def _state(executed: Executed, final: bool, filled: Decimal) -> OrderState:
    if final:
        return OrderState.FILLED if executed.status == "filled" else OrderState.CANCELLED
    return OrderState.PARTIALLY_FILLED if filled > 0 else OrderState.OPEN


def _executed(status: OrderStatus) -> Decimal:
    if status.executed_base is not None:
        return status.executed_base
    return status.amount - status.remaining


def _numeric(trade_id: str) -> tuple[int, str]:
    return (int(trade_id), "") if trade_id.isdigit() else (0, trade_id)


def recorded_from(trade_ids: Sequence[str | None], tally: Tally, ended: bool) -> Recorded:
    return Recorded(
        frozenset(t for t in trade_ids if t is not None), tally.filled, ended, tally.sequence
    )
