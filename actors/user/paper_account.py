"""A user's paper account: real Indodax prices, simulated fills and balances in the database.

Plain logic over the paper tables with no actor machinery, so it is tested on its own and
the UserActor only decides when to call it. The UserActor is the single writer of its
user's paper account, as it is of the user's nonce.

Money moves by the simulator's rules (adapters/simulator/engine.py), so demo and paper mode
behave alike:

* A market buy spends its quote amount at the best ask, a market sell sells its coins at the
  best bid. A limit order that crosses the book (a buy at or above the ask, a sell at or
  below the bid) fills at once at the ask or bid, which is never worse than its limit.
  These are taker fills.
* Any other limit order rests, holding its funds (a buy the quote value at its limit price,
  a sell its coins), and fills whole at its limit price once the last price reaches it
  (`settle_at`, on the order's trigger, or `settle` before a command). These are maker
  fills. Every fill is recorded in `fills` with it, as the exchange path's are.
* What a fill moves (its value, the fee, the coins, each rounded against the user) is
  reckoned by actors/accounting/fill_amounts.py, which a backtest's replay fills by too. A
  sale also pays the 0.21 % final income tax, inside its fee as Indodax reports it in the
  commission, so paper results are not better than live ones would be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from actors.accounting.fill_amounts import coin_value, fill_amounts, sales_tax
from adapters.indodax.markets import PairInfo
from adapters.indodax.order_rules import TapiOrder
from adapters.indodax.pairs import Pair, parse_pair
from adapters.indodax.wire import OpenOrder, Side, Ticker
from messages.statuses import OrderChange, OrderState
from persistence.database import db
from persistence.models.base import utcnow
from persistence.models.fills import Change, record_changes
from persistence.models.orders import OrderOwner, new_client_order_id
from persistence.models.paper import (
    PaperBalance,
    PaperOrder,
    open_paper_account,
    open_paper_order,
    open_paper_orders,
    paper_balance,
    paper_balances,
)
from persistence.models.users import User

MarketInfo = Callable[[Pair], PairInfo]

FILLED = "order.paper_filled"
RESTING = "order.paper_open"
INSUFFICIENT_BALANCE = "order.rejected.insufficient_balance"  # the exchange path's key
NO_COUNTERPARTY = "order.rejected.other"
# A paper order's side as stored; a row with any other is refused when it is read.
SIDES: Mapping[str, Side] = {"buy": "buy", "sell": "sell"}


@dataclass(frozen=True)
class PaperPlacement:
    """What became of an order, as `Placement` says it for the exchange path: the row and
    the message key telling the user."""

    order: PaperOrder
    key: str


class PaperAccount:
    def __init__(self, user: User, start_idr: int, market_info: MarketInfo) -> None:
        """`market_info` gives a pair's fees and steps (MarketCatalog.info); it is only
        called when an order is placed or filled."""
        self.user = user
        self.start_idr = start_idr
        self.market_info = market_info

    def balances(self) -> dict[str, PaperBalance]:
        """Every currency the account has held, by wire id (`idr`, `btc`)."""
        with db.atomic():
            open_paper_account(self.user, self.start_idr)
            return {row.currency: row for row in paper_balances(self.user)}

    def place(
        self, order: TapiOrder, ticker: Ticker, owner: OrderOwner | None = None
    ) -> PaperPlacement:
        """`owner`: the strategy that chose the order's id; it hears a fill at once as an
        update through the life cycle (the user hears it in the reply)."""
        if ticker.pair != order.pair:
            raise ValueError(f"ticker of {ticker.pair} given for an order on {order.pair}")
        info = self.market_info(order.pair)
        with db.atomic():
            open_paper_account(self.user, self.start_idr)
            row = PaperOrder(
                user=self.user,
                strategy=owner.strategy_id if owner else None,
                client_order_id=owner.client_order_id
                if owner
                else new_client_order_id(self.user.id),
                leg=owner.leg if owner else None,
                pair=order.pair.ticker_id,
                side=order.side,
                order_type=order.order_type,
                price=order.price,
                amount=order.quantity,
                quote_amount=order.quote_amount,
            )
            fill_price = _crossing_price(order, ticker)
            if order.order_type == "market" and fill_price is None:
                return _rejected(row, NO_COUNTERPARTY, "no bid or ask to trade with")
            currency, hold = _hold_of(order, info)
            if self._free(currency) < hold:
                return _rejected(row, INSUFFICIENT_BALANCE, "insufficient paper balance")
            self._move(currency, free=-hold, held=hold)
            row.state, row.held = OrderState.OPEN, hold
            row.save()
            if fill_price is None:
                return PaperPlacement(row, RESTING)
            self._fill(row, fill_price, info.taker_fee, info, told=owner is None)
            return PaperPlacement(row, FILLED)

    def open_orders(self) -> list[OpenOrder]:
        """Resting orders in the exchange's open-order shape, so they list the same way."""
        listed = []
        for row in open_paper_orders(self.user):
            pair = parse_pair(row.pair)
            listed.append(
                OpenOrder(
                    pair=pair,
                    order_id=row.exchange_order_id,
                    client_order_id=row.client_order_id,
                    side=SIDES[row.side],
                    order_type=row.order_type,
                    price=row.price,
                    amount_currency=pair.base,
                    amount=row.amount,
                    remaining=row.amount,
                    submit_time=row.created_at,
                )
            )
        return listed

    def cancel(self, client_order_id: str) -> PaperOrder | None:
        """The cancelled order, its held funds free again; None when no such order is open."""
        with db.atomic():
            row = open_paper_order(self.user, client_order_id)
            if row is None:
                return None
            self._move(_held_currency(row), free=row.held, held=-row.held)
            row.state, row.held, row.updated_at = OrderState.CANCELLED, Decimal(0), utcnow()
            row.save()
            return row

    def settle(self, tickers: Mapping[Pair, Ticker]) -> list[PaperOrder]:
        """Fill the resting orders the last price has reached and return them. Pairs without
        a ticker wait for the next call."""
        filled = []
        for pair, ticker in tickers.items():
            filled += self.settle_at(pair, ticker.last)
        return filled

    def settle_at(self, pair: Pair, last: Decimal) -> list[PaperOrder]:
        """Fill the resting orders on `pair` that the last price `last` has reached (a buy's
        at or below its limit, a sell's at or above), each with its fill recorded and not
        yet told (persistence/models/fills.py), and return them."""
        filled = []
        for row in open_paper_orders(self.user):
            if parse_pair(row.pair) != pair or not _reached(row, last):
                continue
            info = self.market_info(pair)
            with db.atomic():
                self._fill(row, row.price, info.maker_fee, info, told=False)
            filled.append(row)
        return filled

    def _free(self, currency: str) -> Decimal:
        row = paper_balance(self.user, currency)
        return row.free if row is not None else Decimal(0)

    def _move(self, currency: str, free: Decimal = Decimal(0), held: Decimal = Decimal(0)) -> None:
        """Every balance change goes through here. One that would go below zero is a bug:
        it raises, and the transaction around it rolls the whole order back."""
        row = paper_balance(self.user, currency) or PaperBalance(user=self.user, currency=currency)
        row.free += free
        row.held += held
        if row.free < 0 or row.held < 0:
            raise ValueError(f"paper {currency} balance of user {self.user.id} would go negative")
        row.updated_at = utcnow()
        row.save()

    def _fill(
        self, row: PaperOrder, price: Decimal, fee_rate: Decimal, info: PairInfo, *, told: bool
    ) -> None:
        """The whole order trades at `price`, paid out of its hold; a buy's unspent hold
        (it filled below its limit) goes back to the free balance. The fill is recorded
        with it; `told` when the reply to the placement tells it."""
        pair = parse_pair(row.pair)
        side = SIDES[row.side]
        fill = fill_amounts(
            side, price, fee_rate, info, quantity=row.amount, quote_amount=row.quote_amount
        )
        value, fee, coins = fill.value, fill.fee, fill.coins
        if side == "buy":
            self._move(pair.quote, free=row.held - value, held=-row.held)
            self._move(pair.base, free=coins)
        else:
            fee += sales_tax(value, info)  # in the sale's commission, as Indodax reports it
            self._move(pair.base, held=-row.held)
            self._move(pair.quote, free=value - fee)
        row.state, row.held, row.updated_at = OrderState.FILLED, Decimal(0), utcnow()
        row.fill_price, row.filled_amount, row.filled_value, row.fee = price, coins, value, fee
        row.save()
        record_changes(row, [Change(OrderChange.FILLED, coins, price, fee)], told=told)


