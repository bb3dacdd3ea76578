"""A user's actor against the local simulator: link, trade with confirmation, alerts.

simpleSystemBase runs the actors in this process; the simulator serves real HTTP on
127.0.0.1 from a thread, so every private call is signed, nonced and verified for real.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from actor_doubles import Collector, collected, user_boot

from actors.backtest.inputs import BacktestSetup
from actors.backtest.replay import run_backtest
from actors.user import pending_questions
from actors.user.strategy_host import wib_today
from actors.user.user_actor import UserActor
from adapters.chat.commands import Who, from_callback
from adapters.indodax.markets import parse_pairs
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import Candle
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.catalog import DATA_DIR
from adapters.simulator.server import SimulatorServer
from config.schema import (
    ActorSettings,
    SecuritySettings,
    Settings,
    StorageSettings,
)
from config.secret import Secret
from messages.base import Sensitive
from messages.commands import (
    ChangeStrategy,
    ConfirmOrder,
    CreateAlert,
    GetPnl,
    GetPortfolio,
    GetPrice,
    LinkAccount,
    ListAlerts,
    ListOpenOrders,
    PreviewDca,
    PreviewEdit,
    PreviewGrid,
    PreviewOrder,
    PreviewTpsl,
    RefreshToken,
    SetLossLimit,
    ShowMarket,
    ShowStrategy,
    Start,
    UnlinkAccount,
    UserCommand,
)
from messages.events import (
    ActorIdle,
    OrdersStreamed,
    PauseStrategies,
    RegisterTrigger,
    RemoveTrigger,
    ResumeStrategies,
    Rewire,
    TriggerFired,
    UserBooted,
)
from messages.replies import Reply
from messages.triggers import OrderTrigger
from persistence.database import DatabaseUnavailable, connect
from persistence.models import (
    Alert,
    Credential,
    Fill,
    Order,
    OutboxMessage,
    PaperOrder,
    Strategy,
    User,
)
from persistence.models.base import utcnow
from persistence.models.results import record_result
from persistence.models.tokens import GRACE_SECONDS, AccessToken, revoke_tokens, valid_token
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault, fingerprint

TRADER = AccountSpec("TRADER-KEY", "trader-secret-0123456789", {"idr": Decimal(50_000_000)})
WITHDRAWER = AccountSpec(
    "WD-KEY",
    "wd-secret-0123456789",
    {"idr": Decimal(1_000_000)},
    frozenset({"view", "trade", "withdraw"}),
)
OTHER = AccountSpec("OTHER-KEY", "other-secret-0123456789", {"idr": Decimal(1_000_000)})
# Grids place many orders at once: on an account of their own, the simulator's limit of
# trades per account and pair (Indodax's 20 a second) is not shared with other tests.
GRIDDER = AccountSpec("GRID-KEY", "grid-secret-0123456789", {"idr": Decimal(50_000_000)})
USER = {"telegram_id": 4242, "chat_id": 4242}
MASTER = Secret("a-test-master-key-" + "x" * 30)
MARKET_LIST = ("pairs.json", "price_increments.json")  # the exchange's, as the simulator serves


@pytest.fixture(scope="module")
def simulator():
    server = SimulatorServer(
        port=0, seed=7, tick_interval=0, accounts=(TRADER, WITHDRAWER, OTHER, GRIDDER)
    )
    server.start()
    server.set_price("btcidr", Decimal(1_000_000_000))
    yield server
    server.stop()


def make_world(actor_system, settings, simulator, tmp_path, mode: str = "demo", **sections):
    """A UserActor booted against the simulator, its neighbours replaced by Collectors:
    (system, user actor, notifier, trigger book, supervisor). `sections` replace settings."""
    settings = Settings(
        **{
            "mode": mode,
            "security": SecuritySettings(app_secret_key=MASTER),
            "database": settings.database,
            "storage": StorageSettings(data_dir=tmp_path),
            "actors": ActorSettings(system_base="simpleSystemBase"),
            "indodax": simulator.indodax_settings(),
            **sections,
        }
    )
    notifier = actor_system.createActor(Collector)
    supervisor = actor_system.createActor(Collector)
    trigger_book = actor_system.createActor(Collector)
    user = actor_system.createActor(UserActor)
    actor_system.tell(
        user,
        user_boot(
            settings,
            telegram_id=USER["telegram_id"],
            notifier=notifier,
            supervisor=supervisor,
            trigger_book=trigger_book,
        ),
    )
    return actor_system, user, notifier, trigger_book, supervisor


@pytest.fixture
def world(actor_system, settings, simulator, tmp_path):
    return make_world(actor_system, settings, simulator, tmp_path)[:4]


TOKENS: dict[int, str] = {}  # what the chat adapter would hold after /link


def say(world, command) -> list[Reply]:
    system, user, notifier = world[:3]
    token = TOKENS.get(command.telegram_id)
    if token is not None and command.token is None:
        command = dataclasses.replace(command, token=token)
    system.tell(user, command)
    replies = [m for m in collected(system, notifier) if isinstance(m, Reply)]
    for reply in replies:
        for button in (button for row in reply.buttons for button in row):
            assert len(button.callback.encode()) < 64, button  # Telegram's limit
        if reply.param("token_enc"):
            TOKENS[reply.telegram_id] = Vault(MASTER).decrypt(
                reply.param("token_enc"), purpose=PURPOSE_ACCESS_TOKEN, owner=reply.telegram_id
            )
    return replies


def tap(reply: Reply, prefix: str) -> UserCommand:
    """What the chat adapter sends when the user taps the button whose data starts so."""
    [callback] = [b.callback for row in reply.buttons for b in row if b.callback.startswith(prefix)]
    return from_callback(callback, Who(USER["telegram_id"], USER["chat_id"]))


def callbacks(reply: Reply) -> list[str]:
    return [button.callback for row in reply.buttons for button in row]


def link(world, spec: AccountSpec = TRADER) -> Reply:
    TOKENS.clear()
    say(world, Start(**USER))
    [answer] = say(
        world, LinkAccount(**USER, api_key=Sensitive(spec.key), api_secret=Sensitive(spec.secret))
    )
    return answer


def test_a_key_that_can_withdraw_is_refused_and_not_stored(world):
    assert link(world, WITHDRAWER).key == "link.withdraw_key_refused"
    assert Credential.select().count() == 0


def nonce_counters(folder) -> list[str]:
    """The keys the local nonce store keeps a counter for (one file each)."""
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("spec", "answer"),
    [
        (WITHDRAWER, "link.withdraw_key_refused"),
        (AccountSpec("NO-SUCH-KEY", "no-such-secret-0123456789", {}), "link.invalid_key"),
    ],
    ids=["withdraw-permission", "unknown-key"],
)
def test_a_refused_key_leaves_no_nonce_counter_behind(world, tmp_path, spec, answer):
    assert link(world, spec).key == answer
    assert nonce_counters(tmp_path / "nonces") == []


def test_an_accepted_key_counts_on_past_the_nonces_its_check_used(world, tmp_path, simulator):
    assert link(world).key == "link.done"
    assert nonce_counters(tmp_path / "nonces") == [fingerprint(TRADER.key)]
    stored = int((tmp_path / "nonces" / fingerprint(TRADER.key)).read_text())
    used = simulator.call(lambda sim: sim.accounts.get(TRADER.key).last_nonce)
    assert stored >= used > 0
    [answer] = say(world, GetPortfolio(**USER))
    assert answer.key == "portfolio.show"


def test_linking_stores_the_key_only_encrypted(world):
    assert link(world).key == "link.done"
    row = Credential.get()
    assert TRADER.secret not in row.api_secret_enc
    assert TRADER.key not in row.api_key_enc


def test_commands_before_linking_say_what_to_do(world):
    say(world, Start(**USER))
    [answer] = say(world, GetPortfolio(**USER))
    assert answer.key == "user.not_linked"


def test_a_double_tap_on_confirm_places_one_order(world, simulator):
    link(world)
    before = len(simulator.trade_log(TRADER.key))
    [preview] = say(
        world,
        PreviewOrder(
            **USER,
            pair_text="BTC/IDR",
            side="buy",
            order_type="limit",
            quantity="0.0005",
            price="900000500",
        ),
    )
    assert preview.key == "order.preview.limit_buy"
    assert preview.param("price") == "900000000"  # rounded down to the tick for a buy
    preview_id = preview.param("preview_id")
    [placed] = say(world, ConfirmOrder(**USER, preview_id=preview_id))
    [again] = say(world, ConfirmOrder(**USER, preview_id=preview_id))
    assert placed.key == "order.placed"
    assert again.key == "order.preview_gone"
    assert len(simulator.trade_log(TRADER.key)) == before + 1
    order = Order.get(Order.client_order_id == placed.param("client_order_id"))
    assert (order.state, order.exchange_order_id) == ("open", placed.param("order_id"))

    [listing] = say(world, ListOpenOrders(**USER))
    assert listing.param("count") == "1"
    assert listing.buttons[0][0].callback == f"cx:{order.client_order_id}"


def test_an_order_below_the_minimum_is_refused_before_it_is_sent(world, simulator):
    link(world)
    before = len(simulator.trade_log(TRADER.key))
    [refusal] = say(
        world,
        PreviewOrder(**USER, pair_text="btc", side="buy", order_type="market", quote_amount="5000"),
    )
    assert refusal.key == "order.min_value"
    assert len(simulator.trade_log(TRADER.key)) == before


def test_an_unknown_pair_gets_suggestions(world):
    say(world, Start(**USER))
    [answer] = say(world, GetPrice(**USER, pair_text="btcidrr"))
    assert answer.key == "pair.unknown"
    assert "BTC/IDR" in answer.param("suggestions")


def test_an_unknown_pair_of_five_thousand_characters_is_echoed_cut_short(world):
    say(world, Start(**USER))
    [answer] = say(world, GetPrice(**USER, pair_text="x" * 5000))
    assert answer.key.startswith("pair.unknown")
    assert len(answer.param("pair")) <= 24
    assert answer.param("pair").endswith("…")


def test_price_shows_last_bid_and_ask(world):
    say(world, Start(**USER))
    [answer] = say(world, GetPrice(**USER, pair_text="btc_idr"))
    assert answer.key == "price.show"
    assert Decimal(answer.param("last")) > 0
    assert Decimal(answer.param("bid")) <= Decimal(answer.param("ask"))


def test_an_alert_states_the_direction_it_inferred_and_is_registered_once_confirmed(world):
    system, _, _, trigger_book = world
    say(world, Start(**USER))
    [question] = say(world, CreateAlert(**USER, pair_text="btcidr", price="1100000000"))
    assert (question.key, question.param("direction")) == ("alert.confirm", "above")
    assert Decimal(question.param("last")) < Decimal(1_100_000_000)
    assert [b.callback[:3] for b in question.buttons[0]] == ["ao:", "ar:", "ax:"]
    assert Alert.select().count() == 0  # nothing stored before the tap
    assert collected(system, trigger_book) == []
    [created] = say(world, tap(question, "ao:"))
    assert (created.key, created.param("repeat")) == ("alert.created", "once")
    [registered] = collected(system, trigger_book)
    assert isinstance(registered, RegisterTrigger)
    assert (registered.pair, registered.kind, registered.level) == (
        "btc_idr",
        "above",
        "1100000000",
    )


def test_a_garbled_amount_gets_a_clear_answer(world):
    link(world)
    [answer] = say(
        world,
        PreviewOrder(
            **USER, pair_text="btc", side="buy", order_type="market", quote_amount="12abc"
        ),
    )
    assert (answer.key, answer.param("value")) == ("number.unreadable", "12abc")


def crossing(trigger_id: str, price: str) -> TriggerFired:
    """The TriggerBook's word that the market traded at `price` for the trigger."""
    return TriggerFired(
        trigger_id=trigger_id, telegram_id=USER["telegram_id"], pair="btc_idr", price=price, ts=1.0
    )


