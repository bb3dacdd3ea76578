"""Placing an order: recorded before it is sent, sent once, unknown outcomes kept for lookup."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from actors.user.order_placement import apply_status, place
from adapters.indodax.errors import (
    ExchangeUnavailable,
    InsufficientBalance,
    InvalidCredentials,
    OrderNotFound,
    OrderNotPlaced,
    OrderOutcomeUnknown,
)
from adapters.indodax.order_rules import TapiOrder
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import OrderStatus, PlacedOrder, TradeOutcome
from persistence.models import Order, User

BTC = Pair("btc", "idr")
LIMIT_BUY = TapiOrder(
    pair=BTC,
    side="buy",
    order_type="limit",
    price=Decimal(1_000_000_000),
    quantity=Decimal("0.0001"),
    quote_amount=None,
    estimated_value=Decimal(100_000),
    estimated_fee=Decimal(100),
)


def status(state: str, remaining: str = "0") -> OrderStatus:
    return OrderStatus(
        pair=BTC,
        order_id="77",
        client_order_id=None,
        side="buy",
        status=state,
        price=Decimal(1_000_000_000),
        amount_currency="btc",
        amount=Decimal("0.0001"),
        remaining=Decimal(remaining),
        executed_base=Decimal("0.0001"),
        submit_time=datetime(2026, 1, 1, tzinfo=UTC),
        finish_time=None,
    )


class FakeClient:
    def __init__(self, outcome=None, error=None, lookup=None):
        self.outcome, self.error, self.lookup = outcome, error, lookup
        self.sent: list[tuple[str, int]] = []
        self.rows_when_nonce_asked: list[int] = []

    @contextmanager
    def nonce_asked_ahead(self) -> Iterator[None]:
        self.rows_when_nonce_asked.append(Order.select().count())
        yield

    def trade(self, pair, side, order_type, *, client_order_id, **amounts):
        self.sent.append(
            (
                client_order_id,
                Order.select().where(Order.client_order_id == client_order_id).count(),
            )
        )
        if self.error:
            raise self.error
        return self.outcome

    def get_order_by_client_order_id(self, client_order_id, pair):
        if isinstance(self.lookup, Exception):
            raise self.lookup
        return self.lookup


@pytest.fixture
def user(database):
    return User.create(telegram_id=1, chat_id=1)


def test_the_order_row_exists_before_the_order_is_sent(user):
    reply = PlacedOrder(
        pair=BTC,
        side="buy",
        order_id="77",
        client_order_id="x",
        spent=Decimal(0),
        received=Decimal(0),
        fee=Decimal(0),
        remain=Decimal(100_000),
    )
    client = FakeClient(outcome=TradeOutcome("x", "77", reply=reply))
    placement = place(client, user, LIMIT_BUY)
    [(client_order_id, rows_when_sent)] = client.sent
    assert rows_when_sent == 1
    assert client.rows_when_nonce_asked == [0]  # its nonce's round trip overlaps the write
    assert (placement.key, placement.failure) == ("order.placed", None)
    row = Order.get(Order.client_order_id == client_order_id)
    assert (row.state, row.exchange_order_id, row.price) == ("open", "77", Decimal(1_000_000_000))


def test_a_lost_reply_found_by_lookup_records_the_exchange_state(user):
    client = FakeClient(outcome=TradeOutcome("x", "77", status=status("filled")))
    placement = place(client, user, LIMIT_BUY)
    assert placement.order.state == "filled"
    assert placement.order.filled_amount == Decimal("0.0001")
    assert len(client.sent) == 1
    assert placement.failure == "ReplyLost"  # the trade call failed, for the dead-man switch
    assert not placement.order.outcome_owed  # the reply to the confirmation tells it


def test_an_order_whose_fate_is_unknown_is_kept_for_lookup_not_resent(user):
    client = FakeClient(error=OrderOutcomeUnknown("x", ExchangeUnavailable("timeout")))
    placement = place(client, user, LIMIT_BUY)
    assert (placement.key, placement.failure) == ("order.unknown", "OrderOutcomeUnknown")
    row = Order.get()
    assert (row.state, row.outcome_owed) == ("unknown", True)
    assert len(client.sent) == 1


def test_an_order_the_exchange_never_got_is_marked_not_placed(user):
    client = FakeClient(error=OrderNotPlaced("x", OrderNotFound("invalid order.")))
    placement = place(client, user, LIMIT_BUY)
    assert (placement.key, placement.failure) == ("order.not_placed", "OrderNotPlaced")
    assert Order.get().state == "rejected"


def test_a_refusal_tells_the_user_why(user):
    client = FakeClient(error=InsufficientBalance("Insufficient balance."))
    placement = place(client, user, LIMIT_BUY)
    assert placement.key == "order.rejected.insufficient_balance"
    assert placement.failure == "InsufficientBalance"


def test_errors_before_the_book_are_raised_for_the_dead_man_switch(user):
    client = FakeClient(error=InvalidCredentials("Invalid credentials."))
    with pytest.raises(InvalidCredentials):
        place(client, user, LIMIT_BUY)
    assert Order.get().state == "rejected"


def test_a_status_found_by_lookup_records_a_partial_fill(user):
    row = Order.create(
        user=user,
        client_order_id="ib1-abc",
        pair="btc_idr",
        side="buy",
        order_type="limit",
        price=Decimal(1),
        amount=Decimal("0.0001"),
        state="unknown",
    )
    assert apply_status(row, status("open", remaining="0.00005")).state == "partially_filled"
