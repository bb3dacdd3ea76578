"""What went wrong on an Indodax call, as one exception class per thing a caller does
differently, and the declarative table that maps the exchange's replies onto them.

Indodax reports errors in several shapes: TAPI v1 business errors come with HTTP 200
(`{"success": 0, "error": ..., "error_code": ...}`, sometimes without `error_code`, and
sometimes with `success: 1` next to an `error`), rate limits as HTTP 429 in the same shape,
the history API as `{"code": 1109, "error": ...}`, TAPI v2 Binance-style as
`{"code": -1121, "msg": ...}`, public endpoints as `{"error": "invalid_pair"}` with HTTP 200,
and Cloudflare as an HTML page. `raise_for_reply` reads all of them; the tables below say
what each means, applied in the order the field guide recommends (§9.5): the error code,
then the exact message, then a message fragment, then the HTTP status.

Two outcomes are deliberately not "the exchange is down": a JSON "API method not found"
(404) or "Method Not Allowed" (405) means this client called a path or verb that does not
exist. That is our bug, retrying cannot fix it, so it is `EndpointNotFound`, which callers
must not treat as transient. HTML, empty and other non-JSON bodies are transient
(`ExchangeUnavailable`) unless the status is 429.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from config.logs import secrets_registry

RAW_LIMIT = 500  # characters of a reply kept for the operator's log
DEFAULT_RETRY_AFTER_SECONDS = 5.0  # the only back-off the docs state (trade: 5 s per pair)

_MESSAGE_KEYS = ("error", "msg", "message", "error_description")
_CODE_KEYS = ("error_code", "code")
_LAST_NONCE = re.compile(r"greater than (\d+)")
_RETRY_AFTER = re.compile(r"try again in (\d+(?:\.\d+)?) ?s(?:ec(?:ond)?s?)?\b")


class IndodaxError(Exception):
    """Base of every Indodax failure; `raw` is the reply as received, for the operator.

    Message and raw text go through the log redactor's registry, so a secret the process
    knows cannot leak through an exception even if the exchange were to echo it.
    """

    def __init__(
        self, message: str, *, raw: str = "", status: int | None = None, code: str = ""
    ) -> None:
        self.raw = secrets_registry.redact(raw.strip()[:RAW_LIMIT])
        self.status = status
        self.code = code
        super().__init__(secrets_registry.redact(message))


class InvalidCredentials(IndodaxError):
    """The key is unknown, expired or missing: the user must link a new key."""


class BadSign(InvalidCredentials):
    """The signature did not match: a wrong secret, or the body changed after signing."""


class InvalidNonce(IndodaxError):
    """The nonce was not above the last one the exchange saw; the request was not run."""

    def __init__(
        self, message: str, *, raw: str = "", status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message, raw=raw, status=status, code=code)
        found = _LAST_NONCE.search(message)
        self.last: int | None = int(found.group(1)) if found else None


class InvalidTimestamp(IndodaxError):
    """The timestamp fell outside recvWindow: the clock offset needs a fresh sync."""


class PermissionDenied(IndodaxError):
    """The key lacks the permission, the account is locked, or the IP is not allowed."""


class RateLimited(IndodaxError):
    """Too many requests; nothing was run. Wait `retry_after_seconds` before the next."""

    def __init__(
        self, message: str, *, raw: str = "", status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message, raw=raw, status=status, code=code)
        found = _RETRY_AFTER.search(message.lower())
        self.retry_after_seconds = float(found.group(1)) if found else DEFAULT_RETRY_AFTER_SECONDS


class ExchangeUnavailable(IndodaxError):
    """No usable answer (5xx, timeout, dropped connection, HTML): transient, and for a
    state-changing call the outcome is unknown."""


class ExchangeUnreachable(ExchangeUnavailable):
    """The connection could not be opened, so the request never left this host."""


class EndpointNotFound(IndodaxError):
    """The exchange does not know this path or verb: a bug in this client, not an outage."""


class MalformedReply(IndodaxError):
    """The reply was JSON but not in the documented shape."""


class ExchangeRejected(IndodaxError):
    """The exchange understood the request and refused it; resending will not help."""


class InsufficientBalance(ExchangeRejected):
    pass


class MinimumOrder(ExchangeRejected):
    """The order value is below the pair's `trade_min_base_currency`."""


