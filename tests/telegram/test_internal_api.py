"""The chat adapter's internal endpoint against a fake Operator: what each route answers,
what it asks the Supervisor, and that no token ever reaches a log line."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from supervisor_status import STATUS_DATA

from adapters.telegram.internal_api import (
    STATUS_TIMEOUT,
    WebhookRoute,
    build_internal_app,
    serve_internal,
)
from adapters.telegram.metrics import Counters
from config.secret import Secret
from messages.admin import AdminCommand, AdminReply, RevokeToken, Status

CORE_TOKEN = "core-api-token-7f3a9c"
WRONG_TOKEN = "guessed-token-b41e22"
WEBHOOK_SECRET = "webhook-secret-55d0e1"


@dataclass
class FakeOperator:
    """Answers each command type from `replies`; a type missing there times out."""

    replies: dict[type[AdminCommand], AdminReply] = field(default_factory=dict)
    asked: list[tuple[AdminCommand, float]] = field(default_factory=list)

    async def admin(self, command: AdminCommand, timeout: float = 10.0) -> AdminReply:
        self.asked.append((command, timeout))
        reply = self.replies.get(type(command))
        if reply is None:
            raise TimeoutError
        return reply


def status_reply(**changes: Any) -> AdminReply:
    return AdminReply(ok=True, key="admin.status", data={**STATUS_DATA, **changes})


def supervisor(
    status: AdminReply | None = None, *, revoke_reply: AdminReply | None = None
) -> FakeOperator:
    """A Supervisor answering Status and RevokeToken with these replies; None: silent."""
    replies = {Status: status, RevokeToken: revoke_reply}
    return FakeOperator({kind: reply for kind, reply in replies.items() if reply is not None})


@dataclass
class Answer:
    status: int
    text: str
    content_type: str

    def json(self) -> Any:
        return json.loads(self.text)


def request(app: web.Application, method: str, path: str, **kwargs: Any) -> Answer:
    async def run() -> Answer:
        async with TestClient(TestServer(app)) as client:
            response = await client.request(method, path, **kwargs)
            return Answer(response.status, await response.text(), response.content_type)

    return asyncio.run(run())


def app_for(
    operator: FakeOperator,
    counters: Counters | None = None,
    token: str = CORE_TOKEN,
    webhook: WebhookRoute | None = None,
) -> web.Application:
    return build_internal_app(operator, counters or Counters(), Secret(token), webhook=webhook)


def revoke(operator: FakeOperator, token: str | None = CORE_TOKEN, **kwargs: Any) -> Answer:
    headers = {} if token is None else {"X-Internal-Token": token}
    return request(app_for(operator), "POST", "/api/auth/admin/revoke", headers=headers, **kwargs)


def all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    return caplog.text + "\n".join(
        json.dumps(vars(record), default=str) for record in caplog.records
    )


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


# /healthz


def test_healthz_is_ok_when_the_supervisor_answers_status():
    operator = supervisor(status_reply())

    answer = request(app_for(operator), "GET", "/healthz")

    assert answer.status == 200
    assert answer.json() == {"status": "ok", "supervisor": "up"}
    command, timeout = operator.asked[0]
    assert isinstance(command, Status)
    assert timeout == STATUS_TIMEOUT == 3.0


def test_healthz_is_503_down_when_the_supervisor_is_silent():
    answer = request(app_for(supervisor()), "GET", "/healthz")

    assert answer.status == 503
    assert answer.json()["supervisor"] == "down"


def test_healthz_is_503_down_when_asking_the_supervisor_breaks():
    class Broken(FakeOperator):
        async def admin(self, command: AdminCommand, timeout: float = 10.0) -> AdminReply:
            raise RuntimeError("actor system gone")

    answer = request(app_for(Broken()), "GET", "/healthz")

    assert answer.status == 503
    assert answer.json()["supervisor"] == "down"


def test_healthz_is_503_stopping_while_the_supervisor_shuts_down():
    answer = request(app_for(supervisor(status_reply(stopping=True))), "GET", "/healthz")

    assert answer.status == 503
    assert answer.json()["supervisor"] == "stopping"


# /metrics


def test_metrics_show_the_supervisors_status_numbers_in_prometheus_format():
    answer = request(app_for(supervisor(status_reply())), "GET", "/metrics")

    assert answer.status == 200
    assert CONTENT_TYPE_LATEST.startswith(answer.content_type)
    values = samples(answer.text)
    assert values[("indodax_bot_supervisor_up", ())] == 1
    assert values[("indodax_bot_user_actors", ())] == 3
    assert values[("indodax_bot_core_actors", ())] == 3
    assert values[("indodax_bot_running_strategies", ())] == 1250
    assert values[("indodax_bot_actor_restarts_total", ())] == 2
    assert values[("indodax_bot_errors_total", ())] == 7
    assert values[("indodax_bot_errors_in_window", ())] == 2
    assert values[("indodax_bot_paused_globally", ())] == 1
    assert values[("indodax_bot_notifier_backlog", ())] == 11
    assert values[("indodax_bot_supervisor_stopping", ())] == 0
    assert values[("indodax_bot_feed_state", (("state", "fallback"),))] == 1
    assert values[("indodax_bot_feed_state", (("state", "live"),))] == 0
    assert values[("indodax_bot_feed_frames_total", ())] == 420
    assert values[("indodax_bot_feed_reconnects_total", ())] == 4
    assert values[("indodax_bot_feed_fallback_polls_total", ())] == 9
    assert values[("indodax_bot_rejected_transport_frames_total", ())] == 5


def test_metrics_show_the_adapters_own_counters_and_reply_latency():
    counters = Counters(commands=["start", "buy"])
    counters.command("/start")
    counters.command("/Buy@IndodaxBot")
    counters.command("buy")
    counters.command("/anything_else")
    counters.callback()
    for _ in range(4):
        counters.sent()
    counters.retried()
    counters.failed()
    counters.rate_limited()
    counters.rate_limited()
    counters.observe_reply_seconds(0.2)
    counters.observe_reply_seconds(3.0)

    answer = request(app_for(supervisor(status_reply()), counters), "GET", "/metrics")

    values = samples(answer.text)
    assert values[("indodax_bot_commands_total", (("command", "start"),))] == 1
    assert values[("indodax_bot_commands_total", (("command", "buy"),))] == 2
    assert values[("indodax_bot_commands_total", (("command", "other"),))] == 1
    assert values[("indodax_bot_callbacks_total", ())] == 1
    assert values[("indodax_bot_messages_sent_total", ())] == 4
    assert values[("indodax_bot_send_retries_total", ())] == 1
    assert values[("indodax_bot_send_failures_total", ())] == 1
    assert values[("indodax_bot_commands_rate_limited_total", ())] == 2
    assert values[("indodax_bot_reply_seconds_count", ())] == 2
    assert values[("indodax_bot_reply_seconds_sum", ())] == pytest.approx(3.2)
    assert values[("indodax_bot_reply_seconds_bucket", (("le", "0.25"),))] == 1


def test_without_a_command_list_each_well_formed_command_gets_its_own_label():
    counters = Counters()
    counters.command("/portfolio")
    counters.command("/not a command")

    values = samples(request(app_for(supervisor(), counters), "GET", "/metrics").text)

    assert values[("indodax_bot_commands_total", (("command", "portfolio"),))] == 1
    assert values[("indodax_bot_commands_total", (("command", "other"),))] == 1


def test_metrics_still_answer_with_supervisor_up_0_when_the_supervisor_is_silent():
    counters = Counters()
    counters.sent()

    answer = request(app_for(supervisor(), counters), "GET", "/metrics")

    assert answer.status == 200
    values = samples(answer.text)
    assert values[("indodax_bot_supervisor_up", ())] == 0
    assert values[("indodax_bot_messages_sent_total", ())] == 1
    assert ("indodax_bot_user_actors", ()) not in values


def test_two_servers_in_one_process_keep_their_counters_apart():
    first, second = Counters(), Counters()
    first.sent()

    first_values = samples(request(app_for(supervisor(), first), "GET", "/metrics").text)
    second_values = samples(request(app_for(supervisor(), second), "GET", "/metrics").text)

    assert first_values[("indodax_bot_messages_sent_total", ())] == 1
    assert second_values[("indodax_bot_messages_sent_total", ())] == 0


# POST /api/auth/admin/revoke


def test_revoke_with_the_right_token_asks_the_supervisor_and_answers_the_count():
    operator = supervisor(
        revoke_reply=AdminReply(
            ok=True, key="admin.token_revoked", data={"telegram_id": 1001, "revoked": 2}
        )
    )

    answer = revoke(operator, json={"telegram_id": 1001})

    assert answer.status == 200
    assert answer.json() == {"ok": True, "telegram_id": 1001, "revoked": 2}
    [(command, _)] = operator.asked
    assert command == RevokeToken(
        telegram_id=1001, admin="http", correlation_id=command.correlation_id
    )


@pytest.mark.parametrize("token", [WRONG_TOKEN, None, ""], ids=["wrong", "missing", "empty"])
def test_revoke_without_the_right_token_is_401_and_the_token_is_never_logged(caplog, token):
    caplog.set_level(logging.DEBUG)
    operator = supervisor(revoke_reply=AdminReply(ok=True, key="admin.token_revoked"))

    answer = revoke(operator, token=token, json={"telegram_id": 1001})

    assert answer.status == 401
    assert answer.json() == {"ok": False, "error": "unauthorized"}
    assert operator.asked == []
    assert any(
        record.levelno == logging.WARNING and "X-Internal-Token" in record.getMessage()
        for record in caplog.records
    )
    text = all_log_text(caplog)
    assert WRONG_TOKEN not in text
    assert CORE_TOKEN not in text


def test_revoke_is_disabled_with_503_when_no_token_is_configured():
    operator = supervisor(revoke_reply=AdminReply(ok=True, key="admin.token_revoked"))
    app = app_for(operator, token="")

    answer = request(
        app,
        "POST",
        "/api/auth/admin/revoke",
        headers={"X-Internal-Token": ""},
        json={"telegram_id": 1001},
    )

    assert answer.status == 503
    assert answer.json()["ok"] is False
    assert "CORE_API_INTERNAL_TOKEN" in answer.json()["error"]
    assert operator.asked == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("{not json", "must be JSON"),
        ("[1001]", "must be a JSON object"),
        ("{}", "telegram_id is required"),
        ('{"telegram_id": "1001"}', "must be an integer"),
        ('{"telegram_id": 1001.0}', "must be an integer"),
        ('{"telegram_id": true}', "must be an integer"),
        ('{"telegram_id": null}', "must be an integer"),
    ],
)
def test_revoke_with_a_malformed_body_is_400_with_a_clear_message(body, problem):
    operator = supervisor(revoke_reply=AdminReply(ok=True, key="admin.token_revoked"))

    answer = revoke(operator, data=body)

    assert answer.status == 400
    assert answer.json()["ok"] is False
    assert problem in answer.json()["error"]
    assert operator.asked == []


def test_revoke_for_an_unknown_user_is_404_with_the_supervisors_key():
    operator = supervisor(
        revoke_reply=AdminReply(ok=False, key="admin.unknown_user", data={"telegram_id": 404404})
    )

    answer = revoke(operator, json={"telegram_id": 404404})

    assert answer.status == 404
    assert answer.json() == {"ok": False, "error": "admin.unknown_user", "telegram_id": 404404}


def test_revoke_is_504_when_the_supervisor_does_not_answer():
    answer = revoke(supervisor(), json={"telegram_id": 1001})

    assert answer.status == 504
    assert answer.json()["ok"] is False


# The Telegram webhook


def webhook_app() -> tuple[web.Application, list[dict[str, Any]]]:
    delivered: list[dict[str, Any]] = []

    async def deliver(update: dict[str, Any]) -> None:
        delivered.append(update)

    route = WebhookRoute(
        path="/telegram/hook", secret_token=Secret(WEBHOOK_SECRET), deliver=deliver
    )
    return app_for(supervisor(), webhook=route), delivered


def test_a_webhook_update_with_the_right_secret_is_delivered():
    app, delivered = webhook_app()
    update = {"update_id": 77, "message": {"text": "/start", "chat": {"id": 1001}}}

    answer = request(
        app,
        "POST",
        "/telegram/hook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )

    assert answer.status == 200
    assert answer.text == ""
    assert delivered == [update]


@pytest.mark.parametrize("secret", [WRONG_TOKEN, None], ids=["wrong", "missing"])
def test_a_webhook_update_without_the_right_secret_is_401_and_not_delivered(caplog, secret):
    caplog.set_level(logging.DEBUG)
    app, delivered = webhook_app()
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}

    answer = request(app, "POST", "/telegram/hook", json={"update_id": 1}, headers=headers)

    assert answer.status == 401
    assert delivered == []
    assert any(record.levelno == logging.WARNING for record in caplog.records)
    text = all_log_text(caplog)
    assert WRONG_TOKEN not in text
    assert WEBHOOK_SECRET not in text


@pytest.mark.parametrize("body", ["[1, 2]", "not json", '"text"'])
def test_a_webhook_body_that_is_not_a_json_object_is_400_and_not_delivered(body):
    app, delivered = webhook_app()

    answer = request(
        app,
        "POST",
        "/telegram/hook",
        data=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )

    assert answer.status == 400
    assert delivered == []


def test_a_webhook_route_refuses_to_exist_without_a_secret():
    async def deliver(update: dict[str, Any]) -> None:
        return None

    with pytest.raises(ValueError, match="secret"):
        WebhookRoute(path="/telegram/hook", secret_token=Secret(""), deliver=deliver)


# Logging and serving


def test_every_request_is_logged_at_debug_with_method_route_and_status(caplog):
    caplog.set_level(logging.DEBUG, logger="adapters.telegram.internal_api")

    request(app_for(supervisor(status_reply())), "GET", "/healthz")

    [line] = [record for record in caplog.records if record.getMessage() == "internal request"]
    assert (line.levelno, line.method, line.path, line.status) == (
        logging.DEBUG,
        "GET",
        "healthz",
        200,
    )


def test_the_webhook_path_is_logged_by_route_name_not_as_sent(caplog):
    caplog.set_level(logging.DEBUG, logger="adapters.telegram.internal_api")
    app, _ = webhook_app()

    request(app, "POST", "/telegram/hook", json={"update_id": 1})

    [line] = [record for record in caplog.records if record.getMessage() == "internal request"]
    assert (line.path, line.status) == ("telegram_webhook", 401)


def test_serve_internal_listens_until_the_runner_is_cleaned_up():
    async def run() -> tuple[int, dict[str, Any], bool]:
        runner = await serve_internal(app_for(supervisor(status_reply())), "127.0.0.1", 0)
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/healthz"
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                status, body = response.status, await response.json()
            await runner.cleanup()
            try:
                async with session.get(url):
                    still_listening = True
            except aiohttp.ClientConnectionError:
                still_listening = False
        return status, body, still_listening

    status, body, still_listening = asyncio.run(run())

    assert status == 200
    assert body == {"status": "ok", "supervisor": "up"}
    assert still_listening is False
