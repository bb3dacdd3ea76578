"""A thousand real users with running strategies (issue targets in brackets). Every user is
linked (key sealed in the vault, decrypted by its actor), its strategies are rows the
Supervisor restores at start, its orders reach the simulator through the real path, and
every price comes from the simulator's market WebSocket through the PriceFeedActor.

  memory      1,000 users with two running strategies each, all active after trading once
              through the chat: unique memory of the whole system and per user actor
              [<= 8 GB, <= 8 MiB per active user]; then the same users dormant, their actors
              gone after the idle time [whole system <= 1 GB]
  restore     the price crosses every user's first strategy; while their orders are on the
              way every process is killed; a new system starts and the price crosses every
              user's second strategy: seconds until each of the 2,000 strategies has sent
              its one order request (acting again; also printed: until the last reached
              the simulator, which runs at nice 19 on the same cores and lags behind under
              this load) [<= 60 s], duplicate client_order_ids [0]
  activation  dormant users (their actors gone); the price crosses one user's trigger at a
              time: trade published -> the strategy's order request leaving its user's actor
              [p99 <= 300 ms]
  ticks       1,000 active users with a 20-level grid each over 20 pairs, laid out on the
              simulator (19,000 resting orders, each with its order trigger); a random walk
              of 50 trades a second over the 20 pairs: the trade that fills a grid's order
              -> the request of the opposite order leaving [p99 <= 250 ms]. On that path:
              the exchange pushes the fill on the account's private order stream, the
              OrderStreamActor hands it to the user's actor, which records it (no call)
              and hands it to the grid, which asks for the opposite order. The order
              trigger fires too and waits 2 s for the push before any lookup.

The strategies are BuyOnceBelow (memory, restore, activation) and the Grid (ticks).
Moments are taken as bench/exchange.py describes.

Run: .venv/bin/python bench/thousand_users.py memory|restore|activation|ticks|all
Environment (the test database is never touched):
  BENCH_DATABASE_URL  PostgreSQL server for a scratch database (dropped at the end),
                      default postgresql://postgres@127.0.0.1:5432/postgres
  BENCH_REDIS_URL     Redis db for the nonce and token stores (flushed), default
                      redis://127.0.0.1:6379/11
  BENCH_ADMIN_PORT    Thespian admin port, default a free one
  BENCH_USERS         users, default 1000
Exits 1 when a benchmark measured nothing or fewer than it should have (processes, orders).
"""

from __future__ import annotations

import math
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import redis
from exchange import Exchange, Stamp, Tick, markets, stamp_departures
from fleet import ChatSide, accounts, demo_settings, linked_users
from scratch import drop_database, scratch_database

from actors.core.supervisor import CORE_ACTORS
from actors.runtime.lifecycle import boot_supervisor
from actors.runtime.processes import (
    listener_pid,
    session_members,
    session_parents,
    unique_set_size,
)
from actors.runtime.system import (
    RunningSystem,
    admin_port_in_use,
    start_actor_system,
    stop_actor_system,
)
from actors.strategies.grid_plan import GridPlan
from adapters.chat.actor_link import ActorLink
from config.schema import Settings
from config.secret import Secret
from messages.events import Locate, Located
from messages.statuses import OrderState
from persistence.database import connect, db
from persistence.migrate import apply_migrations
from persistence.models import Order, Strategy, User

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
USERS = int(os.environ.get("BENCH_USERS", "1000"))
KEY = Secret("benchmark-master-key-" + "t" * 24)
FIRST_USER = 300_000
START = Decimal(1_000_000_000)  # every pair's price at the start
TICK = Decimal(1000)  # btcidr's price tick, which every pair here has
MiB = 2**20
GRID_LEVELS = 20


