"""Command to reply through the Telegram adapter: the time a user waits.

USERS users each send ROUNDS commands one after another (/start, /price btcidr, /alerts),
all users at once, through the fake Bot API (tests/telegram/fake_bot_api.py): the real
python-telegram-bot Application long-polls it, the multiproc actor system answers, the
simulator plays Indodax. Prints p50/p99 of update-queued -> reply-recorded, one line.
With many users at once the bot's replies are capped by Telegram's own limit (about 30
messages a second, enforced by AIORateLimiter), which then dominates the wait.

Run: .venv/bin/python bench/telegram_reply.py [USERS] [ROUNDS]
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from actor_system import drop_database, free_port, fresh_database, settings_for

from actors.runtime.lifecycle import boot_supervisor
from actors.runtime.system import start_actor_system, stop_actor_system
from adapters.simulator.server import SimulatorServer
from adapters.telegram.runner import TelegramAdapter, run_telegram
from config.schema import ChatSettings, InternalSettings, TelegramSettings
from config.secret import Secret
from persistence.database import connect, db
from persistence.migrate import apply_migrations

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "telegram"))
from fake_bot_api import FakeBotApi

COMMANDS = ("/start", "/price btcidr", "/alerts")


def one_user(fake: FakeBotApi, user: int, rounds: int, waits: list[float]) -> None:
    for number in range(rounds):
        before = len(fake.messages(user))
        started = time.monotonic()
        fake.user_says(user, COMMANDS[number % len(COMMANDS)])
        fake.wait_messages(user, before + 1, timeout=60)
        waits.append(time.monotonic() - started)


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    url = fresh_database()
    try:
        with SimulatorServer(port=0, seed=3, tick_interval=0) as simulator, FakeBotApi() as fake:
            settings = dataclasses.replace(
                settings_for(url, simulator),
                telegram=TelegramSettings(
                    bot_token=Secret("1:BENCH"), api_base_url=fake.base_url, chat_interval_ms=0
                ),
                chat=ChatSettings(adapter="telegram", commands_per_minute=10_000),
                internal=InternalSettings(port=free_port()),
            )
            apply_migrations(connect(settings.database.url))
            running = start_actor_system(settings.actors, settings.storage.data_dir)
            adapters: list[TelegramAdapter] = []
            try:
                supervisor = boot_supervisor(running.system, settings)
                thread = threading.Thread(
                    target=run_telegram,
                    args=(settings, running.system, supervisor, None),
                    kwargs={"started": adapters.append},
                    daemon=True,
                )
                thread.start()
                fake.wait_for(lambda: bool(adapters) and adapters[0].ready.is_set(), 60)
                waits: list[float] = []
                one_user(fake, 1, len(COMMANDS), [])  # warm-up: catalog, first actor
                workers = [
                    threading.Thread(target=one_user, args=(fake, 10 + n, rounds, waits))
                    for n in range(users)
                ]
                begun = time.monotonic()
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
                elapsed = time.monotonic() - begun
                report(waits, users, elapsed)
                adapters[0].bridge.stop()
                thread.join(30)
            finally:
                stop_actor_system(running)
                db.close()
    finally:
        drop_database(url)


def report(waits: list[Any], users: int, elapsed: float) -> None:
    ordered = sorted(waits)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"telegram command->reply: {len(ordered)} commands from {users} users at once in "
        f"{elapsed:.1f} s; p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
