"""What sealing the actor transport costs: ask round trips to an echo actor on
multiprocTCPBase with Thespian's plain pickles, with the one-host seal (HMAC-SHA256, a random
key per start) and with the several-hosts seal (AES-256-GCM from ACTOR_TRANSPORT_SECRET),
plus the CPU time of sealing and opening one frame.

Run: .venv/bin/python bench/actor_transport.py [--asks N]
Prints p50/p99 per ask for each and the difference to plain; exits 1 if nothing was
measured (no answer came back).
"""

from __future__ import annotations

import argparse
import pickle
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from thespian.actors import Actor, ActorExitRequest, ActorSystem

from actors.runtime.system import log_defs, start_actor_system, stop_actor_system
from actors.runtime.transport_binding import bind_transport_to
from actors.runtime.transport_seal import SealedPickle, TransportSeal
from config.schema import ActorSettings
from config.secret import Secret
from messages.events import OrderRequest

WARMUP = 50
MESSAGE = OrderRequest(
    strategy_id=42,
    client_order_id="s42-b3nch0-buy-1",
    leg="buy",
    pair="btcidr",
    side="buy",
    order_type="limit",
    quantity="0.00123",
    price="1549908000",
)


class Echo(Actor):
    def receiveMessage(self, message: object, sender: object) -> None:
        if isinstance(message, OrderRequest):
            self.send(sender, message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def round_trips(system: ActorSystem, asks: int) -> list[float]:
    echo = system.createActor(Echo)
    times = []
    for n in range(WARMUP + asks):
        began = time.perf_counter()
        answer = system.ask(echo, MESSAGE, 10)
        elapsed = time.perf_counter() - began
        if answer != MESSAGE:
            break
        if n >= WARMUP:
            times.append(elapsed)
    system.tell(echo, ActorExitRequest())
    return times


def plain(asks: int) -> list[float]:
    """Thespian as shipped (its serializer untouched in this process so far)."""
    bind_transport_to("127.0.0.1")
    system = ActorSystem(
        "multiprocTCPBase",
        {"Admin Port": free_port()},
        logDefs=log_defs("text", "WARNING"),
        transientUnique=True,
    )
    try:
        return round_trips(system, asks)
    finally:
        system.shutdown()


def sealed(asks: int, secret: str = "") -> list[float]:
    settings = ActorSettings(admin_port=free_port(), transport_secret=Secret(secret))
    running = start_actor_system(settings, Path(tempfile.mkdtemp()), log_level="WARNING")
    try:
        return round_trips(running.system, asks)
    finally:
        stop_actor_system(running)


def frame_cost(serializer: Any, frames: int = 20_000) -> float:
    """Microseconds to serialize and read back one frame."""
    payload = ("sender-address", MESSAGE)
    began = time.perf_counter()
    for _ in range(frames):
        serializer.loads(serializer.dumps(payload))
    return (time.perf_counter() - began) / frames * 1e6


def percentile(times: list[float], share: float) -> float:
    return statistics.quantiles(times, n=100)[int(share * 100) - 1] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--asks", type=int, default=2000)
    args = parser.parse_args()
    results = {
        "plain": plain(args.asks),
        "hmac": sealed(args.asks),
        "gcm": sealed(args.asks, secret="bench-" + "s" * 40),
    }
    if any(len(times) < max(2, args.asks // 2) for times in results.values()):
        print("measured nothing: the echo actor did not answer", file=sys.stderr)
        return 1
    for name, times in results.items():
        print(
            f"{name:>6}: {len(times)} asks, p50 {percentile(times, 0.5):.3f} ms, "
            f"p99 {percentile(times, 0.99):.3f} ms"
        )
    for name in ("hmac", "gcm"):
        deltas = [
            (percentile(results[name], share) - percentile(results["plain"], share)) * 1000
            for share in (0.5, 0.99)
        ]
        print(f"{name} - plain: p50 {deltas[0]:+.0f} µs, p99 {deltas[1]:+.0f} µs per ask")
    key = bytes(32)
    costs = {
        "plain": frame_cost(pickle),
        "hmac": frame_cost(SealedPickle(TransportSeal(key, encrypt=False))),
        "gcm": frame_cost(SealedPickle(TransportSeal(key, encrypt=True))),
    }
    print(
        "one frame dumps+loads: "
        + ", ".join(f"{name} {us:.1f} µs" for name, us in costs.items())
        + " (an ask is four frames: two messages, two ACKs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
