"""Market data a user asks for: one pair's price and the busiest markets. Public data only,
so these work before a key is linked."""

from __future__ import annotations

from typing import Any

from actors.user.user_base import UserBase
from actors.user.user_views import change_text, market_view
from adapters.indodax.errors import IndodaxError
from messages.commands import GetPrice, ShowMarket


class UserMarket(UserBase):
    def receiveMsg_GetPrice(self, message: GetPrice, sender: Any) -> None:
        """Indodax's ticker has no opening price, so the 24 h change comes from
        /api/summaries: its `prices_24h` holds each market's price of 24 hours ago, and the
        same reply carries the ticker, so one request answers the whole message."""
        pair = self._pair(message, message.pair_text)
        if pair is None:
            return
        try:
            summaries = self.public.summaries()
            ticker = summaries.tickers.get(pair) or self.public.ticker(pair)
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        self.reply(
            message,
            "price.show",
            pair=pair.display,
            last=ticker.last,
            bid=ticker.bid,
            ask=ticker.ask,
            high=ticker.high,
            low=ticker.low,
            change=change_text(summaries, ticker),
            volume=ticker.quote_volume,
            quote=pair.quote.upper(),
        )

    def receiveMsg_ShowMarket(self, message: ShowMarket, sender: Any) -> None:
        """Ranked by 24 h IDR volume from /api/summaries: the tickers of /api/ticker_all plus
        each market's price of 24 hours ago, so the ranking and the change cost one request."""
        try:
            summaries = self.public.summaries()
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        rows, buttons = market_view(summaries)
        self.reply(message, "market.show", buttons=buttons, rows=rows)
