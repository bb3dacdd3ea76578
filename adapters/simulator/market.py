"""The simulated market: a last price per pair moved by a price source (a seeded random walk,
or a replayed tick file), the best bid/ask around it, a 150-level book, recent public
trades and one-minute candles. Everything derives from the seed, so `--seed` replays."""

from __future__ import annotations

import csv
import io
import json
import math
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

from adapters.indodax.pairs import UnknownPair, parse_pair
from adapters.simulator.catalog import Catalog, Market
from adapters.simulator.formats import snap
from adapters.simulator.history import DAY, MINUTE, Candle, Candles

BOOK_LEVELS = 150
KEPT_TRADES = 200


@dataclass(frozen=True)
class PublicTrade:
    pair_id: str
    tid: int
    ts: int  # unix seconds
    price: Decimal
    amount: Decimal  # base coin
    side: str  # the taker's side: "buy" when the price ticked up


Level = tuple[Decimal, Decimal]  # price, base volume


@dataclass(frozen=True)
class Depth:
    seq: int  # the trade it was built after
    bids: list[Level]  # best first (descending)
    asks: list[Level]  # best first (ascending)


class PairState:
    def __init__(self, market: Market, price: Decimal) -> None:
        self.market = market
        self.last = price
        self.bid = price
        self.ask = price
        self.depth: Depth | None = None  # built on first read after each move
        self.trades: deque[PublicTrade] = deque(maxlen=KEPT_TRADES)
        self.candles = Candles()
        self.seq = 0


class PriceSource(Protocol):
    def advance(self, prices: dict[str, Decimal], seconds: float) -> dict[str, Decimal]:
        """The pairs that move in this step and their new (unrounded) prices."""
        ...


class RandomWalk:
    """Geometric random walk; `volatility` in the data file is the move's deviation per
    minute, scaled by √(step/60 s) so the tick rate does not change the market's character."""

    def __init__(self, catalog: Catalog, seed: int, label: str = "walk") -> None:
        self._catalog = catalog
        self._rngs = {
            market.id: random.Random(f"{seed}:{label}:{market.id}")  # noqa: S311 - replayable
            for market in catalog
        }

    def advance(self, prices: dict[str, Decimal], seconds: float) -> dict[str, Decimal]:
        return {pair_id: self.step(pair_id, price, seconds) for pair_id, price in prices.items()}

    def step(self, pair_id: str, price: Decimal, seconds: float) -> Decimal:
        market = self._catalog.markets[pair_id]
        deviation = float(market.volatility) * math.sqrt(seconds / MINUTE)
        move = Decimal(repr(round(self._rngs[pair_id].gauss(0.0, deviation), 12)))
        return price * (1 + move)


class TickFileError(ValueError):
    """A tick file the simulator cannot replay; the text names the file and line."""


class Replay:
    """A recorded tick file (CSV `ts,pair,price` or JSON lines with those keys): every step
    applies the next group of rows that share a timestamp; at the end prices stay put."""

    def __init__(self, steps: list[dict[str, Decimal]]) -> None:
        self._steps = steps
        self._next = 0
        self.first_prices: dict[str, Decimal] = {}
        for step in steps:
            for pair_id, price in step.items():
                self.first_prices.setdefault(pair_id, price)

    def advance(self, prices: dict[str, Decimal], seconds: float) -> dict[str, Decimal]:
        if self._next >= len(self._steps):
            return {}
        self._next += 1
        return self._steps[self._next - 1]

    def rewind(self) -> None:
        self._next = 0

    @classmethod
    def from_file(cls, path: Path, catalog: Catalog) -> Replay:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise TickFileError(f"{path}: {error.strerror}") from None
        rows = _json_rows(text) if text.lstrip().startswith("{") else _csv_rows(text)
        steps: list[dict[str, Decimal]] = []
        last_ts: str | None = None
        for line, ts, pair_text, price_text in rows:
            where = f"{path}:{line}"
            try:
                pair = parse_pair(pair_text)
                price = Decimal(price_text)
            except (UnknownPair, InvalidOperation):
                raise TickFileError(f"{where}: expected ts,pair,price") from None
            market = catalog.by_path_id(pair.id)
            if market is None:
                raise TickFileError(f"{where}: pair {pair_text!r} is not in the market list")
            if not price.is_finite() or price <= 0:
                raise TickFileError(f"{where}: price {price_text!r} must be positive")
            if ts != last_ts:
                steps.append({})
                last_ts = ts
            steps[-1][market.id] = price
        if not steps:
            raise TickFileError(f"{path}: no ticks")
        return cls(steps)


def _csv_rows(text: str) -> Iterator[tuple[int, str, str, str]]:
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not any(cell.strip() for cell in row) or row[0].strip().lower() == "ts":
            continue
        if len(row) != 3:
            yield line, "", "", ""
            continue
        yield line, row[0].strip(), row[1].strip(), row[2].strip()


def _json_rows(text: str) -> Iterator[tuple[int, str, str, str]]:
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
            yield line, str(row["ts"]), str(row["pair"]), str(row["price"])
        except (ValueError, KeyError, TypeError):
            yield line, "", "", ""


