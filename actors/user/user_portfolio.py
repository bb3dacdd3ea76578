"""A user's portfolio: what each currency holds and what it is worth in IDR, on the
exchange account or on the paper one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from actors.user.user_base import UserBase
from adapters.indodax.errors import IndodaxError
from messages.commands import GetPortfolio, UserCommand


class UserPortfolio(UserBase):
    def receiveMsg_GetPortfolio(self, message: GetPortfolio, sender: Any) -> None:
        if self._refuse_unlinked(message):
            return
        paper = self.paper
        if paper is not None:
            amounts = {currency: row.total for currency, row in paper.balances().items()}
            self._show_portfolio(message, "portfolio.paper_show", amounts)
            return
        balances = self._private_call(message, self.private.get_info)
        if balances is None:
            return
        amounts = {
            currency: balances.free.get(currency, Decimal(0))
            + balances.hold.get(currency, Decimal(0))
            for currency in set(balances.free) | set(balances.hold)
        }
        self._show_portfolio(message, "portfolio.show", amounts)

    def _show_portfolio(self, message: UserCommand, key: str, amounts: dict[str, Decimal]) -> None:
        """Each currency valued in IDR at the last price, whichever account it is in."""
        try:
            tickers = self.public.ticker_all()
        except IndodaxError:
            tickers = {}
        prices = {pair.base: ticker.last for pair, ticker in tickers.items() if pair.quote == "idr"}
        rows, total = [], Decimal(0)
        for currency in sorted(amounts):
            amount = amounts[currency]
            if amount == 0:
                continue
            price = Decimal(1) if currency == "idr" else prices.get(currency)
            if price is None:  # no IDR market for it: shown, not valued
                rows.append(f"{currency}|{amount}|-")
                continue
            value = (amount * price).to_integral_value(rounding="ROUND_FLOOR")
            total += value
            rows.append(f"{currency}|{amount}|{value}")
        self.reply(message, key, rows=";".join(rows), total_idr=total)
