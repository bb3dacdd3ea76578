"""A user's portfolio: what each currency holds, what it is worth in IDR, what it cost and
what it made, on the exchange account or on the paper one.

The paper account's whole history is the bot's own, so its costs are exact. A live
account's comes from the imported history (actors/user/history_import.py), which may not
reach back to every coin held: those coins are shown with an unknown cost, never a guessed
one, and the reply says how far the import has come.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal

from actors.accounting.cost_basis import Event, Method, OverSold, Position, position
from actors.strategies.money import whole_rupiah
from actors.user.account_ledger import account_history
from actors.user.answers import Answers
from actors.user.exchange_calls import ExchangeCalls
from actors.user.history_import import HistoryImport
from actors.user.paper_ledger import paper_history
from actors.user.session import UserSession
from actors.user.user_views import portfolio_buttons
from adapters.indodax.errors import IndodaxError
from messages.commands import GetPortfolio, UserCommand
from messages.replies import Row
from persistence.models.users import User, set_cost_method

log = logging.getLogger(__name__)

PRICES_FRESH = timedelta(seconds=3)


class Portfolio:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        calls: ExchangeCalls,
        history: HistoryImport,
    ) -> None:
        self.session, self.answers, self.calls, self.history = session, answers, calls, history
        self._last: dict[str, Decimal] = {}
        self._priced_at: float | None = None

    def show(self, message: GetPortfolio) -> None:
        if self.answers.refuse_unlinked(message):
            return
        user = self.session.user
        if user is None:  # refuse_unlinked has answered a user who has not started
            return
        if message.cost_method not in (None, user.cost_method):
            user = self.session.user = set_cost_method(user, message.cost_method)
        method = _method(user)
        amounts = self.amounts(message)
        if amounts is None:
            return
        if self.session.paper is not None:
            positions = _positions(paper_history(user), method)
            self._show(message, "portfolio.paper_show", method, amounts, positions)
            return
        self.history.freshen()
        progress = self.history.progress(user)
        state = "history_imported" if progress.complete else "history_importing"
        since = "" if progress.since is None else progress.since.strftime("%d-%m-%Y")
        self._show(
            message,
            "portfolio.show",
            method,
            amounts,
            _positions(account_history(user, amounts), method),
            history=((state, since),),
        )

    def amounts(self, message: UserCommand) -> dict[str, Decimal] | None:
        """What each currency holds, free and held, on the account the user trades on; None
        once an exchange error has been answered."""
        paper = self.session.paper
        if paper is not None:
            return {currency: row.total for currency, row in paper.balances().items()}
        balances = self.calls.answered(message, self.session.private.get_info)
        if balances is None:
            return None
        return {
            currency: balances.free.get(currency, Decimal(0))
            + balances.hold.get(currency, Decimal(0))
            for currency in set(balances.free) | set(balances.hold)
        }

    def _show(
        self,
        message: GetPortfolio,
        key: str,
        method: Method,
        amounts: dict[str, Decimal],
        positions: dict[str, Position],
        **extra: tuple[Row, ...],
    ) -> None:
        """Each currency valued in IDR at the last price, whichever account it is in, and
        what each coin held cost and its profit or loss at that price; what the sales made.
        A coin with no IDR market is valued through USDT/IDR when it has a USDT one."""
        prices = self.idr_prices()
        rows: list[Row] = []
        gains: list[Row] = []
        unknown: list[Row] = []
        total = unrealised = Decimal(0)
        for currency in sorted(amounts):
            amount = amounts[currency]
            if amount == 0:
                continue
            price = prices.get(currency)
            if price is None:  # no market to value it on: shown, not valued
                rows.append((currency, str(amount), "-"))
                continue
            value = value_in_idr(amount, price)
            total += value
            rows.append((currency, str(amount), str(value)))
            held = positions.get(currency)
            if held is None:
                continue
            if held.unknown:
                unknown.append((currency, str(held.unknown)))
            if held.held > held.unknown:
                gain = whole_rupiah(held.unrealised(price))
                unrealised += gain
                known_value = whole_rupiah((held.held - held.unknown) * price)
                gains.append((currency, str(whole_rupiah(held.cost)), str(known_value), str(gain)))
        realised = whole_rupiah(sum((p.realised for p in positions.values()), Decimal(0)))
        self.answers.reply(
            message,
            key,
            buttons=portfolio_buttons(method),
            rows=tuple(rows),
            total_idr=total,
            gains=tuple(gains),
            unknown=tuple(unknown),
            unrealised=unrealised,
            realised=realised,
            method=method,
            **extra,
        )

    def idr_prices(self) -> dict[str, Decimal]:
        """Rupiah per unit of each currency at the last prices, read again only when
        PRICES_FRESH has passed: a user tapping /portfolio and its buttons in turn should not
        spend the public rate limit (3 calls a second) on a ticker that has barely moved;
        only rupiah's when the exchange cannot say."""
        now = time.monotonic()
        if self._priced_at is None or now - self._priced_at >= PRICES_FRESH.total_seconds():
            try:
                tickers = self.session.public.ticker_all()
            except IndodaxError:
                return _idr_prices({})  # rupiah is worth its face value all the same
            self._last = _idr_prices(
                {(pair.base, pair.quote): ticker.last for pair, ticker in tickers.items()}
            )
            self._priced_at = now
        return self._last


def value_in_idr(amount: Decimal, price: Decimal) -> Decimal:
    """What `amount` is worth at `price` (rupiah per unit), in whole rupiah, rounded down."""
    return (amount * price).to_integral_value(rounding="ROUND_FLOOR")


def _method(user: User) -> Method:
    """The user's choice; average until they choose."""
    return "fifo" if user.cost_method == "fifo" else "average"


def _idr_prices(last: Mapping[tuple[str, str], Decimal]) -> dict[str, Decimal]:
    """Rupiah per unit of each currency: its IDR market's last price, or its USDT market's
    times USDT/IDR's for a coin traded against USDT only."""
    prices = {base: price for (base, quote), price in last.items() if quote == "idr"}
    prices["idr"] = Decimal(1)
    usdt = prices.get("usdt")
    if usdt is not None:
        for (base, quote), price in last.items():
            if quote == "usdt" and base not in prices:
                prices[base] = price * usdt
    return prices


def _positions(history: Mapping[str, Sequence[Event]], method: Method) -> dict[str, Position]:
    """Each coin's position; a coin whose history sells more than it brought in (which
    neither a paper account nor an agreed live history can do) is left out with a log line
    instead of failing the portfolio."""
    positions: dict[str, Position] = {}
    for coin, events in history.items():
        try:
            positions[coin] = position(events, method)
        except OverSold:
            log.error("history of a coin does not add up", extra={"coin": coin})
    return positions
