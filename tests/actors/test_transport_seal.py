"""Sealed actor frames: only what our key sealed is ever unpickled."""

from __future__ import annotations

import pickle
import socket
import stat
import time

import pytest
from bot_process import free_port
from thespian.system.transport import TCPTransport as tcp
from thespian.system.transport.streamBuffer import ReceiveBuffer, ackMsg

from actors.runtime import transport_binding
from actors.runtime.system import start_actor_system
from actors.runtime.transport_binding import check_thespian, rejected_frames, seal_transport
from actors.runtime.transport_seal import (
    KIND_CONTROL,
    RejectedFrame,
    SealedPickle,
    TransportSeal,
    key_file,
    read_key_file,
    write_key_file,
)
from config.errors import StartupError
from config.schema import ActorSettings
from config.secret import Secret
from messages.admin import Status

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


class WritesAFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (exec, (f"open({self.path!r}, 'w').write('owned')",))


def sealed(key: bytes = KEY, *, encrypt: bool = False) -> SealedPickle:
    return SealedPickle(TransportSeal(key, encrypt=encrypt))


both_seals = pytest.mark.parametrize("encrypt", [False, True], ids=["hmac", "gcm"])


@both_seals
def test_a_sealed_message_opens_to_the_same_message(encrypt):
    message = ("sender", Status(correlation_id="c-1"))
    assert sealed(encrypt=encrypt).loads(sealed(encrypt=encrypt).dumps(message)) == message


def test_across_hosts_the_message_is_not_readable_on_the_wire():
    message = ("sender", Status(correlation_id="visible-or-not"))
    assert b"visible-or-not" in sealed().dumps(message)
    assert b"visible-or-not" not in sealed(encrypt=True).dumps(message)


def test_a_one_host_frame_does_not_open_under_the_encrypting_seal_nor_the_reverse():
    with pytest.raises(RejectedFrame):
        sealed(encrypt=True).loads(sealed().dumps(("sender", Status())))
    with pytest.raises(RejectedFrame):
        sealed().loads(sealed(encrypt=True).dumps(("sender", Status())))


@both_seals
@pytest.mark.parametrize("where", [0, 1, 5, 12, 30, -20, -1])
def test_a_frame_altered_anywhere_is_rejected(where, encrypt):
    frame = bytearray(sealed(encrypt=encrypt).dumps(("sender", Status())))
    frame[where] ^= 0x01
    with pytest.raises(RejectedFrame):
        sealed(encrypt=encrypt).loads(bytes(frame))


@both_seals
@pytest.mark.parametrize("keep", [0, 10, 37, -1])
def test_a_truncated_frame_is_rejected(keep, encrypt):
    frame = sealed(encrypt=encrypt).dumps(("sender", Status()))
    with pytest.raises(RejectedFrame):
        sealed(encrypt=encrypt).loads(frame[:keep])


@both_seals
def test_a_frame_sealed_under_another_key_is_rejected(encrypt):
    """A frame recorded under an earlier start's key is worthless after a restart."""
    from_earlier_start = sealed(OTHER_KEY, encrypt=encrypt).dumps(("sender", Status()))
    with pytest.raises(RejectedFrame, match="failed authentication"):
        sealed(encrypt=encrypt).loads(from_earlier_start)


@both_seals
def test_a_plain_pickle_is_rejected_and_its_payload_never_runs(tmp_path, encrypt):
    marker = tmp_path / "owned"
    payload = pickle.dumps(("sender", WritesAFile(str(marker))))
    with pytest.raises(RejectedFrame):
        sealed(encrypt=encrypt).loads(payload)
    assert not marker.exists()


@both_seals
def test_a_frame_played_again_is_refused_the_second_time(encrypt):
    receiver = sealed(encrypt=encrypt)
    frame = sealed(encrypt=encrypt).dumps(("sender", Status()))
    receiver.loads(frame)
    receiver.loads(sealed(encrypt=encrypt).dumps(("sender", Status())))
    with pytest.raises(RejectedFrame, match="replayed"):
        receiver.loads(bytes(bytearray(frame)))


def test_thespian_reading_the_same_buffer_twice_is_no_replay_but_a_copy_is():
    """An answer that arrives where Thespian awaited an ACK is opened twice, same object."""
    receiver = sealed()
    frame = sealed().dumps(("sender", Status()))
    assert receiver.loads(frame) == receiver.loads(frame)
    with pytest.raises(RejectedFrame, match="replayed"):
        receiver.loads(bytes(bytearray(frame)))


def test_a_frame_older_than_the_replay_window_is_refused(monkeypatch):
    frame = sealed().dumps(("sender", Status()))
    later = time.time() + 601
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(RejectedFrame, match="stale"):
        sealed().loads(frame)


def test_hosts_with_the_same_secret_read_each_other_and_others_do_not():
    secret = Secret("s" * 40)
    frame = SealedPickle(TransportSeal.from_secret(secret)).dumps(("sender", Status()))
    assert SealedPickle(TransportSeal.from_secret(secret)).loads(frame)[0] == "sender"
    with pytest.raises(RejectedFrame):
        SealedPickle(TransportSeal.from_secret(Secret("x" * 40))).loads(frame)


