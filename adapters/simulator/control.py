"""TEST HOOKS, not part of Indodax: `/_sim/*` lets tests and the demo drive the simulator
(set a price, read the trade log, inject faults, reset). They answer loopback callers only,
so a simulator bound to a public address still cannot be steered from outside."""

from __future__ import annotations

import ipaddress
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from adapters.simulator.accounts import PERMISSIONS, Account, AccountSpec, AccountSpecError
from adapters.simulator.engine import Fill, Order
from adapters.simulator.faults import FaultError, Handler, updated
from adapters.simulator.formats import json_reply, plain
from adapters.simulator.simulator import SIMULATOR, Simulator

routes = web.RouteTableDef()


class ControlError(Exception):
    """A control request that cannot be applied; answered 400 with the reason."""


def order_view(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "key": order.key,
        "pair": order.market.id,
        "side": order.side,
        "order_type": order.order_type,
        "time_in_force": order.time_in_force,
        "price": plain(order.price) if order.price is not None else None,
        "sizing": order.sizing,
        "amount": plain(order.amount),
        "remaining": plain(order.remaining),
        "received": plain(order.received),
        "fees": plain(order.fees),
        "status": order.status,
        "submit_ms": order.submit_ms,
        "finish_ms": order.finish_ms,
    }


def fill_view(fill: Fill) -> dict[str, Any]:
    return {
        "order_id": fill.order_id,
        "price": plain(fill.price),
        "quantity": plain(fill.quantity),
        "fee": plain(fill.fee),
        "is_maker": fill.is_maker,
    }


def account_view(account: Account) -> dict[str, Any]:
    return {
        "key": account.key,
        "user_id": account.user_id,
        "permissions": sorted(account.permissions),
        "balance": {code: plain(amount) for code, amount in account.balance.items()},
        "hold": {code: plain(amount) for code, amount in account.hold.items()},
        "last_nonce": account.last_nonce,
    }


def state_view(sim: Simulator) -> dict[str, Any]:
    return {
        "seed": sim.seed,
        "prices": {
            pair_id: {"last": plain(state.last), "bid": plain(state.bid), "ask": plain(state.ask)}
            for pair_id, state in sim.market.pairs.items()
        },
        "accounts": [account_view(account) for account in sim.accounts],
        "open_orders": len(sim.engine.open_orders()),
        "faults": sim.faults.plan.describe(),
        "deadman": sim.deadman.armed(),
    }


def set_price(sim: Simulator, pair: str, price: Any) -> list[Fill]:
    market = sim.catalog.by_path_id(str(pair))
    if market is None:
        raise ControlError(f"unknown pair {pair!r}")
    try:
        value = Decimal(str(price))
    except InvalidOperation:
        raise ControlError(f"price {price!r} is not a number") from None
    if not value.is_finite() or value <= 0 or value % market.tick != 0:
        raise ControlError(f"price must be a positive multiple of the tick {plain(market.tick)}")
    return sim.set_price(market.id, value)


def add_account(sim: Simulator, body: dict[str, Any]) -> Account:
    try:
        balances = {
            code.lower(): Decimal(str(amount)) for code, amount in body.get("balances", {}).items()
        }
        permissions = frozenset(body.get("permissions", ["view", "trade"]))
        if permissions - set(PERMISSIONS):
            raise ControlError(f"permissions must be among {', '.join(PERMISSIONS)}")
        return sim.add_account(AccountSpec(body["key"], body["secret"], balances, permissions))
    except (KeyError, TypeError, AttributeError, InvalidOperation) as error:
        raise ControlError(f"expected key, secret, balances, permissions: {error}") from None
    except AccountSpecError as error:
        raise ControlError(str(error)) from None


def deposit(sim: Simulator, body: dict[str, Any]) -> dict[str, Any]:
    """Coins arriving from outside the exchange, as a transfer from a wallet would."""
    account = sim.accounts.get(str(body.get("key", "")))
    if account is None:
        raise ControlError("unknown key")
    currency = str(body.get("currency", "")).lower()
    if currency not in account.balance:
        raise ControlError(f"unknown currency {currency!r}")
    try:
        amount = Decimal(str(body["amount"]))
    except (KeyError, InvalidOperation):
        raise ControlError("amount must be a number") from None
    if not amount.is_finite() or amount <= 0:
        raise ControlError("amount must be above 0")
    arrived = account.deposit(currency, amount, sim.now())
    return {"deposit_id": arrived.deposit_id, "balance": plain(account.balance[currency])}


@web.middleware
async def loopback_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/_sim/"):
        remote = request.remote or ""
        try:
            loopback = ipaddress.ip_address(remote).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return json_reply({"error": "simulator control hooks answer loopback only"}, 403)
        try:
            return await handler(request)
        except ControlError as error:
            return json_reply({"error": str(error)}, 400)
    return await handler(request)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ControlError("the body must be JSON") from None
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


@routes.get("/_sim/state")
async def state(request: web.Request) -> web.Response:
    return json_reply(state_view(request.app[SIMULATOR]))


@routes.get("/_sim/orders")
async def orders(request: web.Request) -> web.Response:
    """The trade log: every order the engine accepted, oldest first (`?key=` filters)."""
    key = request.query.get("key")
    log = request.app[SIMULATOR].engine.log
    return json_reply([order_view(order) for order in log if key in (None, order.key)])


@routes.post("/_sim/price")
async def price(request: web.Request) -> web.Response:
    body = await _body(request)
    fills = set_price(request.app[SIMULATOR], body.get("pair", ""), body.get("price"))
    return json_reply({"fills": [fill_view(fill) for fill in fills]})


@routes.post("/_sim/step")
async def step(request: web.Request) -> web.Response:
    seconds = (await _body(request)).get("seconds", 1)
    if not isinstance(seconds, int | float) or seconds <= 0:
        raise ControlError("seconds must be a positive number")
    fills = request.app[SIMULATOR].step(float(seconds))
    return json_reply({"fills": [fill_view(fill) for fill in fills]})


@routes.post("/_sim/faults")
async def faults(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    body = await _body(request)
    try:
        sim.set_faults(updated(sim.faults.plan, body))
    except FaultError as error:
        raise ControlError(str(error)) from None
    if body.get("ws_drop"):
        await sim.drop_sockets()
    return json_reply(sim.faults.plan.describe())


@routes.post("/_sim/reset")
async def reset(request: web.Request) -> web.Response:
    request.app[SIMULATOR].reset()
    return json_reply({"reset": True})


@routes.post("/_sim/accounts")
async def accounts(request: web.Request) -> web.Response:
    account = add_account(request.app[SIMULATOR], await _body(request))
    return json_reply(account_view(account))


@routes.post("/_sim/deposit")
async def deposit_coins(request: web.Request) -> web.Response:
    return json_reply(deposit(request.app[SIMULATOR], await _body(request)))
