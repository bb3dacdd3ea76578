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


def probe(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, str(PROBE), str(free_port()), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def report() -> dict:
    return probe()


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


def test_one_host_leaves_its_per_start_key_for_bin_admin_only_while_running(report):
    assert report["key_files_while_running"] == [f"actor-transport-{report['admin_port']}.key"]
    assert report["key_files_after_stop"] == []


def test_with_a_shared_secret_actors_answer_over_encrypted_frames_and_no_key_file_is_left():
    shared = probe("a-transport-secret-every-host-shares-" + "x" * 8)
    assert shared["answer"] == "PING"
    assert shared["key_files_while_running"] == []
