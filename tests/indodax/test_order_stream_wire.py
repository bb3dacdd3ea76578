"""The private order stream's frames read as the exchange writes them, and what it might
write wrongly skipped and counted, never raised."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from adapters.indodax.order_stream_wire import (
    TOKEN_EXPIRED,
    StreamPush,
    StreamReply,
    connect_frame,
    parse_frames,
    subscribe_frame,
)
from adapters.indodax.pairs import Pair

# A real push of the simulator: the second half of a 0.01 BTC sell, then its end.
FILL = {
    "orderId": "btcidr-limit-100000",
    "clientOrderId": "bot-7",
    "symbol": "btcidr",
    "description": "BTC/IDR",
    "side": "SELL",
    "origQty": "0.01",
    "executedQty": "0.01",
    "unfilledQty": "0.0",
    "price": "1600000000",
    "status": "FILL",
    "transactionTime": 1796649804076,
    "tradeId": "72057594037927937",
    "fillInformation": {
        "participant": "MAKER",
        "filledQty": "0.01",
        "qty": "0.005",
        "price": "1600000000",
        "feeAsset": "idr",
        "feeRate": 0.001,
        "fee": "8000",
        "taxAsset": "idr",
        "taxRate": 0.0021,
        "tax": "16800",
    },
}
DONE = {k: v for k, v in FILL.items() if k not in ("tradeId", "fillInformation")} | {
    "status": "DONE"
}


def push(*orders: dict, channel: str = "pws:#abc") -> str:
    events = [{"eventType": "order_update", "order": order} for order in orders]
    return json.dumps({"push": {"channel": channel, "pub": {"data": events}}})


def test_a_push_of_a_fill_and_its_end_reads_as_two_updates_with_the_trade():
    [frame], unreadable = parse_frames(push(FILL, DONE))
    assert unreadable == 0
    assert isinstance(frame, StreamPush)
    fill, done = frame.orders
    assert (fill.pair, fill.side, fill.status, fill.client_order_id) == (
        Pair("btc", "idr"),
        "sell",
        "FILL",
        "bot-7",
    )
    assert (fill.quantity, fill.executed, fill.price) == (
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal(1_600_000_000),
    )
    assert fill.fill is not None
    assert (fill.fill.trade_id, fill.fill.quantity, fill.fill.fee, fill.fill.tax) == (
        "72057594037927937",
        Decimal("0.005"),
        Decimal(8000),
        Decimal(16800),
    )
    assert fill.fill.maker and fill.fill.price == Decimal(1_600_000_000)
    assert (done.status, done.fill) == ("DONE", None)


def test_frames_joined_by_newlines_are_each_read_and_a_ping_is_none_of_them():
    text = "\n".join(['{"id":1,"connect":{"client":"c"}}', "{}", '{"id":2,"subscribe":{}}'])
    frames, unreadable = parse_frames(text)
    assert frames == [StreamReply(1, None, ""), StreamReply(2, None, "")]
    assert unreadable == 0


def test_a_refused_token_reads_as_its_error_code():
    [reply], _ = parse_frames('{"id":1,"error":{"code":109,"message":"token expired"}}')
    assert reply == StreamReply(1, TOKEN_EXPIRED, "token expired")


def test_the_field_tables_filled_spelling_is_a_fill():
    [frame], _ = parse_frames(push(FILL | {"status": "FILLED"}))
    assert isinstance(frame, StreamPush)
    assert frame.orders[0].status == "FILL"


@pytest.mark.parametrize(
    "broken",
    [
        {k: v for k, v in FILL.items() if k != "tradeId"},  # a fill without its trade
        FILL | {"executedQty": "NaN"},
        FILL | {"executedQty": "-1"},
        FILL | {"executedQty": True},
        FILL | {"price": "Infinity"},
        FILL | {"side": "HOLD"},
        FILL | {"status": "EXPLODED"},
        FILL | {"symbol": "../../etc"},
        FILL | {"transactionTime": "soon"},
        {k: v for k, v in FILL.items() if k != "fillInformation"},
    ],
)
def test_an_update_that_cannot_be_read_is_skipped_and_counted_not_raised(broken):
    [frame], unreadable = parse_frames(push(broken, DONE))
    assert isinstance(frame, StreamPush)
    assert ([o.status for o in frame.orders], frame.skipped, unreadable) == (["DONE"], 1, 0)


@pytest.mark.parametrize(
    "garbage",
    [
        "<html>502 Bad Gateway</html>",
        '{"push": ',
        "[1, 2, 3]",
        '{"id": "one"}',
        '{"executedQty": ' + "9" * 5000 + "}",
        '{"id": 1e309}',
    ],
)
def test_a_frame_that_is_not_the_protocols_is_counted_as_unreadable(garbage):
    frames, unreadable = parse_frames(garbage)
    assert (frames, unreadable) == ([], 1)


def test_an_event_that_is_not_an_order_update_is_skipped():
    text = json.dumps({"push": {"channel": "c", "pub": {"data": [{"eventType": "balance"}]}}})
    [frame], _ = parse_frames(text)
    assert isinstance(frame, StreamPush)
    assert (frame.orders, frame.skipped) == ((), 1)


def test_commands_are_written_as_centrifugo_expects_them():
    assert json.loads(connect_frame("tok", 1)) == {"connect": {"token": "tok"}, "id": 1}
    assert json.loads(subscribe_frame("pws:#x", 2)) == {"subscribe": {"channel": "pws:#x"}, "id": 2}
