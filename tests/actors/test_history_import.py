"""The import of a linked account's history: windows back to the horizon, what is new on
the next start, pages of a thousand, each trade stored once, an error resumed from where
it stopped, transfers by days, and a relinked key's history forgotten."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from actors.user.history_import import HistoryImport
from actors.user.timers import Timers
from adapters.indodax.errors import ExchangeUnavailable
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import MyTrade, Transfer
from persistence.models.history import AccountTrade, AccountTransfer, HistoryCursor
from persistence.models.users import create_user
from tests.actors.user_part_fakes import FakeKeys, FakeSession

BTC, ETH = Pair("btc", "idr"), Pair("eth", "idr")
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
DAYS = 30


def trade(number: int, at: datetime, pair: Pair = BTC) -> MyTrade:
    return MyTrade(
        pair=pair,
        trade_id=str(number),
        order_id=f"{pair.id}-limit-{number}",
        client_order_id=None,
        price=Decimal(1_000_000_000),
        quantity=Decimal("0.0001"),
        quote_quantity=Decimal(100_000),
        commission=Decimal(200),
        commission_asset="idr",
        is_buyer=True,
        is_maker=False,
        time=at,
    )


@dataclass
class HistoryExchange:
    """The v2 myTrades and transHistory rules: a window of at most 7 days, the first
    `limit` rows of it in the order asked for; each call recorded."""

    trades: list[MyTrade] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    held: dict[str, Decimal] = field(default_factory=lambda: {"btc": Decimal("0.5")})
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    fail_next: int = 0

    def get_info(self) -> SimpleNamespace:
        self.calls.append(("getInfo",))
        return SimpleNamespace(free=self.held, hold={})

    def my_trades(
        self, pair: Pair, start_ms: int, end_ms: int, limit: int, *, oldest_first: bool = False
    ) -> tuple[MyTrade, ...]:
        self.calls.append(("myTrades", pair.id, start_ms, end_ms, oldest_first))
        self._maybe_fail()
        assert end_ms - start_ms <= 7 * 86_400_000
        rows = sorted(
            (
                row
                for row in self.trades
                if row.pair == pair and start_ms <= row.time.timestamp() * 1000 <= end_ms
            ),
            key=lambda row: row.time,
            reverse=not oldest_first,
        )
        return tuple(rows[:limit])

    def transfers_between(self, start: date, end: date) -> tuple[Transfer, ...]:
        self.calls.append(("transHistory", start, end))
        self._maybe_fail()
        assert timedelta(0) <= end - start <= timedelta(days=7)
        return tuple(row for row in self.transfers if start <= row.time.date() <= end)

    def _maybe_fail(self) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ExchangeUnavailable("502 from the exchange")


class Budget:
    """Every user's imports' calls this minute: `waits` says how long the next must wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def take(self) -> float:
        return self.waits.pop(0) if self.waits else 0.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    exchange: HistoryExchange
    history: HistoryImport
    wakeups: list[tuple[timedelta, Any]]
    timers: Timers
    clock: Clock
    user: Any

    def run(self, most: int = 1000) -> int:
        """Rings the import's timers until it stops; how many rang."""
        rung = 0
        while self.wakeups and rung < most:
            _, payload = self.wakeups.pop(0)
            self.timers.rang(payload)
            rung += 1
        return rung

    def trades(self) -> list[str]:
        return sorted(row.trade_id for row in AccountTrade.select())


@pytest.fixture
def world(database: Any) -> World:
    user = create_user(telegram_id=7, chat_id=70, language="en", mode="live")
    exchange = HistoryExchange()
    private = SimpleNamespace(
        get_info=exchange.get_info,
        my_trades=exchange.my_trades,
        transfers=exchange.transfers_between,
    )
    catalog = SimpleNamespace(pairs=lambda: [BTC, ETH])
    session = FakeSession(user=user, keys=FakeKeys(), private=private, catalog=catalog)
    wakeups: list[tuple[timedelta, Any]] = []
    timers = Timers(lambda delay, payload: wakeups.append((delay, payload)))
    clock = Clock()
    budget = Budget()
    history = HistoryImport(
        session,  # type: ignore[arg-type]
        timers,
        days=DAYS,
        interval=timedelta(milliseconds=10),
        clock=clock,
        budget=lambda: budget,
    )
    return World(exchange, history, wakeups, timers, clock, user)


def test_an_import_reads_back_to_the_horizon_a_week_per_call_and_then_stops(world):
    world.exchange.trades = [trade(n, NOW - timedelta(days=n)) for n in range(1, 40)]
    world.history.start()
    world.run()
    assert world.trades() == sorted(str(n) for n in range(1, 31))  # 30 days back, no more
    trade_calls = [call for call in world.exchange.calls if call[0] == "myTrades"]
    assert len(trade_calls) == 5  # ceil(30 / 7) windows of one pair
    assert world.history.running is False
    progress = world.history.progress(world.user)
    assert progress.complete and progress.since == (NOW - timedelta(days=DAYS)).date()


