"""Button actions: what a tap asks for, as the small string Telegram carries back.

Each action is one frozen type with its prefix and typed fields. The actors build buttons
with `ConfirmOrder(preview_id).pack()`, the chat adapters read a tap with `unpack(data)`;
no prefix is written anywhere else and no payload is split by hand. `unpack` raises
`MalformedCallback` on anything it did not pack itself (unknown prefix, missing or extra
fields, a field of the wrong kind, over 64 bytes): a stale or forged tap never reaches an
actor half-read. `pack` checks the same, so a button that could not be read back is
refused where it is built, not when a user taps it.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import ClassVar, Literal

from messages.base import database_id
from messages.charts import ChartTimeframe
from messages.commands import (
    BacktestDays,
    CostMethod,
    EditableField,
    NotificationKind,
    StopHow,
    StrategyAction,
    TradingMode,
)

MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback data
SEPARATOR = ":"

MenuItem = Literal["market", "portfolio", "trade", "strategies", "alerts", "settings"]


class MalformedCallback(ValueError):
    """Callback data this bot did not produce (or no longer understands)."""


_BY_PREFIX: dict[str, type[Callback]] = {}


@dataclass(frozen=True)
class Callback:
    """The base of every button action. Subclasses are frozen dataclasses and name their
    prefix in the class statement: `class ConfirmOrder(Callback, prefix="oc")`.

    `one_shot`: the buttons of the message go away once this is tapped (a question is
    answered once). `answers`: it answers a question the bot just asked, so the command
    budget lets the first tap pass even when the user is over it.
    """

    prefix: ClassVar[str]
    one_shot: ClassVar[bool] = False
    answers: ClassVar[bool] = False

    def __init_subclass__(
        cls, *, prefix: str, one_shot: bool = False, answers: bool = False
    ) -> None:
        super().__init_subclass__()
        if prefix in _BY_PREFIX:
            raise TypeError(f"callback prefix {prefix!r} is taken by {_BY_PREFIX[prefix]}")
        cls.prefix, cls.one_shot, cls.answers = prefix, one_shot, answers
        _BY_PREFIX[prefix] = cls

    def pack(self) -> str:
        values = (str(getattr(self, f.name)) for f in dataclasses.fields(self))
        data = SEPARATOR.join((self.prefix, *values))
        if unpack(data) != self:
            raise MalformedCallback(f"{type(self).__name__} cannot be packed: {self!r}")
        return data


def unpack(data: str) -> Callback:
    """The action a tap carries; raises MalformedCallback for anything else."""
    if len(data.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
        raise MalformedCallback("callback data over 64 bytes")
    for prefix in sorted(_BY_PREFIX, key=len, reverse=True):
        if data == prefix or data.startswith(prefix + SEPARATOR):
            return _decode(_BY_PREFIX[prefix], data[len(prefix) + 1 :], bare=data == prefix)
    raise MalformedCallback("unknown callback prefix")


def read(data: str) -> Callback | None:
    """`unpack` for callers that treat anything unreadable as a stale button."""
    try:
        return unpack(data)
    except MalformedCallback:
        return None


def actions() -> tuple[type[Callback], ...]:
    """Every action a button can carry."""
    return tuple(_BY_PREFIX.values())


def _decode(cls: type[Callback], rest: str, *, bare: bool) -> Callback:
    fields = dataclasses.fields(cls)
    if not fields:
        if not bare:
            raise MalformedCallback(f"{cls.prefix}: takes no value")
        return cls()
    parts = [] if bare else rest.split(SEPARATOR, len(fields) - 1)
    if len(parts) != len(fields) or not all(parts):
        raise MalformedCallback(f"{cls.prefix}: expects {len(fields)} value(s)")
    hints = typing.get_type_hints(cls)
    values = {
        f.name: _value(hints[f.name], text, cls.prefix)
        for f, text in zip(fields, parts, strict=True)
    }
    return cls(**values)


def _value(kind: object, text: str, prefix: str) -> object:
    if kind is int:
        number = database_id(text)
        if number is None:
            raise MalformedCallback(f"{prefix}: not an id")
        return number
    if typing.get_origin(kind) is Literal:
        choices = {str(choice): choice for choice in typing.get_args(kind)}
        if text not in choices:
            raise MalformedCallback(f"{prefix}: not one of {sorted(choices)}")
        return choices[text]
    return text


# Main menu, market, settings


@dataclass(frozen=True)
class MenuChoice(Callback, prefix="mn"):
    """`mn:trade` starts the adapter's guided /trade, the others ask the actor."""

    item: MenuItem


@dataclass(frozen=True)
class ShowPrice(Callback, prefix="pr"):
    pair_id: str


@dataclass(frozen=True)
class NextNotification(Callback, prefix="sn"):
    """Moves one notification kind to its next level."""

    kind: NotificationKind


@dataclass(frozen=True)
class PortfolioCost(Callback, prefix="pm"):
    """/portfolio again, its profit and loss costed the other way (average or FIFO)."""

    method: CostMethod


@dataclass(frozen=True)
class ChooseLanguage(Callback, prefix="sl"):
    language: str  # the adapter checks it against the bot's languages


@dataclass(frozen=True)
class ChooseMode(Callback, prefix="sm"):
    mode: TradingMode


