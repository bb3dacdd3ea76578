"""/pnl: what the user's strategies realised, per strategy, in the period asked for (today,
the last 7 or 30 days counted in WIB days, or ever), with the total of each period beside
it. Realised is what each strategy counted as it closed a trade (a grid's completed pair,
a DCA cycle's sale, a TP/SL's sale), fees and the tax Indodax reported included; it is the
ledger the daily loss limit reads. What the user's own trades made is in /portfolio."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from actors.strategies.money import whole_rupiah
from actors.user.answers import Answers
from actors.user.strategy_host import wib_today
from actors.user.user_views import chart_button, display_pair
from messages import callbacks as cb
from messages.commands import GetPnl, PnlPeriod
from messages.replies import Row
from persistence.models.results import results_by_strategy
from persistence.models.strategies import Strategy

DAYS: dict[PnlPeriod, int | None] = {"today": 1, "7d": 7, "30d": 30, "all": None}


def since(period: PnlPeriod, today: date) -> date | None:
    """The first WIB day of the period: today counts as one of its days."""
    days = DAYS[period]
    return None if days is None else today - timedelta(days=days - 1)


class PnlReport:
    def __init__(self, answers: Answers) -> None:
        self.answers = answers

    def show(self, message: GetPnl) -> None:
        user = self.answers.started(message)
        if user is None:
            return
        today = wib_today()
        by_period = {period: results_by_strategy(user, since(period, today)) for period in DAYS}
        results = by_period[message.period]
        rows: tuple[Row, ...] = tuple(
            (
                str(strategy.id),
                strategy.kind,
                display_pair(strategy.pair),
                str(whole_rupiah(amount)),
            )
            for strategy, amount in results
        )
        totals = {period: _sum(results) for period, results in by_period.items()}
        realised_ever = bool(by_period["all"])
        self.answers.reply(
            message,
            "pnl.show" if rows else "pnl.none",
            buttons=((chart_button(cb.PnlChart()),),) if realised_ever else (),
            rows=rows,
            period=f"period_{message.period}",
            total=totals[message.period],
            today=totals["today"],
            week=totals["7d"],
            month=totals["30d"],
            ever=totals["all"],
        )


def _sum(results: list[tuple[Strategy, Decimal]]) -> Decimal:
    return whole_rupiah(sum((amount for _, amount in results), Decimal(0)))
