"""Private calls are verified like the exchange does: HMAC-SHA512 over the exact bytes,
a nonce per key that must grow, or a timestamp inside recvWindow, and key permissions."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from adapters.indodax.signing import sign
from tests.simulator.conftest import Trader, fixture, shape

# The documented example key and secret (field guide §2.1) and their signed getInfo.
DOC_KEY = "AEDHIGAT-QATEGWOX-OPCSCPQX-2E00B1L7-VJBXXKMA"
DOC_SECRET = "f60617a68fcce028f0a90bc9eb765d17379eb548cc935c01a7ee3186eecf870e9b68f27a31bcfe8d"
DOC_BODY = "method=getInfo&timestamp=1578304294000&recvWindow=1578303937000"
DOC_SIGN = (
    "bab004e5a518740d7a33b38b44dbebecd3fb39f40b42391af39fcce06edabff5"
    "233b3e8064a07c528d1c751a6923d5116026c7786e01b22e2d35277a098cae99"
)


def test_get_info_answers_in_the_fixture_shape(trader):
    reply = trader.call("getInfo")
    assert shape(reply) == shape(fixture("tapi_getInfo.json"))
    assert reply["return"]["balance"]["idr"] == 100_000_000
    assert reply["return"]["balance"]["btc"] == "0.05000000"
    assert reply["return"]["balance_hold"]["idr"] == 0


def test_the_documented_signature_vector_is_accepted(server, public):
    server.add_account(DOC_KEY, DOC_SECRET, idr=1_000_000)
    reply = public.post(
        "/tapi", content=DOC_BODY, headers={"Key": DOC_KEY, "Sign": DOC_SIGN.upper()}
    ).json()
    assert reply["success"] == 1
    assert reply["return"]["balance"]["idr"] == 1_000_000


def test_a_body_changed_after_signing_is_a_bad_sign(trader):
    body = "method=getInfo&nonce=5"
    signed_for = "method=getInfo&nonce=5&pair=btc_idr"
    assert trader.post("/tapi", body, sign_with=None).json()["success"] == 1
    reply = trader.http.post(
        "/tapi",
        content="method=getInfo&nonce=6",
        headers={"Key": trader.key, "Sign": _sign(trader, signed_for)},
    )
    assert reply.status_code == 200
    assert reply.json() == fixture("error_bad_sign.json")


def test_the_same_parameters_encoded_differently_do_not_match_the_signature(trader):
    signed = "method=getInfo&nonce=7&pair=btc_idr"
    sent = "method=getInfo&nonce=7&pair=btc%5Fidr"  # same value once decoded, other bytes
    reply = trader.http.post(
        "/tapi", content=sent, headers={"Key": trader.key, "Sign": _sign(trader, signed)}
    )
    assert reply.json() == fixture("error_bad_sign.json")


def _sign(trader: Trader, body: str) -> str:
    return sign(trader.secret, body)


def test_unknown_key_and_missing_key_get_the_documented_errors(public, trader):
    stranger = Trader(public.base_url, "NO-SUCH-KEY", "secret")
    assert stranger.call("getInfo") == fixture("error_invalid_credentials.json")
    stranger.close()
    missing = public.post("/tapi", content="method=getInfo&nonce=1")
    assert missing.json() == fixture("error_key_not_found.json")


def test_a_reused_nonce_is_refused_with_the_last_one_quoted(trader):
    first = trader.post("/tapi", "method=getInfo&nonce=1790138528000").json()
    assert first["success"] == 1
    again = trader.post("/tapi", "method=getInfo&nonce=1790138528000").json()
    assert again == {
        "success": 0,
        "error": "Nonce must be greater than 1790138528000. You provided 1790138528000.",
        "error_code": "invalid_nonce",
    }
    lower = trader.post("/tapi", "method=getInfo&nonce=1790138527999").json()
    assert shape(lower) == shape(fixture("error_invalid_nonce.json"))
    assert lower["error"].endswith("You provided 1790138527999.")
    assert trader.post("/tapi", "method=getInfo&nonce=1790138528001").json()["success"] == 1


def test_a_forged_request_does_not_burn_the_keys_nonce(trader):
    forged = trader.post("/tapi", "method=getInfo&nonce=99999999999999", sign_with="wrong")
    assert forged.json()["error_code"] == "bad_sign"
    assert trader.post("/tapi", "method=getInfo&nonce=10").json()["success"] == 1


def test_timestamp_mode_accepts_a_fresh_call_and_refuses_stale_or_future_ones(trader):
    now = int(time.time() * 1000)

    def with_timestamp(timestamp: int, **extra: int) -> dict:
        body = urlencode({"method": "getInfo", "timestamp": timestamp, **extra})
        return trader.post("/tapi", body).json()

    assert with_timestamp(now)["success"] == 1
    assert with_timestamp(now)["success"] == 1  # no monotonic rule in timestamp mode
    stale = with_timestamp(now - 60_000)
    assert stale["success"] == 0
    assert stale["error_code"] == "invalid_timestamp"
    assert with_timestamp(now + 30_000)["error_code"] == "invalid_timestamp"
    assert with_timestamp(now - 60_000, recvWindow=600_000)["success"] == 1


def test_keys_only_do_what_their_permissions_allow(server, public, trader):
    assert trader.call("withdrawFee", currency="btc") == {
        "success": 0,
        "error": "No permission",
        "error_code": "",
    }
    server.add_account("VIEWER", "viewer-secret", idr=50_000, permissions=frozenset({"view"}))
    viewer = Trader(public.base_url, "VIEWER", "viewer-secret")
    assert viewer.ok("getInfo")["balance"]["idr"] == 50_000
    refused = viewer.call("trade", pair="btc_idr", type="buy", order_type="market", idr=20_000)
    assert refused["error"] == "No permission"
    viewer.close()
    assert server.trade_log() == []

    server.add_account(
        "WITHDRAWER", "w-secret", permissions=frozenset({"view", "trade", "withdraw"})
    )
    withdrawer = Trader(public.base_url, "WITHDRAWER", "w-secret")
    fee = withdrawer.call("withdrawFee", currency="btc")
    assert shape(fee) == shape(fixture("tapi_withdrawFee.json"))
    assert fee["return"]["withdraw_fee"] == 0.0005
    assert withdrawer.ok("getInfo")["withdraw_status"] == 1
    withdrawer.close()


def test_trans_history_checks_the_documented_date_rules(trader):
    assert set(trader.ok("transHistory")) == {"withdraw", "deposit"}
    too_long = trader.call("transHistory", start="2026-01-01", end="2026-01-20")
    assert too_long == fixture("error_invalid_date.json")
    assert trader.call("transHistory", start="01/01/2026")["error_code"] == "invalid_date"
    reversed_ = trader.call("transHistory", start="2026-01-05", end="2026-01-01")
    assert reversed_["error"] == "start date must be less then end date"
