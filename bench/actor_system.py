"""Actor-system benchmarks (issue targets in brackets). Each prints one result line.

  memory   1,000 linked users, 100 with a running strategy: total unique memory [<= 1 GB]
  latency  10,000 alerts over 20 pairs, 50 ticks/s: tick -> alert at the chat adapter,
           p50/p99 [p99 <= 100 ms]
  restore  kill every actor process with 100 running strategies, start again: seconds
           until all 100 strategies run [<= 20 s]

A strategy runs inside its user's actor: 100 users with a strategy are 100 processes.

Run: .venv/bin/python bench/actor_system.py memory|latency|restore|all
Uses a fresh PostgreSQL database on BENCH_POSTGRES (default the local test server) and the
local simulator; nothing leaves the machine.
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from scratch import drop_database, free_port, scratch_database

from actors.runtime.lifecycle import boot_supervisor
from actors.runtime.processes import session_members, unique_set_size
from actors.runtime.system import (
    RunningSystem,
    admin_port_in_use,
    start_actor_system,
    stop_actor_system,
)
from adapters.simulator.server import SimulatorServer
from config.schema import (
    ActorSettings,
    DatabaseSettings,
    SecuritySettings,
    Settings,
    StorageSettings,
)
from config.secret import Secret, SecretUrl
from messages.commands import Start
from messages.events import Locate, Located, PriceTick
from messages.replies import Delivered, OutboundBatch, RegisterOutlet
from persistence.credentials import ApiKeyPair, store_credentials
from persistence.database import connect
from persistence.migrate import apply_migrations
from persistence.models import Alert, OutboxMessage, Strategy, User
from persistence.vault import Vault

BASE = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
KEY = Secret("benchmark-master-key-" + "b" * 24)
PAIRS = [f"c{n:02d}_idr" for n in range(20)]


def settings_for(url: str, simulator: SimulatorServer) -> Settings:
    return Settings(
        mode="demo",
        security=SecuritySettings(app_secret_key=KEY),
        database=DatabaseSettings(url=SecretUrl(url)),
        indodax=simulator.indodax_settings(),
        actors=ActorSettings(admin_port=free_port()),
        storage=StorageSettings(data_dir=Path(tempfile.mkdtemp())),
    )


def seed_users(count: int, with_strategy: int) -> None:
    vault = Vault(KEY)
    for number in range(count):
        user = User.create(telegram_id=100_000 + number, chat_id=100_000 + number)
        store_credentials(vault, user, ApiKeyPair(Secret(f"K{number}"), Secret(f"S{number}")))
        if number < with_strategy:
            Strategy.create(
                user=user,
                kind="buy_once_below",
                pair="btc_idr",
                params={"level": "1000", "quote_amount": "100000"},
            )


def wait_for_members(running: RunningSystem, expected: int, timeout: float) -> float:
    """Listens while it waits: an outside handle sends what it was told only inside
    ask/tell/listen."""
    started = time.monotonic()
    while len(session_members(running.session)) < expected:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{len(session_members(running.session))} of {expected} processes")
        running.system.listen(0.1)
    return time.monotonic() - started


CORE = 6  # admin, logger, supervisor, notifier, trigger book, price feed


def total_unique(running: RunningSystem) -> tuple[int, int]:
    members = session_members(running.session)
    return len(members), sum(unique_set_size(pid) for pid in members)


def bench_memory(simulator: SimulatorServer) -> None:
    """Steady: 1,000 linked users whose idle actors have left (state is in the database),
    so 100 user actors run, each hosting its strategy. Peak: every user's actor alive."""
    url = scratch_database(BASE)
    try:
        settings = settings_for(url, simulator)
        apply_migrations(connect(settings.database.url))
        seed_users(1000, 100)
        running = start_actor_system(
            settings.actors, settings.storage.data_dir, log_level="WARNING"
        )
        try:
            supervisor = boot_supervisor(running.system, settings)
            wait_for_members(running, CORE + 100, 300)
            running.system.listen(3)
            count, total = total_unique(running)

            print(
                f"memory steady: {count} processes (100 user actors with a strategy; the "
                f"other 900 users idle) {total / 2**20:,.0f} MiB unique in all, "
                f"{total / count / 2**20:.1f} MiB each"
            )
            began = time.monotonic()
            for number in range(100, 1000):
                telegram_id = 100_000 + number
                running.system.tell(supervisor, Start(telegram_id=telegram_id, chat_id=telegram_id))
            wait_for_members(running, CORE + 1000, 900)
            created = time.monotonic() - began
            running.system.listen(3)
            count, total = total_unique(running)

            print(
                f"memory peak: {count} processes (all 1,000 user actors, 100 with a strategy) "
                f"{total / 2**20:,.0f} MiB unique in all, {total / count / 2**20:.1f} MiB each; "
                f"900 user actors created on demand in {created:.1f} s"
            )
        finally:
            stop_actor_system(running)
    finally:
        drop_database(BASE, url)


START_PRICE = Decimal(1_000_000)


