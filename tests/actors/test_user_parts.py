"""Each part of a UserActor built alone, with fakes for what it is handed: no actor system,
no exchange. The behaviour through a whole actor is in test_user_actor*.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from actors.user.account import Account
from actors.user.alerts import Alerts
from actors.user.answers import Answers
from actors.user.exchange_calls import ExchangeCalls
from actors.user.market import Market
from actors.user.open_orders import OpenOrders
from actors.user.order_desk import OrderDesk
from actors.user.order_tracker import FOLLOW_UP, OrderTracker
from actors.user.portfolio import Portfolio
from actors.user.preferences import Preferences
from actors.user.readings import Readings
from actors.user.timers import Timers
from adapters.indodax.errors import ExchangeUnavailable, InvalidCredentials
from adapters.indodax.pairs import parse_pair
from messages.commands import (
    CancelOrder,
    ChooseReading,
    ConfirmAlert,
    ConfirmOrder,
    CreateAlert,
    GetPortfolio,
    GetPrice,
    ListAlerts,
    SetMode,
    ShowMarket,
)
from messages.events import OrderRequest, RegisterTrigger, UserFailed
from messages.replies import Reply
from persistence.models.orders import (
    OrderOwner,
    new_order_salt,
    record_intended_order,
    strategy_client_order_id,
)
from persistence.models.strategies import Strategy
from persistence.models.users import create_user
from tests.actors.user_part_fakes import (
    FakeKeys,
    FakeSession,
    RecordingAnswers,
    RecordingLinks,
    RecordingTimers,
)

BTC = parse_pair("btc_idr")
WHO = {"telegram_id": 7, "chat_id": 70}


class Unreachable:
    """An exchange client no test expects to be called."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the exchange was called: {name}")


class Down:
    """An exchange that answers nothing."""

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            raise ExchangeUnavailable("down")

        return call


def parts(**session: Any) -> tuple[FakeSession, RecordingAnswers]:
    fake = FakeSession(**session)
    return fake, RecordingAnswers(fake)


# Timers


def test_a_timer_rings_at_the_part_that_started_it_and_the_idle_check_is_nobodys():
    wakeups: list[tuple[timedelta, Any]] = []
    timers = Timers(lambda delay, payload: wakeups.append((delay, payload)))
    rung: list[Any] = []
    timers.on("respawn", rung.append)
    timers.start("respawn", timedelta(seconds=2), 41)
    [(delay, payload)] = wakeups
    assert delay == timedelta(seconds=2)
    assert timers.rang(payload) and rung == [41]
    assert not timers.rang(None)  # the actor's own idle check


def test_the_actor_is_busy_while_any_part_says_so():
    timers = Timers(lambda delay, payload: None)
    resting = [False]
    timers.keep_awake_while(lambda: False)
    timers.keep_awake_while(lambda: resting[0])
    assert not timers.busy()
    resting[0] = True
    assert timers.busy()


# Answers and counted calls


def test_a_reply_goes_to_the_notifier_in_the_users_own_language():
    links = RecordingLinks()
    answers = Answers(FakeSession(), links)  # type: ignore[arg-type]
    answers.reply(GetPrice(pair_text="btc", language="id", **WHO), "price.show", last=5)
    [(to, reply)] = links.sent
    assert to == "notifier" and isinstance(reply, Reply)
    assert (reply.language, reply.key, reply.params) == ("en", "price.show", (("last", "5"),))


def test_a_failed_private_call_is_answered_in_words_and_counted_for_the_dead_man_switch():
    session, answers = parts()
    links = RecordingLinks()
    calls = ExchangeCalls(session, answers, links)  # type: ignore[arg-type]

    def refuse() -> None:
        raise InvalidCredentials("bad key")

    assert calls.answered(GetPortfolio(**WHO), refuse) is None
    assert answers.keys == ["error.invalid_credentials"]
    [(to, counted)] = links.sent
    assert to == "supervisor" and isinstance(counted, UserFailed)
    assert counted.error == "InvalidCredentials"


# Readings


def test_a_number_read_two_ways_is_asked_about_and_the_tap_goes_on_with_that_reading():
    session, answers = parts()
    readings = Readings(session, answers)  # type: ignore[arg-type]
    typed = CreateAlert(pair_text="btc", price="1.500", **WHO)
    assert readings.numbers(typed, "price") is None
    [(key, params)] = answers.replies
    assert key == "number.ambiguous" and params["typed"] == "1.500"
    pending_id = next(iter(readings.questions._asked))
    chosen = readings.chosen(ChooseReading(pending_id=pending_id, choice=0, token="t", **WHO))
    assert isinstance(chosen, CreateAlert) and chosen.token == "t"
    assert readings.numbers(chosen, "price") == {"price": Decimal(1500)}
    assert readings.chosen(ChooseReading(pending_id=pending_id, choice=0, **WHO)) is None
    assert answers.keys[-1] == "number.choice_gone"