@dataclass
class World:
    """One benchmark's exchange, database and settings; the system is started apart, as the
    restore benchmark starts it twice."""

    exchange: Exchange
    settings: Settings
    tokens: dict[int, str]
    core: set[int] = field(default_factory=set)

    def start(self) -> tuple[RunningSystem, ChatSide]:
        running = start_actor_system(
            self.settings.actors, self.settings.storage.data_dir, log_level="WARNING"
        )
        supervisor = boot_supervisor(running.system, self.settings)
        self.core = {core_pid(running, supervisor, name) for name in CORE_ACTORS}
        return running, ChatSide(ActorLink(running.system, supervisor, "bench"))

    def wait_restored(self, running: RunningSystem, chat: ChatSide) -> None:
        """Until the Supervisor has started the actor of every user (each has strategies).
        Counted as the user actors seen running at one look or another: the Supervisor
        starts them a window of boots at a time, and with a short idle time the first may
        have left before the last starts."""
        seen: set[int] = set()

        def all_seen() -> bool:
            seen.update(self.user_actors(running))
            return len(seen) >= USERS

        wait_for(running, chat, all_seen, 600, "every user's actor restored")

    def user_actors(self, running: RunningSystem) -> list[int]:
        """The processes of user actors: the Supervisor's (the parent of most) children but
        the core actors."""
        parents = session_parents(running.session)
        supervisor = Counter(parents.values()).most_common(1)[0][0] if parents else None
        return [p for p, parent in parents.items() if parent == supervisor and p not in self.core]


def core_pid(running: RunningSystem, supervisor: Any, name: str) -> int:
    located = running.system.ask(supervisor, Locate(core=name), 30)
    if not isinstance(located, Located) or located.address is None:
        raise RuntimeError(f"the Supervisor did not say where its {name} is")
    pid = listener_pid(located.address.addressDetails.sockname[1])
    if pid is None:
        raise RuntimeError(f"no process of the {name}")
    return pid


@contextmanager
def world(
    seed: int, pairs: list[str], idle_seconds: int = 600, coins: Decimal = Decimal(0)
) -> Iterator[World]:
    """Users linked to their simulator accounts (`coins` of every pair's coin each), every
    pair at START; no system yet."""
    specs = accounts(USERS, FIRST_USER, {pair[:-3]: coins for pair in pairs} if coins else None)
    url = scratch_database(SERVER)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-thousand-"))
    redis.Redis.from_url(REDIS).flushdb()
    try:
        with Exchange(tuple(specs.values()), seed=seed, markets_dir=markets_dir(pairs)) as exchange:
            exchange.move(*((pair, START) for pair in pairs))
            assert exchange.settings is not None
            settings = demo_settings(
                url, REDIS, exchange.settings, KEY, data_dir, user_idle_seconds=idle_seconds
            )
            apply_migrations(connect(settings.database.url))
            try:
                yield World(exchange, settings, linked_users(specs, KEY))
            finally:
                db.close()
    finally:
        drop_database(SERVER, url)


def markets_dir(pairs: list[str]) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="bench-markets-"))
    if markets(len(pairs), directory) != pairs:
        raise ValueError(f"pairs are c00idr, c01idr, ...; not {pairs}")
    return directory


def pair_names(count: int) -> list[str]:
    return [f"c{n:02d}idr" for n in range(count)]


def ticker(pair: str) -> str:
    return f"{pair[:-3]}_idr"


def buy_once_below(owner: User, pair: str, level: Decimal) -> Strategy:
    return Strategy.create(
        user=owner,
        kind="buy_once_below",
        pair=ticker(pair),
        params={"level": str(level), "quote_amount": "20000"},
    )


def owners() -> list[User]:
    return list(User.select().order_by(User.telegram_id))


def wait_for(
    running: RunningSystem,
    chat: ChatSide,
    done: Callable[[], bool],
    timeout: float,
    what: str,
    every: float = 0.25,
) -> float:
    """Seconds until `done()` (asked `every` seconds), listening meanwhile; SystemExit(1)
    after `timeout`."""
    began = time.monotonic()
    while not done():
        if time.monotonic() - began > timeout:
            print(f"{what}: not reached in {timeout:.0f} s; {progress()}")
            raise SystemExit(1)
        chat.pump(every)
    return time.monotonic() - began


def progress() -> str:
    """Where the strategies and their orders stand, for a benchmark that did not finish."""
    strategies = Counter(row.status for row in Strategy.select(Strategy.status))
    orders = Counter(row.state for row in Order.select(Order.state))
    refused = Counter(
        row.error for row in Order.select(Order.error).where(Order.state == OrderState.REJECTED)
    )
    return f"strategies {dict(strategies)}, orders {dict(orders)}, refusals {dict(refused)}"


def unique_mib(pids: list[int]) -> list[float]:
    return sorted(unique_set_size(pid) / MiB for pid in pids)


