"""The Telegram adapter on its own: the real Application polls the fake Bot API, and a
recording bridge stands in for the actors, so each test sees exactly what would reach them."""

from __future__ import annotations

import random
import re
import string
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bot_process import free_port
from fake_bot_api import FakeBotApi

from adapters.i18n.catalog import render
from adapters.telegram.runner import TelegramAdapter
from config.schema import (
    ChatSettings,
    InternalSettings,
    SecuritySettings,
    Settings,
    StorageSettings,
    TelegramSettings,
)
from config.secret import Secret
from messages.admin import AdminCommand, AdminReply, Status
from messages.commands import (
    ConfirmOrder,
    GetPrice,
    LinkAccount,
    PreviewOrder,
    RefreshToken,
    Start,
    UserCommand,
)
from messages.replies import Button, Notification, Photo, Reply
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault
from tests.charts.chart_images import SIZE, png_size

ADMIN = 700
MASTER = Secret("adapter-test-master-key-" + "m" * 20)
INTERNAL_TOKEN = "internal-token-" + "x" * 20


class RecordingBridge:
    """The actors, as far as the adapter can tell: commands recorded, replies on demand."""

    def __init__(self) -> None:
        self.told: list[Any] = []
        self.acknowledged: list[str] = []
        self.undeliverable_ids: list[tuple[str, str]] = []
        self.admin_asked: list[AdminCommand] = []
        self.loop: Any = None
        self.deliver: Any = None
        self.stopped = threading.Event()

    def attach(self, loop: Any, deliver: Any) -> None:
        self.loop, self.deliver = loop, deliver

    def tell(self, message: Any) -> None:
        self.told.append(message)

    def acknowledge(self, correlation_ids: tuple[str, ...]) -> None:
        self.acknowledged.extend(correlation_ids)

    def undeliverable(self, correlation_ids: tuple[str, ...], reason: str) -> None:
        self.undeliverable_ids.extend((cid, reason) for cid in correlation_ids)

    async def admin(self, command: AdminCommand, timeout: float = 10.0) -> AdminReply:
        self.admin_asked.append(command)
        return AdminReply(
            ok=True,
            key="admin.status",
            data={"user_actors": 2, "running_strategies": 0},
            correlation_id=command.correlation_id,
        )

    def stop(self) -> None:
        self.stopped.set()

    def reply(self, command: UserCommand, key: str, **params: str) -> Reply:
        reply = Reply(
            telegram_id=command.telegram_id,
            chat_id=command.chat_id,
            key=key,
            params=tuple(params.items()),
            buttons=((Button("button.confirm", "oc:abc"), Button("button.cancel", "ox:abc")),)
            if key.startswith("order.preview")
            else (),
            correlation_id=command.correlation_id,
        )
        self.loop.call_soon_threadsafe(self.deliver, reply)
        return reply

    def last(self, kind: type, user: int, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.told if isinstance(m, kind) and m.telegram_id == user]
            if found:
                return found[-1]
            time.sleep(0.02)
        raise AssertionError(f"no {kind.__name__} from {user}; told {self.told[-5:]}")


class Harness:
    def __init__(self, fake: FakeBotApi, bridge: RecordingBridge, adapter: TelegramAdapter) -> None:
        self.fake, self.bridge, self.adapter = fake, bridge, adapter

    def say(self, user: int, text: str) -> str:
        before = len(self.fake.messages(user))
        self.fake.user_says(user, text)
        return self.fake.wait_messages(user, before + 1)[before].plain_text


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    data_dir: Path = tmp_path_factory.mktemp("adapter")
    with FakeBotApi() as fake:
        settings = Settings(
            mode="demo",
            telegram=TelegramSettings(
                bot_token=Secret("424242:ADAPTER"),
                admin_ids=(ADMIN,),
                api_base_url=fake.base_url,
                chat_interval_ms=0,
            ),
            chat=ChatSettings(commands_per_minute=20, conversation_seconds=60),
            security=SecuritySettings(app_secret_key=MASTER),
            internal=InternalSettings(port=free_port(), core_api_token=Secret(INTERNAL_TOKEN)),
            storage=StorageSettings(data_dir=data_dir),
        )
        bridge = RecordingBridge()
        adapter = TelegramAdapter(settings, bridge)  # type: ignore[arg-type]
        thread = adapter.run_in_thread()
        assert adapter.ready.wait(20) and adapter.failure is None
        try:
            yield Harness(fake, bridge, adapter)
        finally:
            adapter.request_stop()
            thread.join(20)


