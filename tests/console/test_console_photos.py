"""A chart in the console: saved as a PNG under the data directory, its path printed."""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import Any

from adapters.chat.commands import Who
from adapters.chat.rate_limit import CommandBudget
from adapters.console.chat import ConsoleChat
from adapters.i18n.catalog import render
from messages.events import Located
from messages.replies import Button, Delivered, OutboundBatch, Photo

ME = Who(32, 32)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


class System:
    """The actor system as the console sees it: the Notifier found, then a photo for me."""

    def __init__(self, *arriving: Any) -> None:
        self.told: list[Any] = []
        self.arriving: list[Any] = [Located(address="notifier"), *arriving]

    def tell(self, address: Any, message: Any) -> None:
        self.told.append(message)

    def listen(self, timeout: float) -> Any:
        return self.arriving.pop(0) if self.arriving else None


def test_a_chart_is_saved_under_the_data_directory_for_its_owner_alone_and_its_path_printed(
    tmp_path: Path,
):
    photo = Photo(
        telegram_id=ME.telegram_id,
        chat_id=ME.chat_id,
        key="chart.caption.allocation",
        buttons=((Button("button.chart", "ch:a"),),),
        png=PNG,
        language="en",
        correlation_id="c0ffee",
    )
    system, out = System(OutboundBatch(messages=(photo,))), io.StringIO()
    chat = ConsoleChat(system, "supervisor", ME, out, budget=CommandBudget(10), data_dir=tmp_path)

    assert chat.pump(0.5) == 1

    saved = tmp_path / "charts" / "c0ffee.png"
    assert saved.read_bytes() == PNG
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    printed = out.getvalue()
    assert render("chart.caption.allocation", {}, "en", as_html=False) in printed
    assert render("console.photo_saved", {"path": str(saved)}, "en", as_html=False) in printed
    assert "1. 📈 Chart" in printed  # its button, a numbered choice
    acknowledged = [m.message_correlation_ids for m in system.told if isinstance(m, Delivered)]
    assert acknowledged == [("c0ffee",)]
