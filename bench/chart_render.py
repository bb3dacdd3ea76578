"""Time to draw each chart kind as PNG bytes, in one process, one after another.

price:      30 days of hourly candles (720, drawn as a close line), 50 grid levels, a buy
            and a sell order, a take-profit and a stop-loss, 20 fills
allocation: 30 assets (the 11 largest and one bar of the other 19)
pnl:        90 days of realised results

Run: .venv/bin/python bench/chart_render.py [--renders N]
Prints the first render (fonts loaded, caches cold) and p50/p99 per kind
against the target [p99 <= 1 s]; exits 1 if a kind measured nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from adapters.charts.allocation_chart import AllocationChartData, Holding, render_allocation_chart
from adapters.charts.pnl_chart import PnlChartData, PnlDay, render_pnl_chart
from adapters.charts.price_chart import FillMark, Line, PriceChartData, render_price_chart

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "charts"))
from chart_data import candles

TARGET_P99_S = 1.0


def price_chart() -> Callable[[], bytes]:
    month = candles(30 * 24)
    lines = (
        *(Line("grid", Decimal(1_400_000_000 + n * 8_000_000)) for n in range(50)),
        Line("buy", Decimal(1_500_000_000)),
        Line("sell", Decimal(1_600_000_000)),
        Line("take_profit", Decimal(1_700_000_000)),
        Line("stop_loss", Decimal(1_380_000_000)),
    )
    fills = tuple(
        FillMark(month[n].time, month[n].close, "buy" if n % 2 else "sell")
        for n in range(0, 720, 36)
    )
    data = PriceChartData("BTC/IDR", "idr", month, "id", lines, fills)
    return lambda: render_price_chart(data)


def allocation_chart() -> Callable[[], bytes]:
    rng = random.Random(2)
    held = tuple(Holding(f"c{n:02d}", Decimal(rng.randint(1_000, 50_000_000))) for n in range(30))
    data = AllocationChartData(held, "id")
    return lambda: render_allocation_chart(data)


def pnl_chart() -> Callable[[], bytes]:
    rng = random.Random(3)
    first = date(2026, 9, 1)
    days = tuple(
        PnlDay(first + timedelta(days=n), Decimal(rng.randint(-400_000, 350_000)))
        for n in range(90)
    )
    data = PnlChartData(days, "id")
    return lambda: render_pnl_chart(data)


def percentile(times: list[float], share: float) -> float:
    return statistics.quantiles(times, n=100)[int(share * 100) - 1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=50)
    args = parser.parse_args()
    if args.renders < 2:
        parser.error("--renders: at least 2, for a percentile")
    kinds = {"price": price_chart(), "allocation": allocation_chart(), "pnl": pnl_chart()}
    began = time.perf_counter()
    kinds["price"]()
    print(f"first price render (fonts loaded, caches cold): {time.perf_counter() - began:.2f} s")
    failed = False
    for name, render in kinds.items():
        times, size = [], 0
        for _ in range(args.renders):
            began = time.perf_counter()
            size = len(render())
            times.append(time.perf_counter() - began)
        if not size:
            print(f"{name}: measured nothing", file=sys.stderr)
            failed = True
            continue
        p99 = percentile(times, 0.99)
        print(
            f"{name:>10}: {len(times)} renders, p50 {statistics.median(times) * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms, {size / 1024:.0f} kB [p99 <= {TARGET_P99_S:.0f} s: "
            f"{'met' if p99 <= TARGET_P99_S else 'not met'}]"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
