"""Every order outcome reaches its user once: a UserActor against the local simulator whose
trade replies get lost, whose lookups fail, and which is replaced as if it had crashed.

simpleSystemBase runs the actors in this process (timers fire inside `listen`); the
simulator serves real HTTP, so every trade and lookup is signed and answered for real.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from actor_doubles import collected
from test_user_actor import TRADER, USER, confirm_limit_buy, link, make_world
from thespian.actors import ActorExitRequest

from adapters.indodax.pairs import Pair
from adapters.indodax.private_client import PrivateClient
from adapters.simulator.server import SimulatorServer
from config.schema import ActorSettings
from config.secret import Secret
from messages.events import ActorIdle, UserFailed, UserSucceeded
from messages.replies import Notification
from persistence.local_nonce_store import LocalNonceStore
from persistence.models import Order, OutboxMessage, User
from persistence.models.orders import record_intended_order

BTC = Pair("btc", "idr")
LOOKUP = "getOrderByClientOrderId"


@pytest.fixture(scope="module")
def simulator():
    server = SimulatorServer(port=0, seed=5, tick_interval=0, accounts=(TRADER,))
    server.start()
    server.set_price("btcidr", Decimal(1_000_000_000))
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def no_faults(simulator):
    simulator.set_faults(clear=True)
    yield
    simulator.set_faults(clear=True)


def world_with(actor_system, settings, simulator, tmp_path, *, follow_up_seconds=300, idle=600):
    return make_world(
        actor_system,
        settings,
        simulator,
        tmp_path,
        indodax=simulator.indodax_settings(order_follow_up_seconds=follow_up_seconds),
        actors=ActorSettings(system_base="simpleSystemBase", user_idle_seconds=idle),
    )


def times_sent(simulator, client_order_id: str) -> int:
    return sum(o["client_order_id"] == client_order_id for o in simulator.trade_log(TRADER.key))


def outcomes(messages: list) -> list[Notification]:
    return [
        m for m in messages if isinstance(m, Notification) and m.key.startswith("order.outcome")
    ]


def listen_for_outcomes(world, seconds: float) -> list[Notification]:
    """Lets the actor's timers run for `seconds`; the outcome notifications it sent."""
    system, notifier = world[0], world[2]
    system.listen(seconds)
    return outcomes(collected(system, notifier))


def restart(world, actor_system, settings, simulator, tmp_path, **options):
    """The user's actor ends and a new one boots for the same user, as after a crash and the
    Supervisor's restart; the new world has fresh Collectors around it."""
    actor_system.tell(world[1], ActorExitRequest())
    return world_with(actor_system, settings, simulator, tmp_path, **options)


def record_limit_buy() -> Order:
    """What the actor writes before it sends the order: 0.001 BTC at 900,000,000."""
    user = User.get(User.telegram_id == USER["telegram_id"])
    return record_intended_order(
        user,
        {
            "pair": "btc_idr",
            "side": "buy",
            "order_type": "limit",
            "price": Decimal(900_000_000),
            "amount": Decimal("0.001"),
        },
    )


def dead_man_reports(world) -> list[str]:
    """What the Supervisor heard of the private calls, in order: "ok" or the failure."""
    system, supervisor = world[0], world[4]
    return [
        "ok" if isinstance(m, UserSucceeded) else m.error
        for m in collected(system, supervisor)
        if isinstance(m, UserSucceeded | UserFailed)
    ]


def test_a_lost_reply_is_followed_up_and_its_outcome_told_once(
    actor_system, settings, simulator, tmp_path
):
    world = world_with(actor_system, settings, simulator, tmp_path)
    link(world)
    # The trade is executed but its reply is lost, and so are the replies of the client's
    # own three lookups and of the first two background lookups.
    simulator.set_faults(
        hang={"methods": ["trade", LOOKUP], "count": 6, "delay_ms": 0, "lose_reply": True}
    )
    reply = confirm_limit_buy(world, "900000000")
    assert reply.key == "order.unknown"
    client_order_id = reply.param("client_order_id")
    assert Order.get(Order.client_order_id == client_order_id).outcome_owed

    [told] = listen_for_outcomes(world, 6)
    assert told.key == "order.outcome.placed"
    assert told.param("client_order_id") == client_order_id
    assert told.param("state") == "open"
    [sent] = [o for o in simulator.trade_log(TRADER.key) if o["client_order_id"] == client_order_id]
    assert told.param("order_id") == str(sent["order_id"])
    row = Order.get(Order.client_order_id == client_order_id)
    assert (row.state, row.exchange_order_id, row.outcome_owed) == (
        "open",
        told.param("order_id"),
        False,
    )
    assert listen_for_outcomes(world, 2) == []  # said once

    again = restart(world, actor_system, settings, simulator, tmp_path)
    assert listen_for_outcomes(again, 2) == []  # and not again after a restart
    assert times_sent(simulator, client_order_id) == 1  # never sent twice


