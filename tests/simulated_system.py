"""The whole actor system as it runs in production, on the simulator: multiprocTCPBase, real
PostgreSQL and Redis. Shared by the integration and the Telegram scenario tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis
from bot_process import free_port

from actors.runtime.lifecycle import boot_supervisor
from actors.runtime.system import RunningSystem, start_actor_system, stop_actor_system
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from config.schema import (
    ActorSettings,
    DatabaseSettings,
    RedisSettings,
    SecuritySettings,
    Settings,
    StorageSettings,
)
from config.secret import Secret, SecretUrl
from persistence.database import connect, db
from persistence.migrate import apply_migrations


@dataclass
class Running:
    settings: Settings
    system: RunningSystem
    supervisor: Any
    simulator: SimulatorServer


@contextmanager
def simulated_system(
    postgres_url: str,
    redis_url: str,
    data_dir: Path,
    accounts: tuple[AccountSpec, ...],
    *,
    seed: int,
    fill_fraction: Decimal = Decimal(1),
    exchange: dict[str, Any] | None = None,
    **sections: Any,
) -> Iterator[Running]:
    """`sections` are Settings fields beyond the ones every such test needs; `exchange`
    sets indodax settings beside the simulator's URLs; `fill_fraction` < 1 makes the
    simulator fill resting orders in parts."""
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.RedisError as error:
        pytest.skip(f"SKIPPED LOUDLY: Redis not reachable at {redis_url}: {error}")
    finally:
        client.close()
    simulator = SimulatorServer(
        port=0,
        seed=seed,
        tick_interval=0,
        history_minutes=90,
        accounts=accounts,
        fill_fraction=fill_fraction,
    )
    simulator.start()
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    settings = Settings(
        **{
            "mode": "demo",
            "security": SecuritySettings(app_secret_key=Secret(f"master-key-{seed}-" + "k" * 24)),
            "database": DatabaseSettings(url=SecretUrl(postgres_url)),
            "redis": RedisSettings(url=SecretUrl(redis_url)),
            "indodax": simulator.indodax_settings(feed_silence_seconds=2, **(exchange or {})),
            "actors": ActorSettings(admin_port=free_port()),
            "storage": StorageSettings(data_dir=data_dir),
            **sections,
        }
    )
    apply_migrations(connect(settings.database.url))
    running = start_actor_system(settings.actors, data_dir)
    try:
        yield Running(settings, running, boot_supervisor(running.system, settings), simulator)
    finally:
        stop_actor_system(running)
        simulator.stop()
        db.close()
