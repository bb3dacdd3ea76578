"""A strategy's order ids: derived from what it asked for, so the same intent gets the same
id after a restart; different for every strategy, salt, leg and sequence; always an id
Indodax takes."""

from __future__ import annotations

import pytest
from sql_log import count_statements

from adapters.indodax.private_client import CLIENT_ORDER_ID
from persistence.models import Order, PaperOrder, User
from persistence.models.orders import (
    any_order_by_client_id,
    new_client_order_id,
    new_order_salt,
    strategy_client_order_id,
)


def test_the_same_intent_derives_the_same_id_and_every_other_one_a_different_id():
    derived = strategy_client_order_id(42, "k3x9q0", "entry", 1)
    assert derived == strategy_client_order_id(42, "k3x9q0", "entry", 1) == "s42-k3x9q0-entry-1"
    others = {
        strategy_client_order_id(43, "k3x9q0", "entry", 1),
        strategy_client_order_id(42, "k3x9q1", "entry", 1),  # another database's strategy 42
        strategy_client_order_id(42, "k3x9q0", "exit", 1),
        strategy_client_order_id(42, "k3x9q0", "entry", 2),
    }
    assert derived not in others and len(others) == 4
    assert not new_client_order_id(42).startswith("s")  # never a manual order's


def test_every_strategy_draws_its_own_salt():
    salts = {new_order_salt() for _ in range(50)}
    assert len(salts) == 50
    assert all(len(salt) == 6 and salt.isalnum() for salt in salts)


def test_the_longest_id_stays_within_indodax_limit():
    longest = strategy_client_order_id(9_999_999_999, new_order_salt(), "a" * 10, 999_999)
    assert len(longest) == 36 and CLIENT_ORDER_ID.fullmatch(longest)


@pytest.mark.parametrize("leg", ["", "with space", "dash-ed", "a" * 11, "semi;colon"])
def test_a_leg_that_would_not_make_a_valid_id_is_refused(leg):
    with pytest.raises(ValueError):
        strategy_client_order_id(42, "k3x9q0", leg, 1)


def test_an_id_asked_again_is_found_in_the_live_book_first_then_in_the_users_paper_book(
    database,
):
    """Before a strategy's every order: was it asked for already, live or on paper?"""
    user = User.create(telegram_id=74001, chat_id=74001)
    common = {"pair": "btc_idr", "side": "buy", "order_type": "limit", "state": "open"}
    with count_statements() as statements:
        assert any_order_by_client_id(user, "s1-k3x9q0-buy-1") is None
    assert len(statements) == 1  # the usual answer, a new intent, costs one round trip

    paper = PaperOrder.create(user=user, client_order_id="s1-k3x9q0-buy-1", **common)
    found = any_order_by_client_id(user, "s1-k3x9q0-buy-1")
    assert isinstance(found, PaperOrder) and found.id == paper.id

    live = Order.create(user=user, client_order_id="s1-k3x9q0-buy-1", **common)
    found = any_order_by_client_id(user, "s1-k3x9q0-buy-1")
    assert isinstance(found, Order) and found.id == live.id
