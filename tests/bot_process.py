"""bin/run as an operator starts it, for the tests of the entry point: an offline demo
environment of its own (database, data folder, free ports) and a process that is always
gone when the test ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUN = [sys.executable, str(ROOT / "bin" / "entry" / "run.py")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.sqlite3",
        "ACTOR_ADMIN_PORT": str(free_port()),
        "SIMULATOR_PORT": str(free_port()),
        **extra,
    }


def run_bot(env: dict[str, str], *args: str, **options: Any) -> subprocess.CompletedProcess:
    """bin/run to its end (input, timeout and the like in `options`)."""
    return subprocess.run(
        [*RUN, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        **{"timeout": 60, **options},
    )


@contextmanager
def running_bot(env: dict[str, str], **options: Any) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        RUN,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
