"""The aiohttp application: every Indodax surface on one port (public REST, TAPI v1 and the
deadman switch, the v2 history endpoints, the market-data WebSocket at /ws/, the private
order stream's token and its socket at /pws/ws/), the loopback-only `/_sim/*` test hooks,
and the exchange's own 404 and 405 bodies."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from adapters.simulator import control, history_api, private_ws, public_api, tapi
from adapters.simulator.faults import Handler
from adapters.simulator.faults import middleware as fault_middleware
from adapters.simulator.formats import json_reply
from adapters.simulator.simulator import SIMULATOR, Simulator

NOT_FOUND = {"error": "API method not found", "is_error": True}
METHOD_NOT_ALLOWED = {"message": "Method Not Allowed"}


@web.middleware
async def exchange_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return json_reply(NOT_FOUND, 404)
    except web.HTTPMethodNotAllowed:
        return json_reply(METHOD_NOT_ALLOWED, 405)


def build_app(sim: Simulator) -> web.Application:
    app = web.Application(
        middlewares=[
            exchange_errors,
            control.loopback_only,
            fault_middleware(lambda request: request.app[SIMULATOR].faults),
        ]
    )
    app[SIMULATOR] = sim
    for table in (
        public_api.routes,
        tapi.routes,
        history_api.routes,
        private_ws.routes,
        control.routes,
    ):
        app.add_routes(table)

    async def market_socket(request: web.Request) -> web.StreamResponse:
        if sim.faults.plan.ws_down:
            return web.Response(status=503, text="market data socket down (simulated)")
        return await sim.hub.handle(request)

    app.router.add_get("/ws/", market_socket)
    app.cleanup_ctx.append(_price_process)
    app.on_shutdown.append(_let_go)
    return app


async def _price_process(app: web.Application) -> AsyncIterator[None]:
    sim = app[SIMULATOR]
    task = asyncio.create_task(sim.run_ticks()) if sim.config.tick_interval > 0 else None
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _let_go(app: web.Application) -> None:
    """Before the server waits for open requests: answer the calls a hang fault holds,
    close the sockets, stop the deadman timers — or shutdown would wait on them."""
    sim = app[SIMULATOR]
    sim.faults.release()
    sim.deadman.disarm_all()
    await sim.close_sockets()
