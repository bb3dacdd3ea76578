"""TAPI v1 transport: `POST /tapi` and `POST /tapi/countdownCancelAll`. Real HMAC-SHA512
over the exact bytes received (query string then body, the docs' "totalParams"), the
per-key nonce or timestamp window, permissions, and the injected hangs that execute a call
but answer late or never."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

from aiohttp import web

from adapters.simulator.accounts import Account
from adapters.simulator.auth import AuthError, Failure, SignedRequest, authenticate
from adapters.simulator.engine import Rejected
from adapters.simulator.faults import error_page
from adapters.simulator.formats import json_reply
from adapters.simulator.simulator import SIMULATOR, Simulator
from adapters.simulator.tapi_methods import METHODS, Params, failure

DEFAULT_COUNTDOWN_MS = 5000
REQUEST_LOST_STATUS = 524  # Cloudflare's "A timeout occurred"

AUTH_TEXTS = {
    Failure.KEY_MISSING: ("API key not found in header", "key_not_found"),
    Failure.SIGN_MISSING: ("Sign not found in header.", "sign_not_found"),
    Failure.UNKNOWN_KEY: (
        "Invalid credentials. API not found or session has expired.",
        "invalid_credentials",
    ),
    Failure.BAD_SIGN: ("Invalid credentials. Bad sign.", "bad_sign"),
    # The exact v1 wording is undocumented; the code is the one CCXT maps (field guide §3).
    Failure.BAD_TIMESTAMP: (
        "Timestamp for this request is outside of the recvWindow.",
        "invalid_timestamp",
    ),
}

routes = web.RouteTableDef()


async def _signed(request: web.Request) -> tuple[Simulator, Account, Params] | web.Response:
    sim = request.app[SIMULATOR]
    query = request.rel_url.raw_query_string
    body = await request.read()
    params = dict(parse_qsl(query, keep_blank_values=True))
    params |= dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    signed = SignedRequest(
        key=request.headers.get("Key"),
        signature=request.headers.get("Sign"),
        payload=query.encode() + body,
        params=params,
    )
    try:
        account = authenticate(sim.accounts, signed, sim.now_ms())
    except AuthError as error:
        if error.failure is Failure.BAD_NONCE:
            text = f"Nonce must be greater than {error.last_nonce}. You provided {error.provided}."
            return failure(text, "invalid_nonce")
        return failure(*AUTH_TEXTS[error.failure])
    return sim, account, params


async def _answer(sim: Simulator, method: str, call: Callable[[], web.Response]) -> web.Response:
    """Run the call, unless a hang fault says the request is lost; hold the reply as long
    as the hang says, and lose it on the way back if the hang says so."""
    hang = sim.faults.hang_for(method)
    if hang is not None and not hang.execute:
        await sim.faults.hold(hang)
        return error_page(REQUEST_LOST_STATUS, html=True)
    try:
        response = call()
    except Rejected as rejected:
        response = failure(rejected.message, rejected.code)
    if hang is not None:
        await sim.faults.hold(hang)
        if hang.lose_reply:
            return error_page(REQUEST_LOST_STATUS, html=True)
    return response


@routes.post("/tapi")
async def tapi(request: web.Request) -> web.Response:
    signed = await _signed(request)
    if isinstance(signed, web.Response):
        return signed
    sim, account, params = signed
    name = params.get("method", "")
    method = METHODS.get(name)
    if method is None:
        return failure("Invalid request method.", "")
    if method.permission not in account.permissions:
        return failure("No permission", "")
    account.calls[name] += 1
    return await _answer(sim, name, lambda: method.handler(sim, account, params))


@routes.post("/tapi/countdownCancelAll")
async def countdown_cancel_all(request: web.Request) -> web.Response:
    """The deadman switch answers `{"success":1}` with no `return` object."""
    signed = await _signed(request)
    if isinstance(signed, web.Response):
        return signed
    sim, account, params = signed
    if "trade" not in account.permissions:
        return failure("No permission", "")

    def arm() -> web.Response:
        names = [name.strip() for name in params.get("pair", "").split(",") if name.strip()]
        if not names:
            raise Rejected("Pair is empty", "bad_request")
        markets = [sim.catalog.by_ticker_id(name) for name in names]
        if None in markets:
            raise Rejected("Invalid pair", "bad_request")
        countdown = params.get("countdownTime", str(DEFAULT_COUNTDOWN_MS))
        if not countdown.isdigit():
            raise Rejected("Invalid countdown time", "bad_request")
        sim.deadman.arm(account.key, [market.id for market in markets if market], int(countdown))
        return json_reply({"success": 1})

    return await _answer(sim, "countdownCancelAll", arm)
