"""Injected trouble, set by CLI flags at start or at run time by `POST /_sim/faults`:
latency, 5xx replies (JSON or a Cloudflare-like HTML page), TAPI calls that are executed but
answered late or never, and the exchange's own rate limits made tighter for tests.

The "executed but never answered" fault is how a client's unknown-outcome path is tested:
the order exists on the exchange, the client sees only a timeout (or, with `lose_reply`, a
gateway's 524 page), and must look the order up by `client_order_id` instead of sending it
again.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from aiohttp import web

from adapters.simulator.formats import json_reply
from adapters.simulator.throttle import CANCEL_LIMIT, TRADE_LIMIT, Limit

SURFACES = frozenset({"public", "tapi", "v2"})
CLOUDFLARE_TITLES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway time-out",
    520: "Web server is returning an unknown error",
    522: "Connection timed out",
    524: "A timeout occurred",
}


class FaultError(ValueError):
    """A fault setting that makes no sense; the control endpoint answers 400 with it."""


@dataclass(frozen=True)
class HttpErrors:
    status: int = 502
    html: bool = True  # a Cloudflare error page instead of a JSON body
    rate: float = 0.0  # chance per call
    next: int = 0  # the next N calls fail for sure (before `rate` applies)
    surfaces: frozenset[str] = SURFACES


@dataclass(frozen=True)
class Hang:
    methods: frozenset[str]  # TAPI v1 method names, e.g. {"trade"}
    delay_ms: int | None = None  # answer this late; None = never (until cleared or stopped)
    execute: bool = True  # False: the request is lost before it reaches the engine
    count: int | None = None  # calls affected; None = every matching call
    lose_reply: bool = False  # executed, but the answer is lost on the way back (a 524 page)


@dataclass(frozen=True)
class FaultPlan:
    latency_ms: int = 0
    http_errors: HttpErrors | None = None
    hang: Hang | None = None
    trade_limit: Limit = TRADE_LIMIT
    cancel_limit: Limit = CANCEL_LIMIT
    ws_down: bool = False  # new market-data sockets are refused (HTTP 503) while set
    pws_down: bool = False  # new private order-stream sockets likewise: a separate server

    def describe(self) -> dict[str, Any]:
        def clean(value: Any) -> Any:
            if isinstance(value, frozenset):
                return sorted(value)
            if isinstance(value, dict):
                return {key: clean(item) for key, item in value.items()}
            return value

        return clean(asdict(self))


def updated(plan: FaultPlan, changes: Mapping[str, Any]) -> FaultPlan:
    """The plan with the keys present in `changes` replaced; `{"clear": true}` starts over.
    A key given as null switches that fault off."""
    known = {
        "clear",
        "latency_ms",
        "http_errors",
        "hang",
        "trade_limit",
        "cancel_limit",
        "ws_down",
        "pws_down",
    }
    unknown = set(changes) - known - {"ws_drop"}
    if unknown:
        raise FaultError(f"unknown fault {sorted(unknown)[0]!r}; known: {', '.join(sorted(known))}")
    if changes.get("clear"):
        plan = FaultPlan()
    fields: dict[str, Any] = {}
    if "latency_ms" in changes:
        fields["latency_ms"] = _whole(changes["latency_ms"] or 0, "latency_ms")
    if "http_errors" in changes:
        fields["http_errors"] = _http_errors(changes["http_errors"])
    if "hang" in changes:
        fields["hang"] = _hang(changes["hang"])
    for name in ("ws_down", "pws_down"):
        if name in changes:
            fields[name] = bool(changes[name])
    for name, default in (("trade_limit", TRADE_LIMIT), ("cancel_limit", CANCEL_LIMIT)):
        if name in changes:
            fields[name] = _limit(changes[name], default, name)
    return replace(plan, **fields)


def _http_errors(raw: Any) -> HttpErrors | None:
    if raw is None:
        return None
    settings = _object(raw, "http_errors", {"status", "html", "rate", "next", "surfaces"})
    status = _whole(settings.get("status", 502), "http_errors.status")
    rate = settings.get("rate", 0.0)
    if not 500 <= status <= 599:
        raise FaultError("http_errors.status must be a 5xx status")
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise FaultError("http_errors.rate must be between 0 and 1")
    surfaces = frozenset(settings.get("surfaces", SURFACES))
    if not surfaces or surfaces - SURFACES:
        raise FaultError(f"http_errors.surfaces must be among {', '.join(sorted(SURFACES))}")
    return HttpErrors(
        status=status,
        html=bool(settings.get("html", True)),
        rate=float(rate),
        next=_whole(settings.get("next", 0), "http_errors.next"),
        surfaces=surfaces,
    )


def _hang(raw: Any) -> Hang | None:
    if raw is None:
        return None
    settings = _object(raw, "hang", {"methods", "delay_ms", "execute", "count", "lose_reply"})
    methods = settings.get("methods")
    if not isinstance(methods, list) or not methods:
        raise FaultError('hang.methods must list TAPI methods, e.g. ["trade"]')
    delay = settings.get("delay_ms")
    count = settings.get("count")
    return Hang(
        methods=frozenset(str(method) for method in methods),
        delay_ms=None if delay is None else _whole(delay, "hang.delay_ms"),
        execute=bool(settings.get("execute", True)),
        count=None if count is None else _whole(count, "hang.count"),
        lose_reply=bool(settings.get("lose_reply", False)),
    )


def _limit(raw: Any, default: Limit, name: str) -> Limit:
    if raw is None:
        return default
    settings = _object(raw, name, {"count", "window", "block"})
    values = {**asdict(default), **settings}
    count = _whole(values["count"], f"{name}.count")
    window, block = values["window"], values["block"]
    if count < 1 or not isinstance(window, int | float) or window <= 0:
        raise FaultError(f"{name} needs count >= 1 and window > 0 seconds")
    if not isinstance(block, int | float) or block < 0:
        raise FaultError(f"{name}.block must be >= 0 seconds")
    return Limit(count=count, window=float(window), block=float(block))


def _object(raw: Any, name: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise FaultError(f"{name} must be an object or null")
    unknown = set(raw) - keys
    if unknown:
        raise FaultError(f"{name}: unknown setting {sorted(unknown)[0]!r}")
    return raw


def _whole(raw: Any, name: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise FaultError(f"{name} must be a whole number >= 0")
    return raw


class Faults:
    """The live plan plus the counters it consumes; one per simulator, used on its loop."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng  # seeded, so error rates hit the same calls on every run
        self.plan = FaultPlan()
        self._error_budget = 0
        self._hang_budget: int | None = None
        self._released: asyncio.Event | None = None

    def apply(self, plan: FaultPlan) -> None:
        """Install a plan; calls held by the previous one are answered now."""
        self.release()
        self.plan = plan
        self._error_budget = plan.http_errors.next if plan.http_errors else 0
        self._hang_budget = plan.hang.count if plan.hang else None

    def release(self) -> None:
        if self._released is not None:
            self._released.set()
        self._released = None

    def http_error(self, surface: str) -> HttpErrors | None:
        errors = self.plan.http_errors
        if errors is None or surface not in errors.surfaces:
            return None
        if self._error_budget > 0:
            self._error_budget -= 1
            return errors
        return errors if errors.rate and self.rng.random() < errors.rate else None

    def hang_for(self, method: str) -> Hang | None:
        hang = self.plan.hang
        if hang is None or method not in hang.methods:
            return None
        if self._hang_budget is not None:
            if self._hang_budget <= 0:
                return None
            self._hang_budget -= 1
        return hang

    async def hold(self, hang: Hang) -> None:
        """Wait out the hang: its delay, or until the plan changes or the server stops."""
        if self._released is None:
            self._released = asyncio.Event()
        released = self._released
        timeout = None if hang.delay_ms is None else hang.delay_ms / 1000
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(released.wait(), timeout)


