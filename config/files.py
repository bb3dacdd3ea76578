"""The bot's files are its owner's alone: the demo master key, nonce counters, sealed tokens
and the SQLite database tell who trades what, so nobody else on the host may read them.

The entry points set umask 077 first; the modes here are explicit as well, so a file stays
private when this code runs under another umask (a library call, a test, an old shell).
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_OTHERS = 0o077


def private_directory(path: Path) -> Path:
    """Create `path` and any missing parent 0700; an existing directory is left as it is
    (it may be shared, like /tmp), only what this creates is made private."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIRECTORY_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, PRIVATE_DIRECTORY_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make sure `path` exists and only its owner may read or write it: created empty 0600,
    or an existing one of ours (from an older version) closed to group and others."""
    private_directory(path.parent)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        status = os.fstat(descriptor)
        if status.st_mode & _OTHERS and status.st_uid == os.getuid():
            os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)
    return path
