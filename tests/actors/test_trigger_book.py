from __future__ import annotations

import dataclasses
from decimal import Decimal

from actor_doubles import Collector, collected

from actors.core.trigger_book import TriggerBook, trigger_from
from actors.core.trigger_index import TriggerIndex
from messages.events import Boot, PriceTick, RegisterTrigger, TriggerFired, UserLocated
from messages.replies import Notification, OutboundBatch
from persistence.database import DatabaseUnavailable, connect
from persistence.models import Alert, User


def start_book(actor_system, settings):
    notifier = actor_system.createActor(Collector)
    supervisor = actor_system.createActor(Collector)
    book = actor_system.createActor(TriggerBook)
    actor_system.tell(book, Boot(settings=settings, notifier=notifier, supervisor=supervisor))
    return book, notifier, supervisor


def notes(actor_system, notifier) -> list[Notification]:
    """The TriggerBook hands the Notifier one batch per tick."""
    batches = collected(actor_system, notifier)
    assert all(isinstance(batch, OutboundBatch) for batch in batches)
    return [note for batch in batches for note in batch.messages]


def tick(actor_system, book, price: int, pair: str = "btc_idr") -> None:
    actor_system.tell(book, PriceTick(pair=pair, price=str(price), ts=1.0))


def test_alerts_in_the_database_fire_after_a_restart(actor_system, settings):
    user = User.create(telegram_id=5, chat_id=55, language="en")
    alert = Alert.create(user=user, pair="btc_idr", direction="above", price=Decimal(1_100))
    book, notifier, _ = start_book(actor_system, settings)
    tick(actor_system, book, 1_000)
    assert notes(actor_system, notifier) == []
    tick(actor_system, book, 1_150)
    [note] = notes(actor_system, notifier)
    assert isinstance(note, Notification)
    assert (note.chat_id, note.language, note.key) == (55, "en", "alert.fired")
    assert note.param("price") == "1150"
    assert Alert.get_by_id(alert.id).status == "fired"


def test_a_fired_one_shot_alert_does_not_fire_again(actor_system, settings):
    user = User.create(telegram_id=5, chat_id=55)
    Alert.create(user=user, pair="btc_idr", direction="below", price=Decimal(900))
    book, notifier, _ = start_book(actor_system, settings)
    for price in (800, 700, 950, 850):
        tick(actor_system, book, price)
    assert len(notes(actor_system, notifier)) == 1


def test_a_recurring_alert_does_not_repeat_while_the_price_hovers_at_its_level(
    actor_system, settings
):
    user = User.create(telegram_id=5, chat_id=55)
    Alert.create(
        user=user, pair="btc_idr", direction="above", price=Decimal(100_000), recurring=True
    )
    book, notifier, _ = start_book(actor_system, settings)
    for price in (100_000, 99_900, 100_100, 99_600, 100_000):  # never 0.5 % below the level
        tick(actor_system, book, price)
    assert len(notes(actor_system, notifier)) == 1
    for price in (99_400, 100_000):  # backed off 0.6 %, then up again: a second alert
        tick(actor_system, book, price)
    assert len(notes(actor_system, notifier)) == 1


def test_other_pairs_ticks_do_not_fire_an_alert(actor_system, settings):
    user = User.create(telegram_id=5, chat_id=55)
    Alert.create(user=user, pair="eth_idr", direction="above", price=Decimal(10))
    book, notifier, _ = start_book(actor_system, settings)
    tick(actor_system, book, 1_000_000, pair="btc_idr")
    assert notes(actor_system, notifier) == []


def test_a_strategy_trigger_goes_to_the_supervisor_when_its_owners_actor_is_not_running(
    actor_system, settings
):
    book, notifier, supervisor = start_book(actor_system, settings)
    actor_system.tell(
        book,
        RegisterTrigger(
            trigger_id="s1:tp",
            telegram_id=9,
            purpose="strategy",
            pair="eth_idr",
            kind="above",
            level="50",
        ),
    )
    tick(actor_system, book, 51, pair="eth_idr")
    [fired] = collected(actor_system, supervisor)
    assert isinstance(fired, TriggerFired)
    assert (fired.trigger_id, fired.telegram_id, fired.price) == ("s1:tp", 9, "51")
    assert collected(actor_system, notifier) == []


def test_a_trigger_whose_id_does_not_name_its_purpose_is_refused(actor_system, settings):
    """A strategy trigger dressed as an alert would make the book mark someone's alert
    fired; a garbled id could not be routed back to its strategy. Neither is watched."""
    book, notifier, supervisor = start_book(actor_system, settings)
    for trigger_id, purpose in (("alert:1", "strategy"), ("s1:tp", "alert"), ("s1tp", "strategy")):
        actor_system.tell(
            book,
            RegisterTrigger(
                trigger_id=trigger_id,
                telegram_id=9,
                purpose=purpose,
                pair="eth_idr",
                kind="above",
                level="50",
                chat_id=90,
            ),
        )
    tick(actor_system, book, 51, pair="eth_idr")
    assert collected(actor_system, supervisor) == []
    assert collected(actor_system, notifier) == []


