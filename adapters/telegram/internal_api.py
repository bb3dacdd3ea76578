"""The chat adapter's internal HTTP server: health, metrics, operator token revocation and,
when the bot runs on webhooks, the route Telegram posts updates to.

It lives in the adapter because the adapter is the one process that both holds an actor
system handle and already runs an aiohttp loop; the actors stay free of HTTP. Every
answer about the bot comes from asking the Supervisor (`Status`, `RevokeToken`) through
the `Operator` seam, so a stuck actor system shows up here as "down", never as a hang.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from adapters.telegram.metrics import Counters, render
from config.secret import Secret
from messages.admin import AdminCommand, AdminReply, RevokeToken, Status

log = logging.getLogger(__name__)

STATUS_TIMEOUT = 3.0  # seconds /healthz and /metrics wait for the Supervisor's Status
REVOKE_TIMEOUT = 10.0
AUTH_HEADER = "X-Internal-Token"
WEBHOOK_AUTH_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UNKNOWN_USER = "admin.unknown_user"


class Operator(Protocol):
    """The actor system as the adapter offers it: send an AdminCommand to the Supervisor
    and await its AdminReply; raises TimeoutError when the Supervisor does not answer."""

    async def admin(self, command: AdminCommand, timeout: float = 10.0) -> AdminReply: ...


@dataclass(frozen=True)
class WebhookRoute:
    """Where Telegram posts updates, the secret_token given to setWebhook, and who takes
    each update (a JSON object, as Telegram sent it)."""

    path: str
    secret_token: Secret
    deliver: Callable[[dict[str, Any]], Awaitable[None]]

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise ValueError("the webhook path must start with '/'")
        # Without a secret anyone who guesses the path could post fake updates.
        if not self.secret_token:
            raise ValueError("the webhook needs a secret token")


_OPERATOR = web.AppKey("operator", Operator)
_COUNTERS = web.AppKey("counters", Counters)
_CORE_API_TOKEN = web.AppKey("core_api_token", Secret)
_WEBHOOK = web.AppKey("webhook", WebhookRoute)


def build_internal_app(
    operator: Operator,
    counters: Counters,
    core_api_token: Secret,
    *,
    webhook: WebhookRoute | None = None,
) -> web.Application:
    app = web.Application(middlewares=[_request_log])
    app[_OPERATOR] = operator
    app[_COUNTERS] = counters
    app[_CORE_API_TOKEN] = core_api_token
    app.router.add_get("/healthz", _healthz, name="healthz")
    app.router.add_get("/metrics", _metrics, name="metrics")
    app.router.add_post("/api/auth/admin/revoke", _revoke, name="admin_revoke")
    if webhook is not None:
        _add_webhook(app, webhook)
    return app


def build_webhook_app(webhook: WebhookRoute) -> web.Application:
    """The webhook alone, for the listener the reverse proxy exposes: the operator
    endpoints stay on the internal address."""
    return _add_webhook(web.Application(middlewares=[_request_log]), webhook)


def _add_webhook(app: web.Application, webhook: WebhookRoute) -> web.Application:
    app[_WEBHOOK] = webhook
    app.router.add_post(webhook.path, _telegram_update, name="telegram_webhook")
    return app


async def serve_internal(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start serving `app`; the caller stops it with `await runner.cleanup()`."""
    # aiohttp's access log would repeat every request at info; _request_log covers it.
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    log.info("internal endpoint listening", extra={"host": bound_host, "port": bound_port})
    return runner


