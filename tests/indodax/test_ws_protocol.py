"""The Centrifugo v2 wire of ws3.indodax.com, read from the documented samples
(tests/fixtures/indodax/ws_*.json) and written back by the same module."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.indodax.pairs import Pair
from adapters.indodax.ws_protocol import (
    BAD_REQUEST,
    INVALID_TOKEN,
    PUBLIC_TOKEN,
    Book,
    CommandError,
    ErrorCode,
    Ignored,
    Level,
    Method,
    Push,
    Reply,
    StreamPosition,
    Summary,
    Tick,
    book_level,
    book_payload,
    connect_command,
    error_reply,
    pair_from_wire,
    parse_command,
    parse_disconnect,
    parse_frame,
    parse_message,
    parse_subscribe_result,
    ping_command,
    publication,
    push,
    reply,
    sorted_book,
    subscribe_command,
    subscribe_result,
    summary_payload,
    tick_payload,
    unsubscribe_command,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indodax"
BTC = Pair("btc", "idr")


def wire(name: str) -> str:
    """A fixture as the exchange sends it: compact JSON on one line."""
    return json.dumps(json.loads((FIXTURES / f"{name}.json").read_text()), separators=(",", ":"))


def fixture(name: str) -> object:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def test_commands_match_the_documented_frames():
    assert json.loads(connect_command(1, PUBLIC_TOKEN)) == fixture("ws_connect_request")
    assert json.loads(subscribe_command(2, "market:trade-activity-btcidr")) == fixture(
        "ws_subscribe_request"
    )
    assert json.loads(ping_command(13)) == fixture("ws_ping_request")
    assert json.loads(unsubscribe_command(3, "chart:tick-btcidr")) == {
        "method": 2,
        "params": {"channel": "chart:tick-btcidr"},
        "id": 3,
    }


def test_recovering_subscribe_carries_offset_and_epoch():
    command = json.loads(
        subscribe_command(4, "chart:tick-btcidr", StreamPosition(14792811, "1653886930"))
    )
    assert command["params"] == {
        "channel": "chart:tick-btcidr",
        "recover": True,
        "offset": 14792811,
        "epoch": "1653886930",
    }


def test_chart_tick_push_becomes_a_tick_with_exact_price():
    [message] = parse_frame(wire("ws_push_chart_tick"))
    assert message == Push(
        "chart:tick-btcidr",
        14792811,
        (Tick(BTC, 1790138528, 44768500, Decimal("1550000000"), Decimal("0.00009637")),),
    )


def test_summary_push_maps_wire_ids_to_pairs():
    [message] = parse_frame(wire("ws_push_summary_24h"))
    assert isinstance(message, Push)
    assert message.events == (
        Summary(
            Pair("chz", "idr"),
            1790138515,
            Decimal(306),
            Decimal(274),
            Decimal(309),
            Decimal(282),
            Decimal("49078650"),
            Decimal("170924.74857770"),
        ),
    )


def test_order_book_push_reads_dynamic_volume_keys():
    [message] = parse_frame(wire("ws_push_order_book"))
    assert isinstance(message, Push)
    [book] = message.events
    assert book == Book(
        BTC,
        bids=(Level(Decimal("1549999000"), Decimal("1.08567915"), Decimal("1682801597")),),
        asks=(Level(Decimal("1550000000"), Decimal("0.87192550"), Decimal("1351484525")),),
    )


def test_order_book_comes_out_best_first_whatever_the_key_and_level_order():
    text = json.dumps(
        {
            "result": {
                "channel": "market:order-book-ethusdt",
                "data": {
                    "offset": 9,
                    "data": {
                        "bid": [
                            {"usdt_volume": "4.4", "price": "4400", "eth_volume": "0.001"},
                            {"eth_volume": "0.002", "usdt_volume": "8.82", "price": "4410"},
                        ],
                        "ask": [
                            {"price": "4430.5", "eth_volume": "1", "usdt_volume": "4430.5"},
                            {"price": "4420", "eth_volume": "1", "usdt_volume": "4420"},
                        ],
                        "pair": "ethusdt",
                    },
                },
            }
        }
    )
    [message] = parse_frame(text)
    assert isinstance(message, Push)
    [book] = message.events
    assert isinstance(book, Book)
    assert [level.price for level in book.bids] == [Decimal(4410), Decimal(4400)]
    assert [level.price for level in book.asks] == [Decimal(4420), Decimal("4430.5")]


def test_a_packed_frame_yields_every_message_in_order():
    frame = "\n".join(
        [wire("ws_subscribe_reply"), wire("ws_push_chart_tick"), wire("ws_push_summary_24h")]
    )
    kinds = [type(message) for message in parse_frame(frame + "\n")]
    assert kinds == [Reply, Push, Push]


def test_replies_and_errors_are_told_apart():
    assert parse_message(wire("ws_connect_reply")) == Reply(
        1, fixture("ws_connect_reply")["result"]
    )
    assert parse_message(wire("ws_ping_reply")) == Reply(13, {})
    assert parse_message('{"id":8,"error":{"code":106,"message":"limit exceeded"}}') == (
        CommandError(8, 106, "limit exceeded")
    )


def test_subscribe_reply_gives_the_position_to_recover_from():
    outcome = parse_subscribe_result("x", fixture("ws_subscribe_reply")["result"])
    assert outcome.position == StreamPosition(14413171, "1653886930")
    assert outcome.publications == ()


def test_subscribe_reply_without_offset_means_an_empty_stream():
    outcome = parse_subscribe_result("x", {"recoverable": True, "epoch": "7"})
    assert outcome.position == StreamPosition(0, "7")


def test_recovering_subscribe_reply_brings_back_missed_ticks_oldest_first():
    rows = [Tick(BTC, 1790138528 + n, n, Decimal(1550000000 + n), Decimal(1)) for n in (1, 2)]
    result = subscribe_result(
        "7",
        12,
        ([publication(tick_payload([row]), 10 + n) for n, row in enumerate(rows, 1)], True),
    )
    outcome = parse_subscribe_result("chart:tick-btcidr", json.loads(reply(5, result))["result"])
    assert outcome.recovered
    assert [(p.offset, p.events) for p in outcome.publications if isinstance(p, Push)] == [
        (11, (rows[0],)),
        (12, (rows[1],)),
    ]


def test_trade_activity_is_ignored_quietly():
    message = parse_message(wire("ws_push_trade_activity"))
    assert isinstance(message, Ignored)
    assert "no parser" in message.reason


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"result": {"data": {}}}',
        '{"result":{"channel":"chart:tick-btcidr","data":{"data":[[1,2,"x","1"]],"offset":1}}}',
        '{"result":{"channel":"chart:tick-btcidr","data":{"data":[[1,2,3]],"offset":1}}}',
        '{"result":{"channel":"chart:tick-btcidr","data":{"data":[[1,2,"NaN","1"]],"offset":1}}}',
        '{"result":{"channel":"chart:tick-btcidr","data":{"data":[[1,2,null,"1"]],"offset":1}}}',
        '{"result":{"channel":"chart:tick-btcidr","data":{"data":{"a":1},"offset":1}}}',
        '{"result":{"channel":"chart:tick-BTCIDR","data":{"data":[[1,2,3,"1"]],"offset":1}}}',
        '{"result":{"channel":"market:summary-24h","data":{"data":[["btc",1,2,3,4,5,"6","7"]]}}}',
        '{"result":{"channel":"market:order-book-btcidr","data":{"data":{"ask":[],"bid":[{}]}}}}',
        '{"result":{"channel":"market:order-book-btcidr","data":"oops"}}',
        '{"id":3,"error":"boom"}',
        '{"id":3,"result":[]}',
    ],
)
def test_malformed_messages_are_ignored_with_a_log_line(text, caplog):
    with caplog.at_level(logging.WARNING, logger="adapters.indodax.ws_protocol"):
        message = parse_message(text)
    assert isinstance(message, Ignored)
    assert caplog.records


def test_wire_ids_need_a_known_quote_suffix():
    assert pair_from_wire("usdtidr") == Pair("usdt", "idr")
    assert pair_from_wire("btcusdt") == Pair("btc", "usdt")
    with pytest.raises(ValueError, match="not a pair id"):
        pair_from_wire("btc")


def test_book_level_quote_volume_is_rounded_to_whole_rupiah_like_the_sample():
    assert book_level(BTC, Decimal("1549999000"), Decimal("1.08567915")).quote_volume == Decimal(
        "1682801597"
    )
    usdt = book_level(Pair("eth", "usdt"), Decimal("4410.5"), Decimal("0.33333333"))
    assert usdt.quote_volume == Decimal("1470.16665197")  # 1470.166651965


def test_builders_write_the_documented_payload_shapes():
    tick = Tick(BTC, 1790138528, 44768500, Decimal("1550000000"), Decimal("0.00009637"))
    assert json.loads(push("chart:tick-btcidr", publication(tick_payload([tick]), 14792811))) == (
        fixture("ws_push_chart_tick")
    )
    [summary_message] = parse_frame(wire("ws_push_summary_24h"))
    assert isinstance(summary_message, Push)
    assert (
        summary_payload(summary_message.events)
        == (fixture("ws_push_summary_24h")["result"]["data"]["data"])
    )
    [book_message] = parse_frame(wire("ws_push_order_book"))
    assert isinstance(book_message, Push)
    assert (
        book_payload(book_message.events[0])
        == (fixture("ws_push_order_book")["result"]["data"]["data"])
    )


def test_error_replies_and_ping_reply_match_the_documented_text():
    assert json.loads(error_reply(8, ErrorCode.UNKNOWN_CHANNEL)) == {
        "id": 8,
        "error": {"code": 102, "message": "unknown channel"},
    }
    assert json.loads(error_reply(9, ErrorCode.ALREADY_SUBSCRIBED))["error"] == {
        "code": 105,
        "message": "already subscribed",
    }
    assert json.loads(error_reply(9, ErrorCode.LIMIT_EXCEEDED))["error"]["message"] == (
        "limit exceeded"
    )
    assert json.loads(reply(13)) == fixture("ws_ping_reply")


def test_server_reads_commands_and_rejects_garbage():
    assert parse_command(wire("ws_connect_request")).method == Method.CONNECT
    assert parse_command(wire("ws_ping_request")).id == 13
    assert parse_command('{"method":7}').id is None
    assert parse_command("[]") is None
    assert parse_command('{"method":1,"params":[],"id":2}') is None


def test_a_price_a_json_number_cannot_carry_exactly_is_refused_not_rounded():
    tick = Tick(BTC, 1, 1, Decimal("15474637043.488402"), Decimal(1))
    with pytest.raises(ValueError, match="too many digits"):
        tick_payload([tick])


def test_close_reasons_round_trip_and_plain_closes_allow_reconnect():
    assert parse_disconnect(3002, INVALID_TOKEN.close_message()) == INVALID_TOKEN
    assert parse_disconnect(3003, '{"reason":"bad request","reconnect":false}') == BAD_REQUEST
    assert parse_disconnect(1006, None).reconnect


# Up to 15 significant digits: what a JSON number carries exactly (ws_protocol._number).
prices = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(10**9), places=6)
volumes = st.decimals(min_value=Decimal(0), max_value=Decimal(10**6), places=8)
pairs = st.sampled_from([BTC, Pair("eth", "usdt"), Pair("usdt", "idr"), Pair("pepe", "idr")])


@given(
    pairs,
    st.lists(st.tuples(prices, volumes), max_size=5),
    st.lists(st.tuples(prices, volumes), max_size=5),
)
def test_every_book_the_hub_can_build_parses_back_unchanged(pair, bids, asks):
    book = sorted_book(
        pair,
        (book_level(pair, price, volume) for price, volume in bids),
        (book_level(pair, price, volume) for price, volume in asks),
    )
    text = push(pair.ws_channel("market:order-book-"), publication(book_payload(book), 1))
    assert parse_frame(text) == [Push(pair.ws_channel("market:order-book-"), 1, (book,))]


@settings(deadline=None)  # a loaded CI machine must not turn slowness into failure
@given(pairs, st.integers(0, 2**32), st.integers(0, 2**40), prices, volumes)
def test_every_tick_the_hub_can_build_parses_back_unchanged(pair, ts, seq, price, volume):
    tick = Tick(pair, ts, seq, price, volume)
    channel = pair.ws_channel("chart:tick-")
    assert parse_frame(push(channel, publication(tick_payload([tick]), 3))) == [
        Push(channel, 3, (tick,))
    ]