def test_the_command_menu_is_published_in_indonesian_and_english_and_admins_see_admin(harness):
    commands = harness.fake.commands
    indonesian = {c["command"]: c["description"] for c in commands[("default", "id")]}
    english = {c["command"]: c["description"] for c in commands[("default", "en")]}
    assert indonesian.keys() == english.keys() >= {"start", "help", "price", "trade", "link"}
    assert indonesian["help"] != english["help"]
    assert "admin" not in indonesian
    assert "admin" in {c["command"] for c in commands[("chat", "")]}


def test_a_command_reaches_the_users_actor_and_the_reply_comes_back_rendered(harness):
    harness.fake.user_says(101, "/price btc")
    command = harness.bridge.last(GetPrice, 101)
    assert command.pair_text == "btc" and command.chat_id == 101
    harness.bridge.reply(command, "pair.unknown", pair="btc", suggestions="BTC/IDR")
    sent = harness.fake.wait_messages(101, 1)[0]
    assert sent.plain_text == render(
        "pair.unknown", {"pair": "btc", "suggestions": "BTC/IDR"}, "id", as_html=False
    )
    harness.fake.wait_for(lambda: command.correlation_id in harness.bridge.acknowledged)


def test_link_in_one_line_deletes_the_message_and_nothing_echoes_the_secret(harness):
    message_id = harness.fake.user_says(102, "/link KEY-102 very-secret-102")
    command = harness.bridge.last(LinkAccount, 102)
    assert command.api_secret.reveal() == "very-secret-102"
    harness.fake.wait_for(lambda: message_id in harness.fake.deleted(102))
    assert all("very-secret-102" not in m.text for m in harness.fake.messages(102))


def test_the_token_from_a_link_is_attached_to_later_commands_and_dropped_on_unlink(harness):
    user = 103
    harness.fake.user_says(user, "/price btc")
    first = harness.bridge.last(GetPrice, user)
    assert first.token is None
    sealed = Vault(MASTER).encrypt("tok-103", purpose=PURPOSE_ACCESS_TOKEN, owner=user)
    harness.bridge.reply(first, "link.done", token_enc=sealed)
    harness.fake.wait_messages(user, 1)
    harness.fake.user_says(user, "/price eth")
    harness.fake.wait_for(lambda: harness.bridge.last(GetPrice, user).pair_text == "eth")
    second = harness.bridge.last(GetPrice, user)
    assert second.token == "tok-103"
    harness.bridge.reply(second, "unlink.done")
    harness.fake.wait_messages(user, 2)
    harness.fake.user_says(user, "/price sol")
    harness.fake.wait_for(lambda: harness.bridge.last(GetPrice, user).pair_text == "sol")
    assert harness.bridge.last(GetPrice, user).token is None


def test_a_preview_is_confirmed_with_a_tap_answered_at_once_and_its_buttons_removed(harness):
    user = 104
    harness.fake.user_says(user, "/trade buy btcidr 100000 market")
    preview = harness.bridge.last(PreviewOrder, user)
    harness.bridge.reply(preview, "order.preview.market_buy", pair="BTC/IDR", quote_amount="100000")
    shown = harness.fake.wait_messages(user, 1)[0]
    query = harness.fake.user_taps(user, shown.message_id, "oc:abc")
    assert harness.bridge.last(ConfirmOrder, user).preview_id == "abc"
    harness.fake.wait_for(lambda: query in harness.fake.answered_callbacks)
    harness.fake.wait_for(lambda: harness.fake.messages(user)[0].reply_markup in (None, {}))