def test_a_full_page_is_read_on_from_its_oldest_trade_and_each_trade_is_stored_once(world):
    start = NOW - timedelta(days=2)
    world.exchange.trades = [trade(n, start + timedelta(seconds=n)) for n in range(1, 2501)]
    world.history.start()
    world.run()
    assert len(world.trades()) == 2500
    first_window = [call for call in world.exchange.calls if call[0] == "myTrades"][:3]
    # newest first: each full page's oldest trade is where the next read ends
    assert [call[3] for call in first_window] == [
        int(NOW.timestamp() * 1000),
        int((start + timedelta(seconds=1501)).timestamp() * 1000),
        int((start + timedelta(seconds=502)).timestamp() * 1000),  # the boundary read twice
    ]


def test_the_next_start_reads_only_what_is_new_oldest_first(world):
    world.exchange.trades = [trade(1, NOW - timedelta(days=3))]
    world.history.start()
    world.run()
    world.exchange.calls.clear()
    world.clock.now = NOW + timedelta(hours=2)
    world.exchange.trades.append(trade(2, NOW + timedelta(hours=1)))
    world.history.start()
    world.run()
    assert world.trades() == ["1", "2"]
    [(_, pair, start_ms, end_ms, oldest_first)] = [
        call for call in world.exchange.calls if call[0] == "myTrades"
    ]
    assert (pair, oldest_first) == ("btcidr", True)
    assert (start_ms, end_ms) == (
        int(NOW.timestamp() * 1000),
        int(world.clock.now.timestamp() * 1000),
    )


def test_an_error_is_retried_later_from_the_same_window_without_a_gap(world):
    world.exchange.trades = [trade(n, NOW - timedelta(days=n)) for n in range(1, 30)]
    world.history.start()
    world.run(most=7)  # getInfo, five weeks of transfers, the first week of trades
    world.exchange.fail_next = 2
    world.run()
    assert world.trades() == sorted(str(n) for n in range(1, 30))
    delays = [call for call in world.exchange.calls if call[0] == "myTrades"]
    assert delays[1][1:4] == delays[2][1:4] == delays[3][1:4]  # the failed window, read again


def test_an_import_that_keeps_failing_stops_and_the_next_start_resumes_it(world):
    world.exchange.trades = [trade(n, NOW - timedelta(days=n)) for n in range(1, 30)]
    world.history.start()
    world.run(most=2)
    world.exchange.fail_next = 5
    world.run()
    assert world.history.running is False and world.trades() == []
    world.history.start()
    world.run()
    assert world.trades() == sorted(str(n) for n in range(1, 30))


def test_coins_deposited_are_imported_and_their_market_is_read_too(world):
    arrived = Transfer("deposit", "eth", "31", Decimal(2), Decimal(0), NOW - timedelta(days=9))
    world.exchange.transfers = [arrived]
    world.exchange.trades = [trade(1, NOW - timedelta(days=8), ETH)]
    world.history.start()
    world.run()
    [row] = AccountTransfer.select()
    assert (row.currency, row.amount, row.cost) == ("eth", Decimal(2), None)
    assert world.trades() == ["1"]
    assert {cursor.source for cursor in HistoryCursor.select()} == {
        "transfers",
        "btc_idr",
        "eth_idr",
    }
    windows = [call[1:] for call in world.exchange.calls if call[0] == "transHistory"]
    assert windows[0] == (NOW.date() - timedelta(days=6), NOW.date())
    assert all((end - start).days <= 6 for start, end in windows)


def test_a_relinked_key_forgets_the_history_and_reads_it_again(world):
    world.exchange.trades = [trade(1, NOW - timedelta(days=1))]
    world.history.start()
    world.run(most=7)  # getInfo, five weeks of transfers, the first week of trades
    assert world.trades() == ["1"]
    world.exchange.trades = [trade(9, NOW - timedelta(days=1))]  # another account
    world.history.relink()
    world.run()
    assert world.trades() == ["9"]


def test_an_unfinished_import_goes_on_at_the_actors_start_within_a_minute_and_a_finished_one_waits(
    world,
):
    world.exchange.trades = [trade(1, NOW - timedelta(days=1))]
    world.history.start()
    world.run(most=3)  # stopped half way: getInfo and two weeks of transfers
    world.history.running = False  # the actor left
    world.wakeups.clear()
    world.history.jitter = lambda: 0.5
    world.history.resume()
    [(delay, _)] = world.wakeups
    assert delay == timedelta(seconds=30)  # half of the minute it is spread over
    world.history.freshen()  # the user asks for /portfolio meanwhile: it begins now
    assert world.wakeups[-1][0] == timedelta(0)
    world.run()
    assert world.trades() == ["1"]
    assert world.history.running is False  # the put-off timer, of the earlier run, did nothing

    world.exchange.calls.clear()
    world.history.running = False
    world.history.resume()  # finished: nothing is read until /portfolio asks
    assert world.wakeups == [] and world.exchange.calls == []


def test_an_import_waits_when_every_users_imports_have_had_this_minutes_calls(world):
    world.exchange.trades = [trade(1, NOW - timedelta(days=1))]
    world.history.start()
    world.history.open_budget().waits = [42.0]
    world.run(most=1)
    assert world.exchange.calls == []  # nothing was asked of the exchange
    [(delay, _)] = world.wakeups
    assert delay == timedelta(seconds=42)
    world.run()
    assert world.trades() == ["1"]
