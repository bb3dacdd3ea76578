"""The console chat: typed lines in, rendered replies out, buttons as numbered choices; a
photo (a chart) is saved as a PNG under the data directory and its path printed.

One thread owns the actor-system handle (handles are not thread-safe): it listens for
outbound messages and sends commands; a reader thread only turns stdin into a queue.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from adapters.chat.actor_link import ActorLink
from adapters.chat.commands import WIZARDS, Parsed, Usage, Who, from_callback, parse
from adapters.chat.conversations import (
    CANCEL_WIZARD,
    Desk,
    Finished,
    Prompt,
    Step,
    is_wizard_tap,
)
from adapters.chat.rate_limit import CommandBudget, Verdict
from adapters.i18n.catalog import render
from config.files import private_file
from config.schema import StorageSettings
from messages.commands import UserCommand
from messages.replies import Button, Outbound, Photo
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault

MAX_CHOICE_DIGITS = 3
DATA_DIR = StorageSettings().data_dir  # the setting's default

log = logging.getLogger(__name__)

MarketControl = Callable[[list[str]], tuple[str, dict[str, Any]]]


class ConsoleChat:
    def __init__(
        self,
        system: Any,
        supervisor: Any,
        who: Who,
        out: TextIO,
        *,
        budget: CommandBudget,
        language: str = "id",
        reboot: Callable[[], Any] | None = None,
        vault: Vault | None = None,
        market: MarketControl | None = None,
        conversation_seconds: float = 300.0,
        data_dir: Path = DATA_DIR,
    ) -> None:
        """`data_dir`: the bot's (DATA_DIR); photos are saved in its `charts` folder."""
        self.link = ActorLink(system, supervisor, "console", reboot)
        self.chart_dir = data_dir / "charts"
        self.who, self.out = who, out
        self.budget = budget
        self.language = language
        self.vault = vault
        self.market = market
        self.desk = Desk(conversation_seconds)
        self.token: str | None = None
        self.choices: list[str] = []

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def send(self, command: Any) -> None:
        if isinstance(command, UserCommand) and self.token is not None:
            command = dataclasses.replace(command, token=self.token)
        self.link.tell(command)

    def handle_line(self, line: str) -> bool:
        """True when a command went to the actors (an answer will come). Every line but a
        blank one counts against the user's budget, as every Telegram message does."""
        text = line.strip()
        if not text or not self._admit(text):
            return False
        # Only a short run of ASCII digits is a choice: `²` and `٣` pass isdigit() but not
        # int(), and int() refuses lines of thousands of digits.
        if text.isascii() and text.isdigit() and len(text) <= MAX_CHOICE_DIGITS and self.choices:
            tapped = self._tap(int(text))
            if tapped is not None:
                return tapped
        return self._typed(text)

    def _admit(self, text: str) -> bool:
        """A numbered choice is a tap on that button: the answer to a question shown passes
        once even over budget."""
        number = int(text) if text.isascii() and text.isdigit() and len(text) < 4 else 0
        tapped = self.choices[number - 1] if 1 <= number <= len(self.choices) else None
        verdict = self.budget.check(self.who.telegram_id, tapped=tapped)
        if verdict is Verdict.REFUSE_AND_TELL:
            self._print("chat.rate_limited")
        return verdict is Verdict.ALLOW

    def _tap(self, number: int) -> bool | None:
        """A numbered choice, as a button tap; None when the number is an answer typed in a
        conversation (an amount, a price)."""
        in_conversation = self.desk.holds(self.who.telegram_id) is not None
        if not 1 <= number <= len(self.choices):
            if in_conversation:
                return None
            self._print("button.stale")
            return False
        data = self.choices[number - 1]
        if not is_wizard_tap(data):
            return self._dispatch(from_callback(data, self.who))
        if in_conversation:
            return self._advance(self.desk.answer(self.who.telegram_id, data))
        self._print("button.stale")
        return False

    def _typed(self, text: str) -> bool:
        words = text.split()
        if words and words[0].lower() == "/sim" and self.market is not None:
            self._print(*self.market(words[1:]))
            return False
        step = self.desk.route(self.who, text)
        if step is not None:
            return self._advance(step)
        return self._dispatch(parse(text, self.who))

    def _dispatch(self, parsed: Parsed) -> bool:
        if isinstance(parsed, Usage):
            if parsed.key in WIZARDS:
                return self._advance(self.desk.start(self.who, WIZARDS[parsed.key], parsed.answers))
            self._print(parsed.key)
            return False
        if parsed is None:
            return False
        self.choices = []
        self.send(parsed)
        return True

    def _advance(self, step: Step) -> bool:
        if isinstance(step, Prompt):
            # A number typed in a conversation may be an amount: Cancel is /cancel here,
            # not a numbered choice.
            rows = tuple(
                kept
                for row in step.buttons
                if (kept := tuple(b for b in row if b.callback != CANCEL_WIZARD))
            )
            self.choices = []
            self._print(step.key, dict(step.params), rows)
            self._print("console.cancel_hint")
            return False
        if step.key:
            self._print(step.key)
        if isinstance(step, Finished):
            return self._dispatch(step.command)
        return False

    def pump(self, seconds: float) -> int:
        """Print what arrives for `seconds`; return how many messages were shown."""
        shown = 0
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            arrived = [m for m in self.link.receive(min(left, 0.2)) if isinstance(m, Outbound)]
            shown_now = [m for m in arrived if self._shown(m)]
            self.link.acknowledge(m.correlation_id for m in shown_now)
            shown += len(shown_now)
        return shown

    def _shown(self, message: Outbound) -> bool:
        """A message that cannot be shown is reported, never raised: the console goes on
        with the ones behind it, and the Notifier decides whether to offer it again."""
        try:
            self._show(message)
        except Exception as error:
            reason = f"render: {type(error).__name__}"
            log.error(
                "outbound message not shown",
                extra={
                    "correlation_id": message.correlation_id,
                    "key": message.key,
                    "reason": reason,
                },
            )
            self.link.undeliverable((message.correlation_id,), reason)
            return False
        return True

    def _show(self, message: Outbound) -> None:
        self.language = message.language
        sealed = message.param("token_enc")
        if sealed and self.vault is not None:
            self.token = self.vault.decrypt(
                sealed, purpose=PURPOSE_ACCESS_TOKEN, owner=self.who.telegram_id
            )
        self.budget.shown(
            self.who.telegram_id, (button.callback for row in message.buttons for button in row)
        )
        if isinstance(message, Photo):
            self._print(message.key, dict(message.params))
            path = self._save(message)
            self._print("console.photo_saved", {"path": str(path)}, message.buttons)
            return
        self._print(message.key, dict(message.params), message.buttons)

    def _save(self, photo: Photo) -> Path:
        """Named by the message, so a photo offered again overwrites its own file; only the
        bot's owner may read it (it shows the user's orders and holdings)."""
        name = re.sub(r"[^A-Za-z0-9_-]", "_", photo.correlation_id)
        path = private_file(self.chart_dir / f"{name}.png")
        path.write_bytes(photo.png)
        return path.resolve()

    def _print(
        self,
        key: str,
        params: dict[str, Any] | None = None,
        rows: tuple[tuple[Button, ...], ...] = (),
    ) -> None:
        self.say(render(key, params or {}, self.language, as_html=False))
        buttons = [button for row in rows for button in row]
        if buttons:
            self.choices = [button.callback for button in buttons]
            self.say(render("console.choose", {}, self.language, as_html=False))
            for number, button in enumerate(buttons, 1):
                label = render(button.label_key, dict(button.params), self.language, as_html=False)
                self.say(f"  {number}. {label}")

    def _await_answer(self, timeout: float = 15.0) -> None:
        """One line at a time, as a person types: the next waits for this one's answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.pump(0.1):
            pass

    def run(self, lines: Iterable[str], settle: float = 3.0) -> None:
        """Until the input ends; then wait up to `settle` seconds for the last replies."""
        inbox: queue.SimpleQueue[str | None] = queue.SimpleQueue()

        def read() -> None:
            for line in lines:
                inbox.put(line)
            inbox.put(None)

        threading.Thread(target=read, name="console-input", daemon=True).start()
        while True:
            self.pump(0.1)
            try:
                line = inbox.get_nowait()
            except queue.Empty:
                continue
            if line is None:
                break
            if self.handle_line(line):
                self._await_answer()
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle:
            if self.pump(0.5):
                quiet_since = time.monotonic()
