"""The private order stream's HTTP side (field guide §5.2): `POST
/api/private_ws/v1/generate_token`, signed like TAPI v1 but with the key in the body and no
`Key` header or nonce, and the socket at `/pws/ws/` (pws.indodax.com's `/ws/`), whose
`cf_ws_frame_ping_pong` query flag needs nothing here: aiohttp answers ping frames itself."""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web

from adapters.indodax.signing import signature_matches
from adapters.simulator.auth import Failure
from adapters.simulator.simulator import SIMULATOR
from adapters.simulator.tapi import AUTH_TEXTS
from adapters.simulator.tapi_methods import failure, success

routes = web.RouteTableDef()


@routes.post("/api/private_ws/v1/generate_token")
async def generate_token(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    body = await request.read()
    params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    key = params.get("tapi_key", "")
    if params.get("client") != "tapi" or not key:
        return failure("Invalid credentials", "invalid_credentials")
    account = sim.accounts.get(key)
    if account is None:
        return failure("Invalid TAPI key", "invalid_tapi_key")
    if not signature_matches(account.secret, body, request.headers.get("Sign", "")):
        return failure(*AUTH_TEXTS[Failure.BAD_SIGN])
    token, channel = sim.private_hub.issue(account.key)
    return success({"connToken": token, "channel": channel})


@routes.get("/pws/ws/")
async def private_socket(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIMULATOR]
    if sim.faults.plan.pws_down:
        return web.Response(status=503, text="private order stream down (simulated)")
    return await sim.private_hub.handle(request)