def linked_strategy(
    world, kind: str, params: dict[str, str], spec: AccountSpec = TRADER
) -> Strategy:
    """A linked user with one running strategy, stored as the set-up stores it."""
    link(world, spec)
    owner = User.get(User.telegram_id == USER["telegram_id"])
    return Strategy.create(user=owner, kind=kind, pair="btc_idr", params=params)


def host_strategies(world) -> None:
    """The user's actor hosts its running strategies from the database now."""
    system, user_actor = world[:2]
    system.tell(user_actor, PauseStrategies(reason="admin"))
    system.tell(user_actor, ResumeStrategies())


def test_a_strategy_buys_through_its_user_actor_once_and_finishes(world, simulator):
    system, user_actor, _, trigger_book = world
    strategy = linked_strategy(
        world, "buy_once_below", {"level": "950000000", "quote_amount": "200000"}
    )
    host_strategies(world)
    registered = [m for m in collected(system, trigger_book) if isinstance(m, RegisterTrigger)]
    assert registered[-1].trigger_id == f"s{strategy.id}:level"
    assert registered[-1].owner == user_actor  # fired, it comes straight back here
    before = len(simulator.trade_log(TRADER.key))

    fired = crossing(f"s{strategy.id}:level", "949000000")
    system.tell(user_actor, fired)
    system.tell(user_actor, fired)  # a repeated trigger must not buy twice
    system.listen(1.0)

    strategy = Strategy.get_by_id(strategy.id)
    assert strategy.status == "stopped"
    assert strategy.state["ordered"] is True
    assert strategy.state["result"] == "filled"
    assert len(simulator.trade_log(TRADER.key)) == before + 1
    [order] = Order.select().where(Order.strategy == strategy.id)
    assert order.client_order_id == strategy.state["client_order_id"]


@pytest.fixture
def restarted(actor_system, settings, simulator, tmp_path):
    """Starts another actor for the same user, as the Supervisor does after a crash;
    `sections` replace settings."""
    return lambda **sections: make_world(actor_system, settings, simulator, tmp_path, **sections)[
        :4
    ]


def test_a_user_actor_tells_the_supervisor_once_it_has_booted(
    actor_system, settings, simulator, tmp_path
):
    """The Supervisor restores users a window of boots at a time: this is what moves it on."""
    system, user_actor, notifier, _, supervisor = make_world(
        actor_system, settings, simulator, tmp_path
    )
    say((system, user_actor, notifier), GetPrice(**USER, pair_text="btcidr"))  # booted by now
    booted = [m.telegram_id for m in collected(system, supervisor) if isinstance(m, UserBooted)]
    assert booted == [USER["telegram_id"]]


def test_another_users_fired_trigger_and_pushed_orders_go_back_to_the_supervisor(
    actor_system, settings, simulator, tmp_path
):
    """This address was another user's actor's once (the system hands a freed port to a new
    actor): that user's trigger and pushes are handed back to the Supervisor, which starts
    that user's actor, instead of being taken here as this user's and lost."""
    system, user_actor, notifier, _, supervisor = make_world(
        actor_system, settings, simulator, tmp_path
    )
    strategy = linked_strategy(
        (system, user_actor, notifier),
        "buy_once_below",
        {"level": "950000000", "quote_amount": "200000"},
    )
    before = len(simulator.trade_log(TRADER.key))
    other = USER["telegram_id"] + 1
    fired = dataclasses.replace(crossing(f"s{strategy.id}:level", "949000000"), telegram_id=other)
    pushed = OrdersStreamed(telegram_id=other, orders=())
    system.tell(user_actor, fired)
    system.tell(user_actor, pushed)
    handed = [
        m for m in collected(system, supervisor) if isinstance(m, TriggerFired | OrdersStreamed)
    ]
    assert handed == [fired, pushed]
    assert len(simulator.trade_log(TRADER.key)) == before
    assert Strategy.get_by_id(strategy.id).status == "running"


def test_a_user_actor_that_cannot_reach_the_database_at_boot_tries_again_and_loses_no_trigger(
    world, restarted, simulator, monkeypatch, caplog
):
    strategy = linked_strategy(
        world, "buy_once_below", {"level": "950000000", "quote_amount": "200000"}
    )
    before = len(simulator.trade_log(TRADER.key))
    attempts = []

    def database_away_twice(url, gate=None):
        attempts.append(url)
        if len(attempts) <= 2:
            raise DatabaseUnavailable("database error: cannot open sqlite (DATABASE_URL): gone")
        return connect(url, gate)

    monkeypatch.setattr("actors.base.connect", database_away_twice)
    # The user's actor started again (after a crash, or woken by the trigger), its database away.
    again = restarted()
    system, user_actor, notifier = again[:3]
    system.tell(user_actor, GetPrice(**USER, pair_text="btcidr"))
    [refused] = [m for m in collected(system, notifier) if isinstance(m, Reply)]
    assert refused.key == "error.unavailable"
    system.tell(
        user_actor,
        crossing(f"s{strategy.id}:level", "949000000"),
    )
    assert len(simulator.trade_log(TRADER.key)) == before  # nothing acts before the boot

    system.listen(5.0)  # tried again after 1 s (away), then after 2 s more (back)

    assert len(attempts) == 3
    assert Strategy.get_by_id(strategy.id).status == "stopped"  # the kept trigger bought
    assert len(simulator.trade_log(TRADER.key)) == before + 1
    assert [r.getMessage() for r in caplog.records if "boot failed" in r.getMessage()] == [
        "boot failed, trying again in 1 s: database error: cannot open sqlite (DATABASE_URL): gone",
        "boot failed, trying again in 2 s: database error: cannot open sqlite (DATABASE_URL): gone",
    ]
    [answer] = say(again, GetPrice(**USER, pair_text="btcidr"))  # and commands are served
    assert answer.key == "price.show"


