"""The bin/ commands as an operator meets them: one line per problem, no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from bot_process import ROOT, bot_env, run_bot, running_bot

from actors.runtime.processes import end_session, listener_pid, session_members, session_of


@pytest.mark.parametrize(
    ("stop", "status"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 0)],
    ids=["ctrl-c", "sigterm-from-a-service-manager"],
)
def test_run_starts_the_demo_and_a_stop_signal_ends_every_process(tmp_path, stop, status):
    env = bot_env(tmp_path)
    seen, session = [], None
    # stdin stays open: the console chat waits for input until Ctrl-C.
    with running_bot(env, stdin=subprocess.PIPE) as process:
        try:
            for line in process.stdout:
                seen.append(line)
                if line.startswith("actor system running"):
                    break
            output = "".join(seen)
            assert "applied 001_initial, 002_outbox" in output
            assert "demo exchange (simulator) at http://127.0.0.1:" in output
            session = session_of(listener_pid(int(env["ACTOR_ADMIN_PORT"])))
            # admin, logger, supervisor, notifier, trigger book, price feed
            deadline = time.monotonic() + 30
            while len(session_members(session)) < 6 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(session_members(session)) >= 6
            process.send_signal(stop)
            _, stderr = process.communicate(timeout=60)
        finally:
            if session is not None:
                end_session(session, grace=5)  # a failed run must not leave actors behind
    assert process.returncode == status
    assert "Traceback" not in stderr, stderr[-3000:]
    assert session_members(session) == []


def test_check_validates_and_prints_the_settings_without_starting(tmp_path):
    result = run_bot(bot_env(tmp_path), "--check")
    assert result.returncode == 0, result.stderr
    assert "demo mode" in result.stdout
    assert "storage.data_dir" in result.stdout


def test_run_never_prints_the_secret_key(tmp_path):
    key = "an-operator-provided-secret-key-of-40-chars"
    result = run_bot(bot_env(tmp_path, APP_SECRET_KEY=key), "--check")
    assert result.returncode == 0
    assert key not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/bot"}, "DATABASE_URL"),
        (
            {
                "BOT_MODE": "live",
                "APP_SECRET_KEY": "0123456789",
                "CORE_API_INTERNAL_TOKEN": "c" * 30,
                "TELEGRAM_BOT_TOKEN": "1:abc",
            },
            "APP_SECRET_KEY",
        ),
        ({"DATABASE_URL": "postgresql://bot:pw@127.0.0.1:1/none"}, "cannot open"),
    ],
    ids=["wrong-database-url", "short-secret-key-live", "unreachable-database"],
)
def test_bad_configuration_stops_with_one_clear_line(tmp_path, env, expected):
    result = run_bot(bot_env(tmp_path, **env))
    assert result.returncode == 2
    problem_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(problem_lines) == 1, result.stderr
    assert expected in problem_lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_malformed_settings_yaml_stops_with_one_clear_line(tmp_path):
    bad = tmp_path / "settings.yaml"
    bad.write_text("mode: demo\ndatabase: {url: [\n")
    result = run_bot(bot_env(tmp_path, SETTINGS_FILE=str(bad)))
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"config error: {bad}:")
    assert "malformed YAML" in line


def test_sigterm_ends_a_running_command_with_status_0_and_no_traceback(tmp_path):
    script = (
        "import time; from config.cli import run_cli\n"
        "def main():\n    print('ready', flush=True); time.sleep(30); return 0\n"
        "run_cli(main)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    start = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    assert time.monotonic() - start < 5
    assert process.returncode == 0
    assert "Traceback" not in stderr
