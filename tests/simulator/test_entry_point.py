"""bin/entry/simulator.py as an operator meets it: it prints where it listens and the demo
credentials, answers over HTTP, and stops on Ctrl-C without a traceback."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRY = [sys.executable, str(ROOT / "bin" / "entry" / "simulator.py")]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*ENTRY, *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_banner(process: subprocess.Popen) -> list[str]:
    lines = []
    while not lines or lines[-1] != "Ctrl-C to stop.":
        line = process.stdout.readline()
        assert line, f"exited early: {process.stderr.read()}"
        lines.append(line.rstrip("\n"))
    return lines


@pytest.mark.slow
def test_the_simulator_serves_the_ticker_and_stops_cleanly_on_ctrl_c():
    process = start("--port", "0", "--seed", "4", "--history-minutes", "30", "--tick-interval", "0")
    try:
        banner = read_banner(process)
        base_url = re.search(r"at (http://\S+)", banner[0]).group(1)
        key = next(line.split()[-1] for line in banner if "API key" in line)
        secret = next(line.split()[-1] for line in banner if line.strip().startswith("secret"))
        assert len(secret) == 80
        assert re.fullmatch(r"[A-Z0-9]{8}(-[A-Z0-9]{8}){4}", key)
        assert any("balances  idr 100000000" in line for line in banner)
        ticker = httpx.get(f"{base_url}/api/ticker/btcidr", timeout=5).json()["ticker"]
        assert ticker["last"] == "1549999000"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130
    assert "stopped." in stderr
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_a_taken_port_or_a_bad_account_is_one_clear_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        busy = start("--port", port, "--history-minutes", "0")
        _, stderr = busy.communicate(timeout=20)
    assert busy.returncode == 2
    [line] = stderr.strip().splitlines()
    assert line.startswith("simulator:")
    assert "Traceback" not in stderr

    bad = start("--account", "only-a-key")
    _, stderr = bad.communicate(timeout=20)
    assert bad.returncode == 2
    assert "KEY:SECRET" in stderr.strip().splitlines()[-1]
    assert "Traceback" not in stderr