def test_a_control_frame_is_only_ever_an_ack_packet():
    seal = TransportSeal(KEY, encrypt=False)
    with pytest.raises(RejectedFrame, match="unknown control packet"):
        SealedPickle(seal).loads(seal.seal(pickle.dumps(("sender", Status())), KIND_CONTROL))


def test_installed_acks_are_sealed_reusable_and_thespians_plain_ack_is_refused(monkeypatch):
    seal_transport(TransportSeal(KEY, encrypt=False), "127.0.0.1")
    assert tcp.ackMsg != ackMsg  # Thespian's own constant is a plain pickle of 'ACK'

    def receive(raw: bytes):
        buffer = ReceiveBuffer(tcp.serializer.loads)
        buffer.addMore(raw)
        return buffer.completed()[0]

    assert receive(tcp.ackMsg) == "ACK"
    assert receive(tcp.ackMsg) == "ACK"  # sent many times: not a replay
    assert receive(tcp.ackDataErrMsg) == "ACK+DATAERR"
    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert receive(tcp.ackMsg) == "ACK"
    with pytest.raises(RejectedFrame):
        receive(ackMsg)


@pytest.fixture
def fresh_rejections(monkeypatch):
    monkeypatch.setattr(transport_binding, "_rejections", transport_binding._Rejections())


def test_every_rejection_is_counted_and_warnings_are_throttled(
    monkeypatch, caplog, fresh_rejections
):
    seal_transport(TransportSeal(KEY, encrypt=False), "127.0.0.1")
    clock = [1000.0]
    monkeypatch.setattr(transport_binding.time, "monotonic", lambda: clock[0])
    with caplog.at_level("WARNING", logger="actors.runtime.transport_binding"):
        for _ in range(3):
            transport_binding._rejections.record("127.0.0.1:5555", "failed authentication")
        clock[0] += transport_binding.WARN_EVERY_SECONDS + 1
        transport_binding._rejections.record("127.0.0.9:4444", "replayed frame")
    assert rejected_frames() == 4
    assert [(r.peer, r.reason, r.suppressed_since_last_warning) for r in caplog.records] == [
        ("127.0.0.1:5555", "failed authentication", 0),
        ("127.0.0.9:4444", "replayed frame", 2),
    ]


def incoming(raw: bytes):
    """What Thespian holds for a connection that has sent `raw` so far."""
    left, right = socket.socketpair()
    right.close()
    received = tcp.TCPIncoming(None, left)
    received.addData(raw)
    return received


def test_a_frame_without_our_seal_is_counted_when_thespian_opens_it(fresh_rejections):
    seal_transport(TransportSeal(KEY, encrypt=False), "127.0.0.1")
    payload = pickle.dumps(("sender", Status()))
    received = incoming(f"{len(payload)}>".encode() + payload)
    assert received.receivedAllData()
    with pytest.raises(RejectedFrame):
        received.data  # noqa: B018 (reading it is what opens the frame)
    assert rejected_frames() == 1


@pytest.mark.parametrize("prefix", [b"99999999999>", b"-5>", b"12x>", b"x" * 4096])
def test_a_length_prefix_that_is_huge_negative_missing_or_no_number_ends_the_connection(
    prefix, fresh_rejections
):
    """Thespian closes the connection on the exception, before buffering a byte more."""
    seal_transport(TransportSeal(KEY, encrypt=False), "127.0.0.1")
    with pytest.raises((RejectedFrame, ValueError)):
        incoming(prefix)
    assert rejected_frames() == 1


def test_another_thespian_version_stops_the_start(monkeypatch):
    monkeypatch.setattr(transport_binding.metadata, "version", lambda _name: "4.0.2")
    with pytest.raises(StartupError, match=r"Thespian 4\.0\.2 is installed"):
        check_thespian()


def test_a_thespian_without_the_patched_attributes_stops_the_start(monkeypatch):
    monkeypatch.delattr(tcp, "ackDataErrMsg")
    with pytest.raises(StartupError, match="ackDataErrMsg"):
        check_thespian()


def test_the_key_file_is_private_and_reads_back(tmp_path):
    path = key_file(tmp_path, 1900)
    write_key_file(path, KEY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key_file(path) == KEY


def test_a_missing_or_damaged_key_file_is_one_clear_error(tmp_path):
    path = key_file(tmp_path, 1900)
    with pytest.raises(StartupError, match="is the bot running on this host"):
        read_key_file(path)
    path.write_text("not hex")
    with pytest.raises(StartupError, match="damaged"):
        read_key_file(path)


def test_an_actor_listener_off_the_bind_address_stops_the_start(monkeypatch, tmp_path):
    """Whatever bound it there (a Thespian that ignores our binding, say), a listener that
    is not on ACTOR_BIND_ADDRESS ends the start with one clear error and no key left."""
    monkeypatch.setattr(transport_binding.socket, "gethostbyname", lambda _host: "127.0.0.2")
    with pytest.raises(StartupError, match="not on ACTOR_BIND_ADDRESS"):
        start_actor_system(ActorSettings(admin_port=free_port()), tmp_path)
    assert list(tmp_path.iterdir()) == []