def test_a_key_sealed_under_a_retired_master_key_is_logged_and_the_user_can_link_again(
    world, restarted, caplog
):
    link(world)
    retired = SecuritySettings(app_secret_key=Secret("another-master-key-" + "y" * 30))
    again = restarted(security=retired)
    assert "stored key cannot be decrypted; the user must link again" in caplog.text
    [answer] = say(again, GetPortfolio(**USER))
    assert answer.key == "user.not_linked"
    system, user_actor, notifier = again[:3]
    system.tell(
        user_actor,
        LinkAccount(**USER, api_key=Sensitive(TRADER.key), api_secret=Sensitive(TRADER.secret)),
    )
    assert [m.key for m in collected(system, notifier)] == ["link.done"]


def test_a_dca_buys_at_once_through_its_user_actor_and_tells_the_user_what_it_bought(
    world, simulator
):
    system, _, notifier, _ = world
    strategy = linked_strategy(world, "dca", {"quote_amount": "100000", "schedule": "every 6h"})
    before = len(simulator.trade_log(TRADER.key))
    host_strategies(world)  # its first run is at once
    system.listen(1.0)

    [order] = simulator.trade_log(TRADER.key)[before:]
    assert (order["side"], order["order_type"], order["amount"]) == ("buy", "market", "100000")
    row = Strategy.get_by_id(strategy.id)
    assert (row.status, row.state["runs"], row.state["spent"]) == ("running", 1, "100000")
    [bought] = [
        m for m in collected(system, notifier) if getattr(m, "key", "") == "strategy.dca.bought"
    ]
    assert bought.param("idr") == "100000"
    assert bought.param("strategy_id") == str(strategy.id)


