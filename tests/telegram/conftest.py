"""The whole bot as Telegram users meet it: the multiproc actor system on PostgreSQL and
Redis, the simulator as Indodax, the real python-telegram-bot Application, and a fake Bot
API server in place of Telegram. Tests talk only to the fake, as users would."""

from __future__ import annotations

import statistics
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from bot_process import free_port
from fake_bot_api import FakeBotApi
from simulated_system import simulated_system
from telegram_users import ACCOUNTS, ADMIN_ID, LATENCIES, REDIS_URL, Bot

from config.schema import ChatSettings, InternalSettings, TelegramSettings
from config.secret import Secret


@pytest.fixture(scope="module")
def bot(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    from adapters.telegram.runner import TelegramAdapter, run_telegram  # noqa: PLC0415

    with (
        FakeBotApi() as fake,
        simulated_system(
            postgres_server_url,
            REDIS_URL,
            tmp_path_factory.mktemp("telegram"),
            tuple(ACCOUNTS.values()),
            seed=7,
            telegram=TelegramSettings(
                bot_token=Secret("123456:TEST-TOKEN"),
                admin_ids=(ADMIN_ID,),
                api_base_url=fake.base_url,
                chat_interval_ms=20,
            ),
            chat=ChatSettings(adapter="telegram", commands_per_minute=120),
            internal=InternalSettings(
                port=free_port(), core_api_token=Secret("internal-" + "i" * 20)
            ),
        ) as running,
    ):
        adapters: list[TelegramAdapter] = []
        thread = threading.Thread(
            target=run_telegram,
            args=(running.settings, running.system.system, running.supervisor, None),
            kwargs={"started": adapters.append},
            daemon=True,
        )
        thread.start()
        try:
            fake.wait_for(lambda: bool(adapters) and adapters[0].ready.is_set(), 30)
            yield Bot(fake, running.simulator, running.settings)
        finally:
            if adapters:
                adapters[0].bridge.stop()
            thread.join(30)


@pytest.fixture(scope="session")
def chart_png() -> bytes:
    """A chart as the chart maker draws one."""
    from adapters.charts.allocation_chart import (  # noqa: PLC0415 (matplotlib, when asked)
        AllocationChartData,
        Holding,
        render_allocation_chart,
    )

    holdings = (Holding("idr", Decimal(1_000_000)), Holding("btc", Decimal(3_500_000)))
    return render_allocation_chart(AllocationChartData(holdings, "en"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The command-to-reply times users saw in the scenarios, for the closing note."""
    if len(LATENCIES) < 2:
        return
    ordered = sorted(LATENCIES)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    terminalreporter.write_line(
        f"telegram scenarios, command→reply over the fake Bot API: n={len(ordered)} "
        f"p50={statistics.median(ordered) * 1000:.0f} ms p99={p99 * 1000:.0f} ms"
    )
