from __future__ import annotations

import dataclasses
import json

import pytest

from actors.core import notifier as notifier_module
from actors.core.notifier import Notifier, decode, encode
from messages.events import Boot
from messages.replies import (
    Button,
    Delivered,
    Notification,
    OutboundBatch,
    Photo,
    RegisterOutlet,
    Reply,
    Undeliverable,
)
from persistence.models.outbox import DeadLetter, OutboxPhoto, backlog
from persistence.models.users import User, notification_settings


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


def test_a_list_of_rows_survives_the_outbox_encoding():
    rows = (("1", "btc_idr", "above"), ("2", "eth;idr", "below|x"))
    message = Notification(
        telegram_id=1, chat_id=2, key="alert.list", params=(("count", "2"), ("alerts", rows))
    )
    assert decode(json.loads(json.dumps(encode(message)))) == message


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


def note(telegram_id: int, kind: str, number: int) -> Notification:
    return Notification(
        telegram_id=telegram_id,
        chat_id=telegram_id,
        kind=kind,
        key="alert.fired",
        params=(("n", str(number)),),
        correlation_id=f"n{telegram_id}-{kind}-{number}",
    )


def delivered_to(actor_system, notifier, *messages) -> list:
    actor_system.tell(notifier, RegisterOutlet(adapter="test"))
    actor_system.tell(notifier, OutboundBatch(messages=messages))
    return [m for batch in batches(actor_system) for m in batch.messages]


def test_a_kind_the_user_switched_off_is_never_handed_on_nor_kept(actor_system, settings):
    User.create(telegram_id=21, chat_id=21, notify_alert="off")
    notifier = start_notifier(actor_system, settings)
    arrived = delivered_to(actor_system, notifier, note(21, "alert", 1), note(21, "fill", 2))
    assert [m.param("n") for m in arrived] == ["2"]
    assert backlog() == 1  # the switched-off one counts as delivered: no redelivery later


def test_a_silenced_kind_arrives_without_a_sound_and_replies_always_ring(actor_system, settings):
    User.create(telegram_id=22, chat_id=22, notify_fill="silent")
    notifier = start_notifier(actor_system, settings)
    answer = dataclasses.replace(reply(5, chat=22), correlation_id="r22")
    arrived = delivered_to(actor_system, notifier, note(22, "fill", 1), answer)
    assert [(type(m).__name__, m.silent) for m in arrived] == [
        ("Notification", True),
        ("Reply", False),
    ]


def test_safety_messages_arrive_even_if_the_database_says_off(actor_system, settings):
    User.create(telegram_id=23, chat_id=23, notify_system="off")
    notifier = start_notifier(actor_system, settings)
    [arrived] = delivered_to(actor_system, notifier, note(23, "system", 1))
    assert arrived.silent


def test_the_settings_of_a_whole_burst_are_read_in_one_query(actor_system, settings, monkeypatch):
    for telegram_id in range(30, 35):
        User.create(telegram_id=telegram_id, chat_id=telegram_id, notify_strategy="silent")
    lookups = []

    def counted(ids):
        lookups.append(set(ids))
        return notification_settings(lookups[-1])

    monkeypatch.setattr(notifier_module, "notification_settings", counted)
    notifier = start_notifier(actor_system, settings)
    burst = [note(telegram_id, "strategy", n) for telegram_id in range(30, 35) for n in range(4)]
    arrived = delivered_to(actor_system, notifier, *burst)
    assert len(arrived) == 20
    assert all(m.silent for m in arrived)
    assert lookups == [set(range(30, 35))]


def test_outbox_rows_written_before_silent_existed_still_decode():
    payload = encode(note(1, "alert", 1))
    del payload["silent"]
    assert decode(payload) == note(1, "alert", 1)


def photo(number: int, chat: int = 40) -> Photo:
    """A chart as the chart maker answers: bytes no JSON column could hold as they are."""
    return Photo(
        telegram_id=chat,
        chat_id=chat,
        key="chart.caption.allocation",
        buttons=((Button("button.chart", "ch:a"),),),
        png=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (number + 1),
        correlation_id=f"p{chat}-{number}",
    )


def test_a_photo_waits_in_the_outbox_and_a_restarted_notifier_offers_it_byte_for_byte(
    actor_system, settings
):
    first = start_notifier(actor_system, settings)
    actor_system.tell(first, photo(1))
    actor_system.listen(0.1)
    second = start_notifier(actor_system, settings)
    actor_system.tell(second, RegisterOutlet(adapter="test"))
    [offered] = [m for batch in batches(actor_system) for m in batch.messages]
    assert offered == photo(1)
    assert "png" not in json.loads(json.dumps(encode(photo(1))))  # the row holds no bytes


def test_a_delivered_photo_leaves_its_png_behind_nowhere(actor_system, settings):
    notifier = start_notifier(actor_system, settings)
    actor_system.tell(notifier, RegisterOutlet(adapter="test"))
    actor_system.tell(notifier, photo(1))
    actor_system.tell(notifier, photo(2))
    assert len([m for batch in batches(actor_system) for m in batch.messages]) == 2
    assert OutboxPhoto.select().count() == 2
    actor_system.tell(notifier, Delivered(message_correlation_ids=("p40-1",)))
    actor_system.listen(0.1)
    assert [row.correlation_id for row in OutboxPhoto.select()] == ["p40-2"]
    assert backlog() == 1


def test_a_photo_given_up_on_keeps_its_dead_letter_but_not_its_png(actor_system, settings):
    notifier = start_notifier(actor_system, settings)
    actor_system.tell(notifier, RegisterOutlet(adapter="test"))
    actor_system.tell(notifier, photo(3))
    while (message := actor_system.listen(0.3)) is not None:
        if isinstance(message, OutboundBatch):
            failed = tuple(m.correlation_id for m in message.messages if isinstance(m, Photo))
            if failed:
                actor_system.tell(
                    notifier, Undeliverable(message_correlation_ids=failed, reason="send: X")
                )
    [letter] = DeadLetter.select()
    assert (letter.correlation_id, letter.key) == ("p40-3", "chart.caption.allocation")
    assert OutboxPhoto.select().count() == 0


def test_a_photo_whose_png_is_gone_cannot_be_read_back():
    with pytest.raises(KeyError):
        decode(encode(photo(1)))