# Charts: each tap draws it again, so the buttons stay


@dataclass(frozen=True)
class PriceChart(Callback, prefix="ch:p"):
    pair_id: str  # "btcidr"
    timeframe: ChartTimeframe


@dataclass(frozen=True)
class AllocationChart(Callback, prefix="ch:a"):
    pass


@dataclass(frozen=True)
class PnlChart(Callback, prefix="ch:r"):
    pass


@dataclass(frozen=True)
class StrategyChart(Callback, prefix="ch:s"):
    strategy_id: int


# Orders


@dataclass(frozen=True)
class ConfirmOrder(Callback, prefix="oc", one_shot=True, answers=True):
    preview_id: str


@dataclass(frozen=True)
class DropOrder(Callback, prefix="ox", one_shot=True):
    preview_id: str


@dataclass(frozen=True)
class CancelOrder(Callback, prefix="cx"):
    client_order_id: str


@dataclass(frozen=True)
class AskCancelAll(Callback, prefix="ca:ask", one_shot=True):
    pass


@dataclass(frozen=True)
class CancelAllYes(Callback, prefix="ca:y", one_shot=True, answers=True):
    pending_id: str


@dataclass(frozen=True)
class CancelAllNo(Callback, prefix="ca:n", one_shot=True):
    pass


# Alerts


@dataclass(frozen=True)
class AlertOnce(Callback, prefix="ao", one_shot=True, answers=True):
    pending_id: str


@dataclass(frozen=True)
class AlertRecurring(Callback, prefix="ar", one_shot=True, answers=True):
    pending_id: str


@dataclass(frozen=True)
class AlertDrop(Callback, prefix="ax", one_shot=True):
    pending_id: str


@dataclass(frozen=True)
class DeleteAlert(Callback, prefix="ad"):
    alert_id: int


# Numbers that read two ways (`1.500`)


@dataclass(frozen=True)
class ChooseReading(Callback, prefix="nr", one_shot=True, answers=True):
    pending_id: str
    choice: Literal[0, 1]


# Strategies


@dataclass(frozen=True)
class PauseStrategy(Callback, prefix="sp"):
    strategy_id: int


@dataclass(frozen=True)
class ResumeStrategy(Callback, prefix="sr"):
    strategy_id: int


@dataclass(frozen=True)
class StopStrategy(Callback, prefix="ss"):
    strategy_id: int


@dataclass(frozen=True)
class LeaveStrategy(Callback, prefix="sq", one_shot=True, answers=True):
    """The answer to "stop how?": keep its orders, cancel them, or cancel and sell."""

    strategy_id: int
    how: StopHow


@dataclass(frozen=True)
class TpslForFill(Callback, prefix="tf"):
    """Under a filled buy: the TP/SL set-up for what it bought, at what it paid."""

    pair: str  # "btcidr"
    quantity: str
    price: str


@dataclass(frozen=True)
class ShowStrategy(Callback, prefix="sd"):
    strategy_id: int


@dataclass(frozen=True)
class EditStrategy(Callback, prefix="se"):
    """Under a strategy's details: change one of its safe fields (a guided question)."""

    strategy_id: int
    field: EditableField


@dataclass(frozen=True)
class ConfirmEdit(Callback, prefix="se:y", one_shot=True, answers=True):
    preview_id: str


@dataclass(frozen=True)
class DropEdit(Callback, prefix="se:n", one_shot=True):
    preview_id: str


@dataclass(frozen=True)
class NewStrategy(Callback, prefix="sc:new"):
    pass


@dataclass(frozen=True)
class ConfirmStrategy(Callback, prefix="sc:y", one_shot=True, answers=True):
    preview_id: str


@dataclass(frozen=True)
class DropStrategy(Callback, prefix="sc:n", one_shot=True):
    preview_id: str


@dataclass(frozen=True)
class BacktestPreview(Callback, prefix="sb"):
    """A strategy preview replayed over the last `days` of candles; the preview stays."""

    preview_id: str
    days: BacktestDays


STRATEGY_ACTIONS: dict[StrategyAction, type[PauseStrategy | ResumeStrategy | StopStrategy]] = {
    "pause": PauseStrategy,
    "resume": ResumeStrategy,
    "stop": StopStrategy,
}


# Account


@dataclass(frozen=True)
class UnlinkYes(Callback, prefix="ul:y", one_shot=True, answers=True):
    pending_id: str


@dataclass(frozen=True)
class UnlinkNo(Callback, prefix="ul:n", one_shot=True):
    pass


@dataclass(frozen=True)
class LiveYes(Callback, prefix="lv:y", one_shot=True, answers=True):
    """Yes to the question asked before a switch to live trading."""

    pending_id: str


@dataclass(frozen=True)
class LiveNo(Callback, prefix="lv:n", one_shot=True):
    pass


# The adapter's own guided /trade: never seen by an actor


@dataclass(frozen=True)
class WizardAnswer(Callback, prefix="tw"):
    answer: str


@dataclass(frozen=True)
class WizardCancel(Callback, prefix="tw:x"):
    pass


@dataclass(frozen=True)
class WizardBack(Callback, prefix="tw:b"):
    """A guided set-up's last answer taken back: its question is asked again."""
