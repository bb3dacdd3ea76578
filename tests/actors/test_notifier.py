from __future__ import annotations

from actors.notifier import Notifier, decode, encode
from messages.events import Boot
from messages.replies import (
    Button,
    Delivered,
    Notification,
    OutboundBatch,
    RegisterOutlet,
    Reply,
)
from persistence.models.outbox import backlog


def reply(number: int, chat: int = 10) -> Reply:
    return Reply(
        telegram_id=chat,
        chat_id=chat,
        key="price.show",
        params=(("n", str(number)),),
        correlation_id=f"c{chat}-{number}",
    )


def start_notifier(actor_system, settings):
    notifier = actor_system.createActor(Notifier)
    actor_system.tell(notifier, Boot(settings=settings))
    return notifier


def batches(actor_system) -> list[OutboundBatch]:
    found = []
    while (message := actor_system.listen(0.3)) is not None:
        if isinstance(message, OutboundBatch):
            found.append(message)
    return found


def test_messages_survive_the_outbox_encoding_exactly():
    message = Notification(
        telegram_id=1,
        chat_id=2,
        key="alert.fired",
        kind="alert",
        params=(("pair", "btc_idr"),),
        buttons=((Button("menu.trade", "t:1", (("p", "btc"),)),),),
        delete_message_ids=(5, 6),
    )
    assert decode(encode(message)) == message


def test_a_burst_to_one_chat_arrives_in_order_in_one_delivery(actor_system, settings):
    notifier = start_notifier(actor_system, settings)
    actor_system.tell(notifier, RegisterOutlet(adapter="test"))
    for number in range(20):
        actor_system.tell(notifier, reply(number))
    delivered = [m for batch in batches(actor_system) for m in batch.messages]
    assert [m.param("n") for m in delivered] == [str(n) for n in range(20)]
    assert backlog() == 20  # nothing is forgotten before the adapter acknowledges


def test_acknowledged_messages_leave_the_outbox(actor_system, settings):
    notifier = start_notifier(actor_system, settings)
    actor_system.tell(notifier, RegisterOutlet(adapter="test"))
    actor_system.tell(notifier, reply(1))
    actor_system.tell(notifier, reply(2))
    [batch] = batches(actor_system)
    actor_system.tell(
        notifier, Delivered(message_correlation_ids=tuple(m.correlation_id for m in batch.messages))
    )
    actor_system.listen(0.1)
    assert backlog() == 0


def test_messages_sent_while_no_adapter_listens_arrive_when_it_registers(actor_system, settings):
    notifier = start_notifier(actor_system, settings)
    for number in range(3):
        actor_system.tell(notifier, reply(number))
    assert batches(actor_system) == []
    actor_system.tell(notifier, RegisterOutlet(adapter="test"))
    delivered = [m for batch in batches(actor_system) for m in batch.messages]
    assert [m.param("n") for m in delivered] == ["0", "1", "2"]


def test_a_restarted_notifier_redelivers_what_was_never_acknowledged(actor_system, settings):
    first = start_notifier(actor_system, settings)
    actor_system.tell(first, RegisterOutlet(adapter="test"))
    actor_system.tell(first, reply(7))
    batches(actor_system)
    second = start_notifier(actor_system, settings)
    actor_system.tell(second, RegisterOutlet(adapter="test"))
    delivered = [m for batch in batches(actor_system) for m in batch.messages]
    assert [m.param("n") for m in delivered] == ["7"]


def test_the_same_message_twice_is_stored_once(actor_system, settings):
    notifier = start_notifier(actor_system, settings)
    actor_system.tell(notifier, reply(1))
    actor_system.tell(notifier, reply(1))
    actor_system.listen(0.1)
    assert backlog() == 1
