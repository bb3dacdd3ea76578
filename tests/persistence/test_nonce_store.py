"""Nonces never collide and never go back, across processes and restarts."""

from __future__ import annotations

import itertools
import multiprocessing
import time
import uuid
from pathlib import Path

import pytest

from config.schema import RedisSettings, Settings, StorageSettings
from config.secret import SecretUrl
from persistence.local_nonce_store import LocalNonceStore
from persistence.nonce_store import NonceStore, ProvisionalNonces, nonce_store_for
from persistence.redis_nonce_store import RedisNonceStore

PROCESSES = 4
DRAWS = 1000


def make_store(kind: str, location: str) -> NonceStore:
    if kind == "redis":
        return RedisNonceStore.from_url(location)
    return LocalNonceStore(Path(location))


def draw(kind: str, location: str, key_id: str, count: int, queue) -> None:
    store = make_store(kind, location)
    queue.put([store.next(key_id) for _ in range(count)])


@pytest.fixture(params=["local", "redis"])
def store_location(request, tmp_path) -> tuple[str, str]:
    if request.param == "redis":
        return "redis", request.getfixturevalue("redis_url")
    return "local", str(tmp_path / "nonces")


def test_four_processes_drawing_a_thousand_each_never_collide(store_location):
    kind, location = store_location
    key_id = f"test-{uuid.uuid4().hex}"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=draw, args=(kind, location, key_id, DRAWS, queue))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    sequences = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
        assert worker.exitcode == 0

    every = [nonce for sequence in sequences for nonce in sequence]
    assert len(every) == PROCESSES * DRAWS
    assert len(set(every)) == PROCESSES * DRAWS
    for sequence in sequences:
        assert all(later > earlier for earlier, later in itertools.pairwise(sequence))

    restarted = make_store(kind, location)
    assert restarted.next(key_id) > max(every)


def test_a_nonce_is_never_below_the_clock_in_milliseconds(store_location):
    kind, location = store_location
    store = make_store(kind, location)
    before = time.time_ns() // 1_000_000
    nonce = store.next(f"clock-{uuid.uuid4().hex}")
    assert nonce >= before - 1000  # Redis uses its own clock; allow for skew within a second
    assert nonce <= time.time_ns() // 1_000_000 + 1000


def test_after_the_exchange_reports_a_higher_nonce_the_store_jumps_past_it(store_location):
    kind, location = store_location
    store = make_store(kind, location)
    key_id = f"poisoned-{uuid.uuid4().hex}"
    poisoned = time.time_ns() // 1000  # someone once sent a microsecond nonce
    store.advance_past(key_id, poisoned)
    assert store.next(key_id) == poisoned + 1
    store.advance_past(key_id, 5)  # an older report never moves it back
    assert store.next(key_id) == poisoned + 2


def test_local_store_refuses_a_raw_api_key_as_its_file_name(tmp_path):
    store = LocalNonceStore(tmp_path)
    with pytest.raises(ValueError, match="fingerprint"):
        store.next("../../etc/passwd")


def test_redis_is_chosen_when_configured_and_local_files_otherwise(tmp_path):
    local = nonce_store_for(Settings(storage=StorageSettings(data_dir=tmp_path)))
    assert isinstance(local, LocalNonceStore)
    shared = nonce_store_for(Settings(redis=RedisSettings(url=SecretUrl("redis://127.0.0.1:1/0"))))
    assert isinstance(shared, RedisNonceStore)


def test_a_key_under_check_leaves_no_counter_until_it_is_kept(store_location):
    """The /link probe of a wrong or refused key must not leave a counter (a file or a Redis
    key named after the key) behind; once kept, the store goes on past the probe's nonces."""
    kind, location = store_location
    store = make_store(kind, location)
    key_id = f"test-{uuid.uuid4().hex}"
    probe = ProvisionalNonces(store)
    drawn = [probe.next(key_id) for _ in range(5)]
    probe.advance_past(key_id, drawn[-1] + 1000)
    if kind == "redis":
        assert not store._client.exists(f"indodax-bot:nonce:{key_id}")
    else:
        assert not (Path(location) / key_id).exists()
    probe.keep()
    assert store.next(key_id) > drawn[-1] + 1000


def test_a_nonce_asked_ahead_is_the_next_one_and_counts_as_drawn(store_location):
    kind, location = store_location
    store = make_store(kind, location)
    key_id = f"ahead-{uuid.uuid4().hex}"
    before = store.next(key_id)
    asked = store.ask(key_id)
    nonce = asked.value()
    assert nonce > before
    assert store.next(key_id) > nonce


def test_a_nonce_asked_and_dropped_is_skipped_and_frees_its_connection(redis_url):
    store = RedisNonceStore.from_url(redis_url)
    key_id = f"dropped-{uuid.uuid4().hex}"
    before = store.next(key_id)
    asked = [store.ask(key_id) for _ in range(3)]  # three answers pending at once
    for draw in asked:
        draw.drop()
    assert len(store._client.connection_pool._in_use_connections) == 0
    assert int(store._client.get("indodax-bot:nonce:" + key_id)) >= before + 3
    assert store.next(key_id) >= before + 4


def test_a_nonce_asked_when_redis_forgot_the_script_is_still_drawn(redis_url):
    store = RedisNonceStore.from_url(redis_url)
    key_id = f"flushed-{uuid.uuid4().hex}"
    before = store.next(key_id)
    store._client.script_flush()
    assert store.ask(key_id).value() > before
