"""Typed text to actor messages, the same commands as in Telegram. The adapter decides
nothing: a command it cannot parse gets the usage text, everything else goes to the actors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import get_args

from config.schema import LANGUAGES
from messages.admin import (
    AdminCommand,
    ListUsers,
    PauseAll,
    PauseUser,
    RestartUser,
    ResumeAll,
    ResumeUser,
    RevokeToken,
    Status,
    UserAdminCommand,
)
from messages.base import Sensitive
from messages.commands import (
    CancelAllOrders,
    CancelOrder,
    ChangeAllStrategies,
    ChangeNotification,
    ChangeStrategy,
    ChooseReading,
    ConfirmAlert,
    ConfirmOrder,
    CreateAlert,
    DeleteAlert,
    GetPortfolio,
    GetPrice,
    LinkAccount,
    ListAlerts,
    ListOpenOrders,
    ListStrategies,
    NotificationKind,
    PreviewOrder,
    SetLanguage,
    SetMode,
    ShowMarket,
    ShowSettings,
    ShowStrategy,
    Start,
    UnlinkAccount,
    UserCommand,
)

STALE = "button.stale"
TRADE_WIZARD = "trade.wizard"  # not a text: the adapter's cue to start its guided /trade
MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback data
MAX_ID_DIGITS = 18  # any id that fits a signed 64-bit database integer


@dataclass(frozen=True)
class Usage:
    """Not a command the actors can take: show this help key instead."""

    key: str


@dataclass(frozen=True)
class Who:
    telegram_id: int
    chat_id: int
    is_admin: bool = False  # the adapter's allow-list says so; /admin exists only for them


Parsed = UserCommand | AdminCommand | Usage | None


def _chat(who: Who) -> dict[str, int]:
    return {"telegram_id": who.telegram_id, "chat_id": who.chat_id}


def _number(text: str) -> int | None:
    """An id as typed (`12` or `#12`): ASCII digits only, small enough for the database."""
    digits = text.removeprefix("#")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_ID_DIGITS:
        return None
    return int(digits)


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


def _none(build: Callable[[Who], UserCommand], usage: str) -> Callable[[Who, list[str]], Parsed]:
    def parse(who: Who, args: list[str]) -> Parsed:
        return build(who) if not args else Usage(usage)

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
    alert_id = _number(args[0]) if len(args) == 1 else None
    if alert_id is None:
        return Usage("help.unalert")
    return DeleteAlert(**_chat(who), alert_id=alert_id)


def _strategy(who: Who, args: list[str]) -> Parsed:
    """/strategy [list | show ID | pause [ID] | resume [ID] | stop ID | create]"""
    words = [args[0].lower(), *args[1:]] if args else []
    match words:
        case [] | ["list"]:
            return ListStrategies(**_chat(who))
        case ["create", *_]:
            return Usage("strategy.create_unavailable")
        case ["pause" | "resume" as action]:
            return ChangeAllStrategies(**_chat(who), action=action)
        case ["show", number] if (strategy_id := _number(number)) is not None:
            return ShowStrategy(**_chat(who), strategy_id=strategy_id)
        case ["pause" | "resume" | "stop" as action, number] if (
            strategy_id := _number(number)
        ) is not None:
            return ChangeStrategy(**_chat(who), strategy_id=strategy_id, action=action)
    return Usage("help.strategy")


ADMIN_COMMANDS: dict[str, type[AdminCommand]] = {
    "status": Status,
    "users": ListUsers,
    "pause-all": PauseAll,
    "resume-all": ResumeAll,
}
ADMIN_USER_COMMANDS: dict[str, type[UserAdminCommand]] = {
    "restart": RestartUser,
    "pause": PauseUser,
    "resume": ResumeUser,
    "revoke": RevokeToken,
}


def _admin(who: Who, args: list[str]) -> Parsed:
    """/admin status | users | restart ID | pause ID | resume ID | revoke ID | pause-all |
    resume-all. For anyone not an admin it is an unknown command, answered the same way,
    so it does not even reveal that it exists."""
    if not who.is_admin:
        return Usage("help.text")
    admin = f"telegram:{who.telegram_id}"
    action = args[0].lower() if args else ""
    if len(args) == 1 and action in ADMIN_COMMANDS:
        return ADMIN_COMMANDS[action](admin=admin)
    target = _number(args[1]) if len(args) == 2 else None
    if action in ADMIN_USER_COMMANDS and target is not None:
        return ADMIN_USER_COMMANDS[action](admin=admin, telegram_id=target)
    return Usage("help.admin")


def _help(who: Who, args: list[str]) -> Parsed:
    """/help lists every command; /help price explains one."""
    name = "/" + args[0].lower().lstrip("/") if len(args) == 1 else ""
    if name in COMMANDS and (name != "/admin" or who.is_admin):
        return Usage(f"help.{name[1:]}")
    return Usage("help.text")


def _lang(who: Who, args: list[str]) -> Parsed:
    if len(args) != 1 or args[0].lower() not in LANGUAGES:
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
    # A deep link (t.me/bot?start=x) sends "/start x": the payload is not used yet.
    "/start": lambda w, a: Start(**_chat(w)),
    "/help": _help,
    "/price": _one(lambda w, a: GetPrice(**_chat(w), pair_text=a), "help.price"),
    "/trade": _trade,
    "/orders": _none(lambda w: ListOpenOrders(**_chat(w)), "help.orders"),
    "/cancel": _one(lambda w, a: CancelOrder(**_chat(w), client_order_id=a), "help.cancel"),
    "/portfolio": _none(lambda w: GetPortfolio(**_chat(w)), "help.portfolio"),
    "/strategy": _strategy,
    "/alert": _alert,
    "/alerts": _none(lambda w: ListAlerts(**_chat(w)), "help.alerts"),
    "/unalert": _unalert,
    "/settings": _none(lambda w: ShowSettings(**_chat(w)), "help.settings"),
    "/lang": _lang,
    "/link": _link,
    "/unlink": _none(lambda w: UnlinkAccount(**_chat(w)), "help.unlink"),
    "/admin": _admin,
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


# Callback builders get the text after "prefix:" and return None when it is not theirs.
Builder = Callable[[Who, str], Parsed]


def _by_id(build: Callable[[Who, int], Parsed]) -> Builder:
    def parse(who: Who, value: str) -> Parsed:
        number = _number(value)
        return None if number is None else build(who, number)

    return parse


def _one_of(choices: tuple[str, ...], build: Callable[[Who, str], Parsed]) -> Builder:
    return lambda who, value: build(who, value) if value in choices else None


def _answers(**answers: Callable[[Who], Parsed]) -> Builder:
    """A set of buttons: `mn:market`, `ca:ask`, … each mapped to its own result."""

    def parse(who: Who, value: str) -> Parsed:
        answer = answers.get(value)
        return None if answer is None else answer(who)

    return parse


def _yes_no(
    yes: Callable[[Who, str], Parsed], kept: str, **others: Callable[[Who], Parsed]
) -> Builder:
    """A question the actor asked: `y:<pending id>` answers that very question (the actor
    refuses a late or repeated one), `n` keeps everything and is said here (`kept`)."""
    answers = _answers(n=lambda w: Usage(kept), **others)

    def parse(who: Who, value: str) -> Parsed:
        answer, _, pending_id = value.partition(":")
        if answer == "y":
            return yes(who, pending_id) if pending_id else None
        return answers(who, value)

    return parse


def _alert_choice(choice: str) -> Builder:
    return lambda who, value: ConfirmAlert(**_chat(who), pending_id=value, choice=choice)


def _reading(who: Who, value: str) -> Parsed:
    """`nr:<pending id>:<0|1>`: which reading of a number that reads two ways was meant."""
    pending_id, _, choice = value.partition(":")
    if not pending_id or choice not in ("0", "1"):
        return None
    return ChooseReading(**_chat(who), pending_id=pending_id, choice=int(choice))


def _strategy_action(action: str) -> Builder:
    return _by_id(
        lambda who, number: ChangeStrategy(**_chat(who), strategy_id=number, action=action)
    )


MENU: dict[str, Callable[[Who], Parsed]] = {
    "market": lambda w: ShowMarket(**_chat(w)),
    "portfolio": lambda w: GetPortfolio(**_chat(w)),
    "trade": lambda w: Usage(TRADE_WIZARD),
    "strategies": lambda w: ListStrategies(**_chat(w)),
    "alerts": lambda w: ListAlerts(**_chat(w)),
    "settings": lambda w: ShowSettings(**_chat(w)),
}

# Callbacks that answer a question the bot asked (a preview's Confirm, an alert's choice,
# a Yes): the user already decided, so the command budget lets each pass once.
CONFIRMATIONS = ("oc:", "ao:", "ar:", "ca:y:", "ul:y:", "lv:y:", "nr:")

CALLBACKS: dict[str, Builder] = {
    "mn": _answers(**MENU),
    "pr": lambda w, v: GetPrice(**_chat(w), pair_text=v),
    "oc": lambda w, v: ConfirmOrder(**_chat(w), preview_id=v),
    "ox": lambda w, v: Usage("order.cancelled_by_user"),
    "cx": lambda w, v: CancelOrder(**_chat(w), client_order_id=v),
    "ca": _yes_no(
        lambda w, p: CancelAllOrders(**_chat(w), confirmed=True, pending_id=p),
        "orders.cancel_all_kept",
        ask=lambda w: CancelAllOrders(**_chat(w)),
    ),
    "ao": _alert_choice("once"),
    "ar": _alert_choice("recurring"),
    "ax": _alert_choice("cancel"),
    "ad": _by_id(lambda w, n: DeleteAlert(**_chat(w), alert_id=n)),
    "nr": _reading,
    "sn": _one_of(get_args(NotificationKind), lambda w, v: ChangeNotification(**_chat(w), kind=v)),
    "sl": _one_of(
        LANGUAGES,
        lambda w, v: SetLanguage(**_chat(w), new_language=v, from_settings=True),
    ),
    "sm": _one_of(("paper", "live"), lambda w, v: SetMode(**_chat(w), mode=v)),
    "sp": _strategy_action("pause"),
    "sr": _strategy_action("resume"),
    "ss": _strategy_action("stop"),
    "sd": _by_id(lambda w, n: ShowStrategy(**_chat(w), strategy_id=n)),
    "sc": _answers(new=lambda w: Usage("strategy.create_unavailable")),
    "ul": _yes_no(
        lambda w, p: UnlinkAccount(**_chat(w), confirmed=True, pending_id=p), "unlink.kept"
    ),
    "lv": _yes_no(
        lambda w, p: SetMode(**_chat(w), mode="live", confirmed=True, pending_id=p),
        "settings.live_kept",
    ),
}


def from_callback(callback: str, who: Who) -> Parsed:
    """A button's callback data (what a Telegram tap or a numbered console choice sends).

    Callback data is `prefix:value`, always under 64 bytes:

    - `mn:<item>` main menu: market, portfolio, trade, strategies, alerts, settings.
      `mn:trade` gives `Usage("trade.wizard")`: not a text to show but the adapter's cue
      to start its guided /trade conversation (an adapter without one shows the key's text).
    - `pr:<pair id>` price; `oc:`/`ox:` confirm or drop an order preview; `cx:<client
      order id>` cancel one order; `ca:ask` asks to cancel all open orders, `ca:y:<pending
      id>` answers that question Yes, `ca:n` No.
    - `ao:`/`ar:`/`ax:<pending id>` store a pending alert once, every time, or drop it;
      `ad:<alert id>` delete an alert.
    - `nr:<pending id>:<0|1>` the reading meant of a number that reads two ways (`1.500`).
    - `sn:<kind>` next notification level, `sl:<language>`, `sm:paper|live` settings.
    - `sp:`/`sr:`/`ss:`/`sd:<strategy id>` pause, resume, stop, show a strategy;
      `sc:new` create one.
    - `ul:y:<pending id>` / `ul:n` answer the /unlink question.
    - `lv:y:<pending id>` / `lv:n` answer the question before a switch to live mode.

    Anything else (unknown, garbled, too long) is `Usage("button.stale")`. Never raises.
    """
    if len(callback.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
        return Usage(STALE)
    prefix, _, value = callback.partition(":")
    build = CALLBACKS.get(prefix)
    parsed = build(who, value) if build is not None and value else None
    return Usage(STALE) if parsed is None else parsed