def test_an_order_never_found_in_time_is_told_unknown_with_its_id_and_keeps_the_actor(
    actor_system, settings, simulator, tmp_path
):
    world = world_with(actor_system, settings, simulator, tmp_path, follow_up_seconds=12, idle=5)
    link(world)
    simulator.set_faults(hang={"methods": ["trade", LOOKUP], "delay_ms": 0, "lose_reply": True})
    started = time.monotonic()
    reply = confirm_limit_buy(world, "900000000")
    assert reply.key == "order.unknown"
    system, supervisor = world[0], world[4]

    told, idle_before, idle_after = [], [], []
    while time.monotonic() - started < 18 and not idle_after:
        system.listen(0.5)
        told += outcomes(collected(system, world[2]))
        idle = [m for m in collected(system, supervisor) if isinstance(m, ActorIdle)]
        (idle_after if told else idle_before).extend(idle)
    [unknown] = told
    assert unknown.key == "order.outcome.unknown"
    assert unknown.param("client_order_id") == reply.param("client_order_id")
    assert idle_before == []  # quiet for longer than 5 s, yet it stayed while following
    assert idle_after  # and left once the user was told
    row = Order.get(Order.client_order_id == reply.param("client_order_id"))
    assert (row.state, row.outcome_owed) == ("unknown", False)
    assert times_sent(simulator, row.client_order_id) == 1

    simulator.set_faults(clear=True)
    again = restart(world, actor_system, settings, simulator, tmp_path)
    assert listen_for_outcomes(again, 2) == []  # told once; the user checks Indodax now


def test_a_restart_while_an_order_is_followed_resumes_the_follow_up(
    actor_system, settings, simulator, tmp_path
):
    world = world_with(actor_system, settings, simulator, tmp_path)
    link(world)
    simulator.set_faults(hang={"methods": ["trade", LOOKUP], "delay_ms": 0, "lose_reply": True})
    reply = confirm_limit_buy(world, "900000000")
    assert reply.key == "order.unknown"
    assert listen_for_outcomes(world, 1.5) == []  # a background lookup failed meanwhile

    restarted = restart(world, actor_system, settings, simulator, tmp_path)
    simulator.set_faults(clear=True)
    [told] = listen_for_outcomes(restarted, 3)
    assert (told.key, told.param("client_order_id")) == (
        "order.outcome.placed",
        reply.param("client_order_id"),
    )
    assert times_sent(simulator, reply.param("client_order_id")) == 1


def test_an_order_a_crash_left_pending_is_found_and_told_after_the_restart(
    actor_system, settings, simulator, tmp_path
):
    world = world_with(actor_system, settings, simulator, tmp_path)
    link(world)
    # The actor recorded the order and sent it, then died before the answer came.
    row = record_limit_buy()
    client = PrivateClient(
        simulator.tapi_url,
        simulator.base_url,
        Secret(TRADER.key),
        Secret(TRADER.secret),
        LocalNonceStore(tmp_path / "nonces"),  # the store the actor's client uses
    )
    client.trade(
        BTC,
        "buy",
        "limit",
        client_order_id=row.client_order_id,
        price=Decimal(900_000_000),
        quantity=Decimal("0.001"),
    )

    restarted = restart(world, actor_system, settings, simulator, tmp_path)
    [told] = listen_for_outcomes(restarted, 3)
    assert (told.key, told.param("state")) == ("order.outcome.placed", "open")
    assert told.param("client_order_id") == row.client_order_id
    assert told.correlation_id == f"outcome-{row.client_order_id}"
    assert Order.get_by_id(row.id).outcome_owed is False

    once_more = restart(restarted, actor_system, settings, simulator, tmp_path)
    assert listen_for_outcomes(once_more, 2) == []
    assert times_sent(simulator, row.client_order_id) == 1


