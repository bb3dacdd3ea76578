"""A grid replayed over five hourly candles, every trade and rupiah worked out by hand.

ETH/IDR, five levels 50, 51, 52, 53 and 54 million, 0.01 ETH a level, 0.02 ETH held for
its sells, 2,000,000 IDR; started at the first open, 52,300,000: level 2 is left empty,
buys rest at 51 and 50 million, sells at 53 and 54 million (0.01 ETH each, their cost the
held coin at the start price: 523,000 IDR). Maker fee 0.1 %, tax 0.21 % on sales, both
rounded up to the rupiah; a buy of 0.01 ETH at P pays 0.01 P and receives
(0.01 P - fee) / P ETH.

candle (open, low, high, close)                what fills                  its opposite
0  52.3  52.2  52.4  52.3                      nothing
1  52.3  50.9  52.5  52.0                      buy L1 51M: 0.00999 ETH     sell L2 52M (from
                                               for 510,000, fee 510        candle 2, though
                                                                           52.5M passes it)
2  52.0  51.8  53.2  53.1                      sell L2 52M: 519,480, fee   buy L1 51M
                                               520, tax 1,091: profit
                                               519,480 - 1,611 - 510,000 = 7,869
                                               sell L3 53M: 530,000, fee   buy L2 52M
                                               530, tax 1,113: profit
                                               530,000 - 1,643 - 523,000 = 5,357
3  53.1  51.5  53.3  52.5                      buy L2 52M: 0.00999 ETH     sell L3 53M
                                               for 520,000, fee 520
4  52.5  52.4  54.2  54.1                      sell L3 53M: 529,470, fee   buy L2 52M
                                               530, tax 1,112: profit
                                               529,470 - 1,642 - 520,000 = 7,828
                                               sell L4 54M: 540,000, fee   buy L3 53M
                                               540, tax 1,134: profit
                                               540,000 - 1,674 - 523,000 = 15,326

Realised 36,380. The account ends with no coin and 3,082,380 IDR (free, and held by the
four buys resting at 50, 51, 52 and 53 million): the start, 2,000,000 IDR and 0.02 ETH at
52,300,000 (3,046,000), plus the realised profit. Marked at each close: 3,046,000,
3,049,480, 3,067,226, 3,065,701, 3,082,380: the worst fall 1,525 (0.05 %).
Holding instead: 2,000,000 IDR bought at the first high (52,400,000, taker fee 4,000):
0.0380916 ETH, with the 0.02 held 0.0580916 ETH at 54,100,000 = 3,142,755.56.
"""

from __future__ import annotations

from decimal import Decimal

from replay_fixtures import HOUR, fills, hourly, rules

from actors.backtest.inputs import BacktestSetup
from actors.backtest.replay import run_backtest
from actors.backtest.results import Drawdown
from messages.statuses import StrategyStatus

PLAN = {
    "lower": "50000000",
    "upper": "54000000",
    "levels": "5",
    "amount_coin": "0.01",
    "coin_source": "held",
    "held": "0.02",
    "tick": "1000",
    "step": "0.00000001",
    "taker_fee": "0.002",
}
CANDLES = hourly(
    (52_300_000, 52_200_000, 52_400_000, 52_300_000),
    (52_300_000, 50_900_000, 52_500_000, 52_000_000),
    (52_000_000, 51_800_000, 53_200_000, 53_100_000),
    (53_100_000, 51_500_000, 53_300_000, 52_500_000),
    (52_500_000, 52_400_000, 54_200_000, 54_100_000),
)
D = Decimal


def test_a_grid_over_five_candles_makes_the_trades_and_the_profit_worked_out_by_hand():
    setup = BacktestSetup("grid", PLAN, rules("eth_idr"), CANDLES, HOUR, D(2_000_000), D("0.02"))
    result = run_backtest(setup)
    assert result.trades == fills(
        "maker",
        (1, "buy", 51_000_000, "0.00999", 510_000, 510, 0, "L1"),
        (2, "sell", 52_000_000, "0.00999", 519_480, 520, 1091, "L2"),
        (2, "sell", 53_000_000, "0.01", 530_000, 530, 1113, "L3"),
        (3, "buy", 52_000_000, "0.00999", 520_000, 520, 0, "L2"),
        (4, "sell", 53_000_000, "0.00999", 529_470, 530, 1112, "L3"),
        (4, "sell", 54_000_000, "0.01", 540_000, 540, 1134, "L4"),
    )
    profits = [
        dict(n.params)["profit"] for n in result.notices if n.key == "strategy.grid.pair_done"
    ]
    assert profits == ["7869", "5357", "7828", "15326"]
    assert result.realised == 36_380
    assert (result.fees, result.tax) == (3150, 4450)
    assert (result.final_idr, result.final_coins) == (3_082_380, 0)
    assert (result.start_equity, result.final_equity, result.return_pct) == (
        3_046_000,
        3_082_380,
        D("1.19"),
    )
    assert result.max_drawdown == Drawdown(D(1525), D("0.05"))
    assert (result.hold_final_equity, result.hold_return_pct) == (3_142_756, D("3.18"))
    assert (result.candles, result.status) == (5, StrategyStatus.RUNNING)
