"""The Telegram adapter's open conversations, kept where its users' tokens are kept
(Redis when configured, else a 0600 file beside them), so a restarted adapter asks each
user the question they were answering instead of forgetting their set-up half-way.

A transcript holds how the conversation started and the answers so far, never a secret
(/link's conversation is not kept), and lives as long as the conversation's time."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

from adapters.chat.commands import Who
from adapters.chat.conversations import Transcript
from adapters.telegram.tokens import FileSealedStore, Kept, RedisSealedStore, SealedStore
from config.schema import Settings

REDIS_PREFIX = "indodax-bot:adapter-conversation:"


class KeptConversations:
    def __init__(self, store: SealedStore) -> None:
        self.store = store

    def keep(self, transcript: Transcript) -> None:
        now = time.time()
        record = {
            "chat_id": transcript.who.chat_id,
            "is_admin": transcript.who.is_admin,
            "starter": transcript.starter,
            "answers": list(transcript.answers),
            "expires_at": now + transcript.seconds_left,
        }
        seconds = max(math.ceil(transcript.seconds_left), 1)
        self.store.put(transcript.who.telegram_id, Kept(json.dumps(record), now), seconds)

    def forget(self, telegram_id: int) -> None:
        self.store.delete(telegram_id)

    def kept(self) -> list[Transcript]:
        now = time.time()
        transcripts = []
        for telegram_id, kept in self.store.all().items():
            record = json.loads(kept.sealed)
            who = Who(telegram_id, int(record["chat_id"]), bool(record["is_admin"]))
            left = float(record["expires_at"]) - now
            answers = tuple(str(answer) for answer in record["answers"])
            transcripts.append(Transcript(who, str(record["starter"]), answers, left))
        return transcripts


def conversation_store(settings: Settings) -> SealedStore:
    if settings.redis.url:
        from persistence.redis_client import redis_client  # noqa: PLC0415 (only with Redis)

        return RedisSealedStore(redis_client(settings.redis.url.reveal()), REDIS_PREFIX)
    return FileSealedStore(Path(settings.storage.data_dir) / "adapter_conversations.json")