def error_page(status: int, html: bool) -> web.Response:
    if not html:
        body = {
            "success": 0,
            "error": "Internal server error",
            "error_code": "internal_server_error",
        }
        return json_reply(body, status)
    title = CLOUDFLARE_TITLES.get(status, "Error")
    page = (
        '<!DOCTYPE html>\n<html lang="en-US"><head><title>indodax.com | '
        f'{status}: {title}</title></head><body><div id="cf-error-details">'
        f'<h1>{title}</h1><span class="code-label">Error code {status}</span>'
        "<p>Cloudflare Ray ID: 8c1e2f3a4b5c6d7e &bull; Simulated by the local Indodax</p>"
        "</div></body></html>\n"
    )
    return web.Response(status=status, text=page, content_type="text/html")


def surface_of(path: str) -> str | None:
    """Which fault surface a path belongs to; control hooks and the WebSocket have none."""
    if path.startswith("/api/v2/"):
        return "v2"
    if path.startswith("/tapi"):
        return "tapi"
    if path.startswith(("/api/", "/tradingview/")):
        return "public"
    return None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


def middleware(faults: Callable[[web.Request], Faults]) -> Middleware:
    @web.middleware
    async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
        surface = surface_of(request.path)
        if surface is None:
            return await handler(request)
        active = faults(request)
        if active.plan.latency_ms:
            await asyncio.sleep(active.plan.latency_ms / 1000)
        errors = active.http_error(surface)
        if errors is not None:
            return error_page(errors.status, errors.html)
        return await handler(request)

    return inject
