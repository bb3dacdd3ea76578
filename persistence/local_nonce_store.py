"""Nonces in local files for the embedded default: one file per key, under an exclusive lock.

Every draw reads, increments and writes the file while holding `flock`, and syncs it to
disk before the value is used, so concurrent processes on this host never collide and a
restart (or a power cut) never goes back. Not shared across hosts: use Redis for that.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Callable
from pathlib import Path

from config.files import private_directory
from persistence.nonce_store import NonceStore, next_nonce

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


class LocalNonceStore(NonceStore):
    def __init__(self, directory: Path) -> None:
        self._directory = directory
        private_directory(directory)
        self._handles: dict[str, int] = {}
        self._pid = os.getpid()

    def next(self, key_id: str) -> int:
        return self._update(key_id, next_nonce)

    def advance_past(self, key_id: str, value: int) -> None:
        self._update(key_id, lambda last: max(last, value))

    def _update(self, key_id: str, step: Callable[[int], int]) -> int:
        fd = self._handle(key_id)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            raw = os.pread(fd, 64, 0).strip()
            last = int(raw) if raw else 0
            value = step(last)
            if value != last:
                encoded = f"{value}\n".encode()
                os.pwrite(fd, encoded, 0)
                os.ftruncate(fd, len(encoded))
                os.fdatasync(fd)
            return value
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _handle(self, key_id: str) -> int:
        if not _SAFE_NAME.match(key_id):
            raise ValueError("nonce key id must be a fingerprint, not a raw API key")
        if os.getpid() != self._pid:
            # A forked child shares the parent's open file descriptions, and with them the
            # flock: it must open its own.
            self._handles = {}
            self._pid = os.getpid()
        fd = self._handles.get(key_id)
        if fd is None:
            fd = os.open(self._directory / key_id, os.O_RDWR | os.O_CREAT, 0o600)
            self._handles[key_id] = fd
        return fd
