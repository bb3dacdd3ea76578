"""Thespian's transport made for a thousand peers still answers as Thespian's own would:
an address hashes alike wherever it is (this process, a pickled copy, another interpreter
with another hash seed), a kept connection ends when its idle period is over; and an actor
may have more sends in flight, unless the operator said otherwise; and hundreds of peers
connecting at once are all let in."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from thespian.system.transport import TCPTransport as tcp
from thespian.system.transport import asyncTransportBase as async_base
from thespian.system.transport.IPBase import TCPv4ActorAddress

from actors.runtime import transport_scale

HASH_ELSEWHERE = (
    "import sys; from thespian.system.transport.IPBase import TCPv4ActorAddress; "
    "from actors.runtime import transport_scale; transport_scale.install(); "
    "print(hash(TCPv4ActorAddress('127.0.0.1', int(sys.argv[1]), external=False)))"
)


@pytest.fixture(autouse=True)
def installed() -> None:
    transport_scale.install()


def address(port: int) -> TCPv4ActorAddress:
    return TCPv4ActorAddress("127.0.0.1", port, external=False)


def test_equal_addresses_are_one_key_and_different_ports_are_two():
    kept = {address(41001): "a", address(41002): "b"}
    assert kept[address(41001)] == "a" and kept[address(41002)] == "b"
    assert len({address(41001), address(41001)}) == 1


def test_an_address_hashes_alike_after_pickling_and_in_another_interpreter():
    here = address(41003)
    again = pickle.loads(pickle.dumps(here))
    assert hash(again) == hash(here) and {here: 1}[again] == 1
    elsewhere = subprocess.run(
        [sys.executable, "-c", HASH_ELSEWHERE, "41003"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert int(elsewhere.stdout) == hash(here)


def test_a_kept_connection_ends_when_its_idle_period_is_over(monkeypatch):
    with socket.socket() as sock:
        assert not tcp.IdleSocket(sock, address(41004)).expired()
        monkeypatch.setattr(tcp, "MAX_IDLE_SOCKET_PERIOD", timedelta(0))
        assert tcp.IdleSocket(sock, address(41004)).expired()


def test_an_actor_may_have_more_sends_in_flight_than_thespians_twenty(monkeypatch):
    monkeypatch.delenv("THESPIAN_MAX_PENDING_TRANSMITS", raising=False)
    monkeypatch.setattr(async_base, "MAX_PENDING_TRANSMITS", 20)
    transport_scale.install()
    assert async_base.MAX_PENDING_TRANSMITS == transport_scale.PENDING_SENDS > 20


def test_an_operators_own_limit_of_sends_in_flight_is_kept(monkeypatch):
    monkeypatch.setenv("THESPIAN_MAX_PENDING_TRANSMITS", "7")
    monkeypatch.setattr(async_base, "MAX_PENDING_TRANSMITS", 7)
    transport_scale.install()
    assert async_base.MAX_PENDING_TRANSMITS == 7


def test_an_actor_accepts_hundreds_of_peers_connecting_at_the_same_instant():
    """Thespian's own backlog of 100 drops the SYNs beyond it, and each dropped one costs
    its sender a second or more; with the deeper backlog all of them are in at once."""
    assert tcp.LISTEN_DEPTH == transport_scale.LISTEN_BACKLOG > 1000
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(tcp.LISTEN_DEPTH)  # as TCPTransport listens; nothing accepts yet
        peers = [socket.socket() for _ in range(300)]
        try:
            for peer in peers:
                peer.settimeout(0.5)  # under the kernel's first SYN retransmission (1 s)
                peer.connect(listener.getsockname())
        finally:
            for peer in peers:
                peer.close()
