"""The calls a minute every user's history import shares, in Redis and in a local file:
the budget's calls go at once, the next waits for the minute's end, a new minute starts
again, and processes drawing at once never pass the budget together."""

from __future__ import annotations

import multiprocessing
import uuid
from pathlib import Path

import pytest
import redis

from persistence.call_budget import KEY, FileCallBudget, RedisCallBudget


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_020.0  # 40 s into a minute

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["redis", "file"])
def budget_of(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "redis":
        client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        for key in client.scan_iter(f"{KEY}:*"):
            client.delete(key)
        return lambda per_minute, clock: RedisCallBudget(client, per_minute, clock)
    path = tmp_path / f"calls-{uuid.uuid4().hex}.json"
    return lambda per_minute, clock: FileCallBudget(path, per_minute, clock)


def test_the_budgets_calls_go_at_once_and_the_next_waits_for_the_minutes_end(budget_of):
    clock = Clock()
    budget = budget_of(3, clock)
    assert [budget.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert budget.take() == pytest.approx(20.0)  # the 20 s left of this minute
    clock.now += 20
    assert budget.take() == 0.0  # a new minute


def _draw(path: str, count: int, results: multiprocessing.Queue) -> None:
    budget = FileCallBudget(Path(path), 50, Clock())  # one minute for every process
    results.put(sum(1 for _ in range(count) if budget.take() == 0.0))


def test_processes_drawing_from_one_file_at_once_never_pass_the_budget_together(tmp_path):
    results: multiprocessing.Queue = multiprocessing.Queue()
    path = str(tmp_path / "calls.json")
    workers = [multiprocessing.Process(target=_draw, args=(path, 40, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    granted = sum(results.get(timeout=5) for _ in workers)
    assert granted == 50  # of the 160 asked
