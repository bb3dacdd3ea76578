"""Market data a user asks for: one pair's price and the busiest markets. Public data only,
so these work before a key is linked."""

from __future__ import annotations

from actors.user.answers import Answers
from actors.user.readings import Readings
from actors.user.session import UserSession
from actors.user.user_views import change_text, chart_button, market_view
from adapters.indodax.errors import IndodaxError
from messages import callbacks as cb
from messages.charts import DEFAULT_TIMEFRAME
from messages.commands import GetPrice, ShowMarket


class Market:
    def __init__(self, session: UserSession, answers: Answers, readings: Readings) -> None:
        self.session, self.answers, self.readings = session, answers, readings

    def price(self, message: GetPrice) -> None:
        """Indodax's ticker has no opening price, so the 24 h change comes from
        /api/summaries: its `prices_24h` holds each market's price of 24 hours ago, and the
        same reply carries the ticker, so one request answers the whole message."""
        pair = self.readings.pair(message, message.pair_text)
        if pair is None:
            return
        public = self.session.public
        try:
            summaries = public.summaries()
            ticker = summaries.tickers.get(pair) or public.ticker(pair)
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        self.answers.reply(
            message,
            "price.show",
            buttons=((chart_button(cb.PriceChart(pair.id, DEFAULT_TIMEFRAME)),),),
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

    def busiest(self, message: ShowMarket) -> None:
        """Ranked by 24 h IDR volume from /api/summaries: the tickers of /api/ticker_all plus
        each market's price of 24 hours ago, so the ranking and the change cost one request."""
        try:
            summaries = self.session.public.summaries()
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        rows, buttons = market_view(summaries)
        self.answers.reply(message, "market.show", buttons=buttons, rows=rows)
