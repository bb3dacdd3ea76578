"""Who is calling and whether the call is fresh, shared by TAPI v1, the deadman switch and
the v2 history endpoints; each surface words the same failure in its own error shape.

Order of checks as on the exchange: headers present, key known, signature over the exact
bytes received, then freshness (field guide §2.1, §3). A nonce is consumed only once the
signature is good, so a forged request cannot burn a real client's nonce.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from adapters.indodax.signing import signature_matches
from adapters.simulator.accounts import Account, Accounts

DEFAULT_RECV_WINDOW_MS = 5000
FUTURE_TOLERANCE_MS = 1000


class Failure(Enum):
    KEY_MISSING = "key_missing"
    SIGN_MISSING = "sign_missing"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGN = "bad_sign"
    BAD_NONCE = "bad_nonce"
    BAD_TIMESTAMP = "bad_timestamp"


@dataclass
class AuthError(Exception):
    failure: Failure
    last_nonce: int = 0
    provided: str = ""


@dataclass(frozen=True)
class SignedRequest:
    key: str | None  # `Key` (v1) or `X-APIKEY` (v2) header
    signature: str | None  # `Sign` header
    payload: bytes  # the exact bytes the signature must cover
    params: Mapping[str, str]


def authenticate(accounts: Accounts, request: SignedRequest, now_ms: int) -> Account:
    if not request.key:
        raise AuthError(Failure.KEY_MISSING)
    if not request.signature:
        raise AuthError(Failure.SIGN_MISSING)
    account = accounts.get(request.key)
    if account is None:
        raise AuthError(Failure.UNKNOWN_KEY)
    if not signature_matches(account.secret, request.payload, request.signature):
        raise AuthError(Failure.BAD_SIGN)
    check_freshness(account, request.params, now_ms)
    return account


def check_freshness(account: Account, params: Mapping[str, str], now_ms: int) -> None:
    """`timestamp` wins when both are sent (documented for v2, applied to v1 alike).

    A timestamp is refused when `timestamp >= serverTime + 1000` or
    `serverTime - timestamp > recvWindow`; a nonce must beat the key's last one."""
    if "timestamp" in params:
        try:
            timestamp = int(params["timestamp"])
            window = int(params.get("recvWindow", DEFAULT_RECV_WINDOW_MS))
        except ValueError:
            raise AuthError(Failure.BAD_TIMESTAMP) from None
        if timestamp >= now_ms + FUTURE_TOLERANCE_MS or now_ms - timestamp > window:
            raise AuthError(Failure.BAD_TIMESTAMP)
        return
    provided = params.get("nonce", "")
    nonce = int(provided) if provided.isdigit() else None
    if nonce is None or nonce <= account.last_nonce:
        raise AuthError(Failure.BAD_NONCE, account.last_nonce, provided)
    account.last_nonce = nonce
