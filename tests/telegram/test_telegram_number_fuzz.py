"""A thousand numbers as people type them, through the real Telegram adapter (the fake Bot
API in front, the production actor bridge and link behind) to real UserActors: no update
fails, nothing ends in an internal error, every preview shows the value the input meant,
and a number that reads two ways is asked about with buttons the user can tap."""

from __future__ import annotations

import dataclasses
import functools
import random
import threading
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from bot_process import free_port
from fake_bot_api import FakeBotApi
from number_cases import SCRIPTS, Case, Script, Tally, lines_of, number_case
from number_world import InProcessActors, paper_world

from adapters.chat.conversations import CANCEL_WIZARD
from adapters.telegram.runner import TelegramAdapter, run_telegram
from adapters.telegram.sender import CountingRateLimiter
from config.schema import ChatSettings, InternalSettings, TelegramSettings
from config.secret import Secret
from messages.callbacks import ChooseReading, WizardAnswer, read

CASES = 1000
USERS = {9400 + n: ("id" if n % 2 else "en") for n in range(10)}
TALLIED = threading.Lock()  # the users' threads share one tally


@dataclasses.dataclass
class Chat:
    fake: FakeBotApi
    actors: InProcessActors
    adapter: TelegramAdapter

    def step(self, user: int, line: str) -> Any:
        """Types a line or taps the button carrying it; the bot's next message."""
        before = len(self.fake.messages(user))
        if isinstance(read(line), ChooseReading | WizardAnswer):
            self.fake.user_taps(user, self.fake.messages(user)[-1].message_id, line)
        else:
            self.fake.user_says(user, line, language_code=USERS.get(user, "id"))
        return self.fake.wait_messages(user, before + 1, timeout=20)[-1]


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    """The fake Bot API has no bot-wide flood limit: the adapter is not held to Telegram's
    30 messages a second, so a thousand cases take seconds, not minutes."""
    unlimited = functools.partial(CountingRateLimiter, overall_max_rate=0)
    with (
        FakeBotApi() as fake,
        paper_world(tmp_path_factory.mktemp("numbers"), seed=41) as actors,
        mock.patch("adapters.telegram.runner.CountingRateLimiter", unlimited),
    ):
        settings = dataclasses.replace(
            actors.settings,
            telegram=TelegramSettings(
                bot_token=Secret("424242:NUMBERS"), api_base_url=fake.base_url, chat_interval_ms=0
            ),
            chat=ChatSettings(
                adapter="telegram", commands_per_minute=100_000, conversation_seconds=60
            ),
            internal=InternalSettings(port=free_port(), core_api_token=Secret("i" * 32)),
        )
        adapters: list[TelegramAdapter] = []
        thread = threading.Thread(
            target=run_telegram,
            args=(settings, actors, "supervisor", None),
            kwargs={"started": adapters.append},
            daemon=True,
        )
        thread.start()
        try:
            fake.wait_for(lambda: bool(adapters) and adapters[0].ready.is_set(), 30)
            yield Chat(fake, actors, adapters[0])
        finally:
            if adapters:
                adapters[0].bridge.stop()
            thread.join(30)


def readings(message: Any) -> list[str]:
    """The callback data of the readings a message offers, if that is what it offers."""
    data = [d for _, d in message.buttons() if d != CANCEL_WIZARD]
    offered = len(data) == 2 and all(
        isinstance(read(d), ChooseReading | WizardAnswer) for d in data
    )
    return data if offered else []


def one_user(chat: Chat, user: int, work: list[tuple[Case, Script]], tally: Tally) -> None:
    rng = random.Random(user)
    chat.step(user, f"/lang {USERS[user]}")
    said = chat.actors.said[user]
    for case, script in work:
        before = len(said)
        last = None
        for line in lines_of(script, case, rng):
            last = chat.step(user, line)
        offered = readings(last)
        chosen = rng.randrange(2)
        if offered:
            chat.step(user, offered[chosen])
        with TALLIED:
            tally.check(case, script, said[before:], bool(offered), chosen)
        if chat.adapter.chat.desk.holds(user) is not None:
            chat.step(user, "/cancel")  # the guided trade this case left open


def test_a_thousand_typed_numbers_never_fail_an_update_and_every_preview_means_them(chat):
    rng = random.Random(20261207)
    work = [(number_case(rng), rng.choice(SCRIPTS)) for _ in range(CASES)]
    tally = Tally()
    users = list(USERS)
    started = time.monotonic()
    threads = [
        threading.Thread(target=one_user, args=(chat, user, work[n :: len(users)], tally))
        for n, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    seconds = time.monotonic() - started
    print(f"telegram: {tally.summary()} in {seconds:.1f} s")
    tally.assert_clean(CASES)
    assert chat.adapter.failure is None and chat.adapter.update_failures == 0
    assert not [r for r in chat.fake.rejected if r[0] == "sendMessage"]


def test_a_number_that_reads_two_ways_is_asked_with_both_readings_in_the_users_language(chat):
    user = 9500
    chat.step(user, "/lang id")
    question = chat.step(user, "/trade sell btcidr 1.500 market")
    assert [text for text, _ in question.buttons()] == ["1.500 (seribu lima ratus)", "1,5"]
    preview = chat.step(user, question.buttons()[1][1])
    assert "Anda menjual 1,5 BTC di BTC/IDR, harga pasar (≈ 1.499.250.000 IDR" in preview.plain_text
    chat.step(user, "/lang en")
    question = chat.step(user, "/alert btcidr 1,500")
    assert [text for text, _ in question.buttons()] == ["1.5", "1,500 (one thousand five hundred)"]