def seed_alerts(rng: random.Random) -> None:
    """10,000 recurring alerts, as the chat creates them: 'above' levels above the price,
    'below' levels below it (the direction follows from the level and the price)."""
    owner = User.create(telegram_id=7, chat_id=7)
    Alert.insert_many(
        [
            {
                "user": owner,
                "pair": pair,
                "direction": direction,
                "recurring": True,
                "price": START_PRICE * (1 + sign * Decimal(rng.randint(1, 500)) / 10_000),
            }
            for pair in PAIRS
            for direction, sign in (("above", 1), ("below", -1))
            for _ in range(250)
        ]
    ).execute()


def drive_ticks(
    system: Any, book: Any, notifier: Any, rng: random.Random
) -> tuple[dict[str, float], list[float]]:
    """50 ticks/s for 20 s, acting as the chat adapter meanwhile: returns when each tick was
    sent, and how long each alert took to reach the adapter."""
    prices = dict.fromkeys(PAIRS, START_PRICE)
    sent: dict[str, float] = {}
    at_adapter: list[float] = []
    began = next_tick = time.monotonic()
    while time.monotonic() - began < 20.0:
        pair = rng.choice(PAIRS)
        prices[pair] *= 1 + Decimal(rng.randint(-20, 20)) / 10_000
        tick = PriceTick(pair=pair, price=str(prices[pair].quantize(Decimal(1))), ts=0.0)
        sent[tick.correlation_id] = time.time()
        system.tell(book, tick)
        next_tick += 1 / 50
        while (left := next_tick - time.monotonic()) > 0:
            message = system.listen(left)
            if isinstance(message, OutboundBatch):
                now = time.time()
                at_adapter.extend(now - sent[tick_of(m.correlation_id)] for m in message.messages)
                ids = tuple(m.correlation_id for m in message.messages)
                system.tell(notifier, Delivered(message_correlation_ids=ids))
    return sent, at_adapter


def tick_of(alert_correlation_id: str) -> str:
    return alert_correlation_id.rsplit("-a", 1)[0]


def report(label: str, values: list[float], ticks: int) -> None:
    if not values:
        print(f"tick->alert {label}: no alert fired")
        return
    values.sort()
    p50 = statistics.median(values) * 1000
    p99 = values[int(len(values) * 0.99) - 1] * 1000
    print(
        f"tick->alert {label}: {len(values):,} alerts from {ticks:,} ticks "
        f"(50 ticks/s, 10,000 alerts, 20 pairs): p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )


def bench_latency(simulator: SimulatorServer) -> None:
    url = scratch_database(BASE)
    rng = random.Random(5)
    try:
        settings = settings_for(url, simulator)
        apply_migrations(connect(settings.database.url))
        seed_alerts(rng)
        running = start_actor_system(
            settings.actors, settings.storage.data_dir, log_level="WARNING"
        )
        system = running.system
        try:
            supervisor = boot_supervisor(system, settings)
            system.tell(supervisor, Locate(core="trigger_book"))
            system.tell(supervisor, Locate(core="notifier"))
            located = [system.listen(30), system.listen(30)]
            book, notifier = (m.address for m in located if isinstance(m, Located))
            system.tell(notifier, RegisterOutlet(adapter="bench"))
            time.sleep(3)  # let the trigger book rebuild its 10,000 alerts
            sent, at_adapter = drive_ticks(system, book, notifier, rng)
            time.sleep(2)
            # The outbox row is written the moment the Notifier takes the alert.
            at_notifier = [
                row.created_at.timestamp() - sent[tick_of(row.correlation_id)]
                for row in OutboxMessage.select(
                    OutboxMessage.correlation_id, OutboxMessage.created_at
                )
            ]
            report("handed to the Notifier", at_notifier, len(sent))
            report("received by the chat adapter", at_adapter, len(sent))
        finally:
            stop_actor_system(running)
    finally:
        drop_database(BASE, url)


def bench_restore(simulator: SimulatorServer) -> None:
    url = scratch_database(BASE)
    try:
        settings = settings_for(url, simulator)
        apply_migrations(connect(settings.database.url))
        seed_users(100, 100)
        first = start_actor_system(settings.actors, settings.storage.data_dir, log_level="WARNING")
        boot_supervisor(first.system, settings)
        wait_for_members(first, CORE + 100, 300)
        for pid in session_members(first.session):
            os.kill(pid, signal.SIGKILL)
        while session_members(first.session) or admin_port_in_use(settings.actors):
            time.sleep(0.05)
        began = time.monotonic()
        second = start_actor_system(settings.actors, settings.storage.data_dir, log_level="WARNING")
        try:
            boot_supervisor(second.system, settings)
            wait_for_members(second, CORE + 100, 300)
            running = Strategy.select().where(Strategy.status == "running").count()
            print(
                f"restore: {running} running strategies back (in 100 user actors) "
                f"in {time.monotonic() - began:.1f} s after killing every process"
            )
        finally:
            stop_actor_system(second)
    finally:
        drop_database(BASE, url)


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    with SimulatorServer(port=0, seed=1, tick_interval=0, history_minutes=10) as simulator:
        for name, bench in (
            ("memory", bench_memory),
            ("latency", bench_latency),
            ("restore", bench_restore),
        ):
            if which in (name, "all"):
                bench(simulator)


if __name__ == "__main__":
    main()
