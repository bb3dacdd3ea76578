"""No connection crosses a fork: fifty users on the real multiprocess system, and no two
processes ever hold the same socket to PostgreSQL, Redis or the exchange; ten users
ordering at once, ten rounds in a row, never hang."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from stack import Stack, running_stack

from actors.runtime.processes import children_of, session_members
from adapters.simulator.accounts import AccountSpec
from messages.admin import ResumeUser
from messages.base import Sensitive
from messages.commands import ConfirmOrder, LinkAccount, PreviewOrder, Start
from persistence.models import Strategy, User
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
USERS = tuple(range(3001, 3051))
WITH_STRATEGY = USERS[:10]
ORDERING = USERS[10:20]
ACCOUNTS = {
    telegram_id: AccountSpec(
        f"FORK-{telegram_id}",
        f"fork-secret-{telegram_id}-0123456789",
        {"idr": Decimal(1_000_000_000)},
    )
    for telegram_id in USERS
}


def connected_sockets(remote_ports: set[int]) -> dict[str, int]:
    """Established TCP sockets whose far end listens on one of `remote_ports`: inode -> port."""
    inodes = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if fields[3] == "01" and remote_port in remote_ports:
                    inodes[fields[9]] = remote_port
    return inodes


def holders(pids: list[int], inodes: dict[str, int]) -> dict[str, set[int]]:
    """Which of `pids` hold each socket of `inodes` (a socket fd reads `socket:[inode]`)."""
    held: dict[str, set[int]] = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    inode = os.readlink(fd)[8:-1]
                    if inode in inodes:
                        held.setdefault(inode, set()).add(pid)
    return held


def shared_sockets(stack: Stack, session: int) -> list[str]:
    """'port 5432: 61 processes' for each socket held by more than one process."""
    ports = {
        urlsplit(stack.settings.database.url.reveal()).port or 5432,
        urlsplit(REDIS_URL).port or 6379,
        urlsplit(stack.simulator.base_url).port or 80,
    }
    pids = [os.getpid(), *session_members(session)]
    sockets = connected_sockets(ports)
    return sorted(
        f"port {sockets[inode]}: {len(held)} processes"
        for inode, held in holders(pids, sockets).items()
        if len(held) > 1
    )


@pytest.fixture(scope="module")
def fifty(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Fifty linked users: ten run a strategy (inside their actor's process, which had talked
    to the database, Redis and the exchange before the strategy started)."""
    with running_stack(
        postgres_server_url,
        tmp_path_factory.mktemp("forks"),
        seed=23,
        accounts=ACCOUNTS,
        redis_url=REDIS_URL,
    ) as stack:
        for telegram_id in USERS:
            stack.say(Start(telegram_id=telegram_id, chat_id=telegram_id))
        for telegram_id in USERS:
            stack.reply_to(telegram_id, "menu.main", timeout=120)
        for telegram_id in USERS:
            spec = ACCOUNTS[telegram_id]
            stack.say(
                LinkAccount(
                    telegram_id=telegram_id,
                    chat_id=telegram_id,
                    api_key=Sensitive(spec.key),
                    api_secret=Sensitive(spec.secret),
                )
            )
        vault = Vault(stack.settings.security.app_secret_key)
        for telegram_id in USERS:
            done = stack.reply_to(telegram_id, "link.done", timeout=120)
            stack.tokens[telegram_id] = vault.decrypt(
                done.param("token_enc"), purpose=PURPOSE_ACCESS_TOKEN, owner=telegram_id
            )
        for telegram_id in WITH_STRATEGY:
            Strategy.create(
                user=User.get(User.telegram_id == telegram_id),
                kind="buy_once_below",
                pair="btc_idr",
                params={"level": "100000000", "quote_amount": "100000"},
            )
            assert stack.admin(ResumeUser(telegram_id=telegram_id)).ok
        for telegram_id in WITH_STRATEGY:
            stack.reply_to(telegram_id, "strategy.resumed", timeout=60)
        yield stack


def order_round(stack: Stack, users: tuple[int, ...], timeout: float) -> None:
    """Every user previews, then every user confirms, all at once: each order is placed."""
    for telegram_id in users:
        stack.say(
            PreviewOrder(
                telegram_id=telegram_id,
                chat_id=telegram_id,
                pair_text="btcidr",
                side="buy",
                order_type="limit",
                price="990000000",
                quantity="0.001",
            )
        )
    previews = {
        telegram_id: stack.reply_to(telegram_id, "order.preview.limit_buy", timeout)
        for telegram_id in users
    }
    for telegram_id, preview in previews.items():
        stack.say(
            ConfirmOrder(
                telegram_id=telegram_id,
                chat_id=telegram_id,
                preview_id=preview.param("preview_id"),
            )
        )
    for telegram_id in users:
        stack.reply_to(telegram_id, "order.placed", timeout)


def test_ten_users_ordering_at_once_complete_ten_rounds_in_a_row(fifty: Stack) -> None:
    for number in range(10):
        started = time.monotonic()
        order_round(fifty, ORDERING, timeout=30)
        assert time.monotonic() - started < 30, f"round {number + 1} took too long"
    for telegram_id in ORDERING:
        assert len(fifty.simulator.trade_log(f"FORK-{telegram_id}")) == 10


def test_no_two_processes_share_a_socket_to_the_database_redis_or_the_exchange(
    fifty: Stack,
) -> None:
    session = fifty.session
    assert not [pid for tid in WITH_STRATEGY for pid in children_of(fifty.user_pid(tid))]
    assert len(session_members(session)) >= 6 + len(USERS)
    order_round(fifty, ORDERING, timeout=60)
    shared = shared_sockets(fifty, session)
    assert not shared, "; ".join(shared)
