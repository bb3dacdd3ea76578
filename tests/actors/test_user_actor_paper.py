"""A paper-mode user's actor: real prices from the local simulator's public API, fills and
balances in the paper tables, and nothing ever sent to the exchange's trade API."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from actor_doubles import Collector, collected, user_boot

from actors.user.user_actor import UserActor
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from config.schema import (
    ActorSettings,
    PaperSettings,
    SecuritySettings,
    Settings,
    StorageSettings,
)
from config.secret import Secret
from messages.base import Sensitive
from messages.commands import (
    CancelOrder,
    ConfirmOrder,
    GetPortfolio,
    LinkAccount,
    ListOpenOrders,
    PreviewOrder,
    Start,
)
from messages.events import PauseStrategies, ResumeStrategies, TriggerFired
from messages.replies import Notification, Reply
from persistence.models import PaperOrder, Strategy, User
from persistence.models.fills import fills_of
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault

TRADER = AccountSpec("PAPER-TRADER-KEY", "paper-trader-secret-0123", {"idr": Decimal(1_000_000)})
USER = {"telegram_id": 5151, "chat_id": 5151}
MASTER = Secret("a-paper-test-master-key-" + "x" * 30)
START = 100_000_000


@pytest.fixture(scope="module")
def simulator():
    server = SimulatorServer(port=0, seed=11, tick_interval=0, accounts=(TRADER,))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def world(actor_system, settings, simulator, tmp_path):
    simulator.set_price("btcidr", Decimal(1_000_000_000))  # bid 999,500,000, ask 1,000,500,000
    settings = Settings(
        mode="paper",
        security=SecuritySettings(app_secret_key=MASTER),
        database=settings.database,
        storage=StorageSettings(data_dir=tmp_path),
        actors=ActorSettings(system_base="simpleSystemBase"),
        indodax=simulator.indodax_settings(),
        paper=PaperSettings(start_idr=START),
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
    return {
        "system": actor_system,
        "user": user,
        "notifier": notifier,
        "trigger_book": trigger_book,
        "token": None,
    }


def say(world, command) -> list[Reply | Notification]:
    """Everything the user is sent while the command is handled, replies and notifications."""
    if world["token"] is not None and command.token is None:
        command = dataclasses.replace(command, token=world["token"])
    world["system"].tell(world["user"], command)
    return collected(world["system"], world["notifier"])


def answer(world, command) -> Reply:
    [reply] = [m for m in say(world, command) if isinstance(m, Reply)]
    return reply


def link(world) -> Reply:
    """Links the trader's key; the world keeps the token it gave the adapter."""
    linked = answer(
        world,
        LinkAccount(**USER, api_key=Sensitive(TRADER.key), api_secret=Sensitive(TRADER.secret)),
    )
    assert linked.key == "link.done"
    world["token"] = Vault(MASTER).decrypt(
        linked.param("token_enc"), purpose=PURPOSE_ACCESS_TOKEN, owner=USER["telegram_id"]
    )
    return linked


def trade(world, **order: str) -> Reply:
    preview = answer(world, PreviewOrder(**USER, pair_text="btcidr", **order))
    assert preview.key.startswith("order.preview."), preview.key
    return answer(world, ConfirmOrder(**USER, preview_id=preview.param("preview_id")))


def portfolio(world) -> dict[str, Decimal]:
    shown = answer(world, GetPortfolio(**USER))
    assert shown.key == "portfolio.paper_show"
    rows = shown.param("rows")
    return {currency: Decimal(amount) for currency, amount, _ in rows}


def test_a_paper_user_without_a_key_buys_at_market_and_sees_the_balance_change(world, simulator):
    answer(world, Start(**USER))
    sent_before = len(simulator.trade_log())
    filled = trade(world, side="buy", order_type="market", quote_amount="1000000")
    assert filled.key == "order.paper_filled"
    assert filled.param("price") == "1000500000"  # the ask
    assert filled.param("fee") == "2000"  # taker 0.2 %
    assert filled.param("order_id").startswith("paper-")
    # (1,000,000 - 2,000) / 1,000,500,000, floored to the satoshi
    assert portfolio(world) == {"btc": Decimal("0.0009975"), "idr": Decimal(START - 1_000_000)}
    assert len(simulator.trade_log()) == sent_before


def test_a_paper_portfolio_shows_what_each_coin_cost_and_made_to_the_rupiah(world):
    answer(world, Start(**USER))
    trade(world, side="buy", order_type="market", quote_amount="1000000")
    shown = answer(world, GetPortfolio(**USER))
    # 0.0009975 BTC cost the 1,000,000 rupiah spent (its fee in it), worth 997,500 at the
    # last price of 1,000,000,000.
    assert shown.param("gains") == (("btc", "1000000", "997500", "-2500"),)
    assert (shown.param("unrealised"), shown.param("realised")) == ("-2500", "0")

    trade(world, side="sell", order_type="market", quantity="0.0005")
    # At the bid, 999,500,000: 499,750 less the 0.2 % fee, 1,000, and the 0.21 % tax,
    # 1,049.475 -> 1,050 (both rounded up), received 497,700 for coins that cost
    # 1,000,000 x 0.0005 / 0.0009975 = 501,253.13: -3,553.13.
    # The 0.0004975 left cost 498,746.87, worth 497,500: -1,246.87.
    shown = answer(world, GetPortfolio(**USER))
    assert shown.param("gains") == (("btc", "498747", "497500", "-1247"),)
    assert (shown.param("unrealised"), shown.param("realised")) == ("-1247", "-3553")


