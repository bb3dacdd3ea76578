"""The console chat counts every line against the user's budget, as Telegram does."""

from __future__ import annotations

import io
from typing import Any

from adapters.chat.commands import Who
from adapters.chat.rate_limit import CommandBudget
from adapters.console.chat import ConsoleChat
from adapters.i18n.catalog import render
from messages.commands import ConfirmOrder, GetPrice, UserCommand
from messages.events import Located
from messages.replies import Button, Reply

ME = Who(31, 31)


class QuietSystem:
    """The actor system as the console sees it: the Notifier found, commands recorded."""

    def __init__(self) -> None:
        self.told: list[Any] = []
        self.arriving: list[Any] = [Located(address="notifier")]

    def tell(self, address: Any, message: Any) -> None:
        self.told.append(message)

    def listen(self, timeout: float) -> Any:
        return self.arriving.pop(0) if self.arriving else None


def console(per_minute: int) -> tuple[ConsoleChat, QuietSystem, io.StringIO]:
    system, out = QuietSystem(), io.StringIO()
    chat = ConsoleChat(system, "supervisor", ME, out, budget=CommandBudget(per_minute))
    return chat, system, out


def commands(system: QuietSystem, kind: type = UserCommand) -> list[Any]:
    return [m for m in system.told if isinstance(m, kind)]


def test_a_flood_of_lines_is_refused_past_the_budget_and_told_once():
    chat, system, out = console(per_minute=3)
    for _ in range(3):
        chat.handle_line("/orders nonsense")  # usage errors count too
    for _ in range(3):
        assert chat.handle_line("/price btcidr") is False
    assert commands(system) == []
    assert out.getvalue().count(render("chat.rate_limited", {}, "id", as_html=False)) == 1


def test_a_confirmation_shown_passes_once_over_budget():
    chat, system, _ = console(per_minute=1)
    assert chat.handle_line("/price btcidr") is True
    chat._show(
        Reply(
            telegram_id=ME.telegram_id,
            chat_id=ME.chat_id,
            key="order.preview_gone",
            buttons=((Button("button.confirm", "oc:abc"), Button("button.cancel", "ox:abc")),),
        )
    )
    assert chat.handle_line("/price btcidr") is False  # over budget
    assert chat.handle_line("1") is True  # Confirm: the user already decided
    assert chat.handle_line("1") is False  # over budget again: nothing more passes
    assert [m.preview_id for m in commands(system, ConfirmOrder)] == ["abc"]
    assert len(commands(system, GetPrice)) == 1
