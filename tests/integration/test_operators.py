"""What operators do to a running system: bin/admin, and a user whose actor keeps dying."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from stack import ADMIN_ID

from messages.admin import ListUsers, RestartUser
from messages.commands import GetPrice
from persistence.models import User

ROOT = Path(__file__).resolve().parents[2]
F = 1006


def admin_cli(stack, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ["PATH"],
        "DATA_DIR": str(stack.settings.storage.data_dir),
        "ACTOR_ADMIN_PORT": str(stack.settings.actors.admin_port),
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "bin" / "entry" / "admin.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_bin_admin_reads_status_as_json_and_as_a_table(stack):
    as_json = admin_cli(stack, "status", "--json")
    assert as_json.returncode == 0, as_json.stderr
    status = json.loads(as_json.stdout)
    assert status["ok"] is True
    assert status["data"]["core_actors"] == [
        "chart_maker",
        "notifier",
        "order_stream",
        "price_feed",
        "trigger_book",
    ]
    as_table = admin_cli(stack, "users")
    assert as_table.returncode == 0
    assert as_table.stdout.startswith("ok: admin.users")


def test_bin_admin_refuses_a_user_command_without_an_id(stack):
    result = admin_cli(stack, "restart")
    assert result.returncode == 2
    assert "needs a Telegram user id" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_user_whose_actor_keeps_dying_is_suspended_and_people_are_told(stack):
    stack.link(F)
    for _ in range(6):
        pid = stack.user_pid(F)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            stack.pump(0.3)
            if User.get(User.telegram_id == F).status == "suspended":
                break
            located = stack.ask_user_actor(F)
            if located is not None and stack.pid_of(located) not in (None, pid):
                break
    assert User.get(User.telegram_id == F).status == "suspended"
    stack.reply_to(F, "user.suspended_crashes")
    alarm = stack.reply_to(ADMIN_ID, "admin.user_suspended")
    assert alarm.param("telegram_id") == str(F)

    stack.say(GetPrice(telegram_id=F, chat_id=F, pair_text="btcidr"))
    stack.reply_to(F, "user.suspended")

    assert stack.admin(RestartUser(telegram_id=F)).ok  # an operator lifts it
    users = {row["telegram_id"]: row for row in stack.admin(ListUsers()).data["users"]}
    assert users[F]["status"] == "active"
