"""A reply that cannot be shown never jams the chat: it is offered a few times, then moved to
the dead letters with one operator log line, and its user gets one short apology."""

from __future__ import annotations

import io
import logging
from typing import Any

from thespian.actors import Actor
from unrenderable import UNRENDERABLE

from actors.core.notifier import APOLOGY_KEY, MAX_DELIVERY_ATTEMPTS, Notifier, encode
from adapters.chat.commands import Who
from adapters.chat.rate_limit import CommandBudget
from adapters.console.chat import ConsoleChat
from adapters.i18n.catalog import render
from messages.events import Boot, Locate, Located, Ping, Pong
from messages.replies import Delivered, OutboundBatch, RegisterOutlet, Reply, Undeliverable
from persistence.models.outbox import DeadLetter, OutboxMessage, backlog, dead_letters

USER = 7

# price.show formats `last` as a number, which `unrenderable_number` makes overflow.
POISON = Reply(
    telegram_id=USER,
    chat_id=USER,
    key="price.show",
    params=(("pair", "BTC/IDR"), ("last", UNRENDERABLE)),
    language="en",
    correlation_id="poison-1",
)
LATER = Reply(
    telegram_id=USER, chat_id=USER, key="error.internal", language="en", correlation_id="later-1"
)


class Locator(Actor):
    """Stands in for the Supervisor: says where the Notifier is, and answers Pings."""

    def receiveMessage(self, message: Any, sender: Any) -> None:
        if isinstance(message, tuple) and message[0] == "notifier":
            self.notifier = message[1]
        elif isinstance(message, Locate):
            self.send(sender, Located(address=self.notifier, correlation_id=message.correlation_id))
        elif isinstance(message, Ping):
            self.send(sender, Pong(stopping=False, correlation_id=message.correlation_id))


def start(actor_system, settings) -> tuple[Any, Any]:
    notifier = actor_system.createActor(Notifier)
    actor_system.tell(notifier, Boot(settings=settings))
    locator = actor_system.createActor(Locator)
    actor_system.tell(locator, ("notifier", notifier))
    return notifier, locator


def console(actor_system, locator) -> tuple[ConsoleChat, io.StringIO]:
    out = io.StringIO()
    chat = ConsoleChat(
        actor_system, locator, Who(USER, USER), out, budget=CommandBudget(60), language="en"
    )
    return chat, out


def test_a_poisoned_reply_left_in_the_outbox_never_jams_the_console_across_restarts(
    actor_system, settings, caplog, unrenderable_number
):
    notifier, locator = start(actor_system, settings)
    actor_system.tell(notifier, POISON)  # no chat listens: both wait in the outbox
    actor_system.tell(notifier, LATER)
    assert backlog() == 2
    apology = render(APOLOGY_KEY, {}, "en", as_html=False)
    later = render(LATER.key, {}, "en", as_html=False)

    with caplog.at_level(logging.INFO):
        chat, out = console(actor_system, locator)
        chat.pump(2.0)

    assert out.getvalue().count(later) == 1  # the message behind the poisoned one arrived
    assert out.getvalue().count(apology) == 1
    [letter] = DeadLetter.select()
    assert (letter.correlation_id, letter.telegram_id, letter.key) == (
        "poison-1",
        USER,
        "price.show",
    )
    assert (letter.reason, letter.attempts) == ("render: OverflowError", MAX_DELIVERY_ATTEMPTS)
    assert backlog() == 0
    [line] = [r for r in caplog.records if "dead letters" in r.getMessage()]
    assert (line.user_id, line.message_key, line.reason) == (
        USER,
        "price.show",
        "render: OverflowError",
    )
    assert unrenderable_number not in line.getMessage() + str(line.__dict__)

    # The console starts again: nothing is offered twice, no second apology.
    again, out_again = console(actor_system, locator)
    again.pump(1.0)
    assert out_again.getvalue() == ""
    assert dead_letters() == 1


def test_a_row_that_cannot_be_read_back_is_given_up_and_the_rest_still_arrive(
    actor_system, settings
):
    notifier, _ = start(actor_system, settings)
    broken = encode(POISON) | {"type": "Telegram"}
    OutboxMessage.create(correlation_id="broken-1", chat_id=USER, payload=broken)
    actor_system.tell(notifier, LATER)

    actor_system.tell(notifier, RegisterOutlet(adapter="test"))
    arrived = []
    while (message := actor_system.listen(0.3)) is not None:
        if isinstance(message, OutboundBatch):
            arrived.extend(message.messages)
            ids = tuple(m.correlation_id for m in message.messages)
            actor_system.tell(notifier, Delivered(message_correlation_ids=ids))

    assert [m.key for m in arrived] == [LATER.key, APOLOGY_KEY]
    [letter] = DeadLetter.select()
    assert (letter.correlation_id, letter.reason) == ("broken-1", "decode: KeyError")
    assert backlog() == 0


def test_an_apology_that_cannot_be_shown_is_not_apologised_for(actor_system, settings):
    notifier, _ = start(actor_system, settings)
    actor_system.tell(notifier, RegisterOutlet(adapter="test"))
    actor_system.tell(notifier, POISON)
    failures = 0
    while (message := actor_system.listen(0.3)) is not None:
        if isinstance(message, OutboundBatch):
            ids = tuple(m.correlation_id for m in message.messages)
            failures += len(ids)
            actor_system.tell(
                notifier, Undeliverable(message_correlation_ids=ids, reason="send: X")
            )

    assert failures == 2 * MAX_DELIVERY_ATTEMPTS  # the reply, then its apology, three times each
    assert sorted(letter.key for letter in DeadLetter.select()) == [APOLOGY_KEY, "price.show"]
    assert backlog() == 0
