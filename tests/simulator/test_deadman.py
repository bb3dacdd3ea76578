"""The deadman switch cancels a key's open orders on the named pairs when the client stops
re-arming it, and answers `{"success":1}` with no `return`."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from tests.simulator.conftest import fixture

# The documented deadman example (field guide §2.1): its recvWindow is a timestamp, a doc
# mistake that makes the 2020 timestamp still acceptable, so the vector can be replayed.
DOC_KEY = "DEADMAN-DOC-KEY"
DOC_SECRET = "da78a39e9dda31c399bcc293d997a347dc7fd0408cb5151931243a302b273ec3238510ea61e11f7c"
DOC_BODY = (
    "pair=btc_idr%2Ceth_idr&countdownTime=10000&timestamp=1578304294001&recvWindow=1578303937000"
)
DOC_SIGN = (
    "29ff89378b9f33954b0f5319488190078f091c7723d886c5c2a4a0b06ef793d7"
    "d3b99155d63410203a21355e5e2757cb4e566adbd67ec37b8257a68d8c72877c"
)


def countdown(trader, **params) -> dict:
    body = urlencode({"nonce": trader.next_nonce(), **params})
    return trader.post("/tapi/countdownCancelAll", body).json()


def test_an_expired_countdown_cancels_the_keys_orders_on_those_pairs_only(server, trader):
    btc = trader.ok("trade", pair="btc_idr", type="sell", price="1600000000", btc="0.01")
    eth = trader.ok("trade", pair="eth_idr", type="sell", price="90000000", eth="0.5")
    assert countdown(trader, pair="btc_idr", countdownTime=150) == fixture(
        "deadman_countdownCancelAll.json"
    )
    deadline = time.monotonic() + 10
    while server.state()["open_orders"] == 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    statuses = {row["order_id"]: row["status"] for row in server.trade_log()}
    assert statuses == {btc["order_id"]: "cancelled", eth["order_id"]: "open"}
    info = trader.ok("getInfo")
    assert (info["balance"]["btc"], info["balance_hold"]["btc"]) == ("0.05000000", "0.00000000")
    assert server.state()["deadman"] == []


def test_a_countdown_of_zero_disarms_the_switch(server, trader):
    trader.ok("trade", pair="btc_idr", type="sell", price="1600000000", btc="0.01")
    assert countdown(trader, pair="btc_idr,eth_idr", countdownTime=60_000)["success"] == 1
    assert {row["pair"] for row in server.state()["deadman"]} == {"btcidr", "ethidr"}
    assert countdown(trader, pair="btc_idr", countdownTime=0) == {"success": 1}
    assert [row["pair"] for row in server.state()["deadman"]] == ["ethidr"]
    assert server.state()["open_orders"] == 1


def test_the_documented_deadman_vector_arms_both_pairs(server, public):
    server.add_account(DOC_KEY, DOC_SECRET)
    reply = public.post(
        "/tapi/countdownCancelAll",
        content=DOC_BODY,
        headers={"Key": DOC_KEY, "Sign": DOC_SIGN, "Content-Type": "text/plain"},
    )
    assert reply.json() == {"success": 1}
    armed = {row["pair"]: row["cancels_in_ms"] for row in server.state()["deadman"]}
    assert set(armed) == {"btcidr", "ethidr"}
    assert all(0 < left <= 10_000 for left in armed.values())


def test_deadman_arguments_are_checked_with_the_documented_errors(trader, public):
    def error(**params) -> tuple[str, str]:
        reply = countdown(trader, **params)
        return reply["error"], reply["error_code"]

    assert error(countdownTime=1000) == ("Pair is empty", "bad_request")
    assert error(pair="btc_idr,doge_idr", countdownTime=1000) == ("Invalid pair", "bad_request")
    assert error(pair="btc_idr", countdownTime="-5") == ("Invalid countdown time", "bad_request")
    unsigned = public.post("/tapi/countdownCancelAll", content="pair=btc_idr", headers={"Key": "x"})
    assert unsigned.json()["error_code"] == "sign_not_found"