@web.middleware
async def _request_log(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    started = time.monotonic()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        log.debug(
            "internal request",
            extra={
                "method": request.method,
                "path": _route_label(request),
                "status": status,
                "ms": round((time.monotonic() - started) * 1000, 1),
            },
        )


def _route_label(request: web.Request) -> str:
    # A webhook path often carries the bot token (Telegram's own advice), so routes are
    # logged by name; only unmatched paths, which the caller made up, are logged as sent.
    return request.match_info.route.name or request.path


async def _supervisor_status(app: web.Application) -> dict[str, Any] | None:
    """The data of a Status reply, or None when the Supervisor cannot answer in time."""
    try:
        reply = await app[_OPERATOR].admin(Status(admin="http"), timeout=STATUS_TIMEOUT)
    except TimeoutError:
        log.warning("supervisor did not answer Status", extra={"timeout": STATUS_TIMEOUT})
        return None
    except Exception:
        # /healthz and /metrics must answer whatever broke behind the seam.
        log.exception("asking the supervisor for Status failed")
        return None
    return reply.data


async def _healthz(request: web.Request) -> web.Response:
    status = await _supervisor_status(request.app)
    if status is None:
        return web.json_response({"status": "unavailable", "supervisor": "down"}, status=503)
    if status.get("stopping"):
        return web.json_response({"status": "unavailable", "supervisor": "stopping"}, status=503)
    return web.json_response({"status": "ok", "supervisor": "up"})


async def _metrics(request: web.Request) -> web.Response:
    status = await _supervisor_status(request.app)
    body = render(request.app[_COUNTERS], status)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _refusal(status: int, error: str, **fields: Any) -> web.Response:
    return web.json_response({"ok": False, "error": error, **fields}, status=status)


def _same_secret(given: str | None, expected: Secret) -> bool:
    if given is None:
        return False
    # surrogateescape: a header with undecodable bytes still compares (and fails) safely.
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.reveal().encode("utf-8")
    )


async def _revoke(request: web.Request) -> web.Response:
    refusal = _unauthorised(request)
    if refusal is not None:
        return refusal
    try:
        telegram_id = _telegram_id(await request.read())
    except ValueError as problem:
        log.info("token revocation refused: bad body", extra={"problem": str(problem)})
        return _refusal(400, str(problem))
    command = RevokeToken(telegram_id=telegram_id, admin="http")
    try:
        reply = await request.app[_OPERATOR].admin(command, timeout=REVOKE_TIMEOUT)
    except TimeoutError:
        log.warning("supervisor did not answer RevokeToken", extra={"user_id": telegram_id})
        return _refusal(504, "the supervisor did not answer", telegram_id=telegram_id)
    if not reply.ok:
        log.info("token revocation refused", extra={"user_id": telegram_id, "key": reply.key})
        status = 404 if reply.key == UNKNOWN_USER else 500
        return _refusal(status, reply.key, telegram_id=telegram_id)
    revoked = reply.data.get("revoked", 0)
    log.info("tokens revoked over http", extra={"user_id": telegram_id, "revoked": revoked})
    return web.json_response({"ok": True, "telegram_id": telegram_id, "revoked": revoked})


def _unauthorised(request: web.Request) -> web.Response | None:
    """The refusal for a caller without the right X-Internal-Token, or None to go on."""
    token = request.app[_CORE_API_TOKEN]
    if not token:
        log.warning("token revocation refused: CORE_API_INTERNAL_TOKEN is not set")
        return _refusal(503, "disabled: CORE_API_INTERNAL_TOKEN is not configured")
    if not _same_secret(request.headers.get(AUTH_HEADER), token):
        log.warning(
            "token revocation refused: bad X-Internal-Token",
            extra={"remote": request.remote, "header_present": AUTH_HEADER in request.headers},
        )
        return _refusal(401, "unauthorized")
    return None


def _telegram_id(raw: bytes) -> int:
    """The telegram_id of a revoke body; ValueError says what is wrong with it."""
    try:
        body = json.loads(raw)
    except ValueError:
        raise ValueError('the body must be JSON: {"telegram_id": <integer>}') from None
    if not isinstance(body, dict):
        raise ValueError('the body must be a JSON object: {"telegram_id": <integer>}')
    if "telegram_id" not in body:
        raise ValueError("telegram_id is required")
    value = body["telegram_id"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("telegram_id must be an integer")
    return value


async def _telegram_update(request: web.Request) -> web.Response:
    webhook = request.app[_WEBHOOK]
    if not _same_secret(request.headers.get(WEBHOOK_AUTH_HEADER), webhook.secret_token):
        log.warning(
            "webhook update refused: bad secret token",
            extra={
                "remote": request.remote,
                "header_present": WEBHOOK_AUTH_HEADER in request.headers,
            },
        )
        return web.Response(status=401)
    try:
        update = json.loads(await request.read())
    except ValueError:
        update = None
    if not isinstance(update, dict):
        log.warning("webhook update refused: body is not a JSON object")
        return web.Response(status=400, text="the body must be a JSON object")
    await webhook.deliver(update)
    return web.Response(status=200)