class MarketData:
    def __init__(
        self,
        catalog: Catalog,
        seed: int,
        spread: Decimal,
        source: PriceSource,
        start_prices: dict[str, Decimal],
    ) -> None:
        self.spread = spread
        self.source = source
        self.seed = seed
        self._rng = random.Random(f"{seed}:trades")  # noqa: S311 - a replayable market
        self._history = RandomWalk(catalog, seed, label="history")
        self.pairs = {
            market.id: PairState(market, self._on_tick(market, start_prices[market.id]))
            for market in catalog
        }
        for state in self.pairs.values():
            self._requote(state)

    def __getitem__(self, pair_id: str) -> PairState:
        return self.pairs[pair_id]

    def backfill(self, now: int, minutes: int) -> None:
        """Invent `minutes` of history that ends exactly at each pair's current price, so
        charts, 24-hour figures and /api/trades look like a market that was already open."""
        for pair_id, state in self.pairs.items():
            state.candles.keep(minutes + DAY // MINUTE)
            closes = [state.last]
            for _ in range(minutes):
                back = self._history.step(pair_id, closes[-1], MINUTE)
                closes.append(self._on_tick(state.market, back))
            closes.reverse()
            start = now - now % MINUTE - minutes * MINUTE
            for index in range(minutes):
                recent = index >= minutes - KEPT_TRADES  # older trades would fall off anyway
                ts = start + index * MINUTE
                self._backfill_minute(state, ts, closes[index], closes[index + 1], recent)

    def _backfill_minute(
        self, state: PairState, ts: int, open_: Decimal, close: Decimal, with_trade: bool
    ) -> None:
        market = state.market
        wiggle = Decimal(repr(round(abs(self._rng.gauss(0, float(market.volatility))) / 2, 12)))
        high = snap(max(open_, close) * (1 + wiggle), market.tick, ROUND_CEILING)
        low = max(snap(min(open_, close) * (1 - wiggle), market.tick, ROUND_FLOOR), market.tick)
        volume = self._trade_amount(market) * self._rng.randint(1, 20)
        state.candles.append(Candle(ts, open_, high, low, close, volume, close * volume))
        state.seq += 1
        if with_trade:
            side = "buy" if close >= open_ else "sell"
            trade = PublicTrade(state.market.id, state.seq, ts + MINUTE - 1, close, volume, side)
            state.trades.appendleft(trade)

    def step(self, seconds: float, now: int) -> list[PublicTrade]:
        prices = {pair_id: state.last for pair_id, state in self.pairs.items()}
        moved = self.source.advance(prices, seconds)
        return [self.move(pair_id, price, now) for pair_id, price in moved.items()]

    def move(self, pair_id: str, price: Decimal, now: int) -> PublicTrade:
        """A trade at `price` (snapped to the tick) sets the last price and requotes."""
        state = self.pairs[pair_id]
        previous = state.last
        state.last = self._on_tick(state.market, price)
        amount = self._trade_amount(state.market)
        state.candles.record(now, state.last, amount)
        state.seq += 1
        side = "sell" if state.last < previous else "buy"
        trade = PublicTrade(pair_id, state.seq, now, state.last, amount, side)
        state.trades.appendleft(trade)
        self._requote(state)
        return trade

    def _on_tick(self, market: Market, price: Decimal) -> Decimal:
        return max(snap(price, market.tick), market.tick)

    def _trade_amount(self, market: Market, rng: random.Random | None = None) -> Decimal:
        draw = (rng or self._rng).expovariate(1.0)
        size = Decimal(repr(round(draw, 6))) * market.trade_qty
        return max(snap(size, market.base_step, ROUND_DOWN), market.min_quantity)

    def _requote(self, state: PairState) -> None:
        """Best ask/bid half a spread away from the last price."""
        market, half = state.market, self.spread / 2
        state.ask = max(snap(state.last * (1 + half), market.tick, ROUND_CEILING), state.last)
        state.bid = min(snap(state.last * (1 - half), market.tick, ROUND_FLOOR), state.last)
        state.bid = max(state.bid, market.tick)
        if self.spread > 0 and state.bid == state.ask:
            state.ask += market.tick

    def depth(self, pair_id: str) -> Depth:
        """The 150 levels behind the best bid and ask. Built lazily, since most moves are
        never looked at, from a generator seeded per move, so reads do not change the market."""
        state = self.pairs[pair_id]
        if state.depth is None or state.depth.seq != state.seq:
            rng = random.Random(f"{self.seed}:depth:{pair_id}:{state.seq}")  # noqa: S311
            state.depth = Depth(
                state.seq,
                bids=self._levels(state.market, state.bid, -1, rng),
                asks=self._levels(state.market, state.ask, 1, rng),
            )
        return state.depth

    def _levels(
        self, market: Market, best: Decimal, direction: int, rng: random.Random
    ) -> list[Level]:
        levels, price = [], best
        while len(levels) < BOOK_LEVELS and price > 0:
            levels.append((price, self._trade_amount(market, rng)))
            price += direction * market.tick * rng.randint(1, 3)
        return levels
