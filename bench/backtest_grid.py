"""The issue's backtest: a 50-level grid over 30 days of 15-minute candles (2,880), BTC/IDR
on a seeded random walk (the same case as tests/backtest/test_month_of_grid.py), timed from
the setup to the result, several runs. Target: 10 s or less. The same month on hourly
candles, and on 1-minute candles (43,200, the finest Indodax gives), for comparison. The
candles are made before the clock starts.

Run: .venv/bin/python bench/backtest_grid.py [--runs N]
Prints per case: candles, trades, the wall time of each run, the best and the median, and
the target. Exits 1 when it measured nothing (a run without a trade).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from actors.backtest.inputs import BacktestSetup
from actors.backtest.replay import run_backtest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "backtest"))
from replay_fixtures import month_of_grid, random_walk

TARGET_SECONDS = 10.0


def timed(setup: BacktestSetup, runs: int) -> tuple[int, list[float]]:
    """The trades of the last run, and each run's wall time."""
    seconds, trades = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        result = run_backtest(setup)
        seconds.append(time.perf_counter() - started)
        trades = len(result.trades)
    return trades, seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    month = month_of_grid()
    measured = True
    for minutes in (15, 60, 1):
        candles = random_walk(days=30, minutes=minutes, price=1_500_000_000, seed=7)
        setup = replace(month, candles=candles, timeframe=timedelta(minutes=minutes))
        trades, seconds = timed(setup, args.runs)
        runs = ", ".join(f"{second:.2f}" for second in seconds)
        print(
            f"30 days, 50-level grid, {minutes}-minute candles: {len(candles):,} candles, "
            f"{trades:,} trades; wall time {runs} s; best {min(seconds):.2f} s, "
            f"median {statistics.median(seconds):.2f} s (target <= {TARGET_SECONDS:.0f} s)"
        )
        measured = measured and trades > 0
    return 0 if measured else 1


if __name__ == "__main__":
    sys.exit(main())
