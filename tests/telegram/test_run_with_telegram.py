"""bin/run with a bot token: the operator's command serves Telegram users, and Ctrl-C stops
every process it started."""

from __future__ import annotations

import signal
import subprocess

from bot_process import bot_env, free_port, run_bot, running_bot
from fake_bot_api import FakeBotApi

from actors.runtime.processes import end_session, listener_pid, session_members, session_of
from adapters.i18n.catalog import render

USER = 31337


def test_bin_run_with_a_token_answers_telegram_users_and_ctrl_c_stops_everything(tmp_path):
    with FakeBotApi() as fake:
        env = bot_env(
            tmp_path,
            BOT_INTERNAL_PORT=str(free_port()),
            TELEGRAM_BOT_TOKEN="123456:RUN-TEST",
            TELEGRAM_API_BASE_URL=fake.base_url,
        )
        session = None
        with running_bot(env, stdin=subprocess.DEVNULL) as process:
            try:
                assert process.stdout is not None
                for line in process.stdout:
                    if line.startswith("telegram chat (polling)"):
                        break
                session = session_of(listener_pid(int(env["ACTOR_ADMIN_PORT"])))
                # Updates sent while the bot was down are dropped at start: wait until it polls.
                fake.wait_for(lambda: any(name == "getUpdates" for name, _ in fake.calls), 60)
                fake.user_says(USER, "/start")
                menu = fake.wait_messages(USER, 1, timeout=60)[0]
                assert menu.plain_text.startswith(
                    render("menu.main", {}, "id", as_html=False).split("\n")[0]
                )
                fake.user_says(USER, "/price btcidr")
                assert "BTC/IDR" in fake.wait_messages(USER, 2, timeout=30)[1].plain_text
                process.send_signal(signal.SIGINT)
                _, stderr = process.communicate(timeout=60)
            finally:
                if session is not None:
                    end_session(session, grace=5)  # a failed run must not leave actors behind
    assert process.returncode == 130
    assert "Traceback" not in stderr, stderr[-3000:]
    assert session is not None and session_members(session) == []
    assert not fake.rejected


def test_bin_run_with_a_token_telegram_refuses_says_so_in_one_line(tmp_path):
    with FakeBotApi() as fake:
        env = bot_env(
            tmp_path,
            BOT_INTERNAL_PORT=str(free_port()),
            TELEGRAM_BOT_TOKEN="123456:WRONG",
            TELEGRAM_API_BASE_URL=fake.base_url.replace("/bot", "/nobot"),
        )
        result = run_bot(env, timeout=120)
    assert result.returncode == 2
    assert "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr
    assert "WRONG" not in result.stderr + result.stdout