class MinimumPrice(ExchangeRejected):
    pass


class AmountNotInteger(ExchangeRejected):
    """An IDR amount had decimals; IDR amounts must be whole rupiah."""


class OrderNotFound(ExchangeRejected):
    pass


class DuplicateClientOrderId(ExchangeRejected):
    """This client_order_id was used before: the earlier request did reach the exchange."""


class NotMaker(ExchangeRejected):
    """A maker-only (MOC) order would have crossed the book and was cancelled."""


class InvalidPair(ExchangeRejected):
    pass


class OrderNotPlaced(IndodaxError):
    """A trade's reply was lost and the exchange, asked by client_order_id, has no such order.

    Resend with the same client_order_id: if the first request did land after all, the
    exchange answers DuplicateClientOrderId instead of placing a second order.
    """

    def __init__(self, client_order_id: str, cause: IndodaxError) -> None:
        super().__init__(
            f"order {client_order_id} was not placed ({type(cause).__name__}: {cause})",
            raw=cause.raw,
            status=cause.status,
            code=cause.code,
        )
        self.client_order_id = client_order_id


class OrderOutcomeUnknown(IndodaxError):
    """A trade's reply was lost and the lookup by client_order_id failed too.

    The order may or may not exist; reconcile by client_order_id later, never resend blindly.
    """

    def __init__(self, client_order_id: str, cause: IndodaxError) -> None:
        super().__init__(
            f"outcome of order {client_order_id} is unknown ({type(cause).__name__}: {cause})",
            raw=cause.raw,
            status=cause.status,
            code=cause.code,
        )
        self.client_order_id = client_order_id


# Codes with one meaning. Ambiguous ones (-2010 "order rejected", 1109 "invalid parameter")
# are left out so the message decides, e.g. `{"code": 1109, "error": "Invalid Symbol"}`.
ERROR_CODES: Mapping[str, type[IndodaxError]] = {
    # TAPI v1, deadman switch and private-WS token (`error_code`).
    "invalid_credentials": InvalidCredentials,
    "invalid_tapi_key": InvalidCredentials,
    "key_not_found": InvalidCredentials,
    "sign_not_found": InvalidCredentials,
    "bad_sign": BadSign,
    "invalid_nonce": InvalidNonce,
    "invalid_timestamp": InvalidTimestamp,
    "not_authorized": PermissionDenied,
    "invalid_pair": InvalidPair,
    "too_many_requests": RateLimited,
    "too_many_requests_from_your_ip": RateLimited,
    "internal_server_error": ExchangeUnavailable,
    # Trade API 2.0 history endpoints (`code`, positive).
    "1000": ExchangeUnavailable,
    "1001": InvalidCredentials,
    "1002": InvalidTimestamp,
    "1003": InvalidNonce,
    "1101": InvalidCredentials,
    "1102": InvalidCredentials,
    "1103": PermissionDenied,
    "1104": PermissionDenied,
    "1105": PermissionDenied,
    "1106": PermissionDenied,
    "1110": InvalidPair,
    "1111": EndpointNotFound,
    "1112": OrderNotFound,
    # TAPI v2 (`code`, negative, Binance-style).
    "-1001": ExchangeUnavailable,
    "-1002": InvalidCredentials,
    "-1003": RateLimited,
    "-1021": InvalidTimestamp,
    "-1022": BadSign,  # "invalid nonce or signature": nonces are drawn fresh, so the sign
    "-1121": InvalidPair,
    "-2013": OrderNotFound,
    "-2014": InvalidCredentials,
    "-2015": PermissionDenied,
}