def test_a_dca_cycle_buys_a_safety_order_on_the_drop_and_sells_at_its_take_profit(world, simulator):
    system, user_actor, notifier, trigger_book = world
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    strategy = linked_strategy(
        world,
        "dca",
        {
            "quote_amount": "100000",
            "schedule": "every 6h",
            "safety_count": "1",
            "safety_deviation_pct": "2",
            "take_profit_pct": "3",
        },
    )
    before = len(simulator.trade_log(TRADER.key))
    host_strategies(world)  # its first run buys at once
    system.listen(1.0)

    def levels() -> dict[str, Decimal]:
        armed = [m for m in collected(system, trigger_book) if isinstance(m, RegisterTrigger)]
        return {m.trigger_id.split(":")[1]: Decimal(m.level) for m in armed}

    def fire(name: str, price: Decimal) -> None:
        simulator.set_price("btcidr", price)
        system.tell(
            user_actor,
            crossing(f"s{strategy.id}:{name}", str(price)),
        )
        system.listen(1.0)

    first = levels()
    fire("safety", (first["safety"] // 1000 - 1) * 1000)  # a price on the pair's tick
    take_profit = levels()["tp"]  # moved down by the safety buy's lower price
    assert take_profit < first["tp"]
    fire("tp", (take_profit // 1000 + 1) * 1000)

    orders = simulator.trade_log(TRADER.key)[before:]
    assert [(o["side"], o["client_order_id"].split("-")[2]) for o in orders] == [
        ("buy", "buy"),
        ("buy", "safety"),
        ("sell", "tp"),
    ]
    row = Strategy.get_by_id(strategy.id)
    assert (row.state["cycles"], row.state["cycle_first_price"]) == (1, "")
    assert Decimal(row.state["realised"]) > 0
    told = [m for m in collected(system, notifier) if getattr(m, "key", "").startswith("strategy")]
    assert [m.key for m in told][-1] == "strategy.dca.took_profit"


def test_a_tpsl_rests_its_targets_on_the_exchange_and_its_stop_cancels_them_before_selling(
    world, simulator
):
    system, user_actor, _, trigger_book = world
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    position = {"entry_price": "1000000000", "quantity": "0.002"}
    strategy = linked_strategy(
        world, "tpsl", {**position, "targets": "5:50,10:50", "stop_loss_pct": "3"}
    )
    simulator.call(lambda sim: sim.accounts.get(TRADER.key).credit("btc", Decimal("0.002")))
    before = len(simulator.trade_log(TRADER.key))
    host_strategies(world)
    system.listen(1.0)
    resting = simulator.trade_log(TRADER.key)[before:]
    assert [(o["side"], o["order_type"], o["price"], o["amount"]) for o in resting] == [
        ("sell", "limit", "1050000000", "0.001"),
        ("sell", "limit", "1100000000", "0.001"),
    ]
    armed = [m for m in collected(system, trigger_book) if isinstance(m, RegisterTrigger)]
    assert [m.level for m in armed if m.trigger_id == f"s{strategy.id}:stop"] == ["970000000"]

    simulator.set_price("btcidr", Decimal(969_000_000))
    system.tell(
        user_actor,
        crossing(f"s{strategy.id}:stop", "969000000"),
    )
    system.listen(2.0)
    orders = simulator.trade_log(TRADER.key)[before:]
    assert [o["status"] for o in orders[:2]] == ["cancelled", "cancelled"]
    assert [(o["side"], o["order_type"], o["amount"]) for o in orders[2:]] == [
        ("sell", "market", "0.002")
    ]
    assert Strategy.get_by_id(strategy.id).status == "stopped"


def test_a_grid_buys_its_coin_rests_its_levels_and_sells_one_level_up_after_a_buy_fills(
    world, simulator
):
    system, user_actor, _, _ = world
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    levels = {"lower": "950000000", "upper": "1050000000", "levels": "5", "tick": "1000"}
    strategy = linked_strategy(
        world, "grid", {**levels, "amount_coin": "0.001", "taker_fee": "0.002"}, GRIDDER
    )
    before = len(simulator.trade_log(GRIDDER.key))
    host_strategies(world)
    system.listen(1.0)
    placed = simulator.trade_log(GRIDDER.key)[before:]
    # 0.002 BTC for the two sells, 0.5 % to spare: 2,010,000 / (1 - 0.2 %), rounded up
    assert [(o["side"], o["order_type"], o["price"], o["amount"]) for o in placed] == [
        ("buy", "market", None, "2014029"),
        ("buy", "limit", "975000000", "0.001"),
        ("buy", "limit", "950000000", "0.001"),
        ("sell", "limit", "1025000000", "0.001"),
        ("sell", "limit", "1050000000", "0.00100899"),  # the farthest takes what came
    ]  # (the market buy filled at the ask, over the last price: 0.00200899 BTC)
    level_1 = Order.get(Order.strategy_id == strategy.id, Order.leg == "L1")

    simulator.set_price("btcidr", Decimal(974_000_000))  # the buy at 975 M fills
    system.tell(
        user_actor,
        crossing(OrderTrigger(level_1.client_order_id).encode(), "974000000"),
    )
    system.listen(2.0)
    [sell] = simulator.trade_log(GRIDDER.key)[before + len(placed) :]
    assert (sell["side"], sell["order_type"], sell["price"]) == ("sell", "limit", "1000000000")
    assert Order.get_by_id(level_1.id).state == "filled"
    row = Strategy.get_by_id(strategy.id)
    assert (row.status, row.state["L1"], row.state["L2"]["side"]) == ("running", None, "sell")


def test_a_tpsl_stopped_from_the_chat_cancels_its_resting_targets_before_it_stops(world, simulator):
    system = world[0]
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    position = {"entry_price": "1000000000", "quantity": "0.002", "targets": "5:50,10:50"}
    strategy = linked_strategy(world, "tpsl", position, GRIDDER)
    simulator.call(lambda sim: sim.accounts.get(GRIDDER.key).credit("btc", Decimal("0.002")))
    before = len(simulator.trade_log(GRIDDER.key))
    host_strategies(world)
    system.listen(1.0)
    [asked] = say(world, ChangeStrategy(**USER, strategy_id=strategy.id, action="stop"))
    [leaving] = say(world, tap(asked, f"sq:{strategy.id}:cancel"))
    assert leaving.key == "strategy.leaving"
    system.listen(2.0)
    targets = simulator.trade_log(GRIDDER.key)[before:]
    assert [(o["price"], o["status"]) for o in targets] == [
        ("1050000000", "cancelled"),
        ("1100000000", "cancelled"),
    ]
    assert Strategy.get_by_id(strategy.id).status == "stopped"


def test_a_day_of_losses_over_the_users_limit_pauses_their_other_strategies(world, simulator):
    system, user_actor, notifier, _ = world
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    position = {"entry_price": "1000000000", "quantity": "0.002", "stop_loss_pct": "3"}
    stop = linked_strategy(world, "tpsl", position, GRIDDER)
    simulator.call(lambda sim: sim.accounts.get(GRIDDER.key).credit("btc", Decimal("0.002")))
    [limit] = say(world, SetLossLimit(**USER, amount_text="50000"))
    assert (limit.key, limit.param("limit")) == ("settings.loss_limit_set", "50000")
    owner = User.get(User.telegram_id == USER["telegram_id"])
    waiting = Strategy.create(user=owner, kind="buy_once_below", pair="btc_idr",
                              params={"level": "900000000", "quote_amount": "100000"})  # fmt: skip
    host_strategies(world)
    system.listen(1.0)
    collected(system, notifier)
    simulator.set_price("btcidr", Decimal(969_000_000))
    fired = crossing(f"s{stop.id}:stop", "969000000")
    system.tell(user_actor, fired)
    system.listen(2.0)
    told = {m.key: m for m in collected(system, notifier) if hasattr(m, "key")}
    # Sold 0.002 at about 969 M: some 62,000 under the entry after fees, over the 50,000.
    paused = told["strategy.paused.loss_limit"]
    assert (paused.param("count"), paused.param("limit")) == ("1", "50000")
    assert int(paused.param("loss")) > 50_000
    assert Strategy.get_by_id(waiting.id).status == "paused"
    assert Strategy.get_by_id(stop.id).status == "stopped"  # it had sold everything


def test_a_loss_limit_is_whole_rupiah_above_zero_or_off(world):
    link(world)
    for typed in ("-5", "0,5", "lots"):
        [answer] = say(world, SetLossLimit(**USER, amount_text=typed))
        assert answer.key != "settings.loss_limit_set"
    [off] = say(world, SetLossLimit(**USER, amount_text=None))
    assert off.key == "settings.loss_limit_off"
    assert User.get(User.telegram_id == USER["telegram_id"]).daily_loss_limit is None


def test_with_the_exchange_heartbeat_on_strategy_orders_are_guarded_then_released(
    actor_system, settings, simulator, tmp_path
):
    world = make_world(
        actor_system,
        settings,
        simulator,
        tmp_path,
        indodax=simulator.indodax_settings(exchange_heartbeat_seconds=3),
    )[:4]
    system = world[0]
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    position = {"entry_price": "1000000000", "quantity": "0.002", "targets": "5:100"}
    strategy = linked_strategy(world, "tpsl", position, GRIDDER)
    simulator.call(lambda sim: sim.accounts.get(GRIDDER.key).credit("btc", Decimal("0.002")))
    host_strategies(world)
    system.listen(1.5)  # a beat every second

    def guarded() -> list[tuple[str, int]]:
        armed = simulator.state()["deadman"]
        return [(a["pair"], a["cancels_in_ms"]) for a in armed if a["key"] == GRIDDER.key]

    [(pair, cancels_in_ms)] = guarded()
    assert pair == "btcidr" and 1_000 < cancels_in_ms <= 3_000
    [asked] = say(world, ChangeStrategy(**USER, strategy_id=strategy.id, action="stop"))
    say(world, tap(asked, f"sq:{strategy.id}:cancel"))
    system.listen(1.5)
    assert guarded() == []  # nothing of a strategy rests: disarmed, not left to run out


@pytest.mark.parametrize("mode", ["demo", "paper"])
def test_live_and_paper_make_the_same_grid_decisions_on_the_same_price_path(
    actor_system, settings, simulator, tmp_path, mode
):
    """The same grid and the same path - down through both buys, then up through every
    sell - on the simulator's exchange (demo trades live there) and on paper: the same
    orders at the same levels, in the same order."""
    world = make_world(actor_system, settings, simulator, tmp_path, mode=mode)[:4]
    system, user_actor, _, book = world
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    levels = {"lower": "950000000", "upper": "1050000000", "levels": "5", "tick": "1000"}
    grid = linked_strategy(world, "grid", {**levels, "amount_coin": "0.001"}, GRIDDER)
    sent_before = len(simulator.trade_log(GRIDDER.key))
    host_strategies(world)
    system.listen(1.0)
    armed: dict[str, RegisterTrigger] = {}
    for price in (940_000_000, 1_060_000_000):
        simulator.set_price("btcidr", Decimal(price))
        for message in collected(system, book):
            if isinstance(message, RegisterTrigger) and message.purpose == "order":
                armed[message.trigger_id] = message
        for trigger in sorted(armed.values(), key=lambda t: -Decimal(t.level or 0)):
            system.tell(
                user_actor,
                crossing(trigger.trigger_id, str(price)),
            )
        system.listen(2.0)
    model = PaperOrder if mode == "paper" else Order
    rows = model.select().where(model.strategy == grid.id).order_by(model.id)
    decisions = [(row.leg, row.side, str(row.price or "-")) for row in rows]
    assert decisions == [
        ("coin", "buy", "-"),
        ("L1", "buy", "975000000"),
        ("L0", "buy", "950000000"),
        ("L3", "sell", "1025000000"),
        ("L4", "sell", "1050000000"),
        ("L2", "sell", "1000000000"),  # the buy at 975 M filled: its coins one level up
        ("L1", "sell", "975000000"),  # and the buy at 950 M's
        ("L3", "buy", "1025000000"),  # every sell filled on the way up: each bought back
        ("L2", "buy", "1000000000"),  # one level down, highest first as told; the one
        ("L0", "buy", "950000000"),  # for 975 M waited there until the sell at 975 M had
        ("L1", "buy", "975000000"),  # ended (a level holds one order at a time)
    ]
    assert Strategy.get_by_id(grid.id).state["pairs"] == 4
    sent = len(simulator.trade_log(GRIDDER.key)) - sent_before
    assert sent == (0 if mode == "paper" else len(decisions))  # paper: Indodax hears nothing


def test_a_grid_trades_live_on_the_simulator_as_its_backtest_trades_over_the_same_candles(
    world, simulator
):
    """Six hourly candles played on the simulator's price, corner by corner in the order the
    backtest walks them (open, low, high, close), the order triggers it reaches told to the
    user's actor as the TriggerBook tells them; and the same grid backtested over the same
    candles: the same fills, level for level. Each candle crosses one level and does not
    come back through the order its fill places (live that order could fill at once, the
    backtest rests it until the next candle), and no corner lies on a level (live fills on
    a touch, the backtest only through)."""
    system, user_actor, _, book = world
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    plan = {"lower": "950000000", "upper": "1050000000", "levels": "5", "tick": "1000"}
    plan.update(amount_coin="0.001", coin_source="held", held="0.002", step="0.00000001")
    grid = linked_strategy(world, "grid", plan, GRIDDER)
    simulator.call(lambda sim: sim.accounts.get(GRIDDER.key).credit("btc", Decimal("0.002")))
    millions = (
        (1000, 988, 1010, 990),
        (990, 970, 990, 972),  # the buy at 975 M fills; its sell rests at 1,000 M
        (972, 945, 972, 946),  # the buy at 950 M; its sell at 975 M
        (946, 946, 980, 978),  # the sell at 975 M
        (978, 978, 1005, 1003),  # the sell at 1,000 M
        (1003, 1003, 1030, 1028),  # the held coin's sell at 1,025 M
    )
    start = datetime(2026, 12, 7, tzinfo=UTC)

    def candle(number: int, open_: int, low: int, high: int, close: int) -> Candle:
        prices = (Decimal(m * 1_000_000) for m in (open_, high, low, close))
        return Candle(start + number * timedelta(hours=1), *prices, Decimal(1))

    candles = tuple(candle(number, *row) for number, row in enumerate(millions))
    host_strategies(world)
    system.listen(1.0)
    armed: dict[str, RegisterTrigger] = {}
    for candle in candles:
        for corner in (candle.open, candle.low, candle.high, candle.close):
            simulator.set_price("btcidr", corner)
            for message in collected(system, book):
                if isinstance(message, RegisterTrigger) and message.purpose == "order":
                    armed[message.trigger_id] = message
            for trigger in list(armed.values()):  # one-shot, at or through its level
                level = Decimal(trigger.level or 0)
                if corner <= level if trigger.kind == "below" else corner >= level:
                    del armed[trigger.trigger_id]
                    system.tell(user_actor, crossing(trigger.trigger_id, str(corner)))
            system.listen(0.5)
    live = [
        (fill.order.leg, fill.order.side, fill.price, fill.quantity)
        for fill in Fill.select()
        .join(Order)
        .where((Order.strategy == grid.id) & (Fill.quantity > 0))
        .order_by(Fill.id)
    ]
    pairs, increments = (json.loads((DATA_DIR / name).read_text()) for name in MARKET_LIST)
    rules = parse_pairs(pairs, increments)[Pair("btc", "idr")]
    hour, coins = timedelta(hours=1), Decimal("0.002")
    setup = BacktestSetup("grid", plan, rules, candles, hour, Decimal(5_000_000), coins)
    replayed = [(t.leg, t.side, t.price, t.quantity) for t in run_backtest(setup).trades]
    assert replayed == [
        ("L1", "buy", 975_000_000, Decimal("0.000999")),  # 0.001 less its 0.1 % fee in coin
        ("L0", "buy", 950_000_000, Decimal("0.000999")),
        ("L1", "sell", 975_000_000, Decimal("0.000999")),
        ("L2", "sell", 1_000_000_000, Decimal("0.000999")),
        ("L3", "sell", 1_025_000_000, Decimal("0.001")),
    ]
    assert live == replayed


def test_a_tpsl_set_up_in_the_chat_is_previewed_at_the_last_price_and_created_once(
    world, simulator
):
    system = world[0]
    link(world)
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    simulator.call(lambda sim: sim.accounts.get(TRADER.key).credit("btc", Decimal("0.002")))
    answers = {"pair_text": "btcidr", "quantity": "0,002", "entry_price": None}
    [preview] = say(world, PreviewTpsl(**USER, **answers, targets="5:50,10:50", stop_loss_pct="3"))
    assert preview.key == "strategy.tpsl.preview"
    # +5 % of 1,000,000,000 on 0.001 is 50,000, less the 0.1 % maker fee on 1,050,000.
    assert preview.param("targets") == (
        ("+5 %", "1050000000", "0.001", "48950"),
        ("+10 %", "1100000000", "0.001", "98900"),
    )
    assert (preview.param("stop"), preview.param("stop_loss")) == ("970000000", "-60000")
    before = len(simulator.trade_log(TRADER.key))
    [created] = say(world, tap(preview, "sc:y"))
    assert created.key == "strategy.tpsl.created"
    system.listen(1.0)
    resting = simulator.trade_log(TRADER.key)[before:]
    assert [(o["side"], o["price"]) for o in resting] == [
        ("sell", "1050000000"),
        ("sell", "1100000000"),
    ]


def grid_set_up(**answers: str) -> PreviewGrid:
    typed = {"pair_text": "btcidr", "lower": "950.000.000", "upper": "1.050.000.000",
             "levels": "5", "amount_idr": None, "amount_coin": "0,001", **answers}  # fmt: skip
    return PreviewGrid(**USER, **typed, spacing="arithmetic", coin_source="buy")


def test_a_grid_set_up_in_the_chat_is_previewed_with_its_levels_capital_and_profit_then_starts(
    world, simulator
):
    system = world[0]
    link(world, GRIDDER)
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    [preview] = say(world, grid_set_up())
    assert preview.key == "strategy.grid.preview"
    assert preview.param("levels") == (
        ("1050000000", "sell", "0.001"),
        ("1025000000", "sell", "0.001"),
        ("1000000000", "grid_empty", ""),
        ("975000000", "buy", "0.001"),
        ("950000000", "buy", "0.001"),
    )
    # The buys: 0.001 x (975 M + 950 M) = 1,925,000, and 0.1 % maker fee: 1,926,925.
    assert (preview.param("idr_for_buys"), preview.param("coin_for_sells")) == ("1926925", "0.002")
    # The lowest pair: 0.001 x 25 M = 25,000 less 950 (fee on the buy) and 3,022.5 (fee
    # and 0.21 % tax on the sell at 975 M): 21,027.5, 2.21 % of its 950,000. The highest:
    # 25,000 - 1,025 - 3,255 = 20,720, 2.02 % of 1,025,000.
    profits = [preview.param(p) for p in ("profit_low", "profit_pct_low", "profit_high")]
    assert [*profits, preview.param("profit_pct_high")] == ["21028", "2.21", "20720", "2.02"]
    assert preview.param("round_trip") == "0.41"
    assert Strategy.select().count() == 0  # nothing stored before Confirm
    before = len(simulator.trade_log(GRIDDER.key))
    [created] = say(world, tap(preview, "sc:y"))
    assert created.key == "strategy.grid.created"
    system.listen(1.0)
    placed = simulator.trade_log(GRIDDER.key)[before:]
    assert [(o["side"], o["order_type"], o["price"]) for o in placed] == [
        ("buy", "market", None),
        ("buy", "limit", "975000000"),
        ("buy", "limit", "950000000"),
        ("sell", "limit", "1025000000"),
        ("sell", "limit", "1050000000"),
    ]
    [row] = Strategy.select()
    assert (row.kind, row.params["tick"], row.params["amount_coin"]) == ("grid", "1000", "0.001")


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"levels": "200"}, "strategy.grid.too_thin"),
        ({"upper": "900.000.000"}, "strategy.grid.bad_plan"),
        ({"amount_coin": "0,00001"}, "order.min_quantity"),
    ],
)
def test_a_grid_that_cannot_pay_or_cannot_run_is_refused_with_why_and_nothing_is_stored(
    world, simulator, answers, key
):
    link(world, GRIDDER)
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    [answer] = say(world, grid_set_up(**answers))
    assert answer.key == key
    if key == "strategy.grid.too_thin":  # 502,000 IDR under 1,050 M: 0.048 % a step
        assert (answer.param("step_pct"), answer.param("cost_pct")) == ("0.048", "0.410")
    assert Strategy.select().count() == 0


