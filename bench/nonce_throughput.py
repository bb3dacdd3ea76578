"""Nonce store throughput: one process, and four processes drawing for the same key.

Run: .venv/bin/python bench/nonce_throughput.py [--redis-url URL] [--draws N]
Prints one line per store and shape, nonces per second.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
import uuid
from pathlib import Path

from persistence.local_nonce_store import LocalNonceStore
from persistence.redis_nonce_store import RedisNonceStore


def make(kind: str, location: str):
    return (
        RedisNonceStore.from_url(location) if kind == "redis" else LocalNonceStore(Path(location))
    )


def worker(kind: str, location: str, key_id: str, draws: int, start, done) -> None:
    store = make(kind, location)
    store.next(key_id)
    start.wait()
    for _ in range(draws):
        store.next(key_id)
    done.put(True)


def measure(kind: str, location: str, processes: int, draws: int) -> float:
    key_id = f"bench-{uuid.uuid4().hex}"
    context = multiprocessing.get_context("fork")
    start, done = context.Barrier(processes + 1), context.Queue()
    workers = [
        context.Process(target=worker, args=(kind, location, key_id, draws, start, done))
        for _ in range(processes)
    ]
    for process in workers:
        process.start()
    start.wait()
    began = time.perf_counter()
    for _ in workers:
        done.get()
    elapsed = time.perf_counter() - began
    for process in workers:
        process.join()
    return processes * draws / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--draws", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        for kind, location in (("local", directory), ("redis", args.redis_url)):
            for processes in (1, 4):
                rate = measure(kind, location, processes, args.draws)
                print(
                    f"nonce store {kind:5} processes={processes} draws={processes * args.draws}"
                    f" -> {rate:,.0f} nonces/s"
                )


if __name__ == "__main__":
    main()
