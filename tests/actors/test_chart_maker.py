"""The chart maker on its own: requests in, a photo (or a text saying why not) out to the
Notifier. simpleSystemBase runs it in this process; the simulator serves the candles over
real HTTP, so the public client, the market list and the cache are the real ones."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from actor_doubles import Collector, collected
from thespian.actors import WakeupMessage

from actors.charts.candles import CandleCache
from actors.charts.chart_maker import DRAW_NEXT, ChartMaker
from adapters.charts import canvas
from adapters.indodax.pairs import parse_pair
from adapters.indodax.shared_catalog import shared_catalog
from adapters.simulator.server import SimulatorServer
from config.schema import Settings, StorageSettings
from messages.charts import (
    AllocationChartRequest,
    ChartDay,
    ChartFill,
    ChartHolding,
    ChartLine,
    PnlChartRequest,
    PriceChartRequest,
)
from messages.events import Boot
from messages.replies import Photo, Reply
from tests.charts.chart_images import SIZE, colours, png_size, rgb

USER = {"telegram_id": 77, "chat_id": 77, "language": "en"}
COINS = ("btc", "eth", "sol", "xrp", "ada", "doge", "dot", "trx", "ltc", "bnb")
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def simulator():
    server = SimulatorServer(port=0, seed=11, tick_interval=0, history_minutes=3 * 24 * 60)
    server.start()
    server.set_price("btcidr", Decimal(1_000_000_000))
    yield server
    server.stop()


@pytest.fixture
def maker(actor_system, settings, simulator, tmp_path):
    """(system, chart maker, notifier)"""
    settings = Settings(
        database=settings.database,
        storage=StorageSettings(data_dir=tmp_path),
        indodax=simulator.indodax_settings(),
    )
    notifier = actor_system.createActor(Collector)
    maker = actor_system.createActor(ChartMaker)
    actor_system.tell(maker, Boot(settings=settings, notifier=notifier))
    return actor_system, maker, notifier


def answers(maker, *requests) -> list[Photo | Reply]:
    system, address, notifier = maker
    for request in requests:
        system.tell(address, request)
    found: list[Photo | Reply] = []
    for _ in range(50):
        found += [m for m in collected(system, notifier) if isinstance(m, Reply)]
        if len(found) >= len(requests):
            break
    return found


def assert_a_whole_chart(answer: Photo | Reply) -> None:
    assert isinstance(answer, Photo), answer
    assert png_size(answer.png) == SIZE
    assert sum(colours(answer.png).values()) == SIZE[0] * SIZE[1]  # every row decodes


def assets(count: int) -> tuple[ChartHolding, ...]:
    names = [*COINS, *(f"coin{n}" for n in range(count))][:count]
    return tuple(ChartHolding(name, str(1_000_000 * (n + 1))) for n, name in enumerate(names))


def days(count: int) -> tuple[ChartDay, ...]:
    first = date(2026, 11, 1)
    return tuple(
        ChartDay(first + timedelta(days=n), str((-1) ** n * 25_000 * n)) for n in range(count)
    )


def orders(count: int) -> tuple[ChartLine, ...]:
    return tuple(
        ChartLine("buy" if n % 2 else "sell", str(990_000_000 + n * 1_000_000))
        for n in range(count)
    )


@pytest.mark.parametrize("count", [0, 1, 30])
def test_an_allocation_is_drawn_for_nothing_one_asset_and_thirty(maker, count):
    request = AllocationChartRequest(
        **USER, caption_key="chart.caption.allocation", holdings=assets(count)
    )
    [answer] = answers(maker, request)
    assert_a_whole_chart(answer)
    assert (answer.key, answer.correlation_id) == (
        "chart.caption.allocation",
        request.correlation_id,
    )


@pytest.mark.parametrize("count", [0, 1, 30])
def test_realised_profit_and_loss_is_drawn_for_no_day_one_day_and_thirty(maker, count):
    [answer] = answers(
        maker, PnlChartRequest(**USER, caption_key="chart.caption.pnl", days=days(count))
    )
    assert_a_whole_chart(answer)


@pytest.mark.parametrize("count", [0, 1, 30])
def test_a_price_chart_is_drawn_with_no_order_one_and_thirty(maker, count):
    fills = tuple(
        ChartFill(NOW - timedelta(hours=n), "1000000000", "buy" if n % 2 else "sell")
        for n in range(count)
    )
    request = PriceChartRequest(
        **USER,
        caption_key="chart.caption.price",
        caption_params=(("pair", "BTC/IDR"), ("timeframe", "1h")),
        pair="btc_idr",
        timeframe="1h",
        lines=orders(count),
        fills=fills,
    )
    [answer] = answers(maker, request)
    assert_a_whole_chart(answer)
    assert answer.params == request.caption_params
    painted = colours(answer.png)
    assert painted[rgb(canvas.GAIN)] + painted[rgb(canvas.LOSS)] > 500  # the simulator's candles


def test_an_exchange_error_while_fetching_candles_is_answered_with_a_translated_text(
    maker, simulator
):
    shared_catalog(simulator.base_url).pairs()  # the market list is known: only candles fail
    simulator.set_faults(http_errors={"status": 502, "next": 1, "surfaces": ["public"]})
    request = PriceChartRequest(
        **USER, caption_key="chart.caption.price", pair="btc_idr", timeframe="4h"
    )
    [answer] = answers(maker, request)
    assert not isinstance(answer, Photo)
    assert (answer.key, answer.params) == ("chart.exchange_unavailable", (("pair", "BTC/IDR"),))
    assert answer.correlation_id == request.correlation_id
    [again] = answers(maker, request)  # the exchange answers again, and so does the chart
    assert_a_whole_chart(again)


def test_a_chart_that_cannot_be_drawn_is_answered_with_a_text_and_the_maker_goes_on(maker):
    broken = PnlChartRequest(
        **USER, caption_key="chart.caption.pnl", days=(ChartDay(date(2026, 1, 1), "lots"),)
    )
    fine = PnlChartRequest(**USER, caption_key="chart.caption.pnl", days=days(2))
    failed, drawn = answers(maker, broken, fine)
    assert (type(failed), failed.key) == (Reply, "chart.failed")
    assert_a_whole_chart(drawn)


class RecordingChartMaker(ChartMaker):
    """The chart maker's own logic, with its timers and sends recorded: the test decides
    when the next turn comes, as the mailbox would between two charts."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Photo | Reply] = []
        self.turns: list[object] = []

    def send(self, target: object, message: object) -> None:
        self.sent.append(message)  # type: ignore[arg-type]

    def wakeupAfter(self, delay: object, payload: object = None) -> None:
        self.turns.append(payload)


