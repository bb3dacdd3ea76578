"""Sealed frames for the actor transport: nothing is unpickled unless our key made it.

Thespian sends pickles over TCP and unpickles whatever reaches an actor port, so anyone who
can connect could run code next to the decrypted API keys. Every frame is sealed with
AES-256-GCM under a key only our processes hold, and opened (authenticated, decrypted,
checked for age and replay) before a byte of it reaches pickle.

One cipher for one host and for several: GCM authenticates and encrypts in one pass, so
the frames that cross hosts are private without a second code path, and the measured cost
(bench/actor_transport.py) is a few microseconds on a round trip of about a millisecond.

Frame: version (1) | kind (1) | sent at, ms since the epoch (8) | nonce (12) | ciphertext |
tag (16); the first ten bytes are the associated data. Data frames older or newer than
REPLAY_WINDOW_SECONDS, or whose nonce this process has already seen, are refused: a frame
copied off the wire cannot be played again (an OrderRequest twice). Thespian retries a send
for at most five minutes, so the window holds any honest frame. Control frames (Thespian's
ACK and NAK, sealed once per process) carry no pickle and are exempt from the window.
"""

from __future__ import annotations

import os
import pickle
import struct
import time
from collections import deque
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from Crypto.Random import get_random_bytes

from config.errors import StartupError
from config.secret import Secret

VERSION = 1
KIND_DATA = 1
KIND_CONTROL = 2
KEY_BYTES = 32
REPLAY_WINDOW_SECONDS = 600.0
_HEADER = struct.Struct(">BBQ")
_NONCE_BYTES = 12
_TAG_BYTES = 16
_SALT = b"indodax-bot/actor-transport/v1"
CONTROL_PACKETS = ("ACK", "ACK+DATAERR")


class RejectedFrame(Exception):
    """A frame that was not sealed by our key (or was altered, truncated, stale, replayed).
    The reason never contains frame bytes."""


class TransportSeal:
    """Seals and opens frames under one key; remembers the nonces it has opened."""

    def __init__(self, key: bytes, replay_window: float = REPLAY_WINDOW_SECONDS) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("the transport key is 32 bytes")
        self._key = key
        self._window = replay_window
        self._seen: set[bytes] = set()
        self._seen_order: deque[tuple[float, bytes]] = deque()

    @classmethod
    def random(cls) -> TransportSeal:
        return cls(get_random_bytes(KEY_BYTES))

    @classmethod
    def from_secret(cls, secret: Secret) -> TransportSeal:
        """The key every host derives from ACTOR_TRANSPORT_SECRET."""
        material = secret.reveal().encode()
        return cls(HKDF(material, KEY_BYTES, _SALT, SHA256, context=b"aes-256-gcm:frames"))

    def seal(self, payload: bytes, kind: int = KIND_DATA) -> bytes:
        header = _HEADER.pack(VERSION, kind, time.time_ns() // 1_000_000)
        nonce = get_random_bytes(_NONCE_BYTES)
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
        cipher.update(header)
        body, tag = cipher.encrypt_and_digest(payload)
        return header + nonce + body + tag

    def open(self, frame: bytes) -> tuple[int, bytes]:
        """(kind, payload) of a frame our key sealed; RejectedFrame for anything else."""
        if len(frame) < _HEADER.size + _NONCE_BYTES + _TAG_BYTES:
            raise RejectedFrame("truncated frame")
        header = frame[: _HEADER.size]
        version, kind, sent_ms = _HEADER.unpack(header)
        if version != VERSION or kind not in (KIND_DATA, KIND_CONTROL):
            raise RejectedFrame("not a sealed frame")
        nonce = frame[_HEADER.size : _HEADER.size + _NONCE_BYTES]
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
        cipher.update(header)
        try:
            payload = cipher.decrypt_and_verify(
                frame[_HEADER.size + _NONCE_BYTES : -_TAG_BYTES], frame[-_TAG_BYTES:]
            )
        except ValueError:
            raise RejectedFrame("failed authentication (another key, or altered)") from None
        if kind == KIND_DATA:
            self._check_fresh(nonce, sent_ms)
        return kind, payload

    def _check_fresh(self, nonce: bytes, sent_ms: int) -> None:
        now = time.time()
        if abs(now - sent_ms / 1000) > self._window:
            raise RejectedFrame("stale frame (outside the replay window)")
        if nonce in self._seen:
            raise RejectedFrame("replayed frame")
        self._seen.add(nonce)
        self._seen_order.append((now, nonce))
        horizon = now - 2 * self._window
        while self._seen_order and self._seen_order[0][0] < horizon:
            self._seen.discard(self._seen_order.popleft()[1])


class SealedPickle:
    """What Thespian's TCP transport calls `serializer`: pickle inside a sealed frame."""

    def __init__(self, seal: TransportSeal) -> None:
        self.seal = seal

    def dumps(self, value: Any) -> bytes:
        return self.seal.seal(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def loads(self, frame: bytes) -> Any:
        kind, payload = self.seal.open(frame)
        if kind == KIND_CONTROL:
            packet = payload.decode("ascii", "replace")
            if packet not in CONTROL_PACKETS:
                raise RejectedFrame("unknown control packet")
            return packet
        return pickle.loads(payload)  # noqa: S301 (authenticated: sealed by our own key)

    def control_frame(self, packet: str) -> bytes:
        return self.seal.seal(packet.encode("ascii"), KIND_CONTROL)


def key_file(data_dir: Path, admin_port: int) -> Path:
    """Where a single-host system leaves its per-start key for the operator's bin/admin."""
    return Path(data_dir) / f"actor-transport-{admin_port}.key"


def write_key_file(path: Path, key: bytes) -> None:
    """Owner-only (0600), created fresh: a stale file from a crash is replaced, never reused.
    Readable by the account that runs the bot, which can read its memory and .env anyway."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")


def read_key_file(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise StartupError(
            f"no actor transport key at {path}: is the bot running on this host with this "
            "DATA_DIR and ACTOR_ADMIN_PORT? (several hosts: set ACTOR_TRANSPORT_SECRET)"
        ) from None
    except PermissionError:
        raise StartupError(
            f"cannot read the actor transport key {path}: run bin/admin as the user that runs "
            "the bot"
        ) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise StartupError(f"the actor transport key {path} is damaged; restart the bot")
    return key
