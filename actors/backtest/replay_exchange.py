"""The exchange a replayed strategy trades on: one pair, one account, its resting orders.

An order is checked as the order desk checks a strategy's (the pair's tick, step and
minimums, by order_rules; a market sale's value at the price it would fill at), then as
the exchange would: the account must hold what it sets aside. A refusal ends the order
rejected, with the rule's key or the exchange's words as its reason. What a fill moves is
reckoned as the paper account reckons it (actors/accounting/fill_amounts.py); a sale also
pays the 0.21 % tax, told inside its fee as Indodax reports it. When and at what price an
order fills is candle_path.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from actors.accounting.fill_amounts import coin_value, fill_amounts, sales_tax
from actors.backtest.candle_path import Leg, Moment, fills_on
from actors.backtest.results import RefusedOrder, Trade
from actors.user.order_desk import intent_of
from adapters.indodax.markets import PairInfo
from adapters.indodax.order_rules import Refusal, TapiOrder, validate_order
from messages.events import OrderRequest

INSUFFICIENT_BALANCE = "Insufficient balance."  # the exchange's words
ZERO = Decimal(0)


@dataclass(frozen=True)
class OrderEnd:
    """How an order ended: filled whole (with its trade), cancelled, or rejected."""

    client_order_id: str
    leg: str
    kind: Literal["filled", "cancelled", "rejected"]
    trade: Trade | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Resting:
    number: int  # placement order: fills at one price go in it
    client_order_id: str
    leg: str
    order: TapiOrder
    price: Decimal
    hold: Decimal  # rupiah for a buy, coins for a sale
    rests_from: int  # the first candle whose path may fill it


class ReplayExchange:
    def __init__(self, rules: PairInfo, idr: Decimal, coins: Decimal) -> None:
        self.rules = rules
        self.idr, self.idr_held = idr, ZERO
        self.coins, self.coins_held = coins, ZERO
        self.resting: dict[str, Resting] = {}
        self.trades: list[Trade] = []
        self.refused: list[RefusedOrder] = []
        self._placed = 0

    def place(self, request: OrderRequest, at: Moment) -> OrderEnd | None:
        """The order's end when it has one at once (a refusal, a taker fill); None when it
        rests."""
        try:
            intent = intent_of(self.rules.pair, request)
        except ValueError as error:
            return self._rejected(request, type(error).__name__, at)
        if request.order_type == "market" and request.side == "sell":
            intent = replace(intent, price=at.market_price("sell"))
        checked = validate_order(intent, self.rules)
        if isinstance(checked, Refusal):
            return self._rejected(request, str(checked.reason), at)
        if checked.order_type == "market":
            price = at.market_price(checked.side)
        else:
            assert checked.price is not None
            price = checked.price
        hold = self._hold(checked, price)
        free = self.idr if checked.side == "buy" else self.coins
        if free < hold:
            return self._rejected(request, INSUFFICIENT_BALANCE, at)
        crosses = price >= at.price if checked.side == "buy" else price <= at.price
        if checked.order_type == "market" or crosses:
            trade = self._fill(request.leg, checked, price, "taker", at, held=False)
            return OrderEnd(request.client_order_id, request.leg, "filled", trade)
        self._placed += 1
        self._move(checked.side, free=-hold, held=hold)
        self.resting[request.client_order_id] = Resting(
            self._placed, request.client_order_id, request.leg, checked, price, hold, at.rests_from
        )
        return None

    def cancel(self, client_order_id: str) -> OrderEnd | None:
        """None when the order does not rest (it has ended, its end perhaps not told yet)."""
        resting = self.resting.pop(client_order_id, None)
        if resting is None:
            return None
        self._move(resting.order.side, free=resting.hold, held=-resting.hold)
        return OrderEnd(client_order_id, resting.leg, "cancelled")

    def filled_at(self, leg: Leg, price: Decimal, at: Moment) -> list[OrderEnd]:
        """Every order resting for this candle that the price, moving along `leg`, has
        traded through by the time it is at `price`: filled at its limit, in the order they
        were placed."""
        due = [
            resting
            for resting in self.resting.values()
            if resting.rests_from <= at.index
            and fills_on(resting.order.side, resting.price, leg, price)
        ]
        ends = []
        for resting in sorted(due, key=lambda resting: resting.number):
            del self.resting[resting.client_order_id]
            trade = self._fill(resting.leg, resting.order, resting.price, "maker", at, held=True)
            ends.append(OrderEnd(resting.client_order_id, resting.leg, "filled", trade))
        return ends

    def limits_on(self, leg: Leg, index: int) -> list[Decimal]:
        """The prices of the orders resting for candle `index` that `leg` may fill."""
        side = "buy" if leg[1] < leg[0] else "sell"
        return [
            resting.price
            for resting in self.resting.values()
            if resting.rests_from <= index and resting.order.side == side
        ]

    def equity(self, price: Decimal) -> Decimal:
        """Rupiah and coins, free and held, the coins at `price`."""
        return self.idr + self.idr_held + (self.coins + self.coins_held) * price

    def _hold(self, order: TapiOrder, price: Decimal) -> Decimal:
        """What the order sets aside: a sale its coins, a market buy its rupiah, a limit
        buy its coins' worth at its price."""
        if order.side == "sell":
            assert order.quantity is not None
            return order.quantity
        if order.quote_amount is not None:
            return order.quote_amount
        assert order.quantity is not None
        return coin_value(order.quantity, price, self.rules)

    def _fill(
        self,
        leg: str,
        order: TapiOrder,
        price: Decimal,
        liquidity: Literal["maker", "taker"],
        at: Moment,
        *,
        held: bool,
    ) -> Trade:
        """The whole order traded at `price`, paid from its hold (`held`) or the free
        balance; a buy's unspent hold goes back to the free balance."""
        rate = self.rules.maker_fee if liquidity == "maker" else self.rules.taker_fee
        fill = fill_amounts(
            order.side,
            price,
            rate,
            self.rules,
            quantity=order.quantity,
            quote_amount=order.quote_amount,
        )
        hold = self._hold(order, price)
        if not held:
            self._move(order.side, free=-hold, held=hold)
        tax = ZERO
        if order.side == "buy":
            self._move("buy", free=hold - fill.value, held=-hold)
            self.coins += fill.coins
        else:
            tax = sales_tax(fill.value, self.rules)
            self._move("sell", held=-hold)
            self.idr += fill.value - fill.fee - tax
        trade = Trade(
            at.time, order.side, price, fill.coins, fill.value, fill.fee, tax, leg, liquidity
        )
        self.trades.append(trade)
        return trade

    def _move(self, side: str, *, free: Decimal = ZERO, held: Decimal = ZERO) -> None:
        """A buy's rupiah or a sale's coins between free and held. One that would go below
        zero is a bug of the replay: it raises."""
        if side == "buy":
            self.idr, self.idr_held = self.idr + free, self.idr_held + held
            balances = (self.idr, self.idr_held)
        else:
            self.coins, self.coins_held = self.coins + free, self.coins_held + held
            balances = (self.coins, self.coins_held)
        if min(balances) < 0:
            raise ValueError(f"the replay's {side} balance would go negative")

    def _rejected(self, request: OrderRequest, reason: str, at: Moment) -> OrderEnd:
        self.refused.append(RefusedOrder(at.time, request.side, request.leg, reason))
        return OrderEnd(request.client_order_id, request.leg, "rejected", reason=reason)