@pytest.mark.parametrize(
    ("targets", "key"),
    [("5:60,10:60", "strategy.tpsl.bad_plan"), ("5:1", "order.min_quantity")],
)
def test_a_tpsl_that_cannot_run_is_refused_and_nothing_is_stored(world, targets, key):
    link(world)
    command = PreviewTpsl(**USER, pair_text="btcidr", quantity="0.002", entry_price="1000000000",
                          targets=targets, stop_loss_pct="3")  # fmt: skip
    [answer] = say(world, command)
    assert answer.key == key
    assert Strategy.select().count() == 0


def dca_preview(**answers: str) -> PreviewDca:
    plan = {"quote_amount": "100000", "schedule": "every 6h", "order_type": "market"}
    return PreviewDca(**USER, pair_text="btcidr", **{**plan, "max_buys": "3", **answers})


def test_a_dca_set_up_in_the_chat_is_previewed_then_created_once_and_buys(world, simulator):
    system = world[0]
    link(world)
    before = len(simulator.trade_log(TRADER.key))
    [preview] = say(world, dca_preview())
    assert preview.key == "strategy.dca.preview"
    assert [preview.param(name) for name in ("amount", "capital", "max_buys", "fee")] == [
        "100000",
        "300000",
        "3",
        "200",  # the simulator's taker fee, 0.2 %
    ]
    idr = int(simulator.balances(TRADER.key)["balance"]["idr"])
    assert (preview.param("idr_free"), preview.param("runs_covered")) == (
        str(idr),
        str(idr // 100_000),
    )
    assert len(preview.param("runs").split(", ")) == 3
    assert Strategy.select().count() == 0  # nothing stored before Confirm

    [created] = say(world, tap(preview, "sc:y"))
    assert created.key == "strategy.dca.created"
    [row] = Strategy.select()
    assert (row.kind, row.pair, row.params["schedule"]) == ("dca", "btc_idr", "every 6h")
    system.listen(1.0)  # its first run is at once
    assert len(simulator.trade_log(TRADER.key)) == before + 1
    [again] = say(world, tap(preview, "sc:y"))
    assert again.key == "strategy.preview_gone"
    assert Strategy.select().count() == 1


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"schedule": "hourly"}, "strategy.dca.bad_schedule"),
        ({"quote_amount": "0,5"}, "strategy.dca.bad_amount"),
        ({"max_buys": "0"}, "strategy.dca.bad_max_buys"),
        ({"order_type": "limit", "offset_pct": "150"}, "strategy.dca.bad_offset"),
        ({"quote_amount": "5000"}, "order.min_value"),  # the pair's minimum, 10,000
        ({"budget": "50000"}, "strategy.dca.bad_budget"),  # less than one run
        (
            {"safety_count": "2", "safety_deviation_pct": "2", "safety_volume_scale": "11"},
            "strategy.dca.bad_scale",
        ),
    ],
)
def test_a_dca_that_cannot_run_is_refused_with_what_is_wrong_and_nothing_is_stored(
    world, answers, key
):
    link(world)
    [answer] = say(world, dca_preview(**answers))
    assert answer.key == key
    assert Strategy.select().count() == 0


def test_a_dca_preview_shows_where_its_safety_orders_buy_and_its_take_profit(world):
    link(world)
    answers = {"safety_count": "3", "safety_deviation_pct": "2", "take_profit_pct": "3"}
    [preview] = say(world, dca_preview(**answers))
    assert [preview.param(name) for name in ("safety_levels", "safety_capital", "take_profit")] == [
        "-2 %, -4 %, -6 %",
        "300000",
        "+3 %",
    ]
    say(world, tap(preview, "sc:y"))
    [row] = Strategy.select()
    assert {name: row.params[name] for name in answers} == answers


def test_a_dca_preview_shows_its_budget_and_safety_orders_growing_by_their_scales(world):
    link(world)
    answers = {"safety_count": "3", "safety_deviation_pct": "2", "safety_step_scale": "1,5",
               "safety_volume_scale": "2", "budget": "2.000.000"}  # fmt: skip
    [preview] = say(world, dca_preview(**answers))
    # Steps of 2, 3 and 4.5 %; orders of 100,000, 200,000 and 400,000 rupiah.
    assert [preview.param(name) for name in ("safety_levels", "safety_capital", "budget")] == [
        "-2 %, -5 %, -9.5 %",
        "700000",
        "2000000",
    ]
    say(world, tap(preview, "sc:y"))
    [row] = Strategy.select()
    assert (row.params["budget"], row.params["safety_step_scale"]) == ("2000000", "1.5")
    assert row.params["safety_volume_scale"] == "2"