def percentiles(values: list[float]) -> str:
    values = sorted(v * 1000 for v in values)
    p99 = values[max(0, int(len(values) * 0.99) - 1)]
    return (
        f"n={len(values)} p50 {statistics.median(values):.0f} ms, p99 {p99:.0f} ms, "
        f"max {values[-1]:.0f} ms"
    )


def bench_memory() -> bool:
    """Active: the users' actors restored at start, then each user trades; the idle time is
    long enough for all to stay. Dormant: the same users on a new start whose idle time is
    short; each actor is restored, arms its triggers and leaves."""
    pairs = pair_names(2)
    with world(seed=11, pairs=pairs) as bench:
        for owner in owners():
            for pair in pairs:
                buy_once_below(owner, pair, Decimal(1_000_000))  # far below: they only wait
        running, chat = bench.start()
        try:
            bench.wait_restored(running, chat)
            traded = chat.market_buys(bench.tokens, pairs[0], "20000")
            chat.pump(3)
            members = session_members(running.session)
            users = unique_mib(bench.user_actors(running))
            total = sum(unique_mib(members))
        finally:
            stop_actor_system(running)
        print(
            f"memory active: {len(users)} user actors ({USERS} users, {2 * USERS} running "
            f"strategies, {traded} traded through the chat): "
            f"{total / 1024:.2f} GiB unique in {len(members)} processes; per user actor "
            f"median {statistics.median(users):.1f} MiB, max {users[-1]:.1f} MiB "
            "[<= 8 GB, <= 8 MiB]"
        )
        bench.settings = replace(
            bench.settings, actors=replace(bench.settings.actors, user_idle_seconds=10)
        )
        running, chat = bench.start()
        try:
            dormant = RestoredThenLeft(bench, running)
            wait_for(running, chat, dormant, 900, "every user's actor restored, then gone")
            members = session_members(running.session)
            total = sum(unique_mib(members))
        finally:
            stop_actor_system(running)
        print(
            f"memory dormant: the same users on a new start, at most {dormant.peak} user actors at "
            f"once while restoring, then none: {total:.0f} MiB unique in {len(members)} "
            "processes [<= 1 GB]"
        )
    return len(users) >= USERS and traded == USERS


class RestoredThenLeft:
    """True once user actors have run and none has for 10 s: the restore is over."""

    def __init__(self, bench: World, running: RunningSystem) -> None:
        self.bench, self.running = bench, running
        self.peak, self.quiet_since = 0, 0.0

    def __call__(self) -> bool:
        alive = len(self.bench.user_actors(self.running))
        self.peak = max(self.peak, alive)
        if alive:
            self.quiet_since = 0.0
            return False
        self.quiet_since = self.quiet_since or time.monotonic()
        return self.peak > 0 and time.monotonic() - self.quiet_since >= 10


def trades(exchange: Exchange, quiet: float = 0.2) -> list[Stamp]:
    return [s for s in exchange.stamps(quiet) if s.method == "trade"]


def bench_restore() -> bool:
    first, second = pair_names(2)
    level = START - 10 * TICK
    with world(seed=12, pairs=[first, second]) as bench:
        for owner in owners():
            buy_once_below(owner, first, level)
            buy_once_below(owner, second, level)
        running, chat = bench.start()
        sent: list[Stamp] = []

        moved = 0.0

        def half_sent() -> bool:
            """Looked at every 10 ms, without waiting for the orders to pause, so the kill
            comes with orders still on their way (a fast run had sent all 1,000 by the
            first look past 500); the price is traded at most every 0.25 s."""
            nonlocal moved
            if time.monotonic() - moved >= 0.25:
                bench.exchange.move((first, level - TICK))
                moved = time.monotonic()
            sent.extend(trades(bench.exchange, quiet=0.001))
            return len(sent) >= USERS // 2

        try:
            bench.wait_restored(running, chat)
            wait_for(
                running, chat, half_sent, 120, "half of the first strategies' orders sent", 0.01
            )
        finally:
            for pid in session_members(running.session):
                os.kill(pid, signal.SIGKILL)
        while session_members(running.session) or admin_port_in_use(bench.settings.actors):
            time.sleep(0.05)
        before_kill = len(sent)
        began = time.perf_counter()  # the clock the actors stamp departures with
        running, chat = bench.start()
        try:
            orders: set[str] = set()

            def all_ordered() -> bool:
                bench.exchange.move((first, level - TICK), (second, level - TICK))
                sent.extend(trades(bench.exchange))
                orders.update(s.client_order_id for s in sent)
                return len(orders) >= 2 * USERS

            wait_for(running, chat, all_ordered, 600, "every strategy's order")
            arrived = time.perf_counter() - began
            acted = max(s.left for s in sent[before_kill:] if not math.isnan(s.left)) - began
        finally:
            stop_actor_system(running)
        log = bench.exchange.trade_log()
    ids = [order["client_order_id"] for order in log]
    duplicates = len(ids) - len(set(ids))
    resent = len(sent) - len({s.client_order_id for s in sent})
    print(
        f"restore: {len(set(ids))} of {2 * USERS} strategies ordered ({before_kill} orders "
        f"sent before every process was killed); all acting again (the last order request "
        f"leaving its actor) {acted:.1f} s after the new start [<= 60 s], the last one on the "
        f"simulator after {arrived:.1f} s; duplicate client_order_ids on the simulator "
        f"{duplicates}, order requests sent twice {resent} [0]"
    )
    return len(set(ids)) == 2 * USERS and duplicates == 0 and resent == 0


