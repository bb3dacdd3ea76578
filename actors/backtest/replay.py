"""A backtest: the strategy built from its parameters as its user's actor would build it,
started at the first candle's open, and replayed candle by candle on the replay exchange.

Each candle: the gap from the previous close to its open; the timers due in it, at its open;
its path (candle_path.py), walked from point to point, where the strategy hears the
triggers the price reaches and the orders it fills; the timers set meanwhile and due in
it, at its close; then the account is marked at the close. The backtest ends at the last
close: what is still held is marked there, not sold.
"""

from __future__ import annotations

from decimal import Decimal

from actors.backtest.candle_path import Leg, Moment, legs, next_stop
from actors.backtest.holding import held_to_the_end
from actors.backtest.inputs import BacktestSetup, BadBacktest
from actors.backtest.replay_exchange import ReplayExchange
from actors.backtest.replay_host import ReplayHost, ReplayRow
from actors.backtest.results import BacktestResult, max_drawdown, return_pct
from actors.strategies.kinds import STRATEGY_CLASSES
from actors.strategies.money import whole_rupiah
from actors.strategies.parameters import BadParameter
from actors.strategies.schedule import BadSchedule


def run_backtest(setup: BacktestSetup) -> BacktestResult:
    """Raises BadBacktest for a setup or strategy parameters that cannot run; an error of
    the strategy's own (a bug) is raised as it is, where live its host would restart it."""
    setup.check()
    first = setup.candles[0]
    exchange = ReplayExchange(setup.rules, setup.capital_idr, setup.coins)
    row = ReplayRow(setup.kind, setup.pair.ticker_id, dict(setup.params))
    host = ReplayHost(row, exchange, Moment(first, 0, first.time, first.open, moving=False))
    try:
        host.start(STRATEGY_CLASSES[setup.kind])
    except (BadParameter, BadSchedule) as error:
        raise BadBacktest(f"the strategy's parameters: {error}") from error
    marks = []
    for index, candle in enumerate(setup.candles):
        end = candle.time + setup.timeframe
        if index > 0:
            gap = (setup.candles[index - 1].close, candle.open)
            if gap[0] != gap[1]:
                host.at(candle, index, gap[0], moving=True)
                _walk(host, exchange, gap)
        host.at(candle, index, candle.open, moving=False)
        host.ring_timers(before=end)
        for leg in legs(candle):
            _walk(host, exchange, leg)
        host.at(candle, index, candle.close, moving=True)
        host.ring_timers(before=end)
        marks.append(exchange.equity(candle.close))
    start = setup.capital_idr + setup.coins * first.open
    final = marks[-1]
    held = held_to_the_end(setup)
    trades = tuple(exchange.trades)
    return BacktestResult(
        kind=setup.kind,
        pair=setup.pair,
        start=setup.start,
        end=setup.end,
        candles=len(setup.candles),
        trades=trades,
        refused=tuple(exchange.refused),
        start_equity=whole_rupiah(start),
        final_equity=whole_rupiah(final),
        return_pct=return_pct(start, final),
        realised=whole_rupiah(host.realised_total),
        fees=sum((trade.fee for trade in trades), Decimal(0)),
        tax=sum((trade.tax for trade in trades), Decimal(0)),
        max_drawdown=max_drawdown(start, marks),
        hold_final_equity=whole_rupiah(held),
        hold_return_pct=return_pct(start, held),
        final_idr=exchange.idr + exchange.idr_held,
        final_coins=exchange.coins + exchange.coins_held,
        status=row.status,
        notices=tuple(host.notices),
    )


def _walk(host: ReplayHost, exchange: ReplayExchange, leg: Leg) -> None:
    """Along `leg`, from point to point: at each, the triggers the price reaches and the
    orders it has traded through; the next point is the nearest resting order's price or
    level trigger's level ahead, or the leg's end."""
    moment = host.moment
    at = leg[0]
    while True:
        host.at(moment.candle, moment.index, at, moving=True)
        host.tick(exchange.filled_at(leg, at, host.moment))
        if at == leg[1]:
            return
        marks = exchange.limits_on(leg, moment.index) + list(host.levels.values())
        at = next_stop(leg, at, marks)