def _crossing_price(order: TapiOrder, ticker: Ticker) -> Decimal | None:
    """The price an order fills at on arrival, or None when it rests. An empty side of the
    book (a zero bid or ask) fills nothing."""
    best = ticker.ask if order.side == "buy" else ticker.bid
    if best <= 0:
        return None
    if order.order_type == "market":
        return best
    assert order.price is not None
    crosses = order.price >= best if order.side == "buy" else order.price <= best
    return best if crosses else None


def _reached(row: PaperOrder, last: Decimal) -> bool:
    """A market without trades (last price zero) reaches nothing."""
    if last <= 0:
        return False
    price: Decimal = row.price
    return last <= price if row.side == "buy" else last >= price


def _hold_of(order: TapiOrder, info: PairInfo) -> tuple[str, Decimal]:
    """What an order sets aside on arrival, as the exchange does: a sell its coins, a market
    buy its quote amount, a limit buy its value at the limit price."""
    if order.side == "sell":
        assert order.quantity is not None
        return order.pair.base, order.quantity
    if order.quote_amount is not None:
        return order.pair.quote, order.quote_amount
    assert order.quantity is not None and order.price is not None
    return order.pair.quote, coin_value(order.quantity, order.price, info)


def _held_currency(row: PaperOrder) -> str:
    pair = parse_pair(row.pair)
    return pair.quote if row.side == "buy" else pair.base


def _rejected(row: PaperOrder, key: str, error: str) -> PaperPlacement:
    """Kept like a rejected exchange order, so the history shows the attempt; nothing moved."""
    row.state, row.error = OrderState.REJECTED, error
    row.save()
    return PaperPlacement(row, key)
