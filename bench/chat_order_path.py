"""Chat command -> signed request leaving the process, through the real path: the chat
adapter's ActorLink -> the user's UserActor -> its private client -> the simulator.

  one user   50 confirmed orders, one at a time
  ten users  30 rounds in which ten users confirm an order at the same moment

Measured on one clock: the simulator runs in this process and stamps each private request
as it arrives (before it does any work of its own, so its time is not in the figure); the
overhead is that stamp minus the moment the link was told the ConfirmOrder. Issue target:
p99 <= 20 ms with ten users.

Run: .venv/bin/python bench/chat_order_path.py
Environment (nothing else is touched; the test database never):
  BENCH_DATABASE_URL  PostgreSQL server to create a scratch database on (dropped at the end),
                      default postgresql://postgres@127.0.0.1:5432/postgres
  BENCH_REDIS_URL     Redis for the nonce and token stores, default redis://127.0.0.1:6379/12
  BENCH_ADMIN_PORT    Thespian admin port, default a free one
  BENCH_SIMULATOR_PORT  the simulator's port, default a free one
Exits 1 when it measured nothing.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp import web
from scratch import drop_database, free_port, scratch_database

import adapters.simulator.server as simulator_server
from actors.runtime.lifecycle import boot_supervisor
from actors.runtime.system import start_actor_system, stop_actor_system
from adapters.chat.actor_link import ActorLink
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
from messages.commands import ConfirmOrder, PreviewOrder
from messages.replies import Outbound
from persistence.credentials import ApiKeyPair, store_credentials
from persistence.database import connect, db
from persistence.migrate import apply_migrations
from persistence.models import User
from persistence.models.tokens import issue_token
from persistence.vault import Vault

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
KEY = Secret("benchmark-master-key-" + "c" * 24)
USERS = 10
FIRST_USER = 200_000
ARRIVALS: list[tuple[float, str]] = []  # (perf_counter at arrival, API key): the stamps


def port_from_env(name: str) -> int:
    return int(os.environ[name]) if os.environ.get(name) else free_port()


@web.middleware
async def stamp(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """The moment a private request reaches the simulator, before any of its own work."""
    if request.path == "/tapi":
        ARRIVALS.append((time.perf_counter(), request.headers.get("Key", "")))
    return await handler(request)


def stamped_app(sim: Any) -> web.Application:
    app = BUILD_APP(sim)
    app.middlewares.insert(0, stamp)
    return app


BUILD_APP = simulator_server.build_app
simulator_server.build_app = stamped_app


def accounts() -> dict[int, AccountSpec]:
    return {
        FIRST_USER + n: AccountSpec(
            f"BENCH-KEY-{n}", f"bench-secret-{n}-0123456789", {"idr": Decimal(10_000_000_000)}
        )
        for n in range(USERS)
    }


def linked_users(specs: dict[int, AccountSpec]) -> dict[int, str]:
    """Users with their key stored, as /link leaves them; the token the adapter holds."""
    vault, tokens = Vault(KEY), {}
    for telegram_id, spec in specs.items():
        user = User.create(telegram_id=telegram_id, chat_id=telegram_id)
        store_credentials(vault, user, ApiKeyPair(Secret(spec.key), Secret(spec.secret)))
        tokens[telegram_id] = issue_token(user, 86_400)
    return tokens


class Adapter:
    """The chat adapter's side: its real ActorLink, replies acknowledged as they arrive."""

    def __init__(self, link: ActorLink) -> None:
        self.link = link
        self.replies: dict[str, Outbound] = {}

    def wait(self, correlation_ids: set[str], timeout: float = 30) -> dict[str, Outbound]:
        deadline = time.monotonic() + timeout
        while not correlation_ids <= set(self.replies) and time.monotonic() < deadline:
            for item in self.link.receive(0.05):
                if isinstance(item, Outbound):
                    self.replies[item.correlation_id] = item
                    self.link.acknowledge((item.correlation_id,))
        return {cid: self.replies.pop(cid) for cid in correlation_ids if cid in self.replies}


def one_round(
    adapter: Adapter, tokens: dict[int, str], specs: dict[int, AccountSpec]
) -> list[float]:
    """Every user previews a limit buy, then all confirm at once: overheads in seconds."""
    previews = {
        telegram_id: PreviewOrder(
            telegram_id=telegram_id,
            chat_id=telegram_id,
            token=token,
            pair_text="btcidr",
            side="buy",
            order_type="limit",
            price="900000000",
            quantity="0.0001",
        )
        for telegram_id, token in tokens.items()
    }
    for command in previews.values():
        adapter.link.tell(command)
    shown = adapter.wait({c.correlation_id for c in previews.values()})
    confirms = [
        ConfirmOrder(
            telegram_id=telegram_id,
            chat_id=telegram_id,
            token=tokens[telegram_id],
            preview_id=shown[command.correlation_id].param("preview_id"),
        )
        for telegram_id, command in previews.items()
        if command.correlation_id in shown and shown[command.correlation_id].param("preview_id")
    ]
    ARRIVALS.clear()
    told: dict[str, float] = {}
    for confirm in confirms:
        told[specs[confirm.telegram_id].key] = time.perf_counter()
        adapter.link.tell(confirm)
    adapter.wait({c.correlation_id for c in confirms})
    first: dict[str, float] = {}
    for arrived, key in ARRIVALS:
        if key in told and key not in first:
            first[key] = arrived
    return [first[key] - told[key] for key in first]


def report(label: str, values: list[float]) -> bool:
    if not values:
        print(f"{label}: nothing measured")
        return False
    values = sorted(v * 1000 for v in values)
    p99 = values[max(0, int(len(values) * 0.99) - 1)]
    print(
        f"{label}: n={len(values)} p50 {statistics.median(values):.1f} ms, "
        f"p99 {p99:.1f} ms, max {values[-1]:.1f} ms"
    )
    return True


def main() -> int:
    specs = accounts()
    url = scratch_database(SERVER)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-chat-"))
    try:
        with SimulatorServer(
            port=int(os.environ.get("BENCH_SIMULATOR_PORT", "0")),
            seed=3,
            tick_interval=0,
            accounts=tuple(specs.values()),
        ) as simulator:
            simulator.set_price("btcidr", Decimal(1_000_000_000))
            settings = Settings(
                mode="demo",
                security=SecuritySettings(app_secret_key=KEY),
                database=DatabaseSettings(url=SecretUrl(url)),
                redis=RedisSettings(url=SecretUrl(REDIS)),
                indodax=simulator.indodax_settings(),
                actors=ActorSettings(admin_port=port_from_env("BENCH_ADMIN_PORT")),
                storage=StorageSettings(data_dir=data_dir),
            )
            apply_migrations(connect(settings.database.url))
            tokens = linked_users(specs)
            running = start_actor_system(settings.actors, data_dir, log_level="WARNING")
            try:
                supervisor = boot_supervisor(running.system, settings)
                adapter = Adapter(ActorLink(running.system, supervisor, "bench"))
                one_round(adapter, tokens, specs)  # warm up: every actor started, pools open
                single = {FIRST_USER: tokens[FIRST_USER]}
                alone = [v for _ in range(50) for v in one_round(adapter, single, specs)]
                together = [v for _ in range(30) for v in one_round(adapter, tokens, specs)]
            finally:
                stop_actor_system(running)
    finally:
        db.close()
        drop_database(SERVER, url)
    measured = report("one user, ConfirmOrder -> request at the exchange", alone)
    measured = report(f"{USERS} users at once, same", together) and measured
    return 0 if measured else 1


if __name__ == "__main__":
    sys.exit(main())
