"""WebSocket frame parse rate: how many market-data frames per second one thread turns into
typed events, for a realistic mix — single ticks, summary batches, full 50-level books and
frames packing several messages — built by the same code the simulator's hub publishes with.

Run: .venv/bin/python bench/ws_parse_rate.py [--frames N]
Prints one line: frames per second (and messages per second).
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
from decimal import Decimal

from adapters.indodax.pairs import Pair
from adapters.indodax.ws_protocol import (
    BOOK_PREFIX,
    SUMMARY_CHANNEL,
    TICK_PREFIX,
    Summary,
    Tick,
    book_level,
    book_payload,
    parse_frame,
    publication,
    push,
    sorted_book,
    summary_payload,
    tick_payload,
)

PAIRS = [Pair(base, "idr") for base in ("btc", "eth", "usdt", "sol", "doge", "pepe")]
DISTINCT = 2000  # frames built once, parsed in rotation


def tick_message(rng: random.Random, pair: Pair, offset: int) -> str:
    tick = Tick(
        pair,
        1790138528 + offset,
        offset,
        Decimal(rng.randrange(10**6, 10**10)),
        Decimal(rng.randrange(1, 10**8)).scaleb(-8),
    )
    return push(pair.ws_channel(TICK_PREFIX), publication(tick_payload([tick]), offset))


def summary_message(rng: random.Random, offset: int) -> str:
    rows = []
    for n in range(20):
        last = Decimal(rng.randrange(10**3, 10**10))
        rows.append(
            Summary(
                Pair(f"coin{n}", "idr"),
                1790138528,
                last,
                last * 9 / 10,
                last * 11 / 10,
                last,
                Decimal(rng.randrange(10**9)),
                Decimal(rng.randrange(10**12)).scaleb(-8),
            )
        )
    return push(SUMMARY_CHANNEL, publication(summary_payload(rows), offset))


def book_message(rng: random.Random, pair: Pair, offset: int) -> str:
    mid = rng.randrange(10**6, 10**10)

    def side(sign: int) -> list:
        return [
            book_level(
                pair,
                Decimal(mid + sign * level * 1000),
                Decimal(rng.randrange(1, 10**9)).scaleb(-8),
            )
            for level in range(1, 51)
        ]

    book = sorted_book(pair, side(-1), side(1))
    return push(pair.ws_channel(BOOK_PREFIX), publication(book_payload(book), offset))


def build_frames(count: int) -> tuple[list[str], int]:
    """60 % single ticks, 15 % summary batches, 10 % books, 15 % packed frames of 3 ticks."""
    rng = random.Random(7)
    frames: list[str] = []
    for offset in range(count):
        pair = rng.choice(PAIRS)
        roll = rng.random()
        if roll < 0.60:
            frames.append(tick_message(rng, pair, offset))
        elif roll < 0.75:
            frames.append(summary_message(rng, offset))
        elif roll < 0.85:
            frames.append(book_message(rng, pair, offset))
        else:
            frames.append("\n".join(tick_message(rng, pair, offset + n) for n in range(3)))
    messages = sum(frame.count("\n") + 1 for frame in frames)
    return frames, messages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=100_000)
    args = parser.parse_args()
    pool, pool_messages = build_frames(DISTINCT)
    frames = list(itertools.islice(itertools.cycle(pool), args.frames))
    began = time.perf_counter()
    for frame in frames:
        parse_frame(frame)
    elapsed = time.perf_counter() - began
    messages = pool_messages * args.frames / DISTINCT
    print(
        f"WebSocket frame parse: {args.frames / elapsed:,.0f} frames/s"
        f" ({messages / elapsed:,.0f} messages/s, {args.frames:,} frames in {elapsed:.2f} s)"
    )


if __name__ == "__main__":
    main()
