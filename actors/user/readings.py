"""What a user typed into a command, read once for every command that carries it: a pair,
and numbers.

A number with one reading goes on; one that is not a number is answered with the reason;
one that reads two ways (`1.500`) is asked about: the same command, once with each
reading, waits as a pending question, and the tap on a reading runs that command as if
it had been typed so. A command with two such numbers asks twice, one at a time.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any, Literal

from actors.user.answers import Answers
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.session import UserSession
from adapters.i18n.typed_numbers import (
    TwoReadings,
    Unreadable,
    as_typed,
    read_number,
    reading_button,
    shown,
)
from adapters.indodax.errors import IndodaxError
from adapters.indodax.pairs import Pair, UnknownPair
from messages import callbacks as cb
from messages.commands import ChooseReading, UserCommand

# The two readings of `1.500` as a tap names them: the Indonesian one, then the English.
READINGS: tuple[Literal[0, 1], Literal[0, 1]] = (0, 1)


class Readings:
    def __init__(self, session: UserSession, answers: Answers) -> None:
        self.session, self.answers = session, answers
        self.questions: PendingQuestions[tuple[UserCommand, ...]] = PendingQuestions(
            gone_key="number.choice_gone", expired_key="number.choice_expired"
        )

    def pair(self, command: UserCommand, text: str) -> Pair | None:
        """The market named by `text`; None once the user has been told it is unknown."""
        try:
            return self.session.catalog.parse(text)
        except UnknownPair as error:
            suggestions = ", ".join(p.display for p in error.suggestions)
            key = "pair.unknown" if suggestions else "pair.unknown_no_match"
            self.answers.reply(command, key, pair=shown(text), suggestions=suggestions)
        except IndodaxError:
            self.answers.reply(command, "error.exchange_unavailable")
        return None

    def numbers(self, command: UserCommand, *fields: str) -> dict[str, Decimal | None] | None:
        """The values of `fields` (None where nothing was typed); None when the user has
        been answered instead: told why a number is refused, or asked which reading."""
        values: dict[str, Decimal | None] = {}
        for name in fields:
            text = getattr(command, name)
            reading = None if text is None else read_number(text)
            if isinstance(reading, Unreadable):
                self.answers.reply(command, reading.key, value=reading.value)
                return None
            if isinstance(reading, TwoReadings):
                self._ask(command, name, reading)
                return None
            values[name] = reading
        return values

    def _ask(self, command: UserCommand, name: str, reading: TwoReadings) -> None:
        # `name` is the field of whichever command asked (price, amount…): not one mypy knows.
        typed: list[dict[str, Any]] = [{name: as_typed(value)} for value in reading.values]
        choices = tuple(dataclasses.replace(command, **changes) for changes in typed)
        pending_id = self.questions.ask(choices)
        self.answers.reply(
            command,
            "number.ambiguous",
            buttons=(
                tuple(
                    reading_button(value, cb.ChooseReading(pending_id, choice).pack())
                    for choice, value in zip(READINGS, reading.values, strict=True)
                ),
            ),
            typed=reading.typed,
        )

    def chosen(self, message: ChooseReading) -> UserCommand | None:
        """The tapped reading's command, to go on as if typed now with this tap's token;
        None once a stale or repeated tap has been answered."""
        choices = self.questions.take(message.pending_id)
        if isinstance(choices, Unanswerable):
            self.answers.reply(message, choices.key)
            return None
        if not 0 <= message.choice < len(choices):
            self.answers.reply(message, "button.stale")
            return None
        return dataclasses.replace(
            choices[message.choice], token=message.token, correlation_id=message.correlation_id
        )