# Market and portfolio


def test_prices_are_refused_plainly_when_the_exchange_is_down():
    session, answers = parts(public=Down(), catalog=SimpleNamespace(parse=lambda text: BTC))
    market = Market(session, answers, Readings(session, answers))  # type: ignore[arg-type]
    market.price(GetPrice(pair_text="btc", **WHO))
    market.busiest(ShowMarket(**WHO))
    assert answers.keys == ["error.exchange_unavailable", "error.exchange_unavailable"]


def test_a_paper_portfolio_shows_rupiah_at_face_value_without_the_exchange_prices(settings):
    user = create_user(telegram_id=8, chat_id=80, language="id", mode="paper")
    paper = SimpleNamespace(balances=lambda: {"idr": SimpleNamespace(total=Decimal(250000))})
    session, answers = parts(user=user, paper=paper, public=Down(), private=Unreachable())
    Portfolio(session, answers, Unreachable(), Unreachable()).show(GetPortfolio(**WHO))  # type: ignore[arg-type]
    assert answers.replies == [
        (
            "portfolio.paper_show",
            {
                "rows": (("idr", "250000", "250000"),),
                "total_idr": Decimal(250000),
                "gains": (),  # no coin, nothing it cost or made
                "unknown": (),
                "unrealised": Decimal(0),
                "realised": Decimal(0),
                "method": "average",
            },
        )
    ]


def test_usdt_and_a_coin_traded_only_against_usdt_are_valued_through_usdt_idr(settings):
    user = create_user(telegram_id=8, chat_id=80, language="id", mode="paper")
    balances = {"usdt": Decimal(10), "zil": Decimal(100)}
    paper = SimpleNamespace(
        balances=lambda: {coin: SimpleNamespace(total=total) for coin, total in balances.items()}
    )
    last = {"usdt_idr": 16_500, "zil_usdt": "0.02"}
    tickers = {
        parse_pair(pair): SimpleNamespace(last=Decimal(price)) for pair, price in last.items()
    }
    public = SimpleNamespace(ticker_all=lambda: tickers)
    session, answers = parts(user=user, paper=paper, public=public, private=Unreachable())
    Portfolio(session, answers, Unreachable(), Unreachable()).show(GetPortfolio(**WHO))  # type: ignore[arg-type]
    [(_, params)] = answers.replies
    assert params["rows"] == (("usdt", "10", "165000"), ("zil", "100", "33000"))
    assert params["total_idr"] == Decimal(198_000)


# Alerts


def test_a_second_tap_on_an_alert_question_stores_nothing(settings):
    user = create_user(telegram_id=7, chat_id=70, language="id", mode="paper")
    ticker = SimpleNamespace(last=Decimal(900))
    session, answers = parts(
        settings=settings,
        user=user,
        public=SimpleNamespace(ticker=lambda pair: ticker),
        catalog=SimpleNamespace(parse=lambda text: BTC),
    )
    links = RecordingLinks()
    alerts = Alerts(session, answers, Readings(session, answers), links)  # type: ignore[arg-type]
    alerts.ask(CreateAlert(pair_text="btc", price="1000", **WHO))
    pending_id = answers.replies[-1][1]["pending_id"]
    alerts.confirm(ConfirmAlert(pending_id=pending_id, choice="once", **WHO))
    alerts.confirm(ConfirmAlert(pending_id=pending_id, choice="once", **WHO))
    alerts.list(ListAlerts(**WHO))
    assert answers.keys == ["alert.confirm", "alert.created", "alert.pending_gone", "alert.list"]
    assert answers.replies[-1][1]["count"] == 1
    [(to, trigger)] = links.sent
    assert to == "trigger_book" and isinstance(trigger, RegisterTrigger)
    assert trigger.kind == "above"


# Settings


def test_a_demo_bot_keeps_everyone_in_its_own_mode():
    session, answers = parts(keys=FakeKeys())
    readings = Readings(session, answers)  # type: ignore[arg-type]
    preferences = Preferences(session, answers, Unreachable(), RecordingLinks(), readings)  # type: ignore[arg-type]
    preferences.set_mode(SetMode(mode="live", **WHO))
    assert answers.replies == [("settings.mode_fixed", {"mode": "demo"})]


# Account and tokens


def test_a_command_without_a_token_is_refused_once_a_key_is_linked(database):
    session, answers = parts(keys=FakeKeys())
    account = Account(session, answers, vault=Unreachable, linked=lambda: None)  # type: ignore[arg-type]
    assert not account.admits(GetPortfolio(**WHO))
    assert answers.keys == ["auth.token_invalid"]


