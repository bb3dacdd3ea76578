"""An exchange in memory for the order life cycle's tests: resting limit orders that fill in
parts and get cancelled, answering getOrderByClientOrderId, myTrades, the order history and
openOrders as the private client parses them, and replies that can be lost on the way back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from adapters.indodax.errors import ExchangeUnreachable, OrderNotFound
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import HistoryOrder, MyTrade, OpenOrder, OrderStatus, StreamToken
from config.secret import Secret

START = datetime(2026, 1, 1, tzinfo=UTC)
FEE_RATE = Decimal("0.001")


@dataclass
class RestingOrder:
    pair: Pair
    order_id: str
    client_order_id: str
    side: str
    price: Decimal
    amount: Decimal
    remaining: Decimal
    status: str = "open"
    trades: list[MyTrade] = field(default_factory=list)


class FakeExchange:
    def __init__(self) -> None:
        self.orders: dict[str, RestingOrder] = {}
        self.lose_replies = 0  # the next this many calls fail on the way back
        self.calls: list[str] = []
        self._trade_ids = iter(range(1, 1_000_000))

    def rest(
        self, pair: Pair, client_order_id: str, side: str, price: Decimal, amount: Decimal
    ) -> None:
        order_id = str(len(self.orders) + 100)
        self.orders[client_order_id] = RestingOrder(
            pair, order_id, client_order_id, side, price, amount, amount
        )

    def fill(self, client_order_id: str, quantity: Decimal) -> MyTrade | None:
        """A maker fill of up to `quantity`; None when the order no longer rests."""
        order = self.orders[client_order_id]
        quantity = min(quantity, order.remaining)
        if order.status != "open" or quantity <= 0:
            return None
        trade_id = next(self._trade_ids)
        trade = MyTrade(
            pair=order.pair,
            trade_id=str(trade_id),
            order_id=order.order_id,
            client_order_id=client_order_id,
            price=order.price,
            quantity=quantity,
            quote_quantity=quantity * order.price,
            commission=(quantity * order.price * FEE_RATE).quantize(Decimal(1)),
            commission_asset=order.pair.quote,
            is_buyer=order.side == "buy",
            is_maker=True,
            time=START + timedelta(seconds=trade_id),
        )
        order.trades.append(trade)
        order.remaining -= quantity
        if order.remaining == 0:
            order.status = "filled"
        return trade

    def cancel(self, client_order_id: str) -> bool:
        order = self.orders[client_order_id]
        if order.status != "open":
            return False
        order.status = "cancelled"
        return True

    def cancel_by_client_order_id(self, client_order_id: str) -> bool:
        self._answer("cancelByClientOrderId")
        return self.cancel(client_order_id)

    def cancel_order(self, pair: Pair, order_id: str, side: str) -> bool:
        self._answer("cancelOrder")
        order = next(o for o in self.orders.values() if o.order_id == order_id)
        return self.cancel(order.client_order_id)

    def _answer(self, method: str) -> None:
        self.calls.append(method)
        if self.lose_replies > 0:
            self.lose_replies -= 1
            raise ExchangeUnreachable("reply lost")

    # The private client's methods the life cycle calls

    def order_stream_token(self) -> StreamToken:
        self._answer("generate_token")
        return StreamToken(Secret("stream-token"), "pws:#account")

    def get_order_by_client_order_id(self, client_order_id: str, pair: Pair) -> OrderStatus:
        self._answer("getOrderByClientOrderId")
        order = self.orders.get(client_order_id)
        if order is None:
            raise OrderNotFound("no such order")
        return OrderStatus(
            pair=pair,
            order_id=order.order_id,
            client_order_id=client_order_id,
            side=order.side,  # type: ignore[arg-type]
            status=order.status,  # type: ignore[arg-type]
            price=order.price,
            amount_currency=pair.base,
            amount=order.amount,
            remaining=order.remaining,
            executed_base=order.amount - order.remaining,
            submit_time=START,
            finish_time=None,
        )

    def my_trades(
        self,
        pair: Pair,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
        *,
        client_order_id: str | None = None,
    ) -> tuple[MyTrade, ...]:
        """One order's trades, or the pair's (at most `limit`; the trades' times are this
        fake's own, so the window is not applied)."""
        self._answer("myTrades")
        trades = sorted(
            (
                t
                for o in self.orders.values()
                if o.pair == pair and client_order_id in (None, o.client_order_id)
                for t in o.trades
            ),
            key=lambda t: int(t.trade_id),
        )
        return tuple(trades[:limit])

    def order_histories(
        self, pair: Pair, start_ms: int | None = None, end_ms: int | None = None, limit: int = 100
    ) -> tuple[HistoryOrder, ...]:
        """The pair's finished orders, newest first (the window is not applied, as above)."""
        self._answer("orderHistories")
        finished = [o for o in self.orders.values() if o.pair == pair and o.status != "open"]
        return tuple(
            HistoryOrder(
                pair=pair,
                order_id=f"{pair.id}-limit-{o.order_id}",
                client_order_id=o.client_order_id,
                side=o.side,  # type: ignore[arg-type]
                order_type="limit",
                status=o.status,  # type: ignore[arg-type]
                price=o.price,
                quantity=o.amount,
                executed_quantity=o.amount - o.remaining,
                submit_time=START,
                finish_time=START,
                cancel_reason=None,
            )
            for o in reversed(finished)
        )[:limit]

    def open_orders(self, pair: Pair | None = None) -> tuple[OpenOrder, ...]:
        self._answer("openOrders")
        return tuple(
            OpenOrder(
                pair=o.pair,
                order_id=o.order_id,
                client_order_id=o.client_order_id,
                side=o.side,  # type: ignore[arg-type]
                order_type="limit",
                price=o.price,
                amount_currency=o.pair.base,
                amount=o.amount,
                remaining=o.remaining,
                submit_time=START,
            )
            for o in self.orders.values()
            if o.status == "open"
        )
