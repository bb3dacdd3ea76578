"""Telegram users as the scenario tests play them, through the fake Bot API."""

from __future__ import annotations

import time
from decimal import Decimal

from fake_bot_api import FakeBotApi, SentMessage

from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from config.schema import Settings

REDIS_URL = "redis://127.0.0.1:6379/13"
ADMIN_ID = 5001
USERS = (2001, 2002, 2003, 2004)
LATENCIES: list[float] = []
ACCOUNTS = {
    user: AccountSpec(
        f"TGKEY-{user}", f"tg-secret-{user}-0123456789abcdef", {"idr": Decimal(50_000_000)}
    )
    for user in (*USERS, ADMIN_ID)
}


class Bot:
    """What a test does as Telegram users, and how long the bot took to answer."""

    def __init__(self, fake: FakeBotApi, simulator: SimulatorServer, settings: Settings) -> None:
        self.fake, self.simulator, self.settings = fake, simulator, settings
        self.latencies = LATENCIES
        self.linked: set[int] = set()

    def say(self, user: int, text: str, timeout: float = 20.0) -> SentMessage:
        """Send a text and wait for the bot's next message in that chat."""
        before = len(self.fake.messages(user))
        started = time.monotonic()
        self.fake.user_says(user, text)
        message = self.fake.wait_messages(user, before + 1, timeout)[before]
        self.latencies.append(time.monotonic() - started)
        return message

    def tap(
        self, user: int, message: SentMessage, label_part: str, timeout: float = 20.0
    ) -> SentMessage:
        data = next(data for label, data in message.buttons() if label_part in label)
        before = len(self.fake.messages(user))
        started = time.monotonic()
        self.fake.user_taps(user, message.message_id, data)
        reply = self.fake.wait_messages(user, before + 1, timeout)[before]
        self.latencies.append(time.monotonic() - started)
        return reply

    def wait_text(self, user: int, part: str, timeout: float = 20.0) -> SentMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.fake.messages(user) if part in m.plain_text]
            if found:
                return found[-1]
            time.sleep(0.05)
        seen = [m.plain_text for m in self.fake.messages(user)][-6:]
        raise AssertionError(f"no message with {part!r} to {user} in {timeout} s; last: {seen}")

    def link(self, user: int) -> None:
        self.say(user, "/start")
        self.say(user, "/link")
        spec = ACCOUNTS[user]
        self.say(user, spec.key)
        self.fake.user_says(user, spec.secret)
        self.wait_text(user, "API key")
        self.linked.add(user)
