"""The Telegram adapter keeps its open conversations where it keeps its users' tokens (a
file, or Redis), apart from them, and hands them back after a restart with their time."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from adapters.chat.commands import Who
from adapters.chat.conversations import Desk, Prompt, Transcript
from adapters.telegram.conversations_kept import REDIS_PREFIX, KeptConversations
from adapters.telegram.tokens import FileSealedStore, RedisSealedStore

ANNA = Who(4711, 4711)


@pytest.fixture(params=["file", "redis"])
def kept(request: pytest.FixtureRequest, tmp_path: Path) -> KeptConversations:
    if request.param == "file":
        return KeptConversations(FileSealedStore(tmp_path / "adapter_conversations.json"))
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"), socket_connect_timeout=3)
    client.delete(f"{REDIS_PREFIX}{ANNA.telegram_id}")
    return KeptConversations(RedisSealedStore(client, REDIS_PREFIX))


def test_a_kept_transcript_comes_back_with_its_answers_and_the_time_it_has_left(kept):
    kept.keep(Transcript(ANNA, "/grid", ("tw:btcidr", "950.000.000"), 120.0))
    [back] = kept.kept()
    assert (back.who, back.starter, back.answers) == (ANNA, "/grid", ("tw:btcidr", "950.000.000"))
    assert 118 < back.seconds_left <= 120
    restarted = Desk(300, kept)
    assert restarted.restore() == 1
    step = restarted.answer(ANNA.telegram_id, "1.050.000.000")
    assert isinstance(step, Prompt) and step.key == "strategy.grid.ask_levels"
    restarted.drop(ANNA.telegram_id)
    assert kept.kept() == []


def test_the_conversation_file_is_its_owners_alone_and_apart_from_the_tokens(tmp_path: Path):
    kept = KeptConversations(FileSealedStore(tmp_path / "adapter_conversations.json"))
    kept.keep(Transcript(ANNA, "/dca", ("tw:ethidr",), 60.0))
    path = tmp_path / "adapter_conversations.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "adapter_tokens.json").exists()
    assert kept.kept()[0].seconds_left > 59
