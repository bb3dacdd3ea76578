"""Orders against the simulated market: the exchange's order rules and texts, balance holds,
fills and fees, all in exact Decimal.

How money moves (one rule for every order, so holds and balances always add up):

* A buy holds quote currency: its IDR amount, or for a coin-sized limit buy the coins'
  value at the limit price rounded up to 1 IDR. A sell holds the coins.
* Fees are charged in the quote currency, out of the trade's value (`commissionAsset`
  is `idr`): a buy spends S, pays fee = S * rate and receives (S - fee) / price coins;
  a sell of q coins receives q * price - fee, its fee holding the 0.21 % final income tax
  (rounded up) as Indodax reports it in the commission.
* An order that crosses the book when placed (and every market order) fills at once as a
  taker at the best ask or bid. A resting limit order fills as a maker, at its own price,
  when the price process reaches it: a buy when the last price is at or below the limit,
  a sell at or above. With `fill_fraction` < 1 it fills in parts, one part per price move.
* The value of the coins filled so far is rounded against the trader once per order
  (buys up, sells down), and each fill takes the difference, so parts add up exactly.

Each public action (place, a price move, cancel, cancel_all) hands what it did to the orders
to the `listener` as one batch of `OrderEvent`s, in the order they happened and only once
the action is complete, so whoever is told (the private order stream) finds the fills
already in the books.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal
from enum import StrEnum

from adapters.indodax.order_rules import SALES_TAX
from adapters.simulator.accounts import Account, Accounts, InsufficientBalance
from adapters.simulator.catalog import Market
from adapters.simulator.formats import grouped, plain, snap
from adapters.simulator.market import MarketData

FIRST_ORDER_ID = 100_000
FIRST_TRADE_ID = 72_057_594_037_927_936  # the magnitude of the documented tradeId values
CLIENT_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
# The typographic apostrophe is the fixture's spelling (error_not_maker.json).
NOT_MAKER = "Order cancelled because it\u2019s not maker."


class Rejected(Exception):
    """An order the exchange refuses. `code` None means the reply has no `error_code` key,
    as for the documented "amount can't be in decimal." and client-id texts."""

    def __init__(self, message: str, code: str | None = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class OrderNotFound(Rejected):
    def __init__(self) -> None:
        super().__init__("invalid order.")


@dataclass(frozen=True)
class OrderRequest:
    market: Market
    side: str  # buy | sell
    order_type: str  # limit | market
    price: Decimal | None  # the limit price; ignored for market orders
    sizing: str  # "quote": `amount` is IDR (or USDT); "base": `amount` is coins
    amount: Decimal
    client_order_id: str | None = None
    time_in_force: str = "GTC"


@dataclass(frozen=True)
class Fill:
    trade_id: int
    order_id: int
    price: Decimal
    quantity: Decimal  # coins that changed hands
    quote_quantity: Decimal  # their value in the quote currency, fee excluded
    fee: Decimal  # quote currency, the sale's tax included (as the reported commission)
    tax: Decimal  # the part of `fee` that is the sale's tax; 0 on buys
    is_maker: bool
    time_ms: int


@dataclass
class Order:
    order_id: int
    client_order_id: str
    key: str
    market: Market
    side: str
    order_type: str
    price: Decimal | None
    sizing: str
    amount: Decimal
    time_in_force: str
    submit_ms: int
    remaining: Decimal
    held: Decimal  # quote currency for buys, coins for sells
    bought_or_sold: Decimal = Decimal(0)  # coins received (buys) or given (sells)
    quote_done: Decimal = Decimal(0)  # quote spent with fees (buys), gross proceeds (sells)
    fees: Decimal = Decimal(0)
    received: Decimal = Decimal(0)  # coins (buys) or quote currency (sells), after fees
    status: str = "open"  # open | filled | cancelled
    finish_ms: int = 0
    fills: list[Fill] = field(default_factory=list)

    @property
    def held_currency(self) -> str:
        return _held_currency(self.market, self.side)

    @property
    def full_id(self) -> str:
        """`btcidr-limit-100001`: the id TAPI 2.0 and the private socket use."""
        return f"{self.market.id}-{self.order_type}-{self.order_id}"

    @property
    def shown_price(self) -> Decimal:
        """The limit price; a market order shows the price it filled at."""
        if self.price is not None:
            return self.price
        return self.fills[0].price if self.fills else Decimal(0)

    def coins(self, amount: Decimal) -> Decimal:
        """An amount in the order's own unit as coins: the v2 surfaces count orders in
        coins, and an IDR-sized order converts at the price it shows."""
        if self.sizing == "base":
            return amount
        price = self.shown_price
        return snap(amount / price, self.market.base_step, ROUND_DOWN) if price else Decimal(0)


class Change(StrEnum):
    """What an action did to an order, named as the private socket's `status` names it."""

    NEW = "NEW"
    FILL = "FILL"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class OrderEvent:
    """The order's progress as it stood right after the change: later changes in the same
    action move the order on, not the event."""

    order: Order
    change: Change
    executed: Decimal  # `bought_or_sold` then
    remaining: Decimal  # in the order's own unit
    time_ms: int
    fill: Fill | None = None  # FILL only


