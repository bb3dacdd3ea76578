"""A user's portfolio: what each currency holds and what it is worth in IDR, on the
exchange account or on the paper one."""

from __future__ import annotations

import logging
from decimal import Decimal

from actors.accounting.cost_basis import OverSold, Position, Trade, position
from actors.strategies.money import whole_rupiah
from actors.user.answers import Answers
from actors.user.exchange_calls import ExchangeCalls
from actors.user.paper_ledger import paper_history
from actors.user.session import UserSession
from adapters.indodax.errors import IndodaxError
from messages.commands import GetPortfolio, UserCommand
from messages.replies import Row

log = logging.getLogger(__name__)


class Portfolio:
    def __init__(self, session: UserSession, answers: Answers, calls: ExchangeCalls) -> None:
        self.session, self.answers, self.calls = session, answers, calls

    def show(self, message: GetPortfolio) -> None:
        if self.answers.refuse_unlinked(message):
            return
        paper = self.session.paper
        if paper is not None:
            amounts = {currency: row.total for currency, row in paper.balances().items()}
            user = self.session.user
            history = paper_history(user) if user is not None else {}
            self._show(message, "portfolio.paper_show", amounts, _positions(history))
            return
        balances = self.calls.answered(message, self.session.private.get_info)
        if balances is None:
            return
        amounts = {
            currency: balances.free.get(currency, Decimal(0))
            + balances.hold.get(currency, Decimal(0))
            for currency in set(balances.free) | set(balances.hold)
        }
        self._show(message, "portfolio.show", amounts)

    def _show(
        self,
        message: UserCommand,
        key: str,
        amounts: dict[str, Decimal],
        positions: dict[str, Position] | None = None,
    ) -> None:
        """Each currency valued in IDR at the last price, whichever account it is in; with
        `positions` (the paper account, whose whole history is known), what each coin held
        cost and its profit or loss at that price, and what the sales made."""
        try:
            tickers = self.session.public.ticker_all()
        except IndodaxError:
            tickers = {}
        prices = {pair.base: ticker.last for pair, ticker in tickers.items() if pair.quote == "idr"}
        rows: list[Row] = []
        gains: list[Row] = []
        total = unrealised = Decimal(0)
        for currency in sorted(amounts):
            amount = amounts[currency]
            if amount == 0:
                continue
            price = Decimal(1) if currency == "idr" else prices.get(currency)
            if price is None:  # no IDR market for it: shown, not valued
                rows.append((currency, str(amount), "-"))
                continue
            value = (amount * price).to_integral_value(rounding="ROUND_FLOOR")
            total += value
            rows.append((currency, str(amount), str(value)))
            held = (positions or {}).get(currency)
            if held is not None:
                gain = whole_rupiah(held.unrealised(price))
                unrealised += gain
                gains.append((currency, str(whole_rupiah(held.cost)), str(value), str(gain)))
        if positions is None:
            self.answers.reply(message, key, rows=tuple(rows), total_idr=total)
            return
        realised = whole_rupiah(sum((p.realised for p in positions.values()), Decimal(0)))
        self.answers.reply(
            message,
            key,
            rows=tuple(rows),
            total_idr=total,
            gains=tuple(gains),
            unrealised=unrealised,
            realised=realised,
        )


def _positions(history: dict[str, list[Trade]]) -> dict[str, Position]:
    """Each coin's position; a coin whose history sells more than it bought (which a paper
    account cannot do) is left out with a log line instead of failing the portfolio."""
    positions: dict[str, Position] = {}
    for coin, trades in history.items():
        try:
            positions[coin] = position(trades)
        except OverSold:
            log.error("paper history of a coin does not add up", extra={"coin": coin})
    return positions
