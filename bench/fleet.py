"""Many real users for a benchmark: accounts on the simulator, users linked as /link leaves
them (key sealed in the vault, an access token the chat adapter holds), and the chat
adapter's side of the actor system, which tells commands and acknowledges replies."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from scratch import free_port

from adapters.chat.actor_link import ActorLink
from adapters.simulator.accounts import AccountSpec
from config.schema import (
    ActorSettings,
    DatabaseSettings,
    IndodaxSettings,
    RedisSettings,
    SecuritySettings,
    Settings,
    StorageSettings,
)
from config.secret import Secret, SecretUrl
from messages.commands import ConfirmOrder, PreviewOrder
from messages.replies import Outbound
from persistence.credentials import ApiKeyPair, store_credentials
from persistence.models import User
from persistence.models.tokens import issue_token
from persistence.vault import Vault

RUPIAH = Decimal(10_000_000_000)  # every benchmark account's IDR balance


def demo_settings(
    database_url: str,
    redis_url: str,
    exchange: IndodaxSettings,
    master_key: Secret,
    data_dir: Path,
    **actors: Any,
) -> Settings:
    """A benchmark's system: its scratch database, its Redis db, its exchange; the admin
    port from BENCH_ADMIN_PORT or a free one; `actors` as ActorSettings fields."""
    return Settings(
        mode="demo",
        security=SecuritySettings(app_secret_key=master_key),
        database=DatabaseSettings(url=SecretUrl(database_url)),
        redis=RedisSettings(url=SecretUrl(redis_url)),
        indodax=exchange,
        actors=ActorSettings(
            admin_port=int(os.environ.get("BENCH_ADMIN_PORT") or free_port()), **actors
        ),
        storage=StorageSettings(data_dir=data_dir),
    )


def accounts(
    count: int, first: int, coins: Mapping[str, Decimal] | None = None
) -> dict[int, AccountSpec]:
    """Simulator accounts by the telegram id of the user who links them: RUPIAH each, and
    `coins` of each currency named there."""
    balances = {"idr": RUPIAH, **(coins or {})}
    return {
        first + n: AccountSpec(f"BENCH-KEY-{n}", f"bench-secret-{n}-0123456789", dict(balances))
        for n in range(count)
    }


def linked_users(specs: dict[int, AccountSpec], master_key: Secret) -> dict[int, str]:
    """Users with their key stored, as /link leaves them; the tokens the adapter holds."""
    vault, tokens = Vault(master_key), {}
    for telegram_id, spec in specs.items():
        user = User.create(telegram_id=telegram_id, chat_id=telegram_id)
        store_credentials(vault, user, ApiKeyPair(Secret(spec.key), Secret(spec.secret)))
        tokens[telegram_id] = issue_token(user, 86_400)
    return tokens


class ChatSide:
    """The chat adapter's side: its real ActorLink, replies acknowledged as they arrive."""

    def __init__(self, link: ActorLink) -> None:
        self.link = link
        self.replies: dict[str, Outbound] = {}

    def wait(self, correlation_ids: set[str], timeout: float = 30) -> dict[str, Outbound]:
        deadline = time.monotonic() + timeout
        while not correlation_ids <= set(self.replies) and time.monotonic() < deadline:
            self.pump(0.05)
        return {cid: self.replies.pop(cid) for cid in correlation_ids if cid in self.replies}

    def pump(self, seconds: float) -> None:
        for item in self.link.receive(seconds):
            if isinstance(item, Outbound):
                self.replies[item.correlation_id] = item
                self.link.acknowledge((item.correlation_id,))

    def market_buys(
        self, tokens: dict[int, str], pair_text: str, rupiah: str, batch: int = 25
    ) -> int:
        """Each user previews and confirms a market buy of `rupiah`, `batch` users at a time;
        how many confirmations were answered."""
        answered = 0
        users = list(tokens.items())
        for start in range(0, len(users), batch):
            answered += self._buy(users[start : start + batch], pair_text, rupiah)
        return answered

    def _buy(self, users: Iterable[tuple[int, str]], pair_text: str, rupiah: str) -> int:
        previews = [
            PreviewOrder(
                telegram_id=telegram_id,
                chat_id=telegram_id,
                token=token,
                pair_text=pair_text,
                side="buy",
                order_type="market",
                quote_amount=rupiah,
            )
            for telegram_id, token in users
        ]
        for command in previews:
            self.link.tell(command)
        shown = self.wait({c.correlation_id for c in previews}, timeout=120)
        confirms = [
            ConfirmOrder(
                telegram_id=command.telegram_id,
                chat_id=command.chat_id,
                token=command.token,
                preview_id=shown[command.correlation_id].param("preview_id"),
            )
            for command in previews
            if command.correlation_id in shown and shown[command.correlation_id].param("preview_id")
        ]
        for command in confirms:
            self.link.tell(command)
        return len(self.wait({c.correlation_id for c in confirms}, timeout=120))