def bench_activation() -> bool:
    first, second = pair_names(2)
    step = 10 * TICK
    samples = min(USERS, 300)
    with world(seed=13, pairs=[first, second], idle_seconds=10) as bench:
        levels: dict[str, Decimal] = {}
        for number, owner in enumerate(owners()):
            level = START - (number + 1) * step  # the walk down crosses one user's at a time
            levels[f"BENCH-KEY-{number}"] = level
            buy_once_below(owner, first, level)
            buy_once_below(owner, second, Decimal(1_000_000))
        running, chat = bench.start()
        latencies: list[float] = []
        try:
            bench.wait_restored(running, chat)
            wait_for(running, chat, lambda: not bench.user_actors(running), 600, "every actor gone")
            bench.exchange.stamps()
            for number in range(samples):
                key = f"BENCH-KEY-{number}"
                [tick] = bench.exchange.move((first, levels[key] - TICK))
                deadline = time.monotonic() + 10
                mine: list[Stamp] = []
                while not mine and time.monotonic() < deadline:
                    chat.pump(0.05)
                    mine = [s for s in trades(bench.exchange) if s.key == key]
                if mine:
                    latencies.append(mine[0].left - tick.at)
                chat.pump(0.2)
        finally:
            stop_actor_system(running)
    if not latencies:
        print("activation: no order left a dormant user's actor")
        return False
    print(
        f"activation: trigger crossed -> order request leaving a dormant user's actor "
        f"({USERS} dormant users): {percentiles(latencies)} [p99 <= 300 ms]"
    )
    return len(latencies) == samples


