"""Trigger ids: encoded by whoever watches a price, decoded by whoever is told it fired."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messages.triggers import (
    AlertTrigger,
    MalformedTriggerId,
    OrderTrigger,
    StrategyTrigger,
    decode_trigger_id,
)


def test_the_ids_keep_the_form_running_bots_already_use():
    assert AlertTrigger(42).encode() == "alert:42"
    assert StrategyTrigger(7, "level").encode() == "s7:level"


def test_a_strategy_trigger_names_its_strategy_when_it_fires():
    assert decode_trigger_id("s7:tp") == StrategyTrigger(7, "tp")
    assert StrategyTrigger.decode("s7:tp:2") == StrategyTrigger(7, "tp:2")


@pytest.mark.parametrize(
    "text", ["", "alert:", "alert:x", "alert:-1", "s:tp", "sx:tp", "s7", "s7:", "7:tp", "tp"]
)
def test_an_id_the_bot_did_not_encode_is_refused(text):
    with pytest.raises(MalformedTriggerId):
        decode_trigger_id(text)


def test_an_alert_id_is_not_taken_for_a_strategys_and_back():
    with pytest.raises(MalformedTriggerId):
        StrategyTrigger.decode("alert:3")
    with pytest.raises(MalformedTriggerId):
        AlertTrigger.decode("s3:level")


def test_an_id_that_would_not_decode_to_itself_is_refused_where_it_is_built():
    with pytest.raises(MalformedTriggerId):
        AlertTrigger(-1).encode()
    with pytest.raises(MalformedTriggerId):
        StrategyTrigger(3, "").encode()


@given(st.integers(min_value=0, max_value=10**18 - 1), st.text(min_size=1, max_size=20))
def test_every_encoded_id_decodes_to_itself(number, name):
    assert decode_trigger_id(AlertTrigger(number).encode()) == AlertTrigger(number)
    assert decode_trigger_id(StrategyTrigger(number, name).encode()) == StrategyTrigger(
        number, name
    )


def test_an_order_trigger_names_the_order_by_its_client_order_id():
    assert OrderTrigger("ib3-abc").encode() == "order:ib3-abc"
    assert decode_trigger_id("order:ib3-abc") == OrderTrigger("ib3-abc")
    for text in ("order:", "order:a:b"):
        with pytest.raises(MalformedTriggerId):
            decode_trigger_id(text)
    with pytest.raises(MalformedTriggerId):
        StrategyTrigger.decode("order:ib3-abc")
