"""A 30-day backtest of a 50-level grid asked from the chat [answered in under 10 s],
through the real path: the chat adapter's ActorLink -> the user's UserActor (a linked user)
-> the grid's preview -> a tap on its "30 d" backtest button -> 30 days of 15-minute
candles fetched from the simulator (which starts with a month of invented history) -> the
grid's own code replayed over them -> the reply back at the link.

Measured: the moment the link is told the tap -> the moment the reply is received, one at
a time; each time a new preview (a preview stays, so the same one could be asked again).

Run: .venv/bin/python bench/backtest_chat.py [--runs N]
Environment (nothing else is touched; the test database never):
  BENCH_DATABASE_URL  PostgreSQL server to create a scratch database on (dropped at the end),
                      default postgresql://postgres@127.0.0.1:5432/postgres
  BENCH_REDIS_URL     Redis for the nonce and token stores, default redis://127.0.0.1:6379/14
  BENCH_ADMIN_PORT    Thespian admin port, default a free one
  BENCH_SIMULATOR_PORT  the simulator's port, default a free one
Exits 1 when it measured nothing: no reply, or a backtest without a trade.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from exchange import Exchange
from fleet import ChatSide, accounts, demo_settings, linked_users
from scratch import drop_database, scratch_database

from actors.runtime.lifecycle import boot_supervisor
from actors.runtime.system import start_actor_system, stop_actor_system
from adapters.chat.actor_link import ActorLink
from adapters.chat.commands import Who, from_callback
from config.secret import Secret
from messages.commands import BacktestStrategy, PreviewGrid
from messages.replies import Outbound
from persistence.database import connect, db
from persistence.migrate import apply_migrations

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
KEY = Secret("benchmark-master-key-" + "b" * 24)
TELEGRAM_ID = 400_000
PRICE = Decimal(1_500_000_000)
TARGET_SECONDS = 10.0
MONTH_MINUTES = 31 * 24 * 60


def preview(adapter: ChatSide, token: str) -> Outbound | None:
    """A 50-level grid 15 % either side of the price (levels 0.6 % apart, over the round
    trip's fees and tax), 0.0002 BTC a level."""
    command = PreviewGrid(
        telegram_id=TELEGRAM_ID,
        chat_id=TELEGRAM_ID,
        token=token,
        pair_text="btcidr",
        lower=str(PRICE * Decimal("0.85")),
        upper=str(PRICE * Decimal("1.15")),
        levels="50",
        spacing="arithmetic",
        amount_idr=None,
        amount_coin="0.0002",
        coin_source="buy",
    )
    adapter.link.tell(command)
    return adapter.wait({command.correlation_id}).get(command.correlation_id)


def backtest(adapter: ChatSide, shown: Outbound, token: str) -> tuple[float, Outbound | None]:
    [data] = [
        button.callback
        for row in shown.buttons
        for button in row
        if button.callback.startswith("sb:") and button.callback.endswith(":30")
    ]
    command = from_callback(data, Who(TELEGRAM_ID, TELEGRAM_ID))
    assert isinstance(command, BacktestStrategy)
    tap = dataclasses.replace(command, token=token)
    told = time.perf_counter()
    adapter.link.tell(tap)
    reply = adapter.wait({tap.correlation_id}, timeout=120).get(tap.correlation_id)
    return time.perf_counter() - told, reply


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    specs = accounts(1, TELEGRAM_ID)
    url = scratch_database(SERVER)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-backtest-"))
    port = int(os.environ.get("BENCH_SIMULATOR_PORT", "0"))
    seconds: list[float] = []
    trades: list[int] = []
    try:
        with Exchange(
            tuple(specs.values()), seed=7, port=port, history_minutes=MONTH_MINUTES
        ) as sim:
            sim.move(("btcidr", PRICE))
            assert sim.settings is not None
            settings = demo_settings(url, REDIS, sim.settings, KEY, data_dir)
            apply_migrations(connect(settings.database.url))
            token = linked_users(specs, KEY)[TELEGRAM_ID]
            running = start_actor_system(settings.actors, data_dir, log_level="WARNING")
            try:
                supervisor = boot_supervisor(running.system, settings)
                adapter = ChatSide(ActorLink(running.system, supervisor, "bench"))
                adapter.link.receive(2)  # the core actors start
                for _ in range(runs):
                    shown = preview(adapter, token)
                    if shown is None or shown.key != "strategy.grid.preview":
                        print(f"no grid preview: {shown}")
                        break
                    took, reply = backtest(adapter, shown, token)
                    if reply is None or reply.key != "backtest.result":
                        print(f"no backtest result: {reply}")
                        break
                    seconds.append(took)
                    trades.append(int(reply.param("buys")) + int(reply.param("sells")))
                    print(
                        f"  {reply.param('candles')} candles, {trades[-1]} trades, "
                        f"return {reply.param('return_pct')} %: {took:.2f} s"
                    )
            finally:
                stop_actor_system(running)
    finally:
        db.close()
        drop_database(SERVER, url)
    if not seconds or not all(trades):
        print("nothing measured")
        return 1
    print(
        f"30-day backtest of a 50-level grid from the chat: n={len(seconds)}, "
        f"median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s "
        f"[target < {TARGET_SECONDS:.0f} s]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
