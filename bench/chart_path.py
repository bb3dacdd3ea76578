"""Time from a chart request to its photo leaving the chart maker, and what the photo costs
the Notifier's outbox.

The chart maker runs in this process (simpleSystemBase) against the local simulator (two
days of minute history), a Collector standing in for the Notifier; each request is told
and the photo waited for, one at a time:

price (fetched): a pair's 1 h chart whose candles are not kept, so fetched first
price (kept):    the same within the minute the candles are kept
allocation:      30 assets
pnl:             90 days of results

outbox: storing a photo's message with its PNG (SQLite, the row and the PNG in one
transaction) against a text reply's row.

Run: .venv/bin/python bench/chart_path.py [--charts N]
Prints p50/p99 per kind against the target [p99 <= 1 s]; exits 1 if a kind got no photo.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from thespian.actors import ActorSystem

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from actor_doubles import Collector, collected

from actors.charts.chart_maker import ChartMaker
from adapters.simulator.server import SimulatorServer
from config.schema import DatabaseSettings, Settings
from config.secret import SecretUrl
from messages.charts import (
    AllocationChartRequest,
    ChartDay,
    ChartHolding,
    ChartLine,
    ChartRequest,
    PnlChartRequest,
    PriceChartRequest,
)
from messages.events import Boot
from messages.replies import Photo
from persistence.database import connect
from persistence.migrate import apply_migrations
from persistence.models.outbox import store

TARGET_P99_S = 1.0
WHO = {"telegram_id": 1, "chat_id": 1, "language": "id", "caption_key": "chart.caption.pnl"}


def percentiles(seconds: list[float], places: int = 0) -> str:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    p50 = statistics.median(ordered)
    return f"p50 {p50 * 1000:.{places}f} ms, p99 {p99 * 1000:.{places}f} ms"


def requests() -> dict[str, Callable[[int], ChartRequest]]:
    lines = tuple(ChartLine("grid", str(950_000_000 + n * 2_000_000)) for n in range(50))
    holdings = tuple(ChartHolding(f"c{n:02d}", str(1_000_000 * (n + 1))) for n in range(30))
    first = date(2026, 9, 1)
    days = tuple(ChartDay(first + timedelta(days=n), str((n % 7 - 3) * 10_000)) for n in range(90))
    timeframes = ("1h", "4h", "1d", "15m", "30m", "1w", "3d", "1m")
    return {
        "price (fetched)": lambda n: PriceChartRequest(
            **WHO, pair="btc_idr", timeframe=timeframes[n % len(timeframes)], lines=lines
        ),
        "price (kept)": lambda n: PriceChartRequest(**WHO, pair="btc_idr", lines=lines),
        "allocation": lambda n: AllocationChartRequest(**WHO, holdings=holdings),
        "pnl": lambda n: PnlChartRequest(**WHO, days=days),
    }


def charts(system: ActorSystem, maker: object, notifier: object, count: int) -> bool:
    drawn_all = True
    for name, request in requests().items():
        seconds = []
        for n in range(count):
            if name == "price (fetched)" and n and n % 8 == 0:
                time.sleep(61)  # the kept candles run out: each timeframe is fetched again
            started = time.perf_counter()
            system.tell(maker, request(n))
            photos: list[object] = []
            while not photos:
                photos = [m for m in collected(system, notifier) if isinstance(m, Photo)]
            seconds.append(time.perf_counter() - started)
        drawn_all &= bool(seconds)
        print(f"{name:16} {percentiles(seconds)}  [target p99 <= {TARGET_P99_S:g} s]")
    return drawn_all


def outbox(png: bytes, count: int) -> None:
    for label, photos in (("text reply", None), (f"photo {len(png) // 1000} kB", png)):
        seconds = []
        for n in range(count):
            cid = f"{label[:5]}-{n}"
            started = time.perf_counter()
            store(
                [{"correlation_id": cid, "chat_id": 1, "payload": {"key": "x"}}],
                photos={cid: photos} if photos else None,
            )
            seconds.append(time.perf_counter() - started)
        print(f"outbox, {label:16} {percentiles(seconds, places=2)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--charts", type=int, default=8)
    count = parser.parse_args().charts
    with tempfile.TemporaryDirectory() as folder:
        url = SecretUrl(f"sqlite:///{folder}/bench.sqlite3")
        apply_migrations(connect(url))
        simulator = SimulatorServer(port=0, seed=3, tick_interval=0, history_minutes=2 * 24 * 60)
        simulator.start()
        system = ActorSystem("simpleSystemBase", transientUnique=True)
        try:
            settings = Settings(
                database=DatabaseSettings(url=url), indodax=simulator.indodax_settings()
            )
            notifier = system.createActor(Collector)
            maker = system.createActor(ChartMaker)
            started = time.perf_counter()
            system.tell(maker, Boot(settings=settings, notifier=notifier))
            print(f"chart maker booted (matplotlib imported, one chart drawn) in "
                  f"{time.perf_counter() - started:.2f} s")  # fmt: skip
            drawn_all = charts(system, maker, notifier, count)
            system.tell(maker, requests()["price (kept)"](0))
            [photo] = [m for m in collected(system, notifier) if isinstance(m, Photo)]
            connect(url)
            outbox(photo.png, 50)
        finally:
            system.shutdown()
            simulator.stop()
    return 0 if drawn_all else 1


if __name__ == "__main__":
    sys.exit(main())