OrderListener = Callable[[Sequence[OrderEvent]], None]


def tax_rate(side: str) -> Decimal:
    """Only a sale is taxed (the 0.21 % final income tax)."""
    return SALES_TAX if side == "sell" else Decimal(0)


class Engine:
    def __init__(
        self,
        accounts: Accounts,
        market: MarketData,
        clock_ms: Callable[[], int],
        fill_fraction: Decimal = Decimal(1),
        listener: OrderListener | None = None,
    ) -> None:
        self.accounts = accounts
        self.market = market
        self.clock_ms = clock_ms
        self.fill_fraction = fill_fraction
        self._listener = listener
        self.restart()

    def restart(self) -> None:
        self.orders: dict[int, Order] = {}
        # The open ones by pair, oldest first: every trade looks at its pair's, and with a
        # thousand grids resting a scan of every order ever placed was most of the
        # simulator's work.
        self._open: dict[str, dict[int, Order]] = {}
        self.log: list[Order] = []  # every accepted order, oldest first
        self.fills: list[Fill] = []
        self._by_client_id: dict[tuple[str, str], Order] = {}
        self._next_order_id = FIRST_ORDER_ID
        self._next_trade_id = FIRST_TRADE_ID
        self._events: list[OrderEvent] = []  # the current action's, until `_report`

    def place(self, account: Account, request: OrderRequest) -> Order:
        market = request.market
        state = self.market[market.id]
        client_order_id = self._check_client_order_id(account, request.client_order_id)
        limit = request.order_type == "limit"
        if limit:
            _check_price(market, request.price)
        _check_amount(market, request, state.bid)
        if not limit:
            crosses = True
        elif request.side == "buy":
            crosses = request.price >= state.ask
        else:
            crosses = request.price <= state.bid
        if limit and crosses and request.time_in_force == "MOC":
            raise Rejected(NOT_MAKER, None)
        hold = _hold_for(request)
        try:
            account.reserve(_held_currency(market, request.side), hold)
        except InsufficientBalance:
            raise Rejected("Insufficient balance.") from None
        order = self._record(account, request, client_order_id, hold)
        if crosses:
            price = state.ask if request.side == "buy" else state.bid
            self._fill(order, price, order.remaining, is_maker=False)
        self._report()
        return order

    def _check_client_order_id(self, account: Account, wanted: str | None) -> str | None:
        if wanted is None:
            return None
        if not CLIENT_ORDER_ID.match(wanted):
            raise Rejected("client_order_id must be 1 to 36 of A-Z a-z 0-9 _ -")
        if (account.key, wanted) in self._by_client_id:
            raise Rejected(f"client order id {wanted} already exists", None)
        return wanted

    def _record(
        self, account: Account, request: OrderRequest, client_order_id: str | None, hold: Decimal
    ) -> Order:
        order_id = self._next_order_id
        self._next_order_id += 1
        order = Order(
            order_id=order_id,
            client_order_id=client_order_id
            or f"{request.market.id}-{request.order_type}-{order_id}",
            key=account.key,
            market=request.market,
            side=request.side,
            order_type=request.order_type,
            price=request.price if request.order_type == "limit" else None,
            sizing=request.sizing,
            amount=request.amount,
            time_in_force=request.time_in_force,
            submit_ms=self.clock_ms(),
            remaining=request.amount,
            held=hold,
        )
        self.orders[order_id] = order
        self._open.setdefault(request.market.id, {})[order_id] = order
        self._by_client_id[(account.key, order.client_order_id)] = order
        self.log.append(order)
        self._note(order, Change.NEW, order.submit_ms)
        return order

    def on_price(self, pair_id: str) -> list[Fill]:
        """Maker fills for the resting orders the new last price reached, oldest first."""
        last = self.market[pair_id].last
        fills = []
        for order in list(self.open_orders(pair_id=pair_id)):
            reached = last <= order.price if order.side == "buy" else last >= order.price
            if reached:
                fills.append(self._fill(order, order.price, self._portion(order), is_maker=True))
        self._report()
        return fills

    def _portion(self, order: Order) -> Decimal:
        step = order.market.quote_step if order.sizing == "quote" else order.market.base_step
        part = snap(order.amount * self.fill_fraction, step, ROUND_DOWN)
        return order.remaining if part <= 0 else min(part, order.remaining)

    def _fill(self, order: Order, price: Decimal, portion: Decimal, is_maker: bool) -> Fill:
        market = order.market
        account = self._account(order)
        rate = market.fee_rate(is_maker)
        if order.sizing == "quote":
            value = portion
        else:
            done = order.amount - order.remaining
            rounding = ROUND_CEILING if order.side == "buy" else ROUND_FLOOR
            value = snap((done + portion) * price, market.quote_step, rounding) - snap(
                done * price, market.quote_step, rounding
            )
        # The sale's tax is reported inside its fee, as Indodax does.
        tax = snap(value * tax_rate(order.side), market.quote_step, ROUND_CEILING)
        fee = snap(value * rate, market.quote_step) + tax
        if order.side == "buy":
            coins = snap((value - fee) / price, market.base_step, ROUND_DOWN)
            account.pay_from_hold(market.quote, value)
            account.credit(market.base, coins)
            order.held -= value
            order.received += coins
            quote_quantity = value - fee
        else:
            coins = portion
            account.pay_from_hold(market.base, coins)
            account.credit(market.quote, value - fee)
            order.held -= coins
            order.received += value - fee
            quote_quantity = value
        order.bought_or_sold += coins
        order.quote_done += value
        order.fees += fee
        order.remaining -= portion
        fill = Fill(
            trade_id=self._next_trade_id,
            order_id=order.order_id,
            price=price,
            quantity=coins,
            quote_quantity=quote_quantity,
            fee=fee,
            tax=tax,
            is_maker=is_maker,
            time_ms=self.clock_ms(),
        )
        self._next_trade_id += 1
        order.fills.append(fill)
        self.fills.append(fill)
        self._note(order, Change.FILL, fill.time_ms, fill)
        if order.remaining == 0:
            self._finish(order, "filled")
        return fill

    def cancel(self, order: Order) -> None:
        if order.status != "open":
            raise OrderNotFound
        self._finish(order, "cancelled")
        self._report()

    def cancel_all(self, key: str, pair_ids: Iterable[str]) -> list[Order]:
        wanted = set(pair_ids)
        cancelled = [order for order in self.open_orders(key) if order.market.id in wanted]
        for order in cancelled:
            self._finish(order, "cancelled")
        self._report()
        return cancelled

    def _finish(self, order: Order, status: str) -> None:
        """The unused part of the hold goes back to the free balance."""
        self._account(order).release(order.held_currency, order.held)
        order.held = Decimal(0)
        order.status = status
        self._open[order.market.id].pop(order.order_id, None)
        order.finish_ms = self.clock_ms()
        self._note(order, Change.DONE if status == "filled" else Change.CANCELLED, order.finish_ms)

    def _note(self, order: Order, change: Change, time_ms: int, fill: Fill | None = None) -> None:
        self._events.append(
            OrderEvent(order, change, order.bought_or_sold, order.remaining, time_ms, fill)
        )

    def _report(self) -> None:
        """The end of every public action: its events go out together, after the state
        they describe is recorded."""
        events, self._events = self._events, []
        if events and self._listener is not None:
            self._listener(events)

    def open_orders(self, key: str | None = None, pair_id: str | None = None) -> list[Order]:
        """Oldest first."""
        if pair_id is None:
            found = [order for pair in self._open.values() for order in pair.values()]
            found.sort(key=lambda order: order.order_id)
        else:
            found = list(self._open.get(pair_id, {}).values())
        return [order for order in found if key is None or order.key == key]

    def find(self, key: str, order_id: str) -> Order:
        order = self.orders.get(int(order_id)) if order_id.isdigit() else None
        if order is None or order.key != key:
            raise OrderNotFound
        return order

    def find_by_client_id(self, key: str, client_order_id: str) -> Order:
        order = self._by_client_id.get((key, client_order_id))
        if order is None:
            raise OrderNotFound
        return order

    def _account(self, order: Order) -> Account:
        account = self.accounts.get(order.key)
        if account is None:
            raise LookupError(f"order {order.order_id} belongs to no account")
        return account


