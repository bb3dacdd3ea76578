"""The whole actor system as it runs in production: multiprocTCPBase, real PostgreSQL and
Redis, the local simulator as the exchange."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from stack import ACCOUNTS, ADMIN_ID, REDIS_URL, Stack, free_port

from actors.runtime import boot_supervisor
from actors.system import start_actor_system, stop_actor_system
from adapters.simulator.server import SimulatorServer
from config.schema import (
    ActorSettings,
    DatabaseSettings,
    DeadmanSettings,
    RedisSettings,
    SecuritySettings,
    Settings,
    StorageSettings,
    TelegramSettings,
)
from config.secret import Secret, SecretUrl
from persistence.database import connect, db
from persistence.migrate import apply_migrations


@pytest.fixture(scope="module")
def stack(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        pytest.skip(f"SKIPPED LOUDLY: Redis not reachable at {REDIS_URL}: {error}")
    data_dir: Path = tmp_path_factory.mktemp("stack")
    simulator = SimulatorServer(
        port=0, seed=11, tick_interval=0, history_minutes=90, accounts=tuple(ACCOUNTS.values())
    )
    simulator.start()
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    settings = Settings(
        mode="demo",
        telegram=TelegramSettings(admin_ids=(ADMIN_ID,)),
        security=SecuritySettings(app_secret_key=Secret("integration-master-key-" + "k" * 20)),
        database=DatabaseSettings(url=SecretUrl(postgres_server_url)),
        redis=RedisSettings(url=SecretUrl(REDIS_URL)),
        indodax=simulator.indodax_settings(feed_silence_seconds=2),
        actors=ActorSettings(admin_port=free_port(), parent_check_seconds=1),
        deadman=DeadmanSettings(user_errors=3, global_errors=8, window_seconds=120),
        storage=StorageSettings(data_dir=data_dir),
    )
    apply_migrations(connect(settings.database.url))
    running = start_actor_system(settings.actors)
    try:
        supervisor = boot_supervisor(running.system, settings)
        yield Stack(running.system, supervisor, simulator, settings)
    finally:
        stop_actor_system(running)
        simulator.stop()
        db.close()