def random_walk(pairs: list[str], rng: random.Random, seconds: float) -> list[Any]:
    """50 trades a second, each on a random pair, each a step of up to 0.1% either way."""
    prices = dict.fromkeys(pairs, START)
    path = []
    for number in range(int(seconds * 50)):
        pair = rng.choice(pairs)
        move = prices[pair] * Decimal(rng.randint(-10, 10)) / 10_000
        prices[pair] = max(TICK, (prices[pair] + move) // TICK * TICK)
        path.append((number / 50, pair, prices[pair]))
    return path


def grid_params(rng: random.Random) -> dict[str, str]:
    """20 levels 0.5 % apart (a round trip's fees and tax are 0.41 % on these pairs) around
    START, each user's a little apart from the next's, 0.00011 coin a level (the pairs'
    minimum is 0.0001, and a buy's coin after its fee must still make a sell); the sells'
    coin is held."""
    lower = START * Decimal(rng.randint(9480, 9520)) / 10_000 // TICK * TICK
    return {
        "lower": str(lower),
        "upper": str(lower * Decimal("1.0999") // TICK * TICK),
        "levels": str(GRID_LEVELS),
        "spacing": "geometric",
        "amount_coin": "0.00011",
        "coin_source": "held",
        "held": "1",
        "tick": str(TICK),
        "taker_fee": "0.003",
    }


def laid_out(orders: int) -> bool:
    """Every grid's orders rest; SystemExit(1) as soon as a grid stopped (refused orders)."""
    if Strategy.select().where(Strategy.status != "running").exists():
        print(f"ticks: a grid stopped while laying out; {progress()}")
        raise SystemExit(1)
    return bool(Order.select().where(Order.state == OrderState.OPEN).count() >= orders)


def bench_ticks() -> bool:
    pairs = pair_names(20)
    rng = random.Random(14)
    with world(seed=14, pairs=pairs, coins=Decimal(1)) as bench:
        grids: dict[int, tuple[str, tuple[Decimal, ...]]] = {}
        for number, owner in enumerate(owners()):
            pair, params = pairs[number % len(pairs)], grid_params(rng)
            row = Strategy.create(user=owner, kind="grid", pair=ticker(pair), params=params)
            grids[row.id] = (pair, GridPlan.from_params(params).levels)
        running, chat = bench.start()
        try:
            bench.wait_restored(running, chat)
            laid = (GRID_LEVELS - 1) * USERS
            seconds = wait_for(running, chat, partial(laid_out, laid), 900, "grids laid out", 2)
            print(f"ticks: {laid:,} grid orders resting after {seconds:.0f} s", flush=True)
            layout = {stamp.client_order_id: stamp.left for stamp in trades(bench.exchange)}
            print(f"ticks: {USERS:,} users active, playing 30 s of trades", flush=True)
            ticks = bench.exchange.play(random_walk(pairs, rng, 30))
            chat.pump(5)
            stamped = trades(bench.exchange)
            alive = len(bench.user_actors(running))
            orders = {o["client_order_id"]: o for o in bench.exchange.trade_log()}
        finally:
            stop_actor_system(running)
    # The simulator, starved at nice 19, may pause longer than the stamps' quiet time
    # while the layout's last stamps are still on their way: those come with the walk's.
    sent = [stamp for stamp in stamped if stamp.left >= ticks[0].at]
    placed = {**layout, **{stamp.client_order_id: stamp.left for stamp in stamped}}
    walk = Walk(grids, ticks, placed, orders)
    latencies = [
        stamp.left - cause.at
        for stamp in sent
        if (cause := walk.crossing_behind(stamp)) is not None
    ]
    if not latencies:
        print("ticks: no order placed")
        return False
    print(
        f"ticks: {len(ticks)} trades over 30 s on 20 pairs, {alive} active user actors, "
        f"{USERS:,} grids of {GRID_LEVELS} levels ({laid:,} resting orders): a grid order "
        f"filled -> its opposite order's request leaving {percentiles(latencies)} "
        f"[p99 <= 250 ms]; {len(sent) - len(latencies)} orders without a crossing trade"
    )
    return alive >= USERS and len(latencies) == len(sent)


@dataclass
class Walk:
    """What the grids did during the walk: each order a grid placed answers a fill of its
    neighbour (a sell one level over a filled buy, a buy one level under a filled sell)."""

    grids: dict[int, tuple[str, tuple[Decimal, ...]]]
    ticks: list[Tick]
    placed: dict[str, float]  # client_order_id -> when its request left
    orders: dict[str, dict[str, Any]]  # client_order_id -> the simulator's order

    def crossing_behind(self, stamp: Stamp) -> Tick | None:
        """The first trade through the filled neighbour's price after that neighbour was
        placed (`s<id>-<salt>-L<level>-<n>`)."""
        strategy, salt, leg, _ = stamp.client_order_id.split("-")
        pair, levels = self.grids[int(strategy[1:])]
        side = self.orders[stamp.client_order_id]["side"]
        level = int(leg[1:]) + (-1 if side == "sell" else 1)
        prefix = f"{strategy}-{salt}-L{level}-"
        since = max(
            (
                left
                for client_order_id, left in self.placed.items()
                if client_order_id.startswith(prefix) and left < stamp.left
            ),
            default=None,
        )
        if since is None:
            return None
        price = levels[level]
        return next(
            (
                t
                for t in self.ticks
                if t.pair == pair
                and t.at >= since
                and (t.price <= price if side == "sell" else t.price >= price)
            ),
            None,
        )


BENCHES = {
    "memory": bench_memory,
    "restore": bench_restore,
    "activation": bench_activation,
    "ticks": bench_ticks,
}


def main() -> int:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    stamp_departures()
    results = [bench() for name, bench in BENCHES.items() if which in (name, "all")]
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
