"""Typed text to actor messages, the same commands as in Telegram. The adapter decides
nothing: a command it cannot parse gets the usage text, everything else goes to the actors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from config.schema import LANGUAGES
from messages import callbacks as cb
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
from messages.base import Sensitive, database_id
from messages.charts import DEFAULT_TIMEFRAME, ChartTimeframe
from messages.commands import (
    BacktestStrategy,
    CancelAllOrders,
    CancelOrder,
    ChangeAllStrategies,
    ChangeNotification,
    ChangeStrategy,
    ChooseReading,
    ConfirmAlert,
    ConfirmEdit,
    ConfirmOrder,
    ConfirmStrategy,
    CostMethod,
    CreateAlert,
    DeleteAlert,
    GetAllocationChart,
    GetPnl,
    GetPnlChart,
    GetPortfolio,
    GetPrice,
    GetPriceChart,
    GetStrategyChart,
    LinkAccount,
    ListAlerts,
    ListOpenOrders,
    ListStrategies,
    PnlPeriod,
    PreviewOrder,
    SetLanguage,
    SetLossLimit,
    SetMode,
    ShowMarket,
    ShowSettings,
    ShowStrategy,
    Start,
    UnlinkAccount,
    UserCommand,
)

STALE = "button.stale"
# Not texts: the adapter's cue to start one of its guided conversations (the conversation's
# starting command, as typed alone).
TRADE_WIZARD = "trade.wizard"
DCA_WIZARD = "strategy.dca.wizard"
TPSL_WIZARD = "strategy.tpsl.wizard"
GRID_WIZARD = "strategy.grid.wizard"
EDIT_WIZARD = "strategy.edit.wizard"
WIZARDS = {
    TRADE_WIZARD: "/trade",
    DCA_WIZARD: "/dca",
    TPSL_WIZARD: "/tpsl",
    GRID_WIZARD: "/grid",
    EDIT_WIZARD: "/edit",
}


@dataclass(frozen=True)
class Usage:
    """Not a command the actors can take: show this help key instead (or, for a wizard's
    key, start that conversation with `answers` to its first questions)."""

    key: str
    answers: tuple[str, ...] = ()


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
    return database_id(text.removeprefix("#"))


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
        case ["create", *_]:  # DCA is the one kind with a guided set-up so far
            return Usage(DCA_WIZARD)
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


def _loss_limit(who: Who, args: list[str]) -> Parsed:
    """/losslimit 500.000 | off"""
    if len(args) != 1:
        return Usage("help.losslimit")
    off = args[0].lower() in ("off", "mati", "0")
    return SetLossLimit(**_chat(who), amount_text=None if off else args[0])


T = TypeVar("T")

# How a /pnl period may be typed, in either language.
PERIODS: dict[str, PnlPeriod] = {
    "today": "today",
    "hariini": "today",
    "7d": "7d",
    "7h": "7d",
    "week": "7d",
    "minggu": "7d",
    "30d": "30d",
    "30h": "30d",
    "month": "30d",
    "bulan": "30d",
    "all": "all",
    "semua": "all",
}


def _spelled(args: list[str], spellings: Mapping[str, T]) -> T | None:
    """The words after a command as one of `spellings`, whatever their case, spaces and
    dashes (`hari ini`, `30-d`, `rata-rata`); None for anything else."""
    return spellings.get("".join(args).lower().replace("-", ""))


def _pnl(who: Who, args: list[str]) -> Parsed:
    """/pnl [today | 7d | 30d | all]"""
    period = _spelled(args, PERIODS) if args else "all"
    if period is None:
        return Usage("help.pnl")
    return GetPnl(**_chat(who), period=period)


# How a cost method may be typed after /portfolio, in either language.
COST_METHODS: dict[str, CostMethod] = {
    "average": "average",
    "avg": "average",
    "ratarata": "average",
    "rata": "average",
    "fifo": "fifo",
}


def _portfolio(who: Who, args: list[str]) -> Parsed:
    """/portfolio [average | fifo]"""
    if not args:
        return GetPortfolio(**_chat(who))
    method = _spelled(args, COST_METHODS)
    if method is None:
        return Usage("help.portfolio")
    return GetPortfolio(**_chat(who), cost_method=method)


# How a chart's timeframe may be typed: minutes, hours (jam), days (hari), weeks (minggu).
TIMEFRAMES: dict[str, ChartTimeframe] = {
    "1m": "1m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1h",
    "1j": "1h",
    "4h": "4h",
    "4j": "4h",
    "1d": "1d",
    "3d": "3d",
    "1w": "1w",
}
# What /chart draws besides a pair, in either language.
CHARTS: dict[str, Callable[[Who], UserCommand]] = {
    "portfolio": lambda w: GetAllocationChart(**_chat(w)),
    "portofolio": lambda w: GetAllocationChart(**_chat(w)),
    "pnl": lambda w: GetPnlChart(**_chat(w)),
}


def _chart(who: Who, args: list[str]) -> Parsed:
    """/chart PAIR [timeframe] | portfolio | pnl"""
    words = [word.lower() for word in args]
    if len(words) == 1 and words[0] in CHARTS:
        return CHARTS[words[0]](who)
    if len(words) == 1:
        return GetPriceChart(**_chat(who), pair_text=args[0], timeframe=DEFAULT_TIMEFRAME)
    if len(words) == 2 and words[1] in TIMEFRAMES:
        return GetPriceChart(**_chat(who), pair_text=args[0], timeframe=TIMEFRAMES[words[1]])
    return Usage("help.chart")


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
    "/portfolio": _portfolio,
    "/pnl": _pnl,
    "/chart": _chart,
    "/strategy": _strategy,
    # Alone, /dca, /tpsl and /grid start their guided set-up before this grammar sees them; with
    # words after them the words are not read: the set-up starts all the same.
    "/dca": lambda w, a: Usage(DCA_WIZARD),
    "/tpsl": lambda w, a: Usage(TPSL_WIZARD),
    "/grid": lambda w, a: Usage(GRID_WIZARD),
    "/alert": _alert,
    "/alerts": _none(lambda w: ListAlerts(**_chat(w)), "help.alerts"),
    "/unalert": _unalert,
    "/settings": _none(lambda w: ShowSettings(**_chat(w)), "help.settings"),
    "/lang": _lang,
    "/losslimit": _loss_limit,
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


Chat = dict[str, int]

MENU: dict[cb.MenuItem, Callable[[Chat], Parsed]] = {
    "market": lambda c: ShowMarket(**c),
    "portfolio": lambda c: GetPortfolio(**c),
    "trade": lambda c: Usage(TRADE_WIZARD),
    "strategies": lambda c: ListStrategies(**c),
    "alerts": lambda c: ListAlerts(**c),
    "settings": lambda c: ShowSettings(**c),
}

# What the actors are asked for (or what is said here) when a button is tapped; None when
# the tap is not one this adapter takes (a language the bot does not speak).
ACTIONS: dict[type[cb.Callback], Callable[[Chat, Any], Parsed]] = {
    cb.MenuChoice: lambda c, t: MENU[t.item](c),
    cb.ShowPrice: lambda c, t: GetPrice(**c, pair_text=t.pair_id),
    cb.PriceChart: lambda c, t: GetPriceChart(**c, pair_text=t.pair_id, timeframe=t.timeframe),
    cb.AllocationChart: lambda c, t: GetAllocationChart(**c),
    cb.PnlChart: lambda c, t: GetPnlChart(**c),
    cb.StrategyChart: lambda c, t: GetStrategyChart(**c, strategy_id=t.strategy_id),
    cb.ConfirmOrder: lambda c, t: ConfirmOrder(**c, preview_id=t.preview_id),
    cb.DropOrder: lambda c, t: Usage("order.cancelled_by_user"),
    cb.CancelOrder: lambda c, t: CancelOrder(**c, client_order_id=t.client_order_id),
    cb.AskCancelAll: lambda c, t: CancelAllOrders(**c),
    cb.CancelAllYes: lambda c, t: CancelAllOrders(**c, confirmed=True, pending_id=t.pending_id),
    cb.CancelAllNo: lambda c, t: Usage("orders.cancel_all_kept"),
    cb.AlertOnce: lambda c, t: ConfirmAlert(**c, pending_id=t.pending_id, choice="once"),
    cb.AlertRecurring: lambda c, t: ConfirmAlert(**c, pending_id=t.pending_id, choice="recurring"),
    cb.AlertDrop: lambda c, t: ConfirmAlert(**c, pending_id=t.pending_id, choice="cancel"),
    cb.DeleteAlert: lambda c, t: DeleteAlert(**c, alert_id=t.alert_id),
    cb.ChooseReading: lambda c, t: ChooseReading(**c, pending_id=t.pending_id, choice=t.choice),
    cb.NextNotification: lambda c, t: ChangeNotification(**c, kind=t.kind),
    cb.PortfolioCost: lambda c, t: GetPortfolio(**c, cost_method=t.method),
    cb.ChooseLanguage: lambda c, t: (
        SetLanguage(**c, new_language=t.language, from_settings=True)
        if t.language in LANGUAGES
        else None
    ),
    cb.ChooseMode: lambda c, t: SetMode(**c, mode=t.mode),
    cb.PauseStrategy: lambda c, t: ChangeStrategy(**c, strategy_id=t.strategy_id, action="pause"),
    cb.ResumeStrategy: lambda c, t: ChangeStrategy(**c, strategy_id=t.strategy_id, action="resume"),
    cb.StopStrategy: lambda c, t: ChangeStrategy(**c, strategy_id=t.strategy_id, action="stop"),
    cb.LeaveStrategy: lambda c, t: ChangeStrategy(
        **c, strategy_id=t.strategy_id, action="stop", leave=t.how
    ),
    cb.ShowStrategy: lambda c, t: ShowStrategy(**c, strategy_id=t.strategy_id),
    cb.NewStrategy: lambda c, t: Usage(DCA_WIZARD),
    cb.TpslForFill: lambda c, t: Usage(TPSL_WIZARD, (t.pair, t.quantity, t.price)),
    cb.ConfirmStrategy: lambda c, t: ConfirmStrategy(**c, preview_id=t.preview_id),
    cb.DropStrategy: lambda c, t: Usage("strategy.setup_cancelled"),
    cb.BacktestPreview: lambda c, t: BacktestStrategy(**c, preview_id=t.preview_id, days=t.days),
    cb.EditStrategy: lambda c, t: Usage(EDIT_WIZARD, (str(t.strategy_id), t.field)),
    cb.ConfirmEdit: lambda c, t: ConfirmEdit(**c, preview_id=t.preview_id),
    cb.DropEdit: lambda c, t: Usage("strategy.edit.cancelled"),
    cb.UnlinkYes: lambda c, t: UnlinkAccount(**c, confirmed=True, pending_id=t.pending_id),
    cb.UnlinkNo: lambda c, t: Usage("unlink.kept"),
    cb.LiveYes: lambda c, t: SetMode(**c, mode="live", confirmed=True, pending_id=t.pending_id),
    cb.LiveNo: lambda c, t: Usage("settings.live_kept"),
}


def from_callback(callback: str, who: Who) -> Parsed:
    """A button's callback data (what a Telegram tap or a numbered console choice sends),
    read by `messages.callbacks`, which lists every action.

    `mn:trade` gives `Usage("trade.wizard")`: not a text to show but the adapter's cue to
    start its guided /trade conversation (an adapter without one shows the key's text).
    The guided /trade's own buttons (`WizardAnswer`) are the adapter's, not a command.
    Anything else (unknown, garbled, too long, a language the bot does not speak) is
    `Usage("button.stale")`. Never raises.
    """
    tap = cb.read(callback)
    action = None if tap is None else ACTIONS.get(type(tap))
    parsed = None if tap is None or action is None else action(_chat(who), tap)
    return Usage(STALE) if parsed is None else parsed
