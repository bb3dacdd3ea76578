"""The console chat: typed lines in, rendered replies out, buttons as numbered choices.

One thread owns the actor-system handle (handles are not thread-safe): it listens for
outbound messages and sends commands; a reader thread only turns stdin into a queue.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from adapters.chat.commands import Usage, Who, from_callback, parse
from adapters.i18n.catalog import render
from messages.commands import UserCommand
from messages.events import Locate, Located, Ping, Pong
from messages.replies import Delivered, Outbound, OutboundBatch, RegisterOutlet
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault

PING_EVERY = 5.0
SILENT_AFTER = 15.0


class ConsoleChat:
    def __init__(
        self,
        system: Any,
        supervisor: Any,
        who: Who,
        out: TextIO,
        *,
        language: str = "id",
        reboot: Callable[[], Any] | None = None,
        vault: Vault | None = None,
    ) -> None:
        self.system, self.supervisor, self.who, self.out = system, supervisor, who, out
        self.language = language
        self.reboot = reboot
        self.vault = vault
        self.token: str | None = None
        self.choices: list[str] = []
        self.last_pong = time.monotonic()
        self.last_ping = 0.0
        self.notifier = self._locate_notifier()
        self.system.tell(self.notifier, RegisterOutlet(adapter="console"))

    def _locate_notifier(self) -> Any:
        self.system.tell(self.supervisor, Locate(core="notifier"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = self.system.listen(1.0)
            if isinstance(message, Located):
                return message.address
        raise TimeoutError("the Supervisor did not say where the Notifier is")

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def send(self, command: Any) -> None:
        if isinstance(command, UserCommand) and self.token is not None:
            command = dataclasses.replace(command, token=self.token)
        self.system.tell(self.supervisor, command)

    def handle_line(self, line: str) -> bool:
        """True when a command went to the actors (an answer will come)."""
        text = line.strip()
        if text.isdigit() and self.choices:
            number = int(text)
            parsed = (
                from_callback(self.choices[number - 1], self.who)
                if 1 <= number <= len(self.choices)
                else Usage("button.stale")
            )
        else:
            parsed = parse(text, self.who)
        if isinstance(parsed, Usage):
            self.say(render(parsed.key, {}, self.language, as_html=False))
            return False
        if parsed is None:
            return False
        self.choices = []
        self.send(parsed)
        return True

    def pump(self, seconds: float) -> int:
        """Print what arrives for `seconds`; return how many messages were shown."""
        shown = 0
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self._watch_supervisor()
            message = self.system.listen(min(left, 0.2))
            if isinstance(message, OutboundBatch):
                for outbound in message.messages:
                    self._show(outbound)
                shown += len(message.messages)
                ids = tuple(m.correlation_id for m in message.messages)
                self.system.tell(self.notifier, Delivered(message_correlation_ids=ids))
            elif isinstance(message, Pong):
                self.last_pong = time.monotonic()
        return shown

    def _watch_supervisor(self) -> None:
        now = time.monotonic()
        if now - self.last_ping >= PING_EVERY:
            self.last_ping = now
            self.send(Ping())
        if now - self.last_pong > SILENT_AFTER and self.reboot is not None:
            self.supervisor = self.reboot()
            self.last_pong = now

    def _show(self, message: Outbound) -> None:
        self.language = message.language
        sealed = message.param("token_enc")
        if sealed and self.vault is not None:
            self.token = self.vault.decrypt(
                sealed, purpose=PURPOSE_ACCESS_TOKEN, owner=self.who.telegram_id
            )
        self.say(render(message.key, dict(message.params), message.language, as_html=False))
        buttons = [button for row in message.buttons for button in row]
        if buttons:
            self.choices = [button.callback for button in buttons]
            self.say(render("console.choose", {}, message.language, as_html=False))
            for number, button in enumerate(buttons, 1):
                label = render(
                    button.label_key, dict(button.params), message.language, as_html=False
                )
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
