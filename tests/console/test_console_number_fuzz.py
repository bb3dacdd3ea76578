"""A thousand numbers as people type them, through the console chat as bin/run drives it,
to real UserActors: nothing crashes, nothing ends in an internal error, and every preview
shows the value the input meant (asked about first when it reads two ways)."""

from __future__ import annotations

import io
import random
import time

import pytest
from number_cases import SCRIPTS, Tally, lines_of, number_case
from number_world import InProcessActors, paper_world

from adapters.chat.commands import Who
from adapters.chat.rate_limit import CommandBudget
from adapters.console.chat import ConsoleChat
from messages.callbacks import ChooseReading, WizardAnswer, read

CASES = 1000


@pytest.fixture(scope="module")
def actors(tmp_path_factory: pytest.TempPathFactory):
    with paper_world(tmp_path_factory.mktemp("numbers"), seed=31) as world:
        yield world


def console_for(actors: InProcessActors, telegram_id: int, language: str) -> ConsoleChat:
    # The fuzz types far faster than a person; the budget is not what it tests.
    budget = CommandBudget(per_minute=10 * CASES)
    chat = ConsoleChat(
        actors, "supervisor", Who(telegram_id, telegram_id), io.StringIO(), budget=budget
    )
    type_line(chat, f"/lang {language}")
    return chat


def type_line(chat: ConsoleChat, line: str) -> None:
    """As the console's run() does: the line, then its answer printed."""
    if chat.handle_line(line):
        chat.pump(0.002)


def readings_offered(chat: ConsoleChat) -> bool:
    """The last message offers the readings of a number (the actors' or the guided
    trade's own), nothing else."""
    return len(chat.choices) == 2 and all(
        isinstance(read(choice), ChooseReading | WizardAnswer) for choice in chat.choices
    )


def test_a_thousand_typed_numbers_never_crash_the_console_and_every_preview_means_them(actors):
    rng = random.Random(20261206)
    chats = [console_for(actors, 9100, "id"), console_for(actors, 9200, "en")]
    tally = Tally()
    started = time.monotonic()
    for number in range(CASES):
        chat = chats[number % 2]
        case, script = number_case(rng), rng.choice(SCRIPTS)
        before = len(actors.sent)
        for line in lines_of(script, case, rng):
            type_line(chat, line)
        asked = readings_offered(chat)
        chosen = rng.randrange(2)
        if asked:
            type_line(chat, str(chosen + 1))
        tally.check(case, script, actors.sent[before:], asked, chosen)
        type_line(chat, "/cancel")  # whatever the case left open
    seconds = time.monotonic() - started
    print(f"console: {tally.summary()} in {seconds:.1f} s")
    tally.assert_clean(CASES)


@pytest.mark.parametrize(
    "line",
    ["²", "٣", "\uff11", "9" * 5000, "1" * 4301, "0" * 5000, "1²", "-1", "1e309", "1e-400"],
)
def test_odd_digits_and_endless_lines_get_an_answer_from_the_console_not_a_traceback(actors, line):
    chat = console_for(actors, 9300, "id")
    type_line(chat, "/trade sell btcidr 0,5 market")  # a preview with numbered choices
    out = chat.out
    assert isinstance(out, io.StringIO)
    printed = len(out.getvalue())
    type_line(chat, line)
    type_line(chat, f"/trade sell btcidr {line} market")
    said = out.getvalue()[printed:]
    assert said.strip()
    assert "Traceback" not in said and "kesalahan" not in said  # error.internal, in id
