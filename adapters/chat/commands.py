"""Typed text to actor messages, the same commands as in Telegram. The adapter decides
nothing: a command it cannot parse gets the usage text, everything else goes to the actors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from messages.base import Sensitive
from messages.commands import (
    CancelOrder,
    ConfirmOrder,
    CreateAlert,
    DeleteAlert,
    GetPortfolio,
    GetPrice,
    LinkAccount,
    ListAlerts,
    ListOpenOrders,
    PreviewOrder,
    SetLanguage,
    Start,
    UnlinkAccount,
    UserCommand,
)


@dataclass(frozen=True)
class Usage:
    """Not a command the actors can take: show this help key instead."""

    key: str


@dataclass(frozen=True)
class Who:
    telegram_id: int
    chat_id: int


Parsed = UserCommand | Usage | None


def _trade(who: Who, args: list[str]) -> Parsed:
    """/trade buy|sell PAIR AMOUNT [market | limit PRICE]; a buy at market is sized in IDR."""
    args = [args[0].lower(), *args[1:]] if args else args
    if len(args) < 3 or args[0] not in ("buy", "sell"):
        return Usage("help.trade")
    side, pair, amount, rest = args[0], args[1], args[2], args[3:]
    order_type = rest[0].lower() if rest else "market"
    if order_type not in ("market", "limit") or (order_type == "limit") != (len(rest) == 2):
        return Usage("help.trade")
    price = rest[1] if order_type == "limit" else None
    by_idr = side == "buy" and order_type == "market"
    return PreviewOrder(
        telegram_id=who.telegram_id,
        chat_id=who.chat_id,
        pair_text=pair,
        side=side,
        order_type=order_type,
        price=price,
        quantity=None if by_idr else amount,
        quote_amount=amount if by_idr else None,
    )


def _one(
    build: Callable[[Who, str], UserCommand], usage: str
) -> Callable[[Who, list[str]], Parsed]:
    def parse(who: Who, args: list[str]) -> Parsed:
        return build(who, args[0]) if len(args) == 1 else Usage(usage)

    return parse


def _none(build: Callable[[Who], UserCommand]) -> Callable[[Who, list[str]], Parsed]:
    def parse(who: Who, args: list[str]) -> Parsed:
        return build(who) if not args else Usage("help.text")

    return parse


def _alert(who: Who, args: list[str]) -> Parsed:
    if len(args) not in (2, 3) or (len(args) == 3 and args[2].lower() != "recurring"):
        return Usage("help.alert")
    return CreateAlert(
        telegram_id=who.telegram_id,
        chat_id=who.chat_id,
        pair_text=args[0],
        price=args[1],
        recurring=len(args) == 3,
    )


def _unalert(who: Who, args: list[str]) -> Parsed:
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        return Usage("help.alert")
    return DeleteAlert(
        telegram_id=who.telegram_id, chat_id=who.chat_id, alert_id=int(args[0].lstrip("#"))
    )


def _lang(who: Who, args: list[str]) -> Parsed:
    if len(args) != 1 or args[0].lower() not in ("id", "en"):
        return Usage("help.lang")
    return SetLanguage(
        telegram_id=who.telegram_id, chat_id=who.chat_id, new_language=args[0].lower()
    )


def _link(who: Who, args: list[str]) -> Parsed:
    if len(args) != 2:
        return Usage("help.link")
    return LinkAccount(
        telegram_id=who.telegram_id,
        chat_id=who.chat_id,
        api_key=Sensitive(args[0]),
        api_secret=Sensitive(args[1]),
    )


COMMANDS: dict[str, Callable[[Who, list[str]], Parsed]] = {
    "/start": _none(lambda w: Start(telegram_id=w.telegram_id, chat_id=w.chat_id)),
    "/price": _one(
        lambda w, a: GetPrice(telegram_id=w.telegram_id, chat_id=w.chat_id, pair_text=a),
        "help.price",
    ),
    "/trade": _trade,
    "/orders": _none(lambda w: ListOpenOrders(telegram_id=w.telegram_id, chat_id=w.chat_id)),
    "/cancel": _one(
        lambda w, a: CancelOrder(telegram_id=w.telegram_id, chat_id=w.chat_id, client_order_id=a),
        "help.text",
    ),
    "/portfolio": _none(lambda w: GetPortfolio(telegram_id=w.telegram_id, chat_id=w.chat_id)),
    "/alert": _alert,
    "/alerts": _none(lambda w: ListAlerts(telegram_id=w.telegram_id, chat_id=w.chat_id)),
    "/unalert": _unalert,
    "/lang": _lang,
    "/link": _link,
    "/unlink": _none(lambda w: UnlinkAccount(telegram_id=w.telegram_id, chat_id=w.chat_id)),
}


def parse(text: str, who: Who) -> Parsed:
    """A command line, or None for an empty one. Never raises, whatever is typed."""
    words = text.strip().split()
    if not words:
        return None
    command = COMMANDS.get(words[0].lower().split("@", 1)[0])
    if command is None:
        return Usage("help.text")
    return command(who, words[1:])


def from_callback(callback: str, who: Who) -> Parsed:
    """A button's callback data (what a Telegram tap or a numbered console choice sends)."""
    kind, _, value = callback.partition(":")
    if kind == "oc" and value:
        return ConfirmOrder(telegram_id=who.telegram_id, chat_id=who.chat_id, preview_id=value)
    if kind == "cx" and value:
        return CancelOrder(telegram_id=who.telegram_id, chat_id=who.chat_id, client_order_id=value)
    if kind == "ox":
        return Usage("order.cancelled_by_user")
    return Usage("button.stale")
