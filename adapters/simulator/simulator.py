"""The simulator's state and its clock: accounts, market, engine, deadman and faults, built
from one `SimulatorConfig`, moved by the tick loop or by `set_price`, and published to the
WebSocket hub. Every method runs on the server's event loop; nothing here awaits while
half-way through a change, so the HTTP handlers, the tick loop and the control hooks never
see a half-applied order."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from aiohttp import web

from adapters.indodax.ws_protocol import BOOK_PREFIX, Summary
from adapters.simulator.accounts import Account, Accounts, AccountSpec, demo_spec
from adapters.simulator.catalog import DATA_DIR, Catalog
from adapters.simulator.deadman import Deadman
from adapters.simulator.engine import Engine, Fill
from adapters.simulator.faults import FaultPlan, Faults
from adapters.simulator.history import DAY
from adapters.simulator.market import MarketData, PriceSource, PublicTrade, RandomWalk, Replay
from adapters.simulator.private_hub import PrivateHub
from adapters.simulator.throttle import Throttle
from adapters.simulator.ws_hub import CentrifugoHub

log = logging.getLogger(__name__)

BOOK_PUSH_LEVELS = 50  # the exchange pushes up to 50 levels a side


@dataclass(frozen=True)
class SimulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8710  # 0 = any free port
    seed: int | None = None  # None = a new market every start
    tick_interval: float = 1.0  # seconds between price moves; 0 = only set_price moves prices
    ticks_file: Path | None = None  # replay CSV/JSONL `ts,pair,price` instead of the walk
    accounts: tuple[AccountSpec, ...] = ()
    spread: Decimal = Decimal("0.001")  # best ask - best bid, as a fraction of the last price
    fill_fraction: Decimal = Decimal(1)  # < 1: resting orders fill in parts
    history_minutes: int = 7 * 24 * 60  # invented history before the start
    faults: FaultPlan = field(default_factory=FaultPlan)
    markets_dir: Path = DATA_DIR  # pairs.json, price_increments.json, markets.json


class Simulator:
    def __init__(
        self,
        config: SimulatorConfig,
        hub: CentrifugoHub | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.seed = (
            config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)
        )
        self.clock = clock
        self.hub = hub or CentrifugoHub()
        self.private_hub = PrivateHub(self.now_ms)  # tokens outlive a reset, like the keys
        self.catalog = Catalog.load(config.markets_dir)
        self.accounts = Accounts(self.catalog.currencies())
        if config.seed is None:
            credentials: random.Random = random.SystemRandom()
        else:
            credentials = random.Random(config.seed)  # noqa: S311 - the same demo key each start
        self.demo: Account = self.accounts.add(demo_spec(credentials))
        for spec in config.accounts:
            self.accounts.add(spec)
        self._replay = (
            Replay.from_file(config.ticks_file, self.catalog) if config.ticks_file else None
        )
        self.faults = Faults(rng=random.Random(f"{self.seed}:faults"))  # noqa: S311
        self._build()

    def reset(self) -> None:
        """Back to the state at start: prices and history, balances, nonces, no orders, no
        armed deadman, the configured faults. Accounts added since stay (at their starting
        balances), so keys already handed out keep working."""
        self.deadman.disarm_all()
        self._build()

    def _build(self) -> None:
        starts = {market.id: market.start_price for market in self.catalog}
        source: PriceSource = RandomWalk(self.catalog, self.seed)
        if self._replay is not None:
            self._replay.rewind()
            starts |= self._replay.first_prices
            source = self._replay
        self.market = MarketData(self.catalog, self.seed, self.config.spread, source, starts)
        self.market.backfill(self.now(), self.config.history_minutes)
        self.accounts.restart()
        self.engine = Engine(
            self.accounts,
            self.market,
            self.now_ms,
            self.config.fill_fraction,
            listener=self.private_hub.publish,
        )
        self.deadman = Deadman(self.engine)
        self.set_faults(self.config.faults)

    def set_faults(self, plan: FaultPlan) -> None:
        self.faults.apply(plan)
        self.trade_throttle = Throttle(plan.trade_limit)
        self.cancel_throttle = Throttle(plan.cancel_limit)

    def now(self) -> int:
        return int(self.clock())

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def add_account(self, spec: AccountSpec) -> Account:
        return self.accounts.add(spec)

    def step(self, seconds: float) -> list[Fill]:
        """One move of the price source for every pair it moves, then matching."""
        return self._after_moves(self.market.step(seconds, self.now()))

    def set_price(self, pair_id: str, price: Decimal) -> list[Fill]:
        """Deterministic tests: a trade at exactly this price (snapped to the tick)."""
        return self._after_moves([self.market.move(pair_id, price, self.now())])

    def _after_moves(self, trades: list[PublicTrade]) -> list[Fill]:
        fills: list[Fill] = []
        for trade in trades:
            fills += self.engine.on_price(trade.pair_id)
            self._publish(trade)
        self.hub.publish_summary(self.summary(trade.pair_id) for trade in trades)
        return fills

    def _publish(self, trade: PublicTrade) -> None:
        pair = self.market[trade.pair_id].market.pair
        self.hub.publish_tick(pair, trade.ts, trade.price, trade.amount)
        if self.hub.subscribers(pair.ws_channel(BOOK_PREFIX)):
            book = self.market.depth(trade.pair_id)
            self.hub.publish_book(pair, book.bids[:BOOK_PUSH_LEVELS], book.asks[:BOOK_PUSH_LEVELS])

    async def drop_sockets(self) -> None:
        """A simulated network cut takes the market and the private sockets alike."""
        await self.hub.drop_all()
        await self.private_hub.drop_all()

    async def close_sockets(self) -> None:
        await self.hub.close()
        await self.private_hub.close()

    def summary(self, pair_id: str) -> Summary:
        state = self.market[pair_id]
        now = self.now()
        day = state.candles.day_stats(now, state.last)
        return Summary(
            pair=state.market.pair,
            ts=now,
            last=state.last,
            low=day.low,
            high=day.high,
            price_24h_ago=state.candles.price_at(now - DAY, state.last),
            quote_volume=day.quote_volume,
            base_volume=day.volume,
        )

    async def run_ticks(self) -> None:
        """The price process; not started when `tick_interval` is 0."""
        interval = self.config.tick_interval
        while True:
            await asyncio.sleep(interval)
            try:
                self.step(interval)
            except Exception:  # one bad step must not freeze the market for the whole run
                log.exception("price step failed")


SIMULATOR = web.AppKey("simulator", Simulator)
