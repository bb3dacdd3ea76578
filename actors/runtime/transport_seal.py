"""Sealed frames for the actor transport: nothing is unpickled unless our key made it.

Thespian sends pickles over TCP and unpickles whatever reaches an actor port, so anyone who
can connect could run code next to the decrypted API keys. Every frame is sealed with a key
only our processes hold and opened (authenticated, checked for age and replay) before a
byte of it reaches pickle.

Two seals, measured by bench/actor_transport.py:
- one host (a random key per start): HMAC-SHA256, a few µs a frame (+0.07 to +0.15 ms
  per ask at p50). The frames never leave loopback, where reading them takes root, who
  can read the key as well: integrity is what protects the actors there, and secrecy
  would add nothing.
- several hosts (ACTOR_TRANSPORT_SECRET), or a bind address beyond loopback: AES-256-GCM,
  authenticated and encrypted, because the frames cross a network; pycryptodome sets GCM
  up anew for every frame, about 45 µs a seal or an open (+0.4 ms per ask at p50).
Both keys are derived from the start's key material with HKDF, one label each.

Frame: version (1) | kind (1) | sent at, ms since the epoch (8) | nonce (12) | payload
(ciphertext under GCM) | tag (32 HMAC, 16 GCM); the tag covers everything before it. Data
frames older or newer than REPLAY_WINDOW_SECONDS, or whose nonce this process has already
opened, are refused: a frame copied off the wire cannot be played again (an OrderRequest
twice). Thespian retries a send for at most five minutes, so the window holds any honest
frame. Control frames (Thespian's ACK and NAK, sealed once per process) carry no pickle and
are exempt from the window.
"""

from __future__ import annotations

import hmac
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

VERSION_HMAC = 1
VERSION_GCM = 2
KIND_DATA = 1
KIND_CONTROL = 2
KEY_BYTES = 32
REPLAY_WINDOW_SECONDS = 600.0
_HEADER = struct.Struct(">BBQ")
_NONCE_BYTES = 12
_GCM_TAG_BYTES = 16
_HMAC_TAG_BYTES = 32
_SALT = b"indodax-bot/actor-transport/v1"
CONTROL_PACKETS = ("ACK", "ACK+DATAERR")


class RejectedFrame(Exception):
    """A frame that was not sealed by our key (or was altered, truncated, stale, replayed).
    The reason never contains frame bytes."""


class TransportSeal:
    """Seals and opens frames under one key; remembers the nonces it has opened."""

    def __init__(
        self, key: bytes, *, encrypt: bool, replay_window: float = REPLAY_WINDOW_SECONDS
    ) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("the transport key is 32 bytes")
        label = b"aes-256-gcm:frames" if encrypt else b"hmac-sha256:frames"
        self._key = HKDF(key, KEY_BYTES, _SALT, SHA256, context=label)
        self._version = VERSION_GCM if encrypt else VERSION_HMAC
        self._tag_bytes = _GCM_TAG_BYTES if encrypt else _HMAC_TAG_BYTES
        self._window = replay_window
        self._seen: set[bytes] = set()
        self._seen_order: deque[tuple[float, bytes]] = deque()
        self._last: tuple[bytes, tuple[int, bytes]] | None = None

    @classmethod
    def from_secret(cls, secret: Secret) -> TransportSeal:
        """The encrypting seal every host derives from ACTOR_TRANSPORT_SECRET."""
        material = secret.reveal().encode()
        return cls(HKDF(material, KEY_BYTES, _SALT, SHA256, context=b"shared"), encrypt=True)

    def seal(self, payload: bytes, kind: int = KIND_DATA) -> bytes:
        header = _HEADER.pack(self._version, kind, time.time_ns() // 1_000_000)
        nonce = get_random_bytes(_NONCE_BYTES)
        if self._version == VERSION_HMAC:
            signed = header + nonce + payload
            return signed + hmac.digest(self._key, signed, "sha256")
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
        cipher.update(header)
        body, tag = cipher.encrypt_and_digest(payload)
        return header + nonce + body + tag

    def open(self, frame: bytes) -> tuple[int, bytes]:
        """(kind, payload) of a frame our key sealed; RejectedFrame for anything else.

        Thespian reads one buffer twice when an actor's message arrives where it awaited an
        ACK: the very same bytes object opens again; an equal copy is a replay."""
        if self._last is not None and frame is self._last[0]:
            return self._last[1]
        if len(frame) < _HEADER.size + _NONCE_BYTES + self._tag_bytes:
            raise RejectedFrame("truncated frame")
        header = frame[: _HEADER.size]
        version, kind, sent_ms = _HEADER.unpack(header)
        if version != self._version or kind not in (KIND_DATA, KIND_CONTROL):
            raise RejectedFrame("not a frame of this transport")
        nonce = frame[_HEADER.size : _HEADER.size + _NONCE_BYTES]
        body, tag = frame[_HEADER.size + _NONCE_BYTES : -self._tag_bytes], frame[-self._tag_bytes :]
        if version == VERSION_HMAC:
            expected = hmac.digest(self._key, frame[: -self._tag_bytes], "sha256")
            if not hmac.compare_digest(expected, tag):
                raise RejectedFrame("failed authentication (another key, or altered)")
            payload = body
        else:
            cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
            cipher.update(header)
            try:
                payload = cipher.decrypt_and_verify(body, tag)
            except ValueError:
                raise RejectedFrame("failed authentication (another key, or altered)") from None
        if kind == KIND_DATA:
            self._check_fresh(nonce, sent_ms)
        self._last = (frame, (kind, payload))
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
