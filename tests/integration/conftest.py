"""The whole actor system as it runs in production: multiprocTCPBase, real PostgreSQL and
Redis, the local simulator as the exchange."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from simulated_system import simulated_system
from stack import ACCOUNTS, ADMIN_ID, REDIS_URL, Stack

from config.schema import DeadmanSettings, TelegramSettings


@pytest.fixture(scope="module")
def stack(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with simulated_system(
        postgres_server_url,
        REDIS_URL,
        tmp_path_factory.mktemp("stack"),
        tuple(ACCOUNTS.values()),
        seed=11,
        telegram=TelegramSettings(admin_ids=(ADMIN_ID,)),
        deadman=DeadmanSettings(user_errors=3, global_errors=8, window_seconds=120),
    ) as running:
        yield Stack(running.system.system, running.supervisor, running.simulator, running.settings)