# Order tracker


def test_an_order_of_unknown_outcome_is_followed_on_the_trackers_own_timer():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    session, answers = parts()
    timers = RecordingTimers()
    tracker = OrderTracker(
        session,  # type: ignore[arg-type]
        answers,  # type: ignore[arg-type]
        Unreachable(),  # type: ignore[arg-type]
        timers,
        bound=timedelta(minutes=5),
        clock=lambda: now,
    )
    assert not timers.busy()
    row = SimpleNamespace(
        outcome_owed=True, client_order_id="7-abc", pair="btc_idr", created_at=now
    )
    tracker.follow(row)  # type: ignore[arg-type]
    tracker.follow(row)  # type: ignore[arg-type]
    assert timers.wakeups == [(timedelta(seconds=1), (FOLLOW_UP, None))]
    assert timers.busy()


# Order desk and open orders


def test_a_strategy_order_for_a_user_without_a_key_is_rejected_before_any_call(settings):
    user = create_user(**WHO, language="en", mode="live")
    strategy = Strategy.create(user=user, kind="buy_once_below", pair="btc_idr")
    session, answers = parts(catalog=Unreachable(), private=Unreachable(), user=user)
    watched: list[Any] = []
    desk = OrderDesk(
        session,  # type: ignore[arg-type]
        answers,  # type: ignore[arg-type]
        Readings(session, answers),  # type: ignore[arg-type]
        Unreachable(),  # type: ignore[arg-type]
        tracker=Unreachable(),  # type: ignore[arg-type]
        lifecycle=SimpleNamespace(watch=watched.append),  # type: ignore[arg-type]
    )
    request = OrderRequest(
        strategy_id=strategy.id,
        client_order_id=f"s{strategy.id}-buy-1",
        leg="buy",
        pair="btc_idr",
        side="buy",
        order_type="market",
    )
    desk.for_strategy(request)
    [row] = watched  # the life cycle tells the strategy its end
    assert (row.client_order_id, row.leg, row.strategy_id) == (
        f"s{strategy.id}-buy-1",
        "buy",
        strategy.id,
    )
    assert (row.state, row.error) == ("rejected", "user.not_linked")
    desk.confirm(ConfirmOrder(preview_id="never-asked", **WHO))
    assert answers.keys == ["user.not_linked"]


@pytest.mark.parametrize(("state", "followed_by"), [("open", "lifecycle"), ("unknown", "tracker")])
def test_a_strategy_order_asked_again_under_an_id_already_recorded_is_never_sent_again(
    settings, state, followed_by
):
    """A restart re-derived the same intent: the row is followed (an order of unknown
    outcome looked up by its id), the exchange is not called."""
    user = create_user(**WHO, language="en", mode="live")
    strategy = Strategy.create(user=user, kind="buy_once_below", pair="btc_idr")
    owner = OrderOwner(
        strategy.id, strategy_client_order_id(strategy.id, new_order_salt(), "buy", 1), "buy"
    )
    fields = {"pair": "btc_idr", "side": "buy", "order_type": "market"}
    row = record_intended_order(user, fields, owner, state=state)
    session, answers = parts(
        catalog=Unreachable(), private=Unreachable(), keys=FakeKeys(), user=user
    )
    followed: dict[str, list[Any]] = {"lifecycle": [], "tracker": []}
    desk = OrderDesk(
        session,  # type: ignore[arg-type]
        answers,  # type: ignore[arg-type]
        Readings(session, answers),  # type: ignore[arg-type]
        Unreachable(),  # type: ignore[arg-type]
        tracker=SimpleNamespace(follow=followed["tracker"].append),  # type: ignore[arg-type]
        lifecycle=SimpleNamespace(watch=followed["lifecycle"].append),  # type: ignore[arg-type]
    )
    desk.for_strategy(
        OrderRequest(
            strategy_id=strategy.id,
            client_order_id=row.client_order_id,
            leg="buy",
            pair="btc_idr",
            side="buy",
            order_type="market",
            quote_amount="200000",
        )
    )
    [again] = followed[followed_by]
    assert again.id == row.id
    assert sum(map(len, followed.values())) == 1


def test_a_malformed_order_id_is_refused_before_any_call():
    session, answers = parts(keys=FakeKeys(), private=Unreachable())
    OpenOrders(session, answers, Unreachable(), Unreachable()).cancel(  # type: ignore[arg-type]
        CancelOrder(client_order_id="x;drop", **WHO)
    )
    assert answers.keys == ["orders.bad_id"]