def test_a_dca_with_a_limit_is_previewed_at_its_offset_under_the_last_price(world, simulator):
    link(world)
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    [preview] = say(world, dca_preview(order_type="limit", offset_pct="1"))
    assert preview.key == "strategy.dca.preview_limit"
    assert Decimal(preview.param("price")) == Decimal(990_000_000)  # the simulator's 1,000,000,000


def test_a_dca_keeps_what_the_user_chose_for_unfilled_orders_and_missed_runs(world, simulator):
    link(world)
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    chosen = dca_preview(order_type="limit", offset_pct="1", unfilled="move", missed="catch_up")
    [preview] = say(world, chosen)
    assert (preview.param("unfilled"), preview.param("missed")) == (
        "dca_unfilled_move",
        "dca_missed_catch_up",
    )
    say(world, tap(preview, "sc:y"))
    [row] = Strategy.select()
    assert (row.params["unfilled"], row.params["missed"]) == ("move", "catch_up")


def test_an_idle_user_actor_says_so_and_leaves(actor_system, settings):
    quick = dataclasses.replace(
        settings, actors=ActorSettings(system_base="simpleSystemBase", user_idle_seconds=5)
    )
    supervisor = actor_system.createActor(Collector)
    user = actor_system.createActor(UserActor)
    actor_system.tell(
        user,
        user_boot(
            quick,
            telegram_id=77,
            supervisor=supervisor,
            notifier=supervisor,
            trigger_book=supervisor,
        ),
    )
    actor_system.listen(11)  # timers fire inside listen on simpleSystemBase
    assert [m for m in collected(actor_system, supervisor) if isinstance(m, ActorIdle)]


def test_a_linked_user_needs_the_token_the_link_gave_the_adapter(world):
    link(world)
    [refused] = say(world, GetPortfolio(**USER, token="forged-token"))
    assert refused.key == "auth.token_invalid"
    [answer] = say(world, GetPortfolio(**USER))  # the helper attaches the real one
    assert answer.key == "portfolio.show"


def test_the_token_never_sits_in_the_outbox_in_clear(world):
    link(world)
    token = TOKENS[USER["telegram_id"]]
    for row in OutboxMessage.select():
        assert token not in str(row.payload)


def test_a_revoked_token_stops_working_at_once(world):
    link(world)
    revoke_tokens(User.get(User.telegram_id == USER["telegram_id"]))
    [answer] = say(world, GetPortfolio(**USER))
    assert answer.key == "auth.token_invalid"


def test_start_shows_the_main_menu_buttons(world):
    [menu] = say(world, Start(**USER))
    assert menu.key == "menu.main"
    assert callbacks(menu) == [
        "mn:market",
        "mn:portfolio",
        "mn:trade",
        "mn:strategies",
        "mn:alerts",
        "mn:settings",
    ]


def test_the_market_lists_the_most_traded_idr_pairs_each_a_tap_from_its_price(world):
    say(world, Start(**USER))
    [market] = say(world, ShowMarket(**USER))
    rows = market.param("rows")
    assert 0 < len(rows) <= 6  # the simulator lists fewer IDR markets than six
    assert all(pair.endswith("/IDR") for pair, _, _ in rows)  # its USDT markets left out
    assert all(Decimal(change).is_finite() for _, _, change in rows)
    assert all(callback.startswith("pr:") for callback in callbacks(market))
    [price] = say(world, tap(market, callbacks(market)[0]))
    assert (price.key, price.param("pair")) == ("price.show", rows[0][0])


def test_price_shows_the_24_hour_change(world):
    say(world, Start(**USER))
    [answer] = say(world, GetPrice(**USER, pair_text="btcidr"))
    assert Decimal(answer.param("change")).is_finite()


def test_a_second_tap_on_an_alert_question_stores_nothing_more(world):
    say(world, Start(**USER))
    [question] = say(world, CreateAlert(**USER, pair_text="btcidr", price="900000000"))
    assert question.param("direction") == "below"
    [created] = say(world, tap(question, "ar:"))
    [again] = say(world, tap(question, "ao:"))
    assert (created.key, created.param("repeat")) == ("alert.created", "recurring")
    assert again.key == "alert.pending_gone"
    [alert] = Alert.select()
    assert (alert.direction, alert.recurring) == ("below", True)


def test_cancelling_an_alert_question_stores_nothing(world):
    say(world, Start(**USER))
    [question] = say(world, CreateAlert(**USER, pair_text="btcidr", price="900000000"))
    [dropped] = say(world, tap(question, "ax:"))
    [late] = say(world, tap(question, "ao:"))
    assert (dropped.key, late.key) == ("alert.discarded", "alert.pending_gone")
    assert Alert.select().count() == 0


def test_an_alert_typed_as_recurring_offers_only_every_time_or_cancel(world):
    say(world, Start(**USER))
    [question] = say(
        world, CreateAlert(**USER, pair_text="btcidr", price="1100000000", recurring=True)
    )
    assert [callback[:3] for callback in callbacks(question)] == ["ar:", "ax:"]


def test_an_unanswered_alert_question_expires(world, monkeypatch):
    monkeypatch.setattr(pending_questions, "PREVIEW_TTL", -1.0)
    say(world, Start(**USER))
    [question] = say(world, CreateAlert(**USER, pair_text="btcidr", price="1100000000"))
    [late] = say(world, tap(question, "ao:"))
    assert late.key == "alert.pending_expired"
    assert Alert.select().count() == 0


def test_alerts_are_listed_with_a_delete_button_each(world):
    say(world, Start(**USER))
    [empty] = say(world, ListAlerts(**USER))
    assert empty.key == "alert.none"
    for price in ("1100000000", "900000000"):
        [question] = say(world, CreateAlert(**USER, pair_text="btcidr", price=price))
        say(world, tap(question, "ao:"))
    first, second = Alert.select().order_by(Alert.id)
    [listing] = say(world, ListAlerts(**USER))
    assert listing.param("count") == "2"
    assert listing.param("alerts")[0] == (str(first.id), "BTC/IDR", "above", "1100000000", "once")
    assert callbacks(listing) == [f"ad:{first.id}", f"ad:{second.id}"]
    [deleted] = say(world, tap(listing, f"ad:{first.id}"))
    assert deleted.key == "alert.deleted"
    [after] = say(world, ListAlerts(**USER))
    assert callbacks(after) == [f"ad:{second.id}"]


def preview_limit_buy(world, price: str = "800000000") -> Reply:
    [preview] = say(
        world,
        PreviewOrder(
            **USER,
            pair_text="btcidr",
            side="buy",
            order_type="limit",
            quantity="0.0005",
            price=price,
        ),
    )
    assert preview.key == "order.preview.limit_buy"
    return preview


def confirm_limit_buy(world, price: str) -> Reply:
    """Previews a limit buy of 0.0005 BTC and confirms it: the confirmation's answer."""
    preview = preview_limit_buy(world, price)
    [answer] = say(world, ConfirmOrder(**USER, preview_id=preview.param("preview_id")))
    return answer


def place_limit_buy(world, price: str) -> None:
    assert confirm_limit_buy(world, price).key == "order.placed"


def test_a_user_whose_limit_order_rests_leaves_after_the_idle_time_while_its_sweep_runs(
    actor_system, settings, simulator, tmp_path
):
    world = make_world(
        actor_system,
        settings,
        simulator,
        tmp_path,
        actors=ActorSettings(system_base="simpleSystemBase", user_idle_seconds=5),
        indodax=simulator.indodax_settings(order_reconcile_seconds=2),
    )
    link(world)
    place_limit_buy(world, "800000000")
    [order] = Order.select()
    checked_at_placement = order.checked_at
    assert checked_at_placement is not None  # the placement's answer is a check
    actor_system.listen(12)  # timers ring inside listen on simpleSystemBase
    assert [m for m in collected(actor_system, world[4]) if isinstance(m, ActorIdle)]
    order = Order.get_by_id(order.id)
    assert order.state == "open"
    assert order.checked_at > checked_at_placement  # swept every 2 s meanwhile


def test_a_new_trigger_book_gets_the_resting_orders_triggers_again_and_a_new_notifier_does_not(
    actor_system, settings, simulator, tmp_path
):
    world = make_world(actor_system, settings, simulator, tmp_path)
    system, user, notifier, book = world[:4]
    link(world)
    place_limit_buy(world, "800000000")
    [order] = Order.select()
    collected(system, book)
    system.tell(user, Rewire(notifier=system.createActor(Collector), trigger_book=book))
    assert collected(system, book) == []
    new_book = system.createActor(Collector)
    system.tell(user, Rewire(notifier=notifier, trigger_book=new_book))
    [armed] = collected(system, new_book)
    assert isinstance(armed, RegisterTrigger)
    assert (armed.trigger_id, armed.level) == (
        OrderTrigger(order.client_order_id).encode(),
        "800000000",
    )