def _check_price(market: Market, price: Decimal | None) -> None:
    if price is None or price < market.min_price:
        raise Rejected(f"Minimum price {grouped(market.min_price)} {market.quote.upper()}")
    if price % market.tick != 0:
        raise Rejected(f"Price must be a multiple of {plain(market.tick)} {market.quote.upper()}")


def _check_amount(market: Market, request: OrderRequest, bid: Decimal) -> None:
    step = market.quote_step if request.sizing == "quote" else market.base_step
    if request.amount % step != 0:
        if request.sizing == "quote":
            raise Rejected("amount can't be in decimal.", None)
        raise Rejected(f"Amount must be a multiple of {plain(step)} {market.base.upper()}")
    if request.sizing == "quote":
        value = request.amount
    elif request.order_type == "limit":
        value = request.amount * request.price
    elif request.side == "sell":
        value = request.amount * bid
    else:
        value = Decimal(0)  # a market buy is sized in IDR only; coins alone buy nothing
    if value < market.min_value:
        raise Rejected(f"Minimum order {grouped(market.min_value)} {market.quote.upper()}")
    if request.sizing == "base" and request.amount < market.min_quantity:
        raise Rejected(f"Minimum order {grouped(market.min_quantity)} {market.base.upper()}")


def _held_currency(market: Market, side: str) -> str:
    return market.quote if side == "buy" else market.base


def _hold_for(request: OrderRequest) -> Decimal:
    if request.side == "sell" or request.sizing == "quote":
        return request.amount
    return snap(request.amount * request.price, request.market.quote_step, ROUND_CEILING)
