"""The multiproc actor system as an operator runs it: loopback only, one at a time, no leftovers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "actors" / "system_probe.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def report() -> dict:
    result = subprocess.run(
        [sys.executable, str(PROBE), str(free_port())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_actors_answer_across_processes(report):
    assert report["answer"] == "PING"
    assert report["processes_before_stop"] >= 3  # the admin, the logger, the echo actor


def test_no_actor_port_listens_beyond_loopback(report):
    assert report["listening"]
    assert all(address.startswith("127.") for address in report["listening"]), report


def test_a_second_start_on_the_same_port_is_refused(report):
    assert "another actor system already runs on 127.0.0.1:" in report["second_start"]


def test_stopping_leaves_no_process_of_ours_behind(report):
    assert report["processes_after_stop"] == 0