def test_cancel_all_asks_first_then_cancels_every_open_order(world):
    link(world)
    place_limit_buy(world, "800000000")
    place_limit_buy(world, "810000000")
    [listing] = say(world, ListOpenOrders(**USER))
    open_now = int(listing.param("count"))
    assert open_now >= 2
    assert callbacks(listing)[-1] == "ca:ask"
    [question] = say(world, tap(listing, "ca:ask"))
    assert (question.key, question.param("count")) == ("orders.cancel_all_confirm", str(open_now))
    [still] = say(world, ListOpenOrders(**USER))
    assert still.param("count") == str(open_now)  # asking cancels nothing
    [done] = say(world, tap(question, "ca:y:"))
    assert (done.key, done.param("cancelled")) == ("orders.cancelled_all", str(open_now))
    [after] = say(world, ListOpenOrders(**USER))
    assert after.key == "orders.none"
    assert "ca:ask" not in callbacks(after)


def test_unlink_asks_first_and_only_yes_deletes_the_key(world):
    link(world)
    [question] = say(world, UnlinkAccount(**USER))
    assert question.key == "unlink.confirm"
    assert Credential.select().count() == 1
    [done] = say(world, tap(question, "ul:y:"))
    assert done.key == "unlink.done"
    assert Credential.select().count() == 0


def test_cancel_all_cancels_only_the_orders_it_asked_about_and_only_once(world):
    link(world)
    place_limit_buy(world, "800000000")
    [listing] = say(world, ListOpenOrders(**USER))
    [question] = say(world, tap(listing, "ca:ask"))
    assert callbacks(question)[1] == "ca:n"
    place_limit_buy(world, "820000000")  # placed after the question: not asked about
    [done] = say(world, tap(question, "ca:y:"))
    assert done.param("cancelled") == listing.param("count")
    [after] = say(world, ListOpenOrders(**USER))
    [newer] = Order.select().where(Order.price == Decimal(820_000_000))
    assert (after.param("count"), callbacks(after)[0]) == ("1", f"cx:{newer.client_order_id}")
    [again] = say(world, tap(question, "ca:y:"))
    assert again.key == "button.stale"
    [still] = say(world, ListOpenOrders(**USER))
    assert still.param("count") == "1"


def test_a_yes_to_unlink_asked_about_a_key_since_replaced_unlinks_nothing(world):
    link(world)
    [question] = say(world, UnlinkAccount(**USER))
    assert link(world, OTHER).key == "link.done"
    [stale] = say(world, tap(question, "ul:y:"))
    assert stale.key == "button.stale"
    [row] = Credential.select()
    assert row.key_fingerprint == fingerprint(OTHER.key)
    [portfolio] = say(world, GetPortfolio(**USER))  # still linked, the token still good
    assert portfolio.key == "portfolio.show"


def test_a_second_yes_to_unlink_is_stale(world):
    link(world)
    [question] = say(world, UnlinkAccount(**USER))
    say(world, tap(question, "ul:y:"))
    link(world)
    [again] = say(world, tap(question, "ul:y:"))
    assert again.key == "button.stale"
    assert Credential.select().count() == 1


def test_the_adapter_gets_a_fresh_token_before_its_copy_runs_out(world):
    link(world)
    old = TOKENS[USER["telegram_id"]]
    [answer] = say(world, RefreshToken(**USER))
    assert answer.key == "auth.token_refreshed"
    assert TOKENS[USER["telegram_id"]] != old
    [portfolio] = say(world, GetPortfolio(**USER))  # with the fresh token
    assert portfolio.key == "portfolio.show"


def test_a_refresh_with_a_token_due_for_rotation_issues_exactly_one_new_token(world):
    system, user, notifier = world[:3]
    link(world)
    AccessToken.update(created_at=utcnow() - timedelta(days=2)).execute()  # past rotation
    system.tell(user, RefreshToken(**USER, token=TOKENS[USER["telegram_id"]]))
    told = collected(system, notifier)
    assert [m.key for m in told if m.param("token_enc")] == ["auth.token_refreshed"]
    assert AccessToken.select().count() == 2  # the one from /link and the refreshed one


def test_in_a_demo_bot_a_user_stored_as_paper_trades_on_the_demo_exchange(
    actor_system, settings, simulator, tmp_path
):
    User.create(**USER, mode="paper")
    world = make_world(actor_system, settings, simulator, tmp_path, mode="demo")[:4]
    link(world)
    before = len(simulator.trade_log(TRADER.key))
    place_limit_buy(world, "800000000")  # placed on the simulator, not on paper
    assert len(simulator.trade_log(TRADER.key)) == before + 1


def test_a_forged_token_gets_no_fresh_one(world):
    link(world)
    [answer] = say(world, RefreshToken(**USER, token="forged-token"))
    assert answer.key == "auth.token_invalid"
    assert answer.param("token_enc") is None


def told_token(world, command: UserCommand) -> tuple[list[str], str | None]:
    """The keys of everything the user's actor sent for `command`, and the new token any of
    them carried (as the adapter would open it)."""
    system, user, notifier = world[:3]
    system.tell(user, command)
    told = collected(system, notifier)
    sealed = [m.param("token_enc") for m in told if m.param("token_enc")]
    assert len(sealed) <= 1
    token = (
        Vault(MASTER).decrypt(sealed[0], purpose=PURPOSE_ACCESS_TOKEN, owner=USER["telegram_id"])
        if sealed
        else None
    )
    return [m.key for m in told], token


def age_tokens() -> None:
    """Every token past the rotation threshold, as if issued two days ago."""
    AccessToken.update(created_at=utcnow() - timedelta(days=2)).execute()


def test_relinking_ends_every_token_issued_before_at_once(world):
    link(world)
    first = TOKENS[USER["telegram_id"]]
    link(world, OTHER)
    [refused] = say(world, GetPortfolio(**USER, token=first))
    assert refused.key == "auth.token_invalid"
    [portfolio] = say(world, GetPortfolio(**USER))  # the token of the new link
    assert portfolio.key == "portfolio.show"


def test_a_rotation_leaves_only_the_token_it_replaced_alive_and_only_for_a_short_grace(world):
    link(world)
    first = TOKENS[USER["telegram_id"]]
    age_tokens()
    keys, second = told_token(world, GetPortfolio(**USER, token=first))
    assert "auth.token_rotated" in keys and second is not None

    # A command already on its way with the replaced token passes, and rotates nothing.
    keys, again = told_token(world, GetPortfolio(**USER, token=first))
    assert (keys, again) == (["portfolio.show"], None)

    age_tokens()
    keys, third = told_token(world, GetPortfolio(**USER, token=second))
    assert third is not None
    assert valid_token(first) is None  # older than the one just replaced: ended at once
    assert valid_token(second) is not None  # the one just replaced: its grace
    later = utcnow() + timedelta(seconds=GRACE_SECONDS + 1)
    assert valid_token(second, now=later) is None
    assert valid_token(third, now=later) is not None
    [refused] = say(world, GetPortfolio(**USER, token=first))
    assert refused.key == "auth.token_invalid"


def test_a_second_refresh_with_the_same_token_issues_no_third_token(world):
    link(world)
    first = TOKENS[USER["telegram_id"]]
    keys, fresh = told_token(world, RefreshToken(**USER, token=first))
    assert keys == ["auth.token_refreshed"] and fresh is not None
    keys, extra = told_token(world, RefreshToken(**USER, token=first))
    assert (keys, extra) == ([], None)
    [portfolio] = say(world, GetPortfolio(**USER, token=fresh))
    assert portfolio.key == "portfolio.show"


def test_confirming_a_preview_after_unlink_and_link_of_another_key_places_nothing(world, simulator):
    link(world)
    preview = preview_limit_buy(world)
    [question] = say(world, UnlinkAccount(**USER))
    assert say(world, tap(question, "ul:y:"))[0].key == "unlink.done"
    assert link(world, OTHER).key == "link.done"
    trades_before = len(simulator.trade_log(TRADER.key)), len(simulator.trade_log(OTHER.key))
    [refused] = say(world, tap(preview, "oc:"))
    assert refused.key == "order.key_changed"
    assert (len(simulator.trade_log(TRADER.key)), len(simulator.trade_log(OTHER.key))) == (
        trades_before
    )
    assert Order.select().count() == 0


def test_confirming_a_preview_after_a_relink_to_another_key_places_nothing(world, simulator):
    link(world)
    preview = preview_limit_buy(world)
    assert link(world, OTHER).key == "link.done"
    before = len(simulator.trade_log(OTHER.key))
    [refused] = say(world, tap(preview, "oc:"))
    assert refused.key == "order.key_changed"
    assert len(simulator.trade_log(OTHER.key)) == before
    [again] = say(world, tap(preview, "oc:"))  # the question is spent: nothing later either
    assert again.key == "order.preview_gone"


