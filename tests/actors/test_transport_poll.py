"""The poll set Thespian's transport loop uses in each actor: it reports what a fresh
selector would, pass after pass, with sockets coming and going and their numbers reused."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator

import pytest
from thespian.system.transport import TCPTransport as tcp

from actors.runtime.transport_binding import seal_transport
from actors.runtime.transport_poll import (
    EVENT_READ,
    EVENT_WRITE,
    PassSelector,
    SelectorsForTransport,
)
from actors.runtime.transport_seal import TransportSeal


def one_pass(reads: list[int], writes: tuple[int, ...] = (), timeout: float = 0) -> dict[int, int]:
    """As TCPTransport._runWithExpiry does it: a new selector, every socket, one select."""
    selector = PassSelector()
    for fd in reads:
        selector.register(fd, EVENT_READ)
    for fd in writes:
        selector.register(fd, EVENT_WRITE)
    ready = {key.fd: events for key, events in selector.select(timeout)}
    selector.close()
    return ready


@pytest.fixture
def pairs() -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    made = [socket.socketpair() for _ in range(3)]
    yield made
    for left, right in made:
        left.close()
        right.close()


def test_a_socket_with_data_waiting_is_reported_readable_and_the_others_are_not(pairs):
    (a, a_peer), (b, _), (c, _) = pairs
    a_peer.send(b"x")

    assert one_pass([a.fileno(), b.fileno(), c.fileno()]) == {a.fileno(): EVENT_READ}


def test_a_socket_asked_for_writing_is_reported_writable_only(pairs):
    (a, _), (b, _), _ = pairs

    assert one_pass([a.fileno()], (b.fileno(),)) == {b.fileno(): EVENT_WRITE}


def test_a_socket_left_out_of_a_pass_is_not_reported_even_with_data(pairs):
    (a, a_peer), (b, b_peer), _ = pairs
    a_peer.send(b"x")
    b_peer.send(b"y")
    one_pass([a.fileno(), b.fileno()])

    assert one_pass([b.fileno()]) == {b.fileno(): EVENT_READ}


def test_a_closed_peer_wakes_the_reader(pairs):
    (a, a_peer), _, _ = pairs
    a_peer.close()

    assert one_pass([a.fileno()]) == {a.fileno(): EVENT_READ}


def test_a_socket_number_closed_and_reused_between_passes_is_asked_about_again(pairs):
    (a, _), _, _ = pairs
    kept = socket.socketpair()
    number = kept[0].fileno()
    one_pass([number, a.fileno()])
    kept[0].close()
    kept[1].close()

    reader, writer = os.pipe()
    try:
        assert reader == number  # the lowest free number comes back
        os.write(writer, b"z")
        assert one_pass([reader, a.fileno()]) == {reader: EVENT_READ}
    finally:
        os.close(reader)
        os.close(writer)


def test_a_number_that_is_not_open_fails_the_pass_as_epoll_would():
    reader, writer = os.pipe()
    os.close(reader)
    os.close(writer)

    with pytest.raises(OSError) as failure:
        one_pass([reader])
    assert failure.value.errno == errno.EBADF


def test_every_actor_transport_loop_uses_the_poll_set():
    seal_transport(TransportSeal(b"k" * 32, encrypt=False), "127.0.0.1")

    assert tcp.selectors is SelectorsForTransport


def test_thespians_search_for_a_bad_descriptor_still_finds_it(pairs, monkeypatch):
    monkeypatch.setattr(tcp, "selectors", SelectorsForTransport)
    (a, _), _, _ = pairs
    reader, writer = os.pipe()
    os.close(reader)
    os.close(writer)

    tcp.TCPTransport._check_fd(a.fileno())
    with pytest.raises(OSError):
        tcp.TCPTransport._check_fd(reader)


def test_the_wait_ends_when_data_arrives_within_the_timeout(pairs):
    (a, a_peer), _, _ = pairs
    one_pass([a.fileno()])
    a_peer.send(b"x")

    assert one_pass([a.fileno()], timeout=5) == {a.fileno(): EVENT_READ}