def test_a_stale_button_says_so_and_reaches_no_actor(harness):
    user = 105
    harness.fake.user_says(user, "/trade")
    wizard = harness.fake.wait_messages(user, 1)[0]
    harness.fake.user_says(user, "/cancel")
    harness.fake.wait_messages(user, 2)
    told_before = len(harness.bridge.told)
    query = harness.fake.user_taps(user, wizard.message_id, wizard.buttons()[0][1])
    harness.fake.wait_for(lambda: query in harness.fake.answered_callbacks)
    assert harness.fake.answered_callbacks[query]["text"] == render(
        "button.stale", {}, "id", as_html=False
    )
    assert len(harness.bridge.told) == told_before


def test_a_group_chat_is_told_the_bot_works_in_private_chats_only(harness):
    assert harness.say(-5001, "/price btc") == render("chat.private_only", {}, "id", as_html=False)
    assert not [m for m in harness.bridge.told if m.chat_id == -5001]


def test_a_flood_of_commands_gets_one_polite_message_and_confirmations_still_pass(harness):
    user = 106
    for _ in range(30):
        harness.fake.user_says(user, "/price btc")
    polite = render("chat.rate_limited", {}, "id", as_html=False)
    harness.fake.wait_for(lambda: any(polite in m.plain_text for m in harness.fake.messages(user)))
    time.sleep(0.5)
    assert len([m for m in harness.bridge.told if m.telegram_id == user]) == 20
    assert sum(polite in m.plain_text for m in harness.fake.messages(user)) == 1
    harness.fake.user_says(user, "/trade buy btcidr 100000 market")
    harness.bridge.reply(
        GetPrice(telegram_id=user, chat_id=user, pair_text="x"), "order.preview.market_buy"
    )
    shown = harness.fake.wait_for(lambda: any(m.buttons() for m in harness.fake.messages(user)))
    del shown
    preview = next(m for m in harness.fake.messages(user) if m.buttons())
    harness.fake.user_taps(user, preview.message_id, "oc:abc")
    assert harness.bridge.last(ConfirmOrder, user).preview_id == "abc"

    # The confirmation passed once; the same tap again (a modified client can send it) and
    # an answer to a question never shown are refused like any other update over budget.
    again = harness.fake.user_taps(user, preview.message_id, "oc:abc", forged=True)
    invented = harness.fake.user_taps(user, preview.message_id, "oc:zzz", forged=True)
    harness.fake.wait_for(lambda: {again, invented} <= harness.fake.answered_callbacks.keys())
    time.sleep(0.3)
    confirmations = [m for m in harness.bridge.told if isinstance(m, ConfirmOrder)]
    assert [m.telegram_id for m in confirmations].count(user) == 1


def test_every_tap_and_every_message_counts_toward_the_budget(harness):
    user = 112
    harness.fake.user_says(user, "/start")
    start = harness.bridge.last(Start, user)
    harness.bridge.reply(start, "order.preview.market_buy")  # a message with buttons
    harness.fake.wait_for(lambda: any(m.buttons() for m in harness.fake.messages(user)))
    message_id = next(m for m in harness.fake.messages(user) if m.buttons()).message_id
    queries = [
        harness.fake.user_taps(user, message_id, data, forged=True)
        for data in ("ox:abc", "xx:garbled", "tw:btcidr", "mn:market") * 5
    ]  # 20 taps: stale, garbled, a wizard never opened, a menu item
    harness.fake.wait_for(lambda: set(queries) <= harness.fake.answered_callbacks.keys())
    before = len(harness.bridge.told)
    harness.fake.user_says(user, "/price btc")
    polite = render("chat.rate_limited", {}, "id", as_html=False)
    harness.fake.wait_for(lambda: any(polite in m.plain_text for m in harness.fake.messages(user)))
    assert not [m for m in harness.bridge.told[before:] if m.telegram_id == user]


def test_admin_commands_go_to_the_supervisor_for_admins_only(harness):
    unknown = harness.say(107, "/whatever")
    assert harness.say(107, "/admin status") == unknown
    assert not harness.bridge.admin_asked
    answer = harness.say(ADMIN, "/admin status")
    assert isinstance(harness.bridge.admin_asked[-1], Status)
    assert harness.bridge.admin_asked[-1].admin == f"telegram:{ADMIN}"
    assert render("admin.status", {}, "id", as_html=False) in answer


