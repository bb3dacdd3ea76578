"""/portfolio with profit and loss for a live user with 30 coins and 5,000 trades [reply
p99 <= 300 ms], through the real path: the chat adapter's ActorLink -> the user's UserActor
(its key decrypted from the vault) -> getInfo and the tickers from the simulator -> the
imported history read from PostgreSQL -> each coin's position by the cost method -> the
reply back at the link.

The account's history is stored as the history import leaves it (one row per trade in
`account_trades`: 30 IDR markets, a buy, a buy and a sale in turn, fees and tax in the
commissions) and the simulator's balances are what that history ends with, so no coin is
held at an unknown cost. The import itself runs in the background as it does in
production (the user is linked, so their actor starts it), finding no new trades.

Measured: the moment the link is told GetPortfolio -> the moment its reply is received,
one command at a time, average cost and FIFO in turn.

Run: .venv/bin/python bench/portfolio_pnl.py
Environment (nothing else is touched; the test database never):
  BENCH_DATABASE_URL  PostgreSQL server to create a scratch database on (dropped at the end),
                      default postgresql://postgres@127.0.0.1:5432/postgres
  BENCH_REDIS_URL     Redis for the nonce and token stores, default redis://127.0.0.1:6379/13
  BENCH_ADMIN_PORT    Thespian admin port, default a free one
  BENCH_SIMULATOR_PORT  the simulator's port, default a free one
Exits 1 when it measured nothing, or a reply lacked a coin's profit and loss.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from exchange import Exchange, markets
from fleet import ChatSide, accounts, demo_settings, linked_users
from scratch import drop_database, scratch_database

from actors.runtime.lifecycle import boot_supervisor
from actors.runtime.system import start_actor_system, stop_actor_system
from adapters.chat.actor_link import ActorLink
from config.secret import Secret
from messages.commands import GetPortfolio
from persistence.database import connect, db
from persistence.migrate import apply_migrations
from persistence.models import User
from persistence.models.history import add_trades

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
KEY = Secret("benchmark-master-key-" + "p" * 24)
COINS = 30
TRADES = 5_000
REPLIES = 200
TELEGRAM_ID = 300_000
PRICE = Decimal(1_000_000_000)
LOT = Decimal("0.01")


def history(pairs: list[str]) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    """TRADES trades spread over the pairs (buy, buy, sell, ...), a day apart per round,
    prices moving a tick-multiple each time; and what each coin ends up holding."""
    rows: list[dict[str, Any]] = []
    held = dict.fromkeys((pair[:-3] for pair in pairs), Decimal(0))
    start = datetime.now(UTC) - timedelta(days=170)
    for number in range(TRADES):
        pair = pairs[number % len(pairs)]
        coin = pair[:-3]
        turn = number // len(pairs)
        side = "sell" if turn % 3 == 2 else "buy"
        price = PRICE + Decimal(1_000_000) * (turn % 50)
        value = LOT * price
        commission = value * (Decimal("0.0041") if side == "sell" else Decimal("0.002"))
        held[coin] += LOT if side == "buy" else -LOT
        rows.append(
            {
                "pair": f"{coin}_idr",
                "trade_id": str(10_000_000 + number),
                "order_id": f"{pair}-limit-{number}",
                "client_order_id": None,
                "side": side,
                "price": price,
                "quantity": LOT,
                "quote_quantity": value,
                "commission": commission.quantize(Decimal(1)),
                "commission_asset": "idr",
                "is_maker": side == "sell",
                "time": start + timedelta(minutes=number * 49),
            }
        )
    return rows, held


def main() -> int:
    markets_dir = Path(tempfile.mkdtemp(prefix="bench-portfolio-markets-"))
    pairs = markets(COINS, markets_dir)
    rows, held = history(pairs)
    specs = accounts(1, TELEGRAM_ID, coins=held)
    url = scratch_database(SERVER)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-portfolio-"))
    port = int(os.environ.get("BENCH_SIMULATOR_PORT", "0"))
    timings: dict[str, list[float]] = {"average": [], "fifo": []}
    complete = True
    try:
        with Exchange(tuple(specs.values()), seed=5, markets_dir=markets_dir, port=port) as sim:
            sim.move(*((pair, PRICE + Decimal(7_000_000)) for pair in pairs))
            assert sim.settings is not None
            settings = demo_settings(url, REDIS, sim.settings, KEY, data_dir)
            apply_migrations(connect(settings.database.url))
            tokens = linked_users(specs, KEY)
            add_trades(User.get(User.telegram_id == TELEGRAM_ID), rows)
            running = start_actor_system(settings.actors, data_dir, log_level="WARNING")
            try:
                supervisor = boot_supervisor(running.system, settings)
                adapter = ChatSide(ActorLink(running.system, supervisor, "bench"))
                adapter.link.receive(2)  # the core actors start
                for count in range(REPLIES + 2):
                    method = "fifo" if count % 2 else "average"
                    command = GetPortfolio(
                        telegram_id=TELEGRAM_ID,
                        chat_id=TELEGRAM_ID,
                        token=tokens[TELEGRAM_ID],
                        cost_method=method,
                    )
                    told = time.perf_counter()
                    adapter.link.tell(command)
                    reply = adapter.wait({command.correlation_id}).get(command.correlation_id)
                    took = time.perf_counter() - told
                    if reply is None or len(reply.param("gains") or ()) != COINS:
                        complete = False
                        print(f"reply without every coin's PnL: {reply}")
                        break
                    if count >= 2:  # the first two start the actor and warm its caches
                        timings[method].append(took)
            finally:
                stop_actor_system(running)
    finally:
        db.close()
        drop_database(SERVER, url)
    measured = False
    for method, values in timings.items():
        if not values:
            print(f"{method}: nothing measured")
            continue
        measured = True
        ms = sorted(v * 1000 for v in values)
        p99 = ms[max(0, int(len(ms) * 0.99) - 1)]
        print(
            f"/portfolio, {COINS} coins, {TRADES:,} trades, {method}: n={len(ms)} "
            f"p50 {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, max {ms[-1]:.0f} ms "
            "[target p99 <= 300 ms]"
        )
    return 0 if measured and complete else 1


if __name__ == "__main__":
    sys.exit(main())