def test_a_user_asking_for_many_charts_delays_anothers_by_one_render_at_most(
    settings, simulator, tmp_path
):
    maker = RecordingChartMaker()
    maker.receiveMessage(
        Boot(settings=Settings(database=settings.database, indodax=simulator.indodax_settings())),
        None,
    )
    many = [
        PnlChartRequest(**USER, caption_key="chart.caption.pnl", correlation_id=f"a{n}")
        for n in range(4)
    ]
    other = PnlChartRequest(
        **{**USER, "telegram_id": 78}, caption_key="chart.caption.pnl", correlation_id="b"
    )
    for request in (*many, other):  # in the mailbox before the first turn comes
        maker.receiveMessage(request, None)
    while DRAW_NEXT in maker.turns:
        maker.turns.remove(DRAW_NEXT)
        maker.receiveMessage(WakeupMessage(timedelta(0), DRAW_NEXT), None)
    assert [m.correlation_id for m in maker.sent] == ["a0", "b", "a1", "a2", "a3"]


class CountingExchange:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def ohlc(self, pair, timeframe, start, end):
        self.asked.append((pair.id, timeframe))
        return ()


def test_candles_are_asked_once_a_minute_per_pair_and_timeframe():
    exchange, now = CountingExchange(), [NOW]
    cache = CandleCache(exchange, clock=lambda: now[0])  # type: ignore[arg-type]
    btc, eth = parse_pair("btc_idr"), parse_pair("eth_idr")
    for pair, timeframe in ((btc, "1h"), (btc, "1h"), (eth, "1h"), (btc, "4h")):
        cache.candles(pair, timeframe)
    now[0] += timedelta(seconds=61)
    cache.candles(btc, "1h")
    assert exchange.asked == [
        ("btcidr", "60"),
        ("ethidr", "60"),
        ("btcidr", "240"),
        ("btcidr", "60"),
    ]


def test_no_process_a_users_actor_is_forked_from_loads_matplotlib():
    """bin/run's process forks the actor system, whose Supervisor forks every user's actor:
    what both import must leave matplotlib to the chart maker's own process."""
    code = (
        "import sys; sys.path.insert(0, 'bin/entry'); import run; "
        "import actors.core.supervisor, actors.user.user_actor, adapters.telegram.runner; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    root = Path(__file__).resolve().parents[2]
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
