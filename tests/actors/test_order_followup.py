"""Following an order whose outcome is unknown: looked up with growing pauses, never sent
again, until the exchange says placed or not placed, or the bound runs out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from actors.user.order_followup import OrderFollowUp
from adapters.indodax.errors import ExchangeUnavailable, OrderNotFound, RateLimited
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import OrderStatus

BTC = Pair("btc", "idr")
START = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
BOUND = timedelta(minutes=5)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def found(state: str = "open") -> OrderStatus:
    return OrderStatus(
        pair=BTC,
        order_id="77",
        client_order_id="ib1-x",
        side="buy",
        status=state,
        price=Decimal(1_000_000_000),
        amount_currency="btc",
        amount=Decimal("0.0001"),
        remaining=Decimal("0.0001"),
        executed_base=Decimal(0),
        submit_time=START,
        finish_time=None,
    )


class Exchange:
    """Answers lookups from a script; each entry is a status or an error to raise."""

    def __init__(self, *answers: OrderStatus | Exception) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[datetime, str]] = []
        self.clock: Clock | None = None

    def lookup(self, client_order_id: str, pair: Pair) -> OrderStatus:
        self.asked.append((self.clock.now if self.clock else START, client_order_id))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def follower(exchange: Exchange, bound: timedelta = BOUND) -> tuple[OrderFollowUp, Clock]:
    clock = Clock()
    exchange.clock = clock
    return OrderFollowUp(exchange.lookup, bound, clock), clock


def run_until_verdict(follow_up: OrderFollowUp, clock: Clock, limit: int = 100) -> list:
    for _ in range(limit):
        wait = follow_up.next_wake()
        if wait is None:
            return []
        clock.advance(wait)
        verdicts = follow_up.run_due()
        if verdicts:
            return verdicts
    raise AssertionError("no verdict")


def test_an_order_found_after_failed_lookups_is_reported_placed_with_its_status():
    exchange = Exchange(ExchangeUnavailable("502"), RateLimited("too many"), found("filled"))
    follow_up, clock = follower(exchange)
    follow_up.follow("ib1-x", BTC, START)
    [verdict] = run_until_verdict(follow_up, clock)
    assert (verdict.client_order_id, verdict.outcome) == ("ib1-x", "placed")
    assert verdict.status.status == "filled"
    assert len(exchange.asked) == 3
    assert follow_up.following() == () and follow_up.next_wake() is None


def test_lookups_back_off_doubling_up_to_a_cap():
    exchange = Exchange(ExchangeUnavailable("502"))
    follow_up, clock = follower(exchange, bound=timedelta(hours=1))
    follow_up.follow("ib1-x", BTC, START)
    for _ in range(8):
        clock.advance(follow_up.next_wake())
        assert follow_up.run_due() == []
    pauses = [
        (later - earlier).total_seconds()
        for (earlier, _), (later, _) in zip(exchange.asked, exchange.asked[1:], strict=False)
    ]
    assert exchange.asked[0][0] - START == timedelta(seconds=1)
    assert pauses == [1, 2, 4, 8, 16, 30, 30]


def test_an_order_never_answered_for_is_unknown_once_the_bound_runs_out():
    exchange = Exchange(ExchangeUnavailable("timeout"))
    follow_up, clock = follower(exchange, bound=timedelta(seconds=20))
    follow_up.follow("ib1-x", BTC, START)
    [verdict] = run_until_verdict(follow_up, clock)
    assert (verdict.outcome, verdict.cause) == ("unknown", "ExchangeUnavailable")
    assert clock.now == START + timedelta(seconds=20)  # the last lookup is at the bound
    assert exchange.asked[-1][0] == START + timedelta(seconds=20)


def test_not_found_is_believed_only_once_the_order_could_have_arrived():
    exchange = Exchange(OrderNotFound("invalid order."))
    follow_up, clock = follower(exchange)
    follow_up.follow("ib1-x", BTC, START)
    [verdict] = run_until_verdict(follow_up, clock)
    assert verdict.outcome == "not_placed"
    # At 1 s and 2 s the order may still be on its way; at 4 s it would have arrived.
    assert [when - START for when, _ in exchange.asked] == [
        timedelta(seconds=1),
        timedelta(seconds=2),
        timedelta(seconds=4),
    ]


def test_the_bound_counts_from_when_the_order_was_recorded_not_from_a_restart():
    exchange = Exchange(ExchangeUnavailable("502"))
    follow_up, clock = follower(exchange)
    clock.advance(timedelta(hours=2))  # the actor comes back long after the order
    follow_up.follow("ib1-x", BTC, START)
    [verdict] = run_until_verdict(follow_up, clock)
    assert verdict.outcome == "unknown"
    assert len(exchange.asked) == 1  # still asked once before giving up


def test_following_the_same_order_twice_looks_it_up_once_per_turn():
    exchange = Exchange(ExchangeUnavailable("502"), found())
    follow_up, clock = follower(exchange)
    follow_up.follow("ib1-x", BTC, START)
    follow_up.follow("ib1-x", BTC, START)
    assert follow_up.following() == ("ib1-x",)
    [verdict] = run_until_verdict(follow_up, clock)
    assert verdict.outcome == "placed" and len(exchange.asked) == 2


def test_nothing_is_looked_up_before_its_time():
    exchange = Exchange(found())
    follow_up, clock = follower(exchange)
    follow_up.follow("ib1-x", BTC, START)
    clock.advance(timedelta(milliseconds=500))
    assert follow_up.run_due() == []
    assert exchange.asked == []
    assert follow_up.next_wake() == timedelta(milliseconds=500)