def test_the_internal_endpoint_answers_health_and_metrics(harness):
    port = harness.adapter.settings.internal.port
    health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    assert health.status_code == 200
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert "indodax_bot_commands_total" in metrics
    assert "indodax_bot_user_actors 2.0" in metrics


def test_a_thousand_garbled_texts_and_taps_never_crash_the_adapter_and_each_is_answered(harness):
    """Every input ends in a message to the user or a command for the actors (which always
    answer), and Telegram never refuses what the adapter sends."""
    rng = random.Random(20261125)
    alphabet = string.printable + "éß漢字🚀<>&\"'" + "\u200b\u202e"
    heads = ["/trade", "/price", "/alert", "/link", "/lang", "/unalert", "/cancel", "/x", "", "1"]
    prefixes = [
        "oc:",
        "cx:",
        "ao:",
        "ca:",
        "ul:",
        "sn:",
        "mn:",
        "pr:",
        "tw:",
        "nr:",
        "lg:",
        "",
        "::",
    ]
    users = list(range(3000, 3050))
    outcomes: dict[int, int] = dict.fromkeys(users, 0)
    sender = harness.adapter.chat.sender
    post = sender.post

    def counted(envelope: Any) -> None:
        outcomes[envelope.chat_id] = outcomes.get(envelope.chat_id, 0) + 1
        post(envelope)

    sender.post = counted
    told_before = len(harness.bridge.told)
    answered_before = len(harness.fake.answered_callbacks)
    anchor = {user: harness.say(user, "/help") for user in users}
    del anchor
    anchors = {user: harness.fake.messages(user)[0].message_id for user in users}
    try:
        for n in range(1000):
            user = users[n % len(users)]
            noise = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
            if n % 2:
                data = (rng.choice(prefixes) + noise)[:64] or "x"
                harness.fake.user_taps(user, anchors[user], data, forged=True)
            else:
                harness.fake.user_says(user, f"{rng.choice(heads)} {noise}".strip() or "?")
        harness.fake.wait_for(
            lambda: (
                len(harness.fake.answered_callbacks) - answered_before >= 500
                and sum(outcomes.values()) + len(harness.bridge.told) - told_before
                >= 500 + len(users)
            ),
            timeout=60,
        )
    finally:
        sender.post = post
    assert harness.adapter.failure is None
    assert harness.adapter.update_failures == 0
    assert not [r for r in harness.fake.rejected if r[0] in ("sendMessage", "answerCallbackQuery")]


def test_webhook_mode_registers_the_secret_and_takes_only_updates_that_carry_it(tmp_path):
    port = free_port()
    with FakeBotApi() as fake:
        settings = Settings(
            mode="demo",
            telegram=TelegramSettings(
                bot_token=Secret("424243:HOOK"),
                api_base_url=fake.base_url,
                update_mode="webhook",
                webhook_url="https://bot.example.id/telegram/webhook",
                webhook_secret=Secret("hook_secret-123"),
                webhook_port=port,
            ),
            security=SecuritySettings(app_secret_key=MASTER),
            internal=InternalSettings(port=free_port()),
            storage=StorageSettings(data_dir=tmp_path),
        )
        bridge = RecordingBridge()
        adapter = TelegramAdapter(settings, bridge)  # type: ignore[arg-type]
        thread = adapter.run_in_thread()
        try:
            assert adapter.ready.wait(20) and adapter.failure is None
            assert fake.webhook is not None
            assert fake.webhook["url"] == "https://bot.example.id/telegram/webhook"
            assert fake.webhook["secret_token"] == "hook_secret-123"
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": 901, "type": "private", "first_name": "W"},
                    "from": {"id": 901, "is_bot": False, "first_name": "W"},
                    "text": "/price btc",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            url = f"http://127.0.0.1:{port}/telegram/webhook"
            refused = httpx.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}, timeout=5
            )
            assert refused.status_code == 401
            taken = httpx.post(
                url,
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "hook_secret-123"},
                timeout=5,
            )
            assert taken.status_code == 200
            assert bridge.last(GetPrice, 901).pair_text == "btc"
            assert len([m for m in bridge.told if m.telegram_id == 901]) == 1
        finally:
            adapter.request_stop()
            thread.join(20)


