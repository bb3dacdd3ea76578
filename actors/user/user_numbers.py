"""Numbers a user typed into a command, read once for every command that carries them.

A number with one reading goes on; one that is not a number is answered with the reason;
one that reads two ways (`1.500`) is asked about: the same command, once with each
reading, waits as a pending question, and the tap on a reading runs that command as if
it had been typed so. A command with two such numbers asks twice, one at a time.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, TypeVar

from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.user_base import UserBase
from adapters.i18n.typed_numbers import (
    TwoReadings,
    Unreadable,
    as_typed,
    read_number,
    reading_button,
)
from messages.commands import ChooseReading, UserCommand

Command = TypeVar("Command", bound=UserCommand)


class UserNumbers(UserBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.number_questions: PendingQuestions[tuple[UserCommand, ...]] = PendingQuestions(
            gone_key="number.choice_gone", expired_key="number.choice_expired"
        )

    def _read_numbers(self, command: Command, *fields: str) -> dict[str, Decimal | None] | None:
        """The values of `fields` (None where nothing was typed); None when the user has
        been answered instead: told why a number is refused, or asked which reading."""
        values: dict[str, Decimal | None] = {}
        for name in fields:
            text = getattr(command, name)
            reading = None if text is None else read_number(text)
            if isinstance(reading, Unreadable):
                self.reply(command, reading.key, value=reading.value)
                return None
            if isinstance(reading, TwoReadings):
                self._ask_reading(command, name, reading)
                return None
            values[name] = reading
        return values

    def _ask_reading(self, command: UserCommand, name: str, reading: TwoReadings) -> None:
        choices = tuple(
            dataclasses.replace(command, **{name: as_typed(value)}) for value in reading.values
        )
        pending_id = self.number_questions.ask(choices)
        self.reply(
            command,
            "number.ambiguous",
            buttons=(
                tuple(
                    reading_button(value, f"nr:{pending_id}:{index}")
                    for index, value in enumerate(reading.values)
                ),
            ),
            typed=reading.typed,
        )

    def receiveMsg_ChooseReading(self, message: ChooseReading, sender: Any) -> None:
        """The tapped reading's command goes on as if typed now, with this tap's token."""
        choices = self.number_questions.take(message.pending_id)
        if isinstance(choices, Unanswerable):
            self.reply(message, choices.key)
            return
        if not 0 <= message.choice < len(choices):
            self.reply(message, "button.stale")
            return
        chosen = dataclasses.replace(
            choices[message.choice], token=message.token, correlation_id=message.correlation_id
        )
        self.receiveMessage(chosen, sender)
