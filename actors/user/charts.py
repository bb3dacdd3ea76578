"""The user's charts: what only this user's actor may read, gathered and handed to the
chart maker, which fetches the candles, draws, and answers the command with the photo.

A pair's chart carries the user's open orders on it and the fills of the user's orders
there; a strategy's, its levels and exits (actors/strategies: each kind's `chart_lines`),
its resting orders and its fills, over the finest timeframe that reaches back to its
start; the portfolio's, each asset's value in IDR; the results', what the strategies
realised each WIB day. Nothing is drawn here: matplotlib stays in the chart maker's
process (pyproject.toml's import rules).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from actors.user.answers import Answers, Keyboard
from actors.user.exchange_calls import ExchangeCalls
from actors.user.links import Links
from actors.user.portfolio import Portfolio, value_in_idr
from actors.user.readings import Readings
from actors.user.session import UserSession
from actors.user.strategy_checks import owned_strategy
from actors.user.user_views import display_pair, in_rows, strategy_lines
from adapters.indodax.pairs import Pair, parse_pair
from messages import callbacks as cb
from messages.charts import (
    AllocationChartRequest,
    ChartDay,
    ChartFill,
    ChartHolding,
    ChartLine,
    ChartRequest,
    ChartTimeframe,
    PnlChartRequest,
    PriceChartRequest,
    span,
)
from messages.commands import (
    GetAllocationChart,
    GetPnlChart,
    GetPriceChart,
    GetStrategyChart,
    UserCommand,
)
from messages.replies import Button
from persistence.models.base import utcnow
from persistence.models.fills import Followed, Trade, trades_on
from persistence.models.orders import resting_orders_of_strategy
from persistence.models.paper import open_paper_orders_of_strategy
from persistence.models.results import results_by_day

# The timeframes a price chart's buttons offer, besides the one shown.
OFFERED: tuple[ChartTimeframe, ...] = ("15m", "1h", "4h", "1d", "1w")
# A strategy's chart: the finest of these that reaches back to its start.
STRATEGY_TIMEFRAMES: tuple[ChartTimeframe, ...] = ("1h", "4h", "1d", "1w")


def covering(age: timedelta) -> ChartTimeframe:
    """The finest timeframe whose chart reaches back `age`; the widest when none does."""
    return next((tf for tf in STRATEGY_TIMEFRAMES if span(tf) >= age), STRATEGY_TIMEFRAMES[-1])


def timeframe_buttons(pair: Pair, shown: ChartTimeframe) -> Keyboard:
    return in_rows(
        (
            Button(
                "button.chart_timeframe", cb.PriceChart(pair.id, tf).pack(), (("timeframe", tf),)
            )
            for tf in OFFERED
            if tf != shown
        ),
        4,
    )


def marks(trades: Iterable[Trade]) -> tuple[ChartFill, ...]:
    return tuple(
        ChartFill(trade.at, str(trade.price), "buy" if trade.side == "buy" else "sell")
        for trade in trades
    )


class Charts:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        readings: Readings,
        calls: ExchangeCalls,
        *,
        portfolio: Portfolio,
        links: Links,
    ) -> None:
        self.session, self.answers, self.readings = session, answers, readings
        self.calls, self.portfolio, self.links = calls, portfolio, links

    def price(self, message: GetPriceChart) -> None:
        pair = self.readings.pair(message, message.pair_text)
        if pair is None:
            return
        lines = self._open_orders(message, pair)
        if lines is None:
            return
        user = self.session.user
        since = utcnow() - span(message.timeframe)
        fills = () if user is None else marks(trades_on(user, pair.ticker_id, since))
        self._draw(
            message,
            PriceChartRequest,
            caption_key="chart.caption.price",
            caption_params=(("pair", pair.display), ("timeframe", message.timeframe)),
            buttons=timeframe_buttons(pair, message.timeframe),
            pair=pair.ticker_id,
            timeframe=message.timeframe,
            lines=lines,
            fills=fills,
        )

    def _open_orders(self, message: UserCommand, pair: Pair) -> tuple[ChartLine, ...] | None:
        """The user's open orders on the pair, on the account the user trades on (none before
        a key is linked); None once an exchange error has been answered."""
        paper = self.session.paper
        if paper is None and self.session.keys is None:
            return ()
        orders = self.calls.open_orders(message, paper, pair)
        if orders is None:
            return None
        return tuple(ChartLine(order.side, str(order.price)) for order in orders if order.price)

    def strategy(self, message: GetStrategyChart) -> None:
        strategy = owned_strategy(self.answers, message, message.strategy_id)
        user = self.session.user
        if strategy is None or user is None:
            return
        now = utcnow()
        timeframe = covering(now - strategy.created_at)
        resting: list[Followed] = [
            *resting_orders_of_strategy(strategy.id),
            *open_paper_orders_of_strategy(strategy.id),
        ]
        orders = tuple(
            ChartLine("buy" if order.side == "buy" else "sell", str(order.price))
            for order in resting
            if order.price
        )
        trades = trades_on(user, strategy.pair, now - span(timeframe), strategy.id)
        self._draw(
            message,
            PriceChartRequest,
            caption_key="chart.caption.strategy",
            caption_params=(
                ("strategy_id", str(strategy.id)),
                ("strategy", strategy.kind),
                ("pair", display_pair(strategy.pair)),
                ("timeframe", timeframe),
            ),
            pair=parse_pair(strategy.pair).ticker_id,
            timeframe=timeframe,
            lines=(*strategy_lines(strategy), *orders),
            fills=marks(trades),
        )

    def allocation(self, message: GetAllocationChart) -> None:
        if self.answers.refuse_unlinked(message):
            return
        amounts = self.portfolio.amounts(message)
        if amounts is None:
            return
        prices = self.portfolio.idr_prices()
        holdings = tuple(
            ChartHolding(currency, str(value_in_idr(amount, prices[currency])))
            for currency, amount in sorted(amounts.items())
            if amount > 0 and currency in prices
        )
        self._draw(
            message,
            AllocationChartRequest,
            caption_key="chart.caption.allocation",
            holdings=holdings,
        )

    def pnl(self, message: GetPnlChart) -> None:
        user = self.answers.started(message)
        if user is None:
            return
        days = tuple(ChartDay(day, str(amount)) for day, amount in results_by_day(user))
        self._draw(message, PnlChartRequest, caption_key="chart.caption.pnl", days=days)

    def _draw(self, message: UserCommand, kind: type[ChartRequest], **fields: Any) -> None:
        """Asked of the chart maker, which answers the command (same correlation id)."""
        user = self.session.user
        self.links.to_chart_maker(
            kind(
                telegram_id=message.telegram_id,
                chat_id=message.chat_id,
                language=user.language if user else (message.language or "id"),
                correlation_id=message.correlation_id,
                **fields,
            )
        )
