"""The fake Bot API must refuse what Telegram refuses and deliver what Telegram delivers, or
every bot test built on it proves nothing; these drive it with the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import html
import io
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest
from fake_bot_api import FakeBotApi
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, RetryAfter
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

ALICE = 1001
BOB = 1002


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def with_bot(fake: FakeBotApi, scenario: Callable[[Bot], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        async with Bot(token="123:abc", base_url=fake.base_url) as bot:
            return await scenario(bot)

    return asyncio.run(run())


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in buttons]
    )


def test_a_message_to_a_user_who_wrote_first_is_delivered_and_recorded(fake: FakeBotApi) -> None:
    asked = fake.user_says(ALICE, "/start", first_name="Alice")

    sent = with_bot(
        fake,
        lambda bot: bot.send_message(
            ALICE, "<b>Halo</b> Alice", parse_mode=ParseMode.HTML, disable_notification=True
        ),
    )

    assert sent.message_id == asked + 1
    assert sent.chat.first_name == "Alice"
    assert sent.from_user.username == "indodax_test_bot"
    assert sent.text == "Halo Alice"
    assert sent.entities[0].type == "bold"
    [recorded] = fake.messages(ALICE)
    assert (recorded.message_id, recorded.text, recorded.plain_text) == (
        sent.message_id,
        "<b>Halo</b> Alice",
        "Halo Alice",
    )
    assert recorded.parse_mode == "HTML"
    assert recorded.disable_notification is True
    assert fake.token == "123:abc"
    assert fake.rejected == []


def test_each_chat_counts_its_own_message_ids_and_a_stranger_is_not_found(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "/start")
    fake.user_says(ALICE, "halo")
    fake.user_says(BOB, "/start")

    async def scenario(bot: Bot) -> tuple[int, int]:
        to_alice = await bot.send_message(ALICE, "untuk Alice")
        to_bob = await bot.send_message(BOB, "untuk Bob")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(9999, "siapa?")
        return to_alice.message_id, to_bob.message_id

    assert with_bot(fake, scenario) == (3, 2)
    assert [sent.text for sent in fake.messages(BOB)] == ["untuk Bob"]
    assert fake.rejected == [("sendMessage", "Bad Request: chat not found")]


def test_a_text_over_4096_characters_is_refused_like_telegram_does(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "/start")

    async def scenario(bot: Bot) -> None:
        await bot.send_message(ALICE, "x" * 4096)
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(ALICE, "x" * 4097)

    with_bot(fake, scenario)

    assert [len(sent.text) for sent in fake.messages(ALICE)] == [4096]
    assert fake.rejected == [("sendMessage", "Bad Request: message is too long")]


def test_an_empty_text_is_refused(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "/start")

    async def scenario(bot: Bot) -> None:
        with pytest.raises(BadRequest, match="Message text is empty"):
            await bot.send_message(ALICE, "<b> </b>", parse_mode=ParseMode.HTML)

    with_bot(fake, scenario)

    assert fake.messages(ALICE) == []


def test_callback_data_over_64_bytes_is_refused_but_64_bytes_pass(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "/start")

    async def scenario(bot: Bot) -> None:
        await bot.send_message(ALICE, "ok", reply_markup=keyboard(("Ya", "é" * 32)))
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(ALICE, "terlalu", reply_markup=keyboard(("Ya", "é" * 32 + "x")))

    with_bot(fake, scenario)

    assert [sent.buttons() for sent in fake.messages(ALICE)] == [[("Ya", "é" * 32)]]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("harga < 5", 'Unsupported start tag "" at byte offset 6'),
        ("1<2", "Unclosed start tag at byte offset 1"),
        ("AT&T", 'Unescaped "&" at byte offset 2'),
        ("<blink>hai</blink>", 'Unsupported start tag "blink" at byte offset 0'),
        ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>x</b></i>", "Unexpected end tag at byte offset 8"),
        ('<span class="merah">x</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_html_that_telegram_cannot_parse_is_refused(
    fake: FakeBotApi, text: str, problem: str
) -> None:
    fake.user_says(ALICE, "/start")

    async def scenario(bot: Bot) -> None:
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(ALICE, text, parse_mode=ParseMode.HTML)

    with_bot(fake, scenario)

    [(method, description)] = fake.rejected
    assert (method, description.startswith("Bad Request: can't parse entities: ")) == (
        "sendMessage",
        True,
    )
    assert problem in description
    assert fake.messages(ALICE) == []


def test_escaped_html_and_every_allowed_tag_pass(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "/start")
    user_text = 'AT&T <script> "x"'
    text = (
        f"<b>{html.escape(user_text)}</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> "
        '<ins>n</ins> <s>s</s> <strike>k</strike> <del>d</del> <span class="tg-spoiler">p</span> '
        '<tg-spoiler>t</tg-spoiler> <a href="https://indodax.com/?a=1&amp;b=2">a</a> '
        '<code>c</code> <pre><code class="language-python">p</code></pre> '
        "<blockquote expandable>q</blockquote> "
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )

    sent = with_bot(fake, lambda bot: bot.send_message(ALICE, text, parse_mode=ParseMode.HTML))

    assert sent.text.startswith('AT&T <script> "x" s i e')
    links = [entity.url for entity in sent.entities if entity.type == "text_link"]
    assert links == ["https://indodax.com/?a=1&b=2"]
    assert "expandable_blockquote" in {entity.type for entity in sent.entities}
    assert fake.rejected == []


def test_flood_control_raises_retry_after_and_the_next_call_succeeds(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "/start")
    fake.user_says(BOB, "/start")
    fake.fail_next("sendMessage", 1, retry_after=7, chat_id=ALICE)

    async def scenario(bot: Bot) -> None:
        await bot.send_message(BOB, "Bob is not throttled")
        with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
            await bot.send_message(ALICE, "pertama")
        await bot.send_message(ALICE, "kedua")

    with_bot(fake, scenario)

    assert [sent.text for sent in fake.messages(ALICE)] == ["kedua"]
    assert [method for method, _ in fake.calls].count("sendMessage") == 3
    assert fake.rejected == [("sendMessage", "Too Many Requests: retry after 7")]


def test_get_updates_delivers_a_message_and_a_tap_until_they_are_confirmed(
    fake: FakeBotApi,
) -> None:
    said = fake.user_says(ALICE, "/price btcidr", language_code="en")

    async def scenario(bot: Bot) -> tuple[Sequence[Update], ...]:
        menu = await bot.send_message(ALICE, "Pilih", reply_markup=keyboard(("Beli", "buy:btc")))
        query_id = fake.user_taps(ALICE, menu.message_id, "buy:btc")
        first = await bot.get_updates(timeout=0)
        again = await bot.get_updates(offset=first[0].update_id + 1, timeout=0)
        done = await bot.get_updates(offset=again[-1].update_id + 1, timeout=0)
        assert first[1].callback_query.id == query_id
        return first, again, done

    first, again, done = with_bot(fake, scenario)

    message, tap = first[0].message, first[1].callback_query
    assert (message.message_id, message.text, message.from_user.language_code) == (
        said,
        "/price btcidr",
        "en",
    )
    assert message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/price")
    assert (tap.data, tap.from_user.id, tap.message.text) == ("buy:btc", ALICE, "Pilih")
    assert [update.update_id for update in again] == [first[1].update_id]
    assert done == ()


def test_get_updates_honours_limit_and_allowed_updates(fake: FakeBotApi) -> None:
    for word in ("satu", "dua", "tiga"):
        fake.user_says(ALICE, word)

    async def scenario(bot: Bot) -> tuple[Sequence[Update], ...]:
        limited = await bot.get_updates(limit=2, timeout=0)
        callbacks_only = await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
        return limited, callbacks_only

    limited, callbacks_only = with_bot(fake, scenario)

    assert [update.message.text for update in limited] == ["satu", "dua"]
    assert callbacks_only == ()


def test_a_long_poll_with_nothing_to_deliver_returns_empty_after_its_timeout(
    fake: FakeBotApi,
) -> None:
    started = time.monotonic()

    updates = with_bot(fake, lambda bot: bot.get_updates(timeout=1))

    assert updates == ()
    assert 0.9 <= time.monotonic() - started < 1.8


def test_a_long_poll_returns_as_soon_as_a_user_writes(fake: FakeBotApi) -> None:
    async def scenario(bot: Bot) -> tuple[Sequence[Update], float]:
        asyncio.get_running_loop().call_later(0.2, fake.user_says, ALICE, "halo")
        started = time.monotonic()
        updates = await bot.get_updates(timeout=10)
        return updates, time.monotonic() - started

    updates, waited = with_bot(fake, scenario)

    assert [update.message.text for update in updates] == ["halo"]
    assert 0.15 <= waited < 1.5


def test_deleting_a_message_twice_is_refused_the_second_time(fake: FakeBotApi) -> None:
    said = fake.user_says(ALICE, "/start")

    async def scenario(bot: Bot) -> int:
        sent = await bot.send_message(ALICE, "sementara")
        assert await bot.delete_message(ALICE, said)
        assert await bot.delete_message(ALICE, sent.message_id)
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(ALICE, sent.message_id)
        return sent.message_id

    sent_id = with_bot(fake, scenario)

    assert fake.deleted(ALICE) == {said, sent_id}
    assert fake.messages(ALICE)[0].deleted is True


def test_answering_a_callback_query_twice_is_refused_the_second_time(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "/start")

    async def scenario(bot: Bot) -> str:
        menu = await bot.send_message(ALICE, "Pilih", reply_markup=keyboard(("Jual", "sell")))
        query_id = fake.user_taps(ALICE, menu.message_id, "sell")
        assert await bot.answer_callback_query(query_id, text="Terjual", show_alert=True)
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(query_id)
        return query_id

    query_id = with_bot(fake, scenario)

    assert fake.answered_callbacks == {query_id: {"text": "Terjual", "show_alert": True}}


def test_tapping_a_button_the_bot_never_showed_fails_the_test(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "/start")
    sent = with_bot(
        fake, lambda bot: bot.send_message(ALICE, "Pilih", reply_markup=keyboard(("A", "a")))
    )

    with pytest.raises(AssertionError, match="never sent message 99"):
        fake.user_taps(ALICE, 99, "a")
    with pytest.raises(AssertionError, match="no button with callback_data 'b'"):
        fake.user_taps(ALICE, sent.message_id, "b")


def test_edits_are_recorded_refused_when_unchanged_and_drop_the_keyboard_unless_resent(
    fake: FakeBotApi,
) -> None:
    fake.user_says(ALICE, "/start")

    async def scenario(bot: Bot) -> None:
        menu = await bot.send_message(ALICE, "Pilih", reply_markup=keyboard(("A", "a")))
        await bot.edit_message_text(
            "Dipilih", ALICE, menu.message_id, reply_markup=keyboard(("B", "b"))
        )
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_reply_markup(
                ALICE, menu.message_id, reply_markup=keyboard(("B", "b"))
            )
        await bot.edit_message_text("Selesai", ALICE, menu.message_id)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("hilang", ALICE, menu.message_id + 1)

    with_bot(fake, scenario)

    [menu] = fake.messages(ALICE)
    assert (menu.text, menu.edited, menu.buttons()) == ("Selesai", 2, [])


def png(width: int = 1280, height: int = 720) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_photo_is_kept_as_the_bytes_uploaded_with_its_caption_and_buttons(
    fake: FakeBotApi,
) -> None:
    fake.user_says(ALICE, "/start")
    image = png()

    sent = with_bot(
        fake,
        lambda bot: bot.send_photo(
            ALICE,
            image,
            caption="<b>BTC/IDR</b> 1 jam",
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(("4 jam", "ch:p:btcidr:4h")),
        ),
    )

    assert (sent.caption, sent.photo[-1].width, sent.photo[-1].height) == (
        "BTC/IDR 1 jam",
        1280,
        720,
    )
    [recorded] = fake.messages(ALICE)
    assert recorded.photo == image
    assert (recorded.plain_text, recorded.buttons()) == (
        "BTC/IDR 1 jam",
        [("4 jam", "ch:p:btcidr:4h")],
    )
    fake.user_taps(ALICE, recorded.message_id, "ch:p:btcidr:4h")  # its buttons can be tapped


def test_a_caption_over_1024_characters_or_an_image_telegram_cannot_show_is_refused(
    fake: FakeBotApi,
) -> None:
    fake.user_says(ALICE, "/start")

    async def scenario(bot: Bot) -> None:
        await bot.send_photo(ALICE, png(), caption="x" * 1024)
        with pytest.raises(BadRequest, match="Message caption is too long"):
            await bot.send_photo(ALICE, png(), caption="x" * 1025)
        with pytest.raises(BadRequest, match="Photo_invalid_dimensions"):
            await bot.send_photo(ALICE, png(2100, 100))
        with pytest.raises(BadRequest, match="Image_process_failed"):
            await bot.send_photo(ALICE, b"GIF89a not a png")
        with pytest.raises(BadRequest, match="There is no text in the message to edit"):
            await bot.edit_message_text(
                "teks", ALICE, (await bot.send_photo(ALICE, png())).message_id
            )

    with_bot(fake, scenario)

    assert [len(sent.plain_text) for sent in fake.messages(ALICE)] == [1024, 0]


def test_commands_are_kept_per_scope_and_language(fake: FakeBotApi) -> None:
    async def scenario(bot: Bot) -> list[Any]:
        await bot.set_my_commands([("price", "Harga")], language_code="id")
        await bot.set_my_commands([("price", "Price")])
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([("Price", "Uppercase is refused")])
        return list(await bot.get_my_commands(language_code="id"))

    commands = with_bot(fake, scenario)

    assert [(c.command, c.description) for c in commands] == [("price", "Harga")]
    assert fake.commands == {
        ("default", "id"): [{"command": "price", "description": "Harga"}],
        ("default", ""): [{"command": "price", "description": "Price"}],
    }


def test_an_unknown_method_is_not_found(fake: FakeBotApi) -> None:
    async def scenario(bot: Bot) -> None:
        with pytest.raises(EndPointNotFound, match="'sendTeleport' not found"):
            await bot.do_api_request("sendTeleport", api_kwargs={"chat_id": ALICE})

    with_bot(fake, scenario)

    assert fake.rejected == [("sendTeleport", "Not Found: method not found")]


def test_a_ptb_application_polls_the_fake_and_answers_several_users(fake: FakeBotApi) -> None:
    async def start(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(f"Halo {update.effective_user.first_name}")

    async def scenario() -> None:
        application = ApplicationBuilder().token("123:abc").base_url(fake.base_url).build()
        application.add_handler(CommandHandler("start", start))
        async with application:
            await application.start()
            await application.updater.start_polling(poll_interval=0, timeout=1)
            fake.user_says(ALICE, "/start", first_name="Alice")
            fake.user_says(BOB, "/start", first_name="Bob")
            await asyncio.to_thread(fake.wait_messages, BOB, 1, 5)
            await asyncio.to_thread(fake.wait_messages, ALICE, 1, 5)
            await application.updater.stop()
            await application.stop()

    asyncio.run(scenario())

    assert [sent.text for sent in fake.messages(ALICE)] == ["Halo Alice"]
    assert [sent.text for sent in fake.messages(BOB)] == ["Halo Bob"]
    assert fake.rejected == []


def test_waiting_for_something_that_never_happens_says_what_was_awaited(fake: FakeBotApi) -> None:
    with pytest.raises(AssertionError, match="1 messages to chat 1001, got \\[\\]"):
        fake.wait_messages(ALICE, 1, timeout=0.1)


def test_json_bodies_and_query_strings_are_understood_as_well_as_forms(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "/start")
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "yes"}]]}

    as_json = httpx.post(
        f"{fake.base_url}42:json/sendMessage",
        json={"chat_id": ALICE, "text": "123", "reply_markup": markup},
    ).json()
    as_query = httpx.get(
        f"{fake.base_url}42:query/sendMessage", params={"chat_id": str(ALICE), "text": "456"}
    ).json()

    assert as_json["ok"] is True
    assert as_json["result"]["reply_markup"] == markup
    assert as_query["result"]["text"] == "456"
    assert [(sent.text, sent.buttons()) for sent in fake.messages(ALICE)] == [
        ("123", [("Ya", "yes")]),
        ("456", []),
    ]
    assert fake.token == "42:query"


def test_a_webhook_is_recorded_and_blocks_polling_until_deleted(fake: FakeBotApi) -> None:
    fake.user_says(ALICE, "halo")

    async def scenario(bot: Bot) -> Sequence[Update]:
        await bot.set_webhook("https://bot.example/hook", secret_token="rahasia")
        hook = fake.webhook or {}
        assert (hook["url"], hook["secret_token"]) == ("https://bot.example/hook", "rahasia")
        assert (await bot.get_webhook_info()).pending_update_count == 1
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates(timeout=0)
        await bot.delete_webhook(drop_pending_updates=True)
        return await bot.get_updates(timeout=0)

    assert with_bot(fake, scenario) == ()
    assert fake.webhook is None