# Whole messages, compared after `normalise_message`.
EXACT_MESSAGES: Mapping[str, type[IndodaxError]] = {
    "invalid credentials. api not found or session has expired": InvalidCredentials,
    "invalid credentials. bad sign": BadSign,
    "invalid tapi key": InvalidCredentials,
    "no permission": PermissionDenied,
    "insufficient balance": InsufficientBalance,
    "amount can't be in decimal": AmountNotInteger,
    "order cancelled because it's not maker": NotMaker,
    "invalid order": OrderNotFound,
    "invalid_pair": InvalidPair,
    "invalid pair": InvalidPair,
    "invalid symbol": InvalidPair,
    "api method not found": EndpointNotFound,
    "method not allowed": EndpointNotFound,
}

# Fragments of messages, tried in this order.
MESSAGE_FRAGMENTS: tuple[tuple[str, type[IndodaxError]], ...] = (
    ("nonce must be greater than", InvalidNonce),
    ("recvwindow", InvalidTimestamp),
    ("minimum order", MinimumOrder),
    ("minimum price", MinimumPrice),
    ("insufficient balance", InsufficientBalance),
    ("order not found", OrderNotFound),
    ("already exists", DuplicateClientOrderId),
    ("not maker", NotMaker),
    ("no permission", PermissionDenied),
    ("too many", RateLimited),
)

HTTP_STATUSES: tuple[tuple[range, type[IndodaxError]], ...] = (
    (range(401, 402), InvalidCredentials),
    (range(403, 404), PermissionDenied),
    (range(404, 406), EndpointNotFound),
    (range(429, 430), RateLimited),
    (range(500, 600), ExchangeUnavailable),
)


def normalise_message(message: str) -> str:
    """The exchange writes the same message with a curly (U+2019) or a straight apostrophe,
    with or without a final period."""
    return message.replace("\u2019", "'").strip().rstrip(".").strip().lower()


def classify(status: int, message: str, code: str) -> type[IndodaxError]:
    if code in ERROR_CODES:
        return ERROR_CODES[code]
    text = normalise_message(message)
    if text in EXACT_MESSAGES:
        return EXACT_MESSAGES[text]
    for fragment, error in MESSAGE_FRAGMENTS:
        if fragment in text:
            return error
    for statuses, error in HTTP_STATUSES:
        if status in statuses:
            return error
    return ExchangeRejected


def raise_for_reply(status: int, body: bytes | str, content_type: str | None) -> Any:
    """The reply's JSON payload when it is an answer; otherwise the matching IndodaxError."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        payload = json.loads(text)
    except ValueError:
        error = RateLimited if status == 429 else ExchangeUnavailable
        kind = "empty reply" if not text.strip() else f"non-JSON reply ({content_type or '?'})"
        raise error(f"{kind}, HTTP {status}", raw=text, status=status) from None
    failure = _failure(payload, status)
    if failure is None:
        return payload
    message, code = failure
    error = classify(status, message, code)
    raise error(message or f"HTTP {status}", raw=text, status=status, code=code)


def _failure(payload: Any, status: int) -> tuple[str, str] | None:
    """(message, code) when the payload reports an error, None when it is an answer.

    An `error` key means failure even next to `success: 1` (field guide §2.3), and
    `success` arrives as 1 or "1".
    """
    if not isinstance(payload, dict):
        return ("", "") if status >= 400 else None
    message = next((str(payload[key]) for key in _MESSAGE_KEYS if payload.get(key)), "")
    code = next(
        (str(payload[key]) for key in _CODE_KEYS if payload.get(key) not in (None, "", 0, "0")),
        "",
    )
    failed = (
        status >= 400
        or bool(payload.get("error"))
        or bool(code)
        or payload.get("is_error") is True
        or ("success" in payload and payload["success"] not in (1, "1"))
    )
    return (message, code) if failed else None