def test_an_outcome_already_in_the_outbox_is_not_said_again_after_a_crash(
    actor_system, settings, simulator, tmp_path
):
    """The actor crashed after handing the outcome to the Notifier, before clearing it."""
    world = world_with(actor_system, settings, simulator, tmp_path)
    link(world)
    row = record_limit_buy()
    Order.update(state="filled", outcome_owed=True).where(Order.id == row.id).execute()
    OutboxMessage.create(
        correlation_id=f"outcome-{row.client_order_id}", chat_id=USER["chat_id"], payload={}
    )
    restarted = restart(world, actor_system, settings, simulator, tmp_path)
    assert listen_for_outcomes(restarted, 1) == []
    assert Order.get_by_id(row.id).outcome_owed is False


def test_every_kind_of_failed_trade_counts_for_the_dead_man_switch(
    actor_system, settings, simulator, tmp_path
):
    world = world_with(actor_system, settings, simulator, tmp_path, follow_up_seconds=3)
    link(world)
    dead_man_reports(world)

    assert confirm_limit_buy(world, "900000000").key == "order.placed"
    assert dead_man_reports(world) == ["ok"]

    # A 5xx before the exchange: the client's lookups find nothing, the order was not placed.
    simulator.set_faults(http_errors={"next": 1, "status": 502, "surfaces": ["tapi"]})
    assert confirm_limit_buy(world, "900000000").key == "order.not_placed"
    assert dead_man_reports(world) == ["OrderNotPlaced"]

    # A reply lost on the way back (what a timeout looks like), found by the client's lookup.
    simulator.set_faults(
        http_errors=None, hang={"methods": ["trade"], "count": 1, "delay_ms": 0, "lose_reply": True}
    )
    assert confirm_limit_buy(world, "900000000").key == "order.placed"
    assert dead_man_reports(world) == ["ReplyLost"]

    # Refused by the exchange: more than the balance.
    simulator.set_faults(hang=None)
    assert confirm_limit_buy(world, "900000000000").key == ("order.rejected.insufficient_balance")
    assert dead_man_reports(world) == ["InsufficientBalance"]

    # Rate-limited: the exchange's 429.
    simulator.set_faults(trade_limit={"count": 1, "window": 60, "block": 1})
    confirm_limit_buy(world, "900000000")
    dead_man_reports(world)
    assert confirm_limit_buy(world, "900000000").key == "order.rejected.rate_limited"
    assert dead_man_reports(world) == ["RateLimited"]
    time.sleep(1.1)

    # No answer at all, and no answer to the background lookups either.
    simulator.set_faults(
        trade_limit=None, hang={"methods": ["trade", LOOKUP], "delay_ms": 0, "lose_reply": True}
    )
    assert confirm_limit_buy(world, "900000000").key == "order.unknown"
    assert dead_man_reports(world) == ["OrderOutcomeUnknown"]
    [told] = listen_for_outcomes(world, 3)
    assert told.key == "order.outcome.unknown"
    lookups = dead_man_reports(world)
    assert lookups and set(lookups) == {"ExchangeUnavailable"}


def test_the_supervisor_hears_each_failure_but_only_the_success_that_ends_a_run(
    actor_system, settings, simulator, tmp_path
):
    world = world_with(actor_system, settings, simulator, tmp_path)
    link(world)
    dead_man_reports(world)

    for _ in range(3):
        assert confirm_limit_buy(world, "900000000").key == "order.placed"
    assert dead_man_reports(world) == ["ok"]  # the first since the actor started, only

    for _ in range(2):
        simulator.set_faults(http_errors={"next": 1, "status": 502, "surfaces": ["tapi"]})
        assert confirm_limit_buy(world, "900000000").key == "order.not_placed"
    assert dead_man_reports(world) == ["OrderNotPlaced", "OrderNotPlaced"]

    simulator.set_faults(http_errors=None)
    for _ in range(3):
        assert confirm_limit_buy(world, "900000000").key == "order.placed"
    assert dead_man_reports(world) == ["ok"]  # the run of failures is broken, once
