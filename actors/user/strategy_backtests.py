"""A strategy's preview replayed over the last 7, 30 or 90 days before the user confirms
it: the strategy's own code on the pair's candles (actors/backtest), answered in the chat
with what it would have traded and made, against holding the coin, and plainly not a
promise. The preview stays: the user may still confirm or cancel it.

It runs in the user's own actor. The longest offered (30 days of 15-minute candles for a
50-level grid, or 90 days of hourly ones) takes well under a second, the user waits for
that answer anyway, and a process of its own per backtest would be forked from this one,
with the user's decrypted key in its memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from actors.backtest.candles import recent_candles
from actors.backtest.capital import capital_needed, starting_coins
from actors.backtest.inputs import BacktestSetup, BadBacktest
from actors.backtest.replay import run_backtest
from actors.backtest.results import BacktestResult
from actors.user.answers import Answers
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.session import UserSession
from actors.user.strategy_setup import PreviewedStrategy
from adapters.indodax.errors import IndodaxError
from adapters.indodax.public_client import TIMEFRAME_LENGTHS, Timeframe
from messages.commands import BacktestDays, BacktestStrategy

log = logging.getLogger(__name__)

# Candles fine enough to see a grid's levels traded, few enough to answer at once.
TIMEFRAMES: dict[BacktestDays, Timeframe] = {7: "15", 30: "15", 90: "60"}


class StrategyBacktests:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        previews: PendingQuestions[PreviewedStrategy],
        clock: Callable[[], datetime],
    ) -> None:
        self.session, self.answers, self.previews, self.clock = session, answers, previews, clock

    def run(self, message: BacktestStrategy) -> None:
        if self.answers.started(message) is None:
            return
        previewed = self.previews.peek(message.preview_id)
        if isinstance(previewed, Unanswerable):
            self.answers.reply(message, previewed.key)
            return
        timeframe = TIMEFRAMES[message.days]
        now = self.clock()
        try:
            rules = self.session.catalog.info(previewed.pair)
            candles = recent_candles(
                self.session.public,
                previewed.pair,
                timeframe,
                now - timedelta(days=message.days),
                now,
            )
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        if not candles:
            self.answers.reply(message, "backtest.no_candles", pair=previewed.pair.display)
            return
        kind, params = previewed.kind, previewed.params
        try:
            capital = capital_needed(kind, params, rules, candles[0].open)
            setup = BacktestSetup(
                kind,
                params,
                rules,
                candles,
                TIMEFRAME_LENGTHS[timeframe],
                capital,
                starting_coins(kind, params),
            )
            result = run_backtest(setup)
        except BadBacktest as error:
            log.warning("strategy not backtested", extra={"kind": kind, "reason": str(error)})
            self.answers.reply(message, "backtest.cannot", strategy=kind)
            return
        self.answers.reply(message, "backtest.result", (), **_figures(result, message.days))


def _figures(result: BacktestResult, days: int) -> dict[str, str]:
    buys = sum(1 for trade in result.trades if trade.side == "buy")
    return {
        "strategy": result.kind,
        "pair": result.pair.display,
        "days": str(days),
        "start": f"{result.start:%d-%m-%Y}",
        "end": f"{result.end:%d-%m-%Y}",
        "candles": str(result.candles),
        "buys": str(buys),
        "sells": str(len(result.trades) - buys),
        "refused": str(len(result.refused)),
        "realised": str(result.realised),
        "fees": str(result.fees + result.tax),
        "start_equity": str(result.start_equity),
        "final_equity": str(result.final_equity),
        "return_pct": str(result.return_pct),
        "drawdown_pct": str(-result.max_drawdown.pct),
        "hold_return_pct": str(result.hold_return_pct),
    }
