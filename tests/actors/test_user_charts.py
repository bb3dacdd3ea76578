"""The user's side of the charts: the 📈 buttons under /price, /portfolio, /pnl and a
strategy's details, what a tap asks of the chart maker, and the photo that comes back.

simpleSystemBase runs the actors in this process against the simulator; the chart maker is
the real one where a test wants the photo, a Collector where it reads the request."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from actor_doubles import Collector, collected, user_boot

from actors.charts.chart_maker import ChartMaker
from actors.user.strategy_host import wib_today
from actors.user.user_actor import UserActor
from adapters.chat.commands import Who, from_callback
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from config.schema import ActorSettings, SecuritySettings, Settings, StorageSettings
from config.secret import Secret
from messages.base import Sensitive
from messages.charts import (
    AllocationChartRequest,
    ChartLine,
    PnlChartRequest,
    PriceChartRequest,
)
from messages.commands import (
    ConfirmOrder,
    GetPnl,
    GetPortfolio,
    GetPrice,
    LinkAccount,
    PreviewOrder,
    ShowStrategy,
    Start,
    UserCommand,
)
from messages.events import Boot
from messages.replies import Photo, Reply
from persistence.models import Strategy, User
from persistence.models.results import record_result
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault
from tests.charts.chart_images import SIZE, png_size

TRADER = AccountSpec("CHART-KEY", "chart-secret-0123456789", {"idr": Decimal(50_000_000)})
USER = {"telegram_id": 5151, "chat_id": 5151}
ME = Who(USER["telegram_id"], USER["chat_id"])
MASTER = Secret("a-chart-test-master-key-" + "c" * 24)
GRID = {
    "lower": "950000000",
    "upper": "1050000000",
    "levels": "5",
    "spacing": "arithmetic",
    "amount_coin": "0.001",
    "coin_source": "buy",
    "tick": "1000",
    "stop_loss": "900000000",
}


@pytest.fixture(scope="module")
def simulator():
    server = SimulatorServer(
        port=0, seed=5, tick_interval=0, history_minutes=2 * 24 * 60, accounts=(TRADER,)
    )
    server.start()
    server.set_price("btcidr", Decimal(1_000_000_000))
    yield server
    server.stop()


class World:
    """A linked user's actor, its replies and requests kept: `drawn` with the real chart
    maker, `asked` with a Collector in its place."""

    def __init__(self, system, settings, simulator, tmp_path, real_maker: bool) -> None:
        settings = Settings(
            mode="demo",
            security=SecuritySettings(app_secret_key=MASTER),
            database=settings.database,
            storage=StorageSettings(data_dir=tmp_path),
            actors=ActorSettings(system_base="simpleSystemBase"),
            indodax=simulator.indodax_settings(),
        )
        self.system = system
        self.notifier = system.createActor(Collector)
        self.maker = system.createActor(ChartMaker if real_maker else Collector)
        if real_maker:
            system.tell(self.maker, Boot(settings=settings, notifier=self.notifier))
        self.user = system.createActor(UserActor)
        system.tell(
            self.user,
            user_boot(
                settings,
                telegram_id=USER["telegram_id"],
                notifier=self.notifier,
                supervisor=system.createActor(Collector),
                trigger_book=system.createActor(Collector),
                chart_maker=self.maker,
            ),
        )
        self.token: str | None = None
        self.say(Start(**USER))
        [linked] = self.say(
            LinkAccount(**USER, api_key=Sensitive(TRADER.key), api_secret=Sensitive(TRADER.secret))
        )
        assert linked.key == "link.done"

    def say(self, command: UserCommand) -> list[Reply]:
        if self.token is not None:
            command = dataclasses.replace(command, token=self.token)
        self.system.tell(self.user, command)
        replies = [m for m in collected(self.system, self.notifier) if isinstance(m, Reply)]
        for reply in replies:
            if reply.param("token_enc"):
                self.token = Vault(MASTER).decrypt(
                    reply.param("token_enc"), purpose=PURPOSE_ACCESS_TOKEN, owner=ME.telegram_id
                )
        return replies

    def tap(self, reply: Reply, prefix: str) -> list[Reply]:
        [data] = [b.callback for row in reply.buttons for b in row if b.callback.startswith(prefix)]
        return self.say(from_callback(data, ME))

    def asked(self) -> list[object]:
        return collected(self.system, self.maker)


@pytest.fixture
def drawn(actor_system, settings, simulator, tmp_path) -> World:
    return World(actor_system, settings, simulator, tmp_path, real_maker=True)


@pytest.fixture
def asked(actor_system, settings, simulator, tmp_path) -> World:
    return World(actor_system, settings, simulator, tmp_path, real_maker=False)


def a_resting_buy(world: World, price: str = "900000000") -> None:
    [preview] = world.say(
        PreviewOrder(
            **USER,
            pair_text="btcidr",
            side="buy",
            order_type="limit",
            quantity="0.001",
            price=price,
        )
    )
    [placed] = world.say(ConfirmOrder(**USER, preview_id=preview.param("preview_id")))
    assert placed.key == "order.placed"


def test_the_price_has_a_chart_button_and_a_tap_brings_the_chart_as_a_photo(drawn):
    [price] = drawn.say(GetPrice(**USER, pair_text="btcidr"))
    assert ("button.chart", "ch:p:btcidr:1h") in [
        (b.label_key, b.callback) for row in price.buttons for b in row
    ]
    [photo] = drawn.tap(price, "ch:p:")
    assert isinstance(photo, Photo)
    assert png_size(photo.png) == SIZE
    assert (photo.key, dict(photo.params)) == (
        "chart.caption.price",
        {"pair": "BTC/IDR", "timeframe": "1h"},
    )
    offered = [b.callback for row in photo.buttons for b in row]
    assert offered == ["ch:p:btcidr:15m", "ch:p:btcidr:4h", "ch:p:btcidr:1d", "ch:p:btcidr:1w"]
    [wider] = drawn.tap(photo, "ch:p:btcidr:4h")  # its buttons draw it again, wider
    assert isinstance(wider, Photo) and dict(wider.params)["timeframe"] == "4h"


def test_a_pairs_chart_carries_the_users_open_orders_there_and_the_fills_of_their_orders(
    asked, simulator
):
    a_resting_buy(asked, "900000000")
    [preview] = asked.say(
        PreviewOrder(
            **USER, pair_text="btcidr", side="buy", order_type="market", quote_amount="100000"
        )
    )
    asked.say(ConfirmOrder(**USER, preview_id=preview.param("preview_id")))
    [price] = asked.say(GetPrice(**USER, pair_text="btcidr"))
    assert asked.tap(price, "ch:p:") == []  # the chart maker answers, not the user's actor
    [request] = asked.asked()
    assert isinstance(request, PriceChartRequest)
    assert (request.pair, request.timeframe, request.language) == ("btc_idr", "1h", "id")
    assert request.lines == (ChartLine("buy", "900000000"),)
    [fill] = request.fills  # the market buy's; the resting one has not traded
    assert fill.side == "buy" and Decimal(fill.price) > 0
    assert request.correlation_id  # the tap's: the photo answers it


def test_the_portfolio_keeps_its_cost_button_beside_the_chart_and_the_chart_values_each_asset(
    asked,
):
    [portfolio] = asked.say(GetPortfolio(**USER))
    assert [b.callback for row in portfolio.buttons for b in row] == ["pm:fifo", "ch:a"]
    asked.tap(portfolio, "ch:a")
    [request] = asked.asked()
    assert isinstance(request, AllocationChartRequest)
    values = {h.asset: Decimal(h.value_idr) for h in request.holdings}
    assert values["idr"] > 0  # what the account holds, each in whole rupiah
    assert all(value > 0 and value == value.to_integral_value() for value in values.values())


def test_results_get_a_chart_button_once_something_was_realised_and_it_draws_them_by_day(
    asked,
):
    [nothing] = asked.say(GetPnl(**USER))
    assert nothing.buttons == ()
    user = User.get(User.telegram_id == USER["telegram_id"])
    grid = Strategy.create(user=user, kind="grid", pair="btc_idr", params=GRID, status="stopped")
    today = wib_today()
    record_result(grid, "s-a:1", Decimal("1500.5"), today)
    record_result(grid, "s-a:2", Decimal(-200), today)
    [results] = asked.say(GetPnl(**USER))
    asked.tap(results, "ch:r")
    [request] = asked.asked()
    assert isinstance(request, PnlChartRequest)
    assert [(day.day, day.realised_idr) for day in request.days] == [(today, "1300.5")]


def test_a_strategys_details_have_a_chart_with_its_levels_and_exits(asked):
    user = User.get(User.telegram_id == USER["telegram_id"])
    grid = Strategy.create(user=user, kind="grid", pair="btc_idr", params=GRID, status="paused")
    [details] = asked.say(ShowStrategy(**USER, strategy_id=grid.id))
    asked.tap(details, "ch:s:")
    [request] = asked.asked()
    assert isinstance(request, PriceChartRequest)
    assert (request.pair, request.timeframe) == ("btc_idr", "1h")  # a strategy started now
    assert request.lines == (
        *(ChartLine("grid", str(level)) for level in range(950_000_000, 1_050_000_001, 25_000_000)),
        ChartLine("stop_loss", "900000000"),
    )
    assert dict(request.caption_params)["strategy"] == "grid"


def test_a_photo_answers_the_tap_even_for_a_user_with_nothing(drawn):
    [portfolio] = drawn.say(GetPortfolio(**USER))
    [photo] = drawn.tap(portfolio, "ch:a")
    assert isinstance(photo, Photo) and png_size(photo.png) == SIZE