@dataclasses.dataclass(frozen=True, kw_only=True)
class NotYetHandled(UserCommand):
    """A command the chat adapter might send before the actor learns it."""


def test_a_command_the_actor_does_not_know_is_answered_as_not_available(world):
    say(world, Start(**USER))
    [answer] = say(world, NotYetHandled(**USER))
    assert answer.key == "command.not_available"


# Changing a running strategy


def edit(world, strategy: Strategy, field: str, value: str) -> Reply:
    [answer] = say(
        world,
        PreviewEdit(**USER, strategy_id=strategy.id, field=field, value=value),  # type: ignore[arg-type]
    )
    return answer


def armed_at(system, trigger_book, trigger_id: str) -> list[str | None]:
    """What the TriggerBook was told of this trigger since it was last asked of any: each
    level it was armed at, None where it was removed."""
    return [
        m.level if isinstance(m, RegisterTrigger) else None
        for m in collected(system, trigger_book)
        if isinstance(m, RegisterTrigger | RemoveTrigger) and m.trigger_id == trigger_id
    ]


def test_a_running_dca_take_profit_is_changed_through_a_preview_and_moves_at_once(world):
    system, _, _, trigger_book = world
    plan = {"quote_amount": "100000", "schedule": "every 6h", "order_type": "market",
            "max_buys": "5", "take_profit_pct": "3"}  # fmt: skip
    strategy = linked_strategy(world, "dca", plan)
    host_strategies(world)
    system.listen(1.0)  # its first run buys at once: a cycle is open
    [before] = [level for level in armed_at(system, trigger_book, f"s{strategy.id}:tp") if level]
    [details] = say(world, ShowStrategy(**USER, strategy_id=strategy.id))
    edits = [b.callback for row in details.buttons for b in row if b.callback.startswith("se:")]
    assert edits == [f"se:{strategy.id}:{f}" for f in
                     ("quote_amount", "max_buys", "budget", "take_profit_pct")]  # fmt: skip

    preview = edit(world, strategy, "take_profit_pct", "5")
    assert preview.key == "strategy.edit.preview"
    assert [preview.param(n) for n in ("old", "new", "effect")] == ["3", "5", "edit_effect_cycle"]
    assert Strategy.get_by_id(strategy.id).params["take_profit_pct"] == "3"  # not before Confirm
    [edited] = say(world, tap(preview, "se:y"))
    assert edited.key == "strategy.edited"
    assert Strategy.get_by_id(strategy.id).params["take_profit_pct"] == "5"
    system.listen(0.5)
    [after] = [level for level in armed_at(system, trigger_book, f"s{strategy.id}:tp") if level]
    # The same cycle's average cost, 5 % over it instead of 3 %.
    assert float(Decimal(after) / Decimal(before)) == pytest.approx(1.05 / 1.03, rel=1e-3)
    [again] = say(world, tap(preview, "se:y"))
    assert again.key == "strategy.edit.gone"


def test_a_grid_stop_loss_moves_and_its_take_profit_goes_and_only_what_is_left_is_watched(
    world, simulator
):
    system, _, _, trigger_book = world
    simulator.set_price("btcidr", Decimal(1_000_000_000))
    levels = {"lower": "950000000", "upper": "1050000000", "levels": "5", "tick": "1000",
              "amount_coin": "0.001", "taker_fee": "0.002", "stop_loss": "900000000",
              "take_profit": "1100000000"}  # fmt: skip
    strategy = linked_strategy(world, "grid", levels, GRIDDER)
    host_strategies(world)
    system.listen(1.0)
    stop, take = f"s{strategy.id}:stop_loss", f"s{strategy.id}:take_profit"
    assert armed_at(system, trigger_book, stop) == ["900000000"]
    preview = edit(world, strategy, "stop_loss", "920000000")
    assert preview.key == "strategy.edit.preview_idr"
    assert (preview.param("old"), preview.param("new")) == ("900000000", "920000000")
    say(world, tap(preview, "se:y"))
    system.listen(0.5)
    assert armed_at(system, trigger_book, stop)[-1] == "920000000"
    say(world, tap(edit(world, strategy, "take_profit", ""), "se:y"))
    system.listen(0.5)
    assert armed_at(system, trigger_book, take)[-1] is None  # removed, not armed again
    params = Strategy.get_by_id(strategy.id).params
    assert (params["stop_loss"], "take_profit" in params) == ("920000000", False)
    assert Strategy.get_by_id(strategy.id).state["stage"] == "running"  # nothing laid again


@pytest.mark.parametrize(
    ("kind", "change", "key"),
    [
        ("dca", ("quote_amount", "5000"), "order.min_value"),  # the pair's minimum is 10,000
        ("dca", ("budget", "50000"), "strategy.dca.bad_budget"),  # less than one run
        ("dca", ("max_buys", ""), "strategy.edit.needs_value"),
        ("dca", ("stop_loss", "1"), "strategy.edit.not_editable"),  # a grid's field
        ("grid", ("take_profit", "1060000000"), "strategy.edit.exit_crossed"),  # the price is over
        ("grid", ("take_profit", "1000000000"), "strategy.grid.bad_plan"),  # inside the range
        ("grid", ("amount_coin", "0,000001"), "order.min_quantity"),
        ("grid", ("amount_idr", "20000"), "strategy.edit.not_editable"),  # set up in coin
    ],
)
def test_a_change_that_would_not_work_is_refused_with_what_is_wrong_and_nothing_changes(
    world, simulator, kind, change, key
):
    simulator.set_price("btcidr", Decimal(1_070_000_000))  # over the grid's range
    params = (
        {"quote_amount": "100000", "schedule": "every 6h", "order_type": "market",
         "max_buys": "5"}
        if kind == "dca"
        else {"lower": "950000000", "upper": "1050000000", "levels": "5", "tick": "1000",
              "amount_coin": "0.001", "stop_loss": "900000000"}
    )  # fmt: skip
    strategy = linked_strategy(world, kind, params)
    assert edit(world, strategy, *change).key == key
    assert Strategy.get_by_id(strategy.id).params == params


def test_a_stopped_strategy_or_another_users_cannot_be_changed(world):
    plan = {"quote_amount": "100000", "schedule": "every 6h", "order_type": "market",
            "max_buys": "5"}  # fmt: skip
    strategy = linked_strategy(world, "dca", plan)
    Strategy.update(status="stopped").where(Strategy.id == strategy.id).execute()
    assert edit(world, strategy, "quote_amount", "150000").key == "strategy.edit.not_now"
    other = User.create(telegram_id=777_001, chat_id=777_001)
    theirs = Strategy.create(user=other, kind="dca", pair="btc_idr", params=plan)
    assert edit(world, theirs, "quote_amount", "150000").key == "strategy.not_found"


def test_a_change_confirmed_after_another_change_of_the_same_field_saves_nothing(world):
    plan = {"quote_amount": "100000", "schedule": "every 6h", "order_type": "market",
            "max_buys": "5"}  # fmt: skip
    strategy = linked_strategy(world, "dca", plan)
    first = edit(world, strategy, "quote_amount", "150000")
    second = edit(world, strategy, "quote_amount", "200000")
    say(world, tap(second, "se:y"))
    [late] = say(world, tap(first, "se:y"))
    assert late.key == "strategy.edit.changed_meanwhile"
    assert Strategy.get_by_id(strategy.id).params["quote_amount"] == "200000"


def test_pnl_shows_what_each_strategy_realised_in_the_period_and_every_periods_total(world):
    plan = {"quote_amount": "100000", "schedule": "every 6h", "order_type": "market",
            "max_buys": "5"}  # fmt: skip
    dca = linked_strategy(world, "dca", plan)
    grid = Strategy.create(user=dca.user, kind="grid", pair="eth_idr", params={})
    today = wib_today()
    [nothing] = say(world, GetPnl(**USER, period="today"))
    assert (nothing.key, nothing.param("ever")) == ("pnl.none", "0")
    record_result(dca, "s1-a:1", Decimal("1500.4"), today)
    record_result(dca, "s1-a:2", Decimal(-200), today - timedelta(days=3))
    record_result(grid, "s2-b:1", Decimal("23321.74"), today - timedelta(days=10))
    record_result(grid, "s2-b:2", Decimal(1000), today - timedelta(days=40))
    [week] = say(world, GetPnl(**USER, period="7d"))
    assert week.key == "pnl.show"
    assert week.param("rows") == ((str(dca.id), "dca", "BTC/IDR", "1300"),)
    assert [week.param(n) for n in ("total", "today", "week", "month", "ever")] == [
        "1300",
        "1500",
        "1300",
        "24622",  # 1,300.40 + 23,321.74
        "25622",
    ]
    [ever] = say(world, GetPnl(**USER))
    assert ever.param("rows") == (
        (str(dca.id), "dca", "BTC/IDR", "1300"),
        (str(grid.id), "grid", "ETH/IDR", "24322"),
    )
