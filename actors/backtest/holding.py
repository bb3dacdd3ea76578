"""What a backtest is compared with: the same start, all of it in the coin at the first
candle and held to the end. The rupiah are spent by a market buy on the replay exchange,
so at the first candle's high and with the taker fee, as the strategy's own would be."""

from __future__ import annotations

from decimal import Decimal

from actors.backtest.candle_path import Moment
from actors.backtest.inputs import BacktestSetup
from actors.backtest.replay_exchange import ReplayExchange
from messages.events import OrderRequest


def held_to_the_end(setup: BacktestSetup) -> Decimal:
    """The equity at the last close; rupiah too few to buy with (under the pair's minimum)
    are held as they are."""
    first, last = setup.candles[0], setup.candles[-1]
    exchange = ReplayExchange(setup.rules, setup.capital_idr, setup.coins)
    if setup.capital_idr > 0:
        buy = OrderRequest(
            strategy_id=0,
            client_order_id="hold",
            leg="hold",
            pair=setup.pair.ticker_id,
            side="buy",
            order_type="market",
            quote_amount=str(setup.capital_idr),
        )
        exchange.place(buy, Moment(first, 0, first.time, first.open, moving=False))
    return exchange.equity(last.close)
