"""The whole actor system as it runs in production: multiprocTCPBase, real PostgreSQL and
Redis, the local simulator as the exchange."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from stack import ADMIN_ID, Stack, running_stack

from config.schema import DeadmanSettings, TelegramSettings


@pytest.fixture(scope="module")
def stack(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(
        postgres_server_url,
        tmp_path_factory.mktemp("stack"),
        seed=11,
        telegram=TelegramSettings(admin_ids=(ADMIN_ID,)),
        deadman=DeadmanSettings(user_errors=3, global_errors=8, window_seconds=120),
    ) as stack:
        yield stack