def test_tokens_close_to_their_end_are_refreshed_through_the_users_actor(harness):
    user = 108
    keeper = harness.adapter.chat.tokens
    keeper.keep(user, Vault(MASTER).encrypt("tok-108", purpose=PURPOSE_ACCESS_TOKEN, owner=user))
    ttl = harness.adapter.settings.security.user_token_ttl_seconds
    asked = harness.adapter.chat.refresh_tokens(now=time.time() + ttl - 60)
    assert asked >= 1
    refresh = harness.bridge.last(RefreshToken, user)
    assert refresh.token == "tok-108"


def test_200_notifications_to_one_chat_under_429s_all_arrive_in_order_and_are_acknowledged(
    harness,
):
    user = 109
    harness.fake.user_says(user, "/start")
    harness.bridge.last(Start, user)
    harness.fake.fail_next("sendMessage", 3, retry_after=1, chat_id=user)
    notes = [
        Notification(
            telegram_id=user,
            chat_id=user,
            key="alert.fired",
            params=(
                ("alert_id", str(n)),
                ("pair", "BTC/IDR"),
                ("direction", "above"),
                ("level", "1000000000"),
                ("price", "1000001000"),
            ),
            kind="alert",
        )
        for n in range(200)
    ]
    for note in notes:
        harness.bridge.loop.call_soon_threadsafe(harness.bridge.deliver, note)
    expected = {note.correlation_id for note in notes}
    harness.fake.wait_for(lambda: expected <= set(harness.bridge.acknowledged), timeout=60)
    texts = "\n".join(m.plain_text for m in harness.fake.messages(user))
    assert [int(n) for n in re.findall(r"Alert #(\d+)", texts)] == list(range(200))
    assert len(harness.fake.messages(user)) < 20


def send_retries(harness) -> float:
    port = harness.adapter.settings.internal.port
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    [line] = [
        row for row in metrics.splitlines() if row.startswith("indodax_bot_send_retries_total")
    ]
    return float(line.split()[-1])


def test_the_retry_metric_counts_python_telegram_bots_own_429_retries_and_the_senders(harness):
    user = 112
    harness.fake.user_says(user, "/start")
    harness.bridge.last(Start, user)
    before, refused = send_retries(harness), len(harness.fake.rejected)
    # Four 429s in a row: python-telegram-bot's limiter retries three times by itself, then
    # the fourth reaches the Sender, which waits and retries once more.
    harness.fake.fail_next("sendMessage", 4, retry_after=1, chat_id=user)
    note = Notification(telegram_id=user, chat_id=user, key="strategy.resumed", kind="strategy")
    harness.bridge.loop.call_soon_threadsafe(harness.bridge.deliver, note)
    harness.fake.wait_for(lambda: note.correlation_id in harness.bridge.acknowledged, timeout=30)
    assert len(harness.fake.rejected) - refused == 4
    assert send_retries(harness) - before == 4


def test_a_link_message_with_only_a_key_is_deleted_too(harness):
    message_id = harness.fake.user_says(110, "/link ONLY-A-KEY-110")
    harness.fake.wait_for(lambda: message_id in harness.fake.deleted(110))
    assert not [m for m in harness.bridge.told if getattr(m, "telegram_id", None) == 110]


def test_a_secret_pasted_after_link_timed_out_is_deleted_and_the_user_told(harness):
    user = 111
    harness.fake.user_says(user, "/link")
    harness.fake.wait_messages(user, 1)
    harness.adapter.chat.desk.holds(user).expires_at = 0.0
    timed_out = render("conversation.timed_out", {}, "id", as_html=False)
    harness.fake.wait_for(lambda: harness.fake.messages(user)[-1].plain_text == timed_out)
    late = harness.fake.user_says(user, "late-secret-111")
    harness.fake.wait_for(lambda: late in harness.fake.deleted(user))
    told = render("link.late_secret_deleted", {}, "id", as_html=False)
    harness.fake.wait_for(lambda: harness.fake.messages(user)[-1].plain_text == told)
    assert all("late-secret-111" not in m.text for m in harness.fake.messages(user))


