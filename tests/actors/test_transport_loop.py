"""Thespian's transport loop with its kept connections tended as they change: messages to and
from many peers still arrive, round after round on the kept connections, and a connection
idle past its period is still closed."""

from __future__ import annotations

import socket
import time
from types import SimpleNamespace

from bot_process import free_port
from thespian.actors import Actor
from thespian.system.transport import TCPTransport as tcp

from actors.runtime import transport_loop
from actors.runtime.system import start_actor_system, stop_actor_system
from actors.runtime.transport_binding import seal_transport
from actors.runtime.transport_poll import KeptSockets
from actors.runtime.transport_seal import TransportSeal
from config.schema import ActorSettings

PEERS = 24


class Echo(Actor):
    def receiveMessage(self, message: object, sender: object) -> None:
        if isinstance(message, int):
            self.send(sender, message + 1)


class FanOut(Actor):
    """Asked with a round number: sends it to each of its PEERS children and answers with
    their answers once all have come."""

    def __init__(self) -> None:
        super().__init__()
        self.children: list[object] = []
        self.asker: object = None
        self.answers: list[int] = []

    def receiveMessage(self, message: object, sender: object) -> None:
        if isinstance(message, str):
            self.children = self.children or [self.createActor(Echo) for _ in range(PEERS)]
            self.asker, self.answers = sender, []
            for child in self.children:
                self.send(child, int(message))
        elif isinstance(message, int):
            self.answers.append(message)
            if len(self.answers) == PEERS:
                self.send(self.asker, sorted(self.answers))


def test_every_actor_transport_runs_the_loop_that_tends_kept_connections():
    seal_transport(TransportSeal(b"k" * 32, encrypt=False), "127.0.0.1")

    assert tcp.TCPTransport._runWithExpiry is transport_loop.run_with_expiry


def test_an_actor_hears_from_all_its_peers_round_after_round_on_kept_connections(tmp_path):
    running = start_actor_system(ActorSettings(admin_port=free_port()), tmp_path)
    try:
        fan_out = running.system.createActor(FanOut)
        answers = [running.system.ask(fan_out, str(round_), 30) for round_ in range(4)]
    finally:
        stop_actor_system(running)

    assert answers == [[round_ + 1] * PEERS for round_ in range(4)]


def test_a_connection_idle_past_its_period_is_closed_at_the_next_look_and_a_fresh_one_kept(
    monkeypatch,
):
    monkeypatch.setattr(tcp, "opsKey", lambda address: address)  # peers named by strings here
    stale_pair, fresh_pair = socket.socketpair(), socket.socketpair()
    stale = SimpleNamespace(socket=stale_pair[0], rmtaddr="stale", expired=lambda: True)
    fresh = SimpleNamespace(socket=fresh_pair[0], rmtaddr="fresh", expired=lambda: False)
    kept = KeptSockets()
    kept["stale"], kept["fresh"] = stale, fresh
    transport = SimpleNamespace()

    transport_loop._tend_kept(transport, kept, [], [])

    assert list(kept) == ["fresh"]
    assert stale.socket.fileno() == -1  # closed
    assert transport._indodax_expiry_check > time.monotonic()  # the next look is later
    for pair in (stale_pair, fresh_pair):
        pair[0].close()
        pair[1].close()