def test_a_resting_limit_order_fills_once_the_price_crosses_and_the_user_is_told(world, simulator):
    answer(world, Start(**USER))
    resting = trade(world, side="buy", order_type="limit", quantity="0.001", price="900000000")
    assert (resting.key, resting.param("price")) == ("order.paper_open", "900000000")
    listing = answer(world, ListOpenOrders(**USER))
    assert listing.param("count") == "1"
    assert portfolio(world)["idr"] == START  # held, not spent: the total is unchanged

    simulator.set_price("btcidr", Decimal(899_000_000))
    told = say(world, ListOpenOrders(**USER))
    [fill] = [m for m in told if isinstance(m, Notification)]
    [listing] = [m for m in told if isinstance(m, Reply)]
    assert (fill.kind, fill.key) == ("fill", "order.paper_filled")
    assert (fill.param("price"), fill.param("fee")) == ("900000000", "900")  # its limit, maker
    # Under the filled buy: TP/SL for what it bought, at what it paid.
    [[tpsl]] = fill.buttons
    assert tpsl.callback == "tf:btcidr:0.000999:900000000"
    assert fill.param("order_id") == resting.param("order_id")
    assert listing.key == "orders.none"
    assert portfolio(world) == {"btc": Decimal("0.000999"), "idr": Decimal(START - 900_000)}


def test_a_resting_order_fills_when_the_market_reaches_its_trigger_and_is_told_once(
    world, simulator
):
    answer(world, Start(**USER))
    resting = trade(world, side="buy", order_type="limit", quantity="0.001", price="900000000")
    [armed] = [m for m in collected(world["system"], world["trigger_book"]) if m.purpose == "order"]
    assert (armed.kind, armed.level, armed.pair) == ("below", "900000000", "btc_idr")
    fired = TriggerFired(
        trigger_id=armed.trigger_id,
        telegram_id=USER["telegram_id"],
        pair="btc_idr",
        price="899000000",
        ts=0.0,
    )
    world["system"].tell(world["user"], fired)
    world["system"].tell(world["user"], fired)  # the same tick again fills nothing more
    [fill] = collected(world["system"], world["notifier"])
    assert (type(fill), fill.kind, fill.key) == (Notification, "fill", "order.paper_filled")
    assert fill.param("order_id") == resting.param("order_id")
    row = PaperOrder.get()
    assert row.state == "filled"
    [recorded] = fills_of(row)
    assert (recorded.kind, recorded.quantity, recorded.price) == (
        "filled",
        row.filled_amount,
        Decimal(900_000_000),
    )
    assert recorded.delivered_at is not None


def test_cancelling_a_resting_paper_order_gives_back_its_funds(world):
    answer(world, Start(**USER))
    resting = trade(world, side="sell", order_type="limit", quantity="0.001", price="1100000000")
    assert resting.key == "order.rejected.insufficient_balance"  # no coins yet
    trade(world, side="buy", order_type="limit", quantity="0.001", price="900000000")
    [row] = PaperOrder.select().where(PaperOrder.state == "open")
    done = answer(world, CancelOrder(**USER, client_order_id=row.client_order_id))
    again = answer(world, CancelOrder(**USER, client_order_id=row.client_order_id))
    assert (done.key, again.key) == ("orders.cancelled", "orders.not_found")
    assert portfolio(world) == {"idr": Decimal(START)}


def test_a_paper_user_who_linked_a_key_still_needs_the_token(world, simulator):
    answer(world, Start(**USER))
    link(world)
    assert answer(world, GetPortfolio(**USER, token="forged")).key == "auth.token_invalid"
    sent_before = len(simulator.trade_log(TRADER.key))
    assert trade(world, side="buy", order_type="market", quote_amount="50000").key == (
        "order.paper_filled"
    )
    assert len(simulator.trade_log(TRADER.key)) == sent_before  # paper, even with a real key


def test_a_user_stored_as_live_trades_on_paper_in_a_paper_bot(settings, simulator, request):
    User.create(**USER, mode="live")  # from when the bot ran live
    world = request.getfixturevalue("world")  # the bot now runs in paper mode
    link(world)
    preview = answer(
        world,
        PreviewOrder(
            **USER, pair_text="btcidr", side="buy", order_type="market", quote_amount="50000"
        ),
    )
    assert preview.param("mode") == "paper"
    sent_before = len(simulator.trade_log(TRADER.key))
    placed = answer(world, ConfirmOrder(**USER, preview_id=preview.param("preview_id")))
    assert placed.key == "order.paper_filled"
    assert len(simulator.trade_log(TRADER.key)) == sent_before


def test_a_paper_users_strategy_buys_on_paper(world, simulator):
    answer(world, Start(**USER))
    owner = User.get(User.telegram_id == USER["telegram_id"])
    strategy = Strategy.create(
        user=owner,
        kind="buy_once_below",
        pair="btc_idr",
        params={"level": "950000000", "quote_amount": "200000"},
    )
    system, user_actor = world["system"], world["user"]
    system.tell(user_actor, PauseStrategies(reason="admin"))
    system.tell(user_actor, ResumeStrategies())  # hosts it from the database
    sent_before = len(simulator.trade_log())
    system.tell(
        user_actor,
        TriggerFired(
            trigger_id=f"s{strategy.id}:level",
            telegram_id=USER["telegram_id"],
            pair="btc_idr",
            price="949000000",
            ts=1.0,
        ),
    )
    system.listen(1.0)
    [order] = PaperOrder.select().where(PaperOrder.strategy == strategy.id)
    assert (order.state, order.filled_value) == ("filled", Decimal(200_000))
    assert Strategy.get_by_id(strategy.id).state["client_order_id"] == order.client_order_id
    assert len(simulator.trade_log()) == sent_before
