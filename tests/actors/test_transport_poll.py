"""The poll set Thespian's transport loop uses in each actor: it reports what a fresh
selector would, pass after pass, with sockets coming and going, their numbers reused, and
kept connections registered as they come and go instead of listed on every pass."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from actors.runtime import transport_poll
from actors.runtime.transport_poll import EVENT_READ, EVENT_WRITE, KeptSockets, poll_pass


def one_pass(
    reads: list[int],
    writes: tuple[int, ...] = (),
    timeout: float = 0,
    kept: KeptSockets | None = None,
) -> dict[int, int]:
    wanted = dict.fromkeys(reads, EVENT_READ)
    for fd in writes:
        wanted[fd] = wanted.get(fd, 0) | EVENT_WRITE
    return dict(poll_pass(wanted, kept, timeout).ready)


def idle(sock: socket.socket) -> SimpleNamespace:
    """What KeptSockets reads of Thespian's IdleSocket."""
    return SimpleNamespace(socket=sock)


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


def test_a_number_in_progress_that_is_not_open_fails_the_pass_as_epoll_would():
    reader, writer = os.pipe()
    os.close(reader)
    os.close(writer)

    with pytest.raises(OSError) as failure:
        one_pass([reader])
    assert failure.value.errno == errno.EBADF


def test_the_wait_ends_when_data_arrives_within_the_timeout(pairs):
    (a, a_peer), _, _ = pairs
    one_pass([a.fileno()])
    a_peer.send(b"x")

    assert one_pass([a.fileno()], timeout=5) == {a.fileno(): EVENT_READ}


def test_a_kept_connection_is_asked_about_from_when_it_is_kept_until_it_leaves(pairs):
    (a, a_peer), (b, _), _ = pairs
    kept = KeptSockets()
    kept["peer-a"] = idle(a)
    a_peer.send(b"x")

    assert one_pass([b.fileno()], kept=kept) == {a.fileno(): EVENT_READ}
    assert one_pass([b.fileno()], kept=kept) == {a.fileno(): EVENT_READ}  # still there
    del kept["peer-a"]
    assert one_pass([b.fileno()], kept=kept) == {}


def test_a_kept_connection_taken_for_a_send_is_asked_about_for_that_send(pairs):
    (a, _), _, _ = pairs
    kept = KeptSockets()
    kept["peer-a"] = idle(a)
    one_pass([], kept=kept)

    taken = kept.pop("peer-a")
    assert one_pass([], (taken.socket.fileno(),), kept=kept) == {a.fileno(): EVENT_WRITE}
    kept["peer-a"] = taken  # the send is done, the connection kept again
    assert one_pass([], kept=kept) == {}


def test_a_thread_far_behind_its_kept_connections_catches_up_by_the_whole_set(pairs, monkeypatch):
    monkeypatch.setattr(transport_poll, "KEPT_LOG", 2)
    (a, a_peer), (b, b_peer), (c, _) = pairs
    kept = KeptSockets()
    kept["peer-c"] = idle(c)
    one_pass([], kept=kept)
    for _ in range(3):  # more changes than the log holds
        kept["peer-a"] = idle(a)
        del kept["peer-a"]
    kept["peer-b"] = idle(b)
    del kept["peer-c"]
    a_peer.send(b"x")
    b_peer.send(b"y")

    assert one_pass([], kept=kept) == {b.fileno(): EVENT_READ}


def test_a_kept_connection_whose_number_was_closed_is_reported_gone_not_an_error(pairs):
    (a, _), _, _ = pairs
    doomed = socket.socketpair()
    kept = KeptSockets()
    kept["peer-doomed"] = idle(doomed[0])
    number = doomed[0].fileno()
    one_pass([], kept=kept)
    os.close(number)  # closed under Thespian's feet; the socket object still holds the number
    doomed[1].close()
    try:
        assert poll_pass({a.fileno(): EVENT_READ}, kept, 0).kept_gone == [number]
    finally:
        doomed[0].detach()


def test_a_kept_connection_replaced_under_its_number_is_known_by_its_new_peer(pairs):
    (a, _), _, _ = pairs
    kept = KeptSockets()
    kept["old-peer"] = idle(a)
    kept["new-peer"] = idle(a)  # the old one was closed and its number given to the new one

    assert kept.key_of_fd == {a.fileno(): "new-peer"}
    del kept["old-peer"]
    assert kept.key_of_fd == {a.fileno(): "new-peer"}