def test_a_key_typed_into_link_over_budget_is_refused_and_still_deleted(harness):
    user = 113
    harness.fake.user_says(user, "/link")
    harness.fake.wait_messages(user, 1)
    prompt = harness.fake.messages(user)[0].message_id
    queries = [harness.fake.user_taps(user, prompt, "xx:1", forged=True) for _ in range(19)]
    harness.fake.wait_for(lambda: set(queries) <= harness.fake.answered_callbacks.keys())
    answer = harness.fake.user_says(user, "KEY-OVER-BUDGET-113")
    harness.fake.wait_for(lambda: answer in harness.fake.deleted(user))
    assert not [m for m in harness.bridge.told if m.telegram_id == user]


def test_a_reply_that_cannot_be_rendered_is_reported_and_the_one_behind_it_arrives(
    harness, unrenderable_number
):
    user = 4321
    poisoned = Reply(
        telegram_id=user,
        chat_id=user,
        key="price.show",
        params=(("pair", "BTC/IDR"), ("last", unrenderable_number)),
        language="en",
    )
    later = Reply(telegram_id=user, chat_id=user, key="error.internal", language="en")
    bridge = harness.bridge
    harness.fake.user_says(user, "/start")  # the chat exists for Telegram from here
    bridge.last(Start, user)
    before = len(harness.fake.messages(user))
    for message in (poisoned, later):
        bridge.loop.call_soon_threadsafe(bridge.deliver, message)

    [arrived] = harness.fake.wait_messages(user, before + 1)[before:]
    assert arrived.plain_text == render("error.internal", {}, "en", as_html=False)
    assert (poisoned.correlation_id, "render: OverflowError") in bridge.undeliverable_ids
    deadline = time.monotonic() + 5
    while later.correlation_id not in bridge.acknowledged and time.monotonic() < deadline:
        time.sleep(0.02)
    assert later.correlation_id in bridge.acknowledged
    assert poisoned.correlation_id not in bridge.acknowledged


def chart_photo(user: int, key: str, png: bytes, **params: str) -> Photo:
    return Photo(
        telegram_id=user,
        chat_id=user,
        key=key,
        params=tuple(params.items()),
        buttons=((Button("button.chart", "ch:a"),),),
        png=png,
        language="en",
    )


def test_a_chart_goes_out_with_send_photo_its_caption_and_its_button(harness, chart_png):
    user = 4400
    harness.fake.user_says(user, "/start")
    harness.bridge.last(Start, user)
    photo = chart_photo(user, "chart.caption.allocation", chart_png)
    harness.bridge.loop.call_soon_threadsafe(harness.bridge.deliver, photo)
    harness.fake.wait_for(lambda: photo.correlation_id in harness.bridge.acknowledged)
    [sent] = [m for m in harness.fake.messages(user) if m.photo is not None]
    assert sent.photo == chart_png and png_size(sent.photo) == SIZE
    assert sent.plain_text == render("chart.caption.allocation", {}, "en", as_html=False)
    assert sent.buttons() == [("📈 Chart", "ch:a")]
    assert [method for method, _ in harness.fake.calls].count("sendPhoto") >= 1


def test_a_caption_longer_than_telegram_allows_follows_the_photo_as_text(harness, chart_png):
    user = 4401
    harness.fake.user_says(user, "/start")
    harness.bridge.last(Start, user)
    long_name = "x" * 1100
    photo = chart_photo(user, "console.photo_saved", chart_png, path=long_name)
    harness.bridge.loop.call_soon_threadsafe(harness.bridge.deliver, photo)
    harness.fake.wait_for(lambda: photo.correlation_id in harness.bridge.acknowledged)
    picture, text = harness.fake.messages(user)[-2:]
    assert (picture.photo, picture.plain_text, picture.buttons()) == (chart_png, "", [])
    assert long_name in text.plain_text and text.buttons() == [("📈 Chart", "ch:a")]
