"""The error table, row by row, against every error body in tests/fixtures/indodax/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.indodax import errors
from adapters.indodax.errors import (
    AmountNotInteger,
    BadSign,
    DuplicateClientOrderId,
    EndpointNotFound,
    ExchangeRejected,
    ExchangeUnavailable,
    InsufficientBalance,
    InvalidCredentials,
    InvalidNonce,
    InvalidPair,
    MinimumOrder,
    MinimumPrice,
    NotMaker,
    OrderNotFound,
    PermissionDenied,
    RateLimited,
    raise_for_reply,
)
from config.logs import register_secret

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indodax"
JSON = "application/json"

# file → (HTTP status from the fixtures README, the class a caller must see)
ERROR_FIXTURES = {
    "error_amount_decimal.json": (200, AmountNotInteger),
    "error_api_method_not_found_404.json": (404, EndpointNotFound),
    "error_bad_sign.json": (200, BadSign),
    "error_duplicate_client_order_id.json": (200, DuplicateClientOrderId),
    "error_insufficient_balance.json": (200, InsufficientBalance),
    "error_invalid_credentials.json": (200, InvalidCredentials),
    "error_invalid_date.json": (200, ExchangeRejected),
    "error_invalid_nonce.json": (200, InvalidNonce),
    "error_invalid_pair.json": (200, InvalidPair),
    "error_invalid_pair_depth.json": (200, InvalidPair),
    "error_key_not_found.json": (200, InvalidCredentials),
    "error_method_not_allowed_405.json": (405, EndpointNotFound),
    "error_min_order.json": (200, MinimumOrder),
    "error_min_price.json": (200, MinimumPrice),
    "error_not_maker.json": (200, NotMaker),
    "error_rate_limit_429.json": (429, RateLimited),
    "error_rate_limit_cancel_429.json": (429, RateLimited),
    "v2_error_access_denied.json": (403, PermissionDenied),
    "v2_error_invalid_symbol.json": (400, InvalidPair),
    "v2_error_order_not_found.json": (404, OrderNotFound),
    "v2_error_rate_limit_429.json": (429, RateLimited),
    "v2_history_error_invalid_symbol.json": (400, InvalidPair),
}

CLOUDFLARE_502 = (
    "<!DOCTYPE html><html><head><title>indodax.com | 502: Bad gateway</title></head>"
    "<body><h1>Bad gateway</h1><p>Cloudflare Ray ID: 8c1f2a3b4c5d6e7f</p></body></html>"
)


def body_of(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_every_error_fixture_has_a_row():
    on_disk = {path.name for path in FIXTURES.glob("error_*.json")}
    on_disk |= {path.name for path in FIXTURES.glob("v2_*error_*.json")}
    assert on_disk == set(ERROR_FIXTURES)


@pytest.mark.parametrize(
    ("name", "status", "expected"), [(n, *row) for n, row in ERROR_FIXTURES.items()]
)
def test_error_fixture_raises_its_class(name, status, expected):
    with pytest.raises(expected) as caught:
        raise_for_reply(status, body_of(name), JSON)
    assert type(caught.value) is expected
    assert caught.value.status == status
    assert caught.value.raw == body_of(name).decode().strip()


def test_invalid_nonce_carries_the_last_nonce_the_exchange_saw():
    with pytest.raises(InvalidNonce) as caught:
        raise_for_reply(200, body_of("error_invalid_nonce.json"), JSON)
    assert caught.value.last == 1790138528000
    assert caught.value.code == "invalid_nonce"


def test_history_api_invalid_nonce_without_a_number_has_no_last():
    body = '{"code": 1003, "error": "Invalid nonce. Nonce must be greater than last_nonce"}'
    with pytest.raises(InvalidNonce) as caught:
        raise_for_reply(400, body, JSON)
    assert caught.value.last is None


def test_trade_rate_limit_waits_what_the_reply_says():
    with pytest.raises(RateLimited) as caught:
        raise_for_reply(429, body_of("error_rate_limit_429.json"), JSON)
    assert caught.value.retry_after_seconds == 5.0

    body = '{"success":0,"error":"Too many requests, please try again in 12 seconds"}'
    with pytest.raises(RateLimited) as caught:
        raise_for_reply(429, body, JSON)
    assert caught.value.retry_after_seconds == 12.0


def test_a_rate_limit_that_names_no_wait_gets_the_documented_five_seconds():
    with pytest.raises(RateLimited) as caught:
        raise_for_reply(429, body_of("error_rate_limit_cancel_429.json"), JSON)
    assert caught.value.retry_after_seconds == errors.DEFAULT_RETRY_AFTER_SECONDS == 5.0


def test_not_maker_matches_with_a_straight_apostrophe_too():
    body = '{"success":0,"error":"Order cancelled because it\'s not maker."}'
    with pytest.raises(NotMaker):
        raise_for_reply(200, body, JSON)


def test_an_error_next_to_success_1_is_still_an_error():
    body = '{"success":1,"error":"Username is not found!","error_code":""}'
    with pytest.raises(ExchangeRejected) as caught:
        raise_for_reply(200, body, JSON)
    assert str(caught.value) == "Username is not found!"


def test_success_as_string_zero_is_an_error():
    with pytest.raises(ExchangeRejected):
        raise_for_reply(200, '{"success":"0","error":"something new"}', JSON)


def test_no_permission_message_means_permission_denied():
    with pytest.raises(PermissionDenied):
        raise_for_reply(200, '{"success":0,"error":"No permission"}', JSON)


def test_code_wins_over_message():
    body = '{"code": -2013, "msg": "Insufficient balance"}'
    with pytest.raises(OrderNotFound):
        raise_for_reply(400, body, JSON)


def test_ambiguous_v2_code_lets_the_message_decide():
    body = '{"code": -2010, "msg": "Account has insufficient balance for requested action."}'
    with pytest.raises(InsufficientBalance):
        raise_for_reply(400, body, JSON)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected", "text"),
    [
        (502, CLOUDFLARE_502, "text/html; charset=UTF-8", ExchangeUnavailable, "non-JSON"),
        (200, CLOUDFLARE_502, "text/html", ExchangeUnavailable, "non-JSON"),
        (200, "", None, ExchangeUnavailable, "empty reply"),
        (502, "", None, ExchangeUnavailable, "empty reply"),
        (429, "<html>slow down</html>", "text/html", RateLimited, "non-JSON"),
        (503, '{"success":0,"error":"maintenance"}', JSON, ExchangeUnavailable, "maintenance"),
        (500, '{"code": 1000, "error": "Internal error"}', JSON, ExchangeUnavailable, "Internal"),
        (401, "{}", JSON, InvalidCredentials, "HTTP 401"),
    ],
)
def test_transient_and_status_only_replies(status, body, content_type, expected, text):
    with pytest.raises(errors.IndodaxError) as caught:
        raise_for_reply(status, body, content_type)
    assert type(caught.value) is expected
    assert text in str(caught.value)


def test_html_raw_is_trimmed_for_the_log():
    page = CLOUDFLARE_502 + "<p>" + "x" * 2000 + "</p>"
    with pytest.raises(ExchangeUnavailable) as caught:
        raise_for_reply(502, page, "text/html")
    assert len(caught.value.raw) == errors.RAW_LIMIT
    assert caught.value.raw.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    "name",
    [
        "tapi_getInfo.json",
        "tapi_withdrawCoin.json",
        "deadman_countdownCancelAll.json",
        "trades_btcidr.json",
        "v2_account.json",
        "v2_order_histories.json",
        "ticker_btcidr.json",
    ],
)
def test_answers_come_back_as_their_payload(name):
    assert raise_for_reply(200, body_of(name), JSON) == json.loads(body_of(name))


def test_withdraw_reply_with_success_as_a_string_is_an_answer():
    body = '{"success":"1","status":"approved","withdraw_id":"doge-1"}'
    assert raise_for_reply(200, body, JSON)["withdraw_id"] == "doge-1"


def test_a_secret_echoed_by_the_exchange_is_masked_in_message_and_raw():
    register_secret("echoed-secret-value-0123")
    body = '{"success":0,"error":"bad key echoed-secret-value-0123"}'
    with pytest.raises(ExchangeRejected) as caught:
        raise_for_reply(200, body, JSON)
    assert "echoed-secret-value-0123" not in str(caught.value)
    assert "echoed-secret-value-0123" not in caught.value.raw
