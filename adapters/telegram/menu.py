"""The command menu Telegram shows next to the text box, in Indonesian and English.

Indonesian is the default list (no language code) and `id`; English users get `en`. Admins
see /admin too, through a menu scoped to their own chat, so nobody else learns it exists.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, Forbidden

from adapters.i18n.catalog import render

log = logging.getLogger(__name__)

USER_COMMANDS = (
    "start",
    "help",
    "price",
    "trade",
    "orders",
    "portfolio",
    "pnl",
    "chart",
    "strategy",
    "dca",
    "tpsl",
    "grid",
    "alert",
    "alerts",
    "unalert",
    "settings",
    "lang",
    "losslimit",
    "link",
    "unlink",
    "cancel",
)
ADMIN_COMMANDS = ("admin",)


def commands(language: str, names: tuple[str, ...] = USER_COMMANDS) -> list[BotCommand]:
    return [BotCommand(name, render(f"cmd.{name}", {}, language, as_html=False)) for name in names]


async def publish_commands(bot: Bot, admin_ids: frozenset[int]) -> None:
    default = BotCommandScopeDefault()
    await bot.set_my_commands(commands("id"), scope=default)
    await bot.set_my_commands(commands("id"), scope=default, language_code="id")
    await bot.set_my_commands(commands("en"), scope=default, language_code="en")
    for admin_id in sorted(admin_ids):
        scope = BotCommandScopeChat(admin_id)
        try:
            await bot.set_my_commands(commands("id", USER_COMMANDS + ADMIN_COMMANDS), scope=scope)
            await bot.set_my_commands(
                commands("en", USER_COMMANDS + ADMIN_COMMANDS), scope=scope, language_code="en"
            )
        except (BadRequest, Forbidden) as error:  # an admin who never wrote to the bot
            log.warning("admin menu not set", extra={"admin_id": admin_id, "error": str(error)})