def strategy_trigger(telegram_id: int) -> RegisterTrigger:
    return RegisterTrigger(
        trigger_id="s1:tp",
        telegram_id=telegram_id,
        purpose="strategy",
        pair="eth_idr",
        kind="above",
        level="50",
        recurring=True,
    )


def test_a_strategy_trigger_goes_straight_to_its_owners_running_actor(actor_system, settings):
    book, _, supervisor = start_book(actor_system, settings)
    owner = actor_system.createActor(Collector)
    actor_system.tell(book, UserLocated(telegram_id=9, address=owner))
    actor_system.tell(book, strategy_trigger(9))
    tick(actor_system, book, 51, pair="eth_idr")
    [fired] = collected(actor_system, owner)
    assert (fired.trigger_id, fired.telegram_id) == ("s1:tp", 9)
    assert collected(actor_system, supervisor) == []

    actor_system.tell(book, UserLocated(telegram_id=9))  # the actor is gone
    tick(actor_system, book, 40, pair="eth_idr")
    tick(actor_system, book, 52, pair="eth_idr")
    assert collected(actor_system, owner) == []
    [woken] = collected(actor_system, supervisor)  # the Supervisor starts it
    assert isinstance(woken, TriggerFired)


def test_an_order_trigger_fires_once_when_the_market_trades_through_the_orders_price(
    actor_system, settings
):
    book, notifier, _ = start_book(actor_system, settings)
    owner = actor_system.createActor(Collector)
    actor_system.tell(book, UserLocated(telegram_id=9, address=owner))
    actor_system.tell(
        book,
        RegisterTrigger(
            trigger_id="order:ib1-buy",
            telegram_id=9,
            purpose="order",
            pair="btc_idr",
            kind="below",  # a buy: the market at or below its limit price
            level="1000",
        ),
    )
    tick(actor_system, book, 1001)
    tick(actor_system, book, 999)
    tick(actor_system, book, 998)
    [fired] = collected(actor_system, owner)
    assert (fired.trigger_id, fired.price) == ("order:ib1-buy", "999")
    assert collected(actor_system, notifier) == []


def test_a_strategy_trigger_goes_straight_to_the_actor_that_armed_it(actor_system, settings):
    """The Supervisor says where a user's actor is behind everything else it has to send;
    the actor arming a trigger says so itself, and its fired triggers skip the Supervisor."""
    book, _, supervisor = start_book(actor_system, settings)
    owner = actor_system.createActor(Collector)
    actor_system.tell(book, dataclasses.replace(strategy_trigger(9), owner=owner))
    tick(actor_system, book, 51, pair="eth_idr")
    [fired] = collected(actor_system, owner)
    assert (fired.trigger_id, fired.telegram_id) == ("s1:tp", 9)
    assert collected(actor_system, supervisor) == []


def test_a_book_whose_boot_is_tried_again_keeps_the_triggers_armed_meanwhile_not_the_prices(
    actor_system, settings, monkeypatch
):
    attempts = []

    def database_away_once(url, gate=None):
        attempts.append(url)
        if len(attempts) == 1:
            raise DatabaseUnavailable("database error: cannot open sqlite (DATABASE_URL): gone")
        return connect(url, gate)

    monkeypatch.setattr("actors.base.connect", database_away_once)
    book = start_book(actor_system, settings)[0]
    owner = actor_system.createActor(Collector)
    actor_system.tell(book, UserLocated(telegram_id=9, address=owner))
    actor_system.tell(book, strategy_trigger(9))
    tick(actor_system, book, 60, pair="eth_idr")  # before the boot: not kept
    actor_system.listen(2.0)  # the boot tried again after 1 s
    assert len(attempts) == 2
    assert collected(actor_system, owner) == []

    tick(actor_system, book, 51, pair="eth_idr")
    [fired] = collected(actor_system, owner)
    assert fired.trigger_id == "s1:tp"


def test_a_trailing_stop_registered_at_2_percent_fires_2_percent_under_the_best_price():
    """A TP/SL's trailing stop is registered as its parameter says it, in percent."""
    index = TriggerIndex()
    index.add(
        trigger_from(
            RegisterTrigger(
                trigger_id="s5:stop",
                telegram_id=7,
                purpose="strategy",
                pair="btc_idr",
                kind="trailing_sell",
                percent="2",
            )
        )
    )
    assert index.tick(Decimal(1_000_000), now=0.0) == []
    assert index.tick(Decimal(1_100_000), now=1.0) == []
    assert index.tick(Decimal(1_078_001), now=2.0) == []
    [fired] = index.tick(Decimal(1_078_000), now=3.0)
    assert fired.id == "s5:stop"
