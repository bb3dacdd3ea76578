"""Multi-step chats that end in one command: /link (key, then secret), the guided /trade
(pair → buy/sell → market/limit → amount → price), the guided /dca (pair → rupiah per
run → schedule → market/limit → offset → number of buys → safety orders → take-profit),
/tpsl (pair → coins → entry → targets → stop → breakeven) and /grid (pair → lower → upper
→ levels → spacing → amount per level → coin source → stop-loss and take-profit → sell
at the exit).

They only gather what the user types or taps; every check that matters (pair, rounding,
minimums, the key's permissions) is the actors'. A conversation ends with a command for the
actors, or with a message saying why it ended: /cancel, or no answer within its time.
"""

from __future__ import annotations

import dataclasses
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, cast, get_args

from adapters.chat.commands import Who
from adapters.i18n.typed_numbers import (
    TwoReadings,
    Unreadable,
    as_typed,
    read_number,
    reading_button,
)
from messages.base import Sensitive
from messages.callbacks import WizardAnswer, WizardBack, WizardCancel, read
from messages.commands import (
    CLEARABLE_FIELDS,
    EditableField,
    LinkAccount,
    PreviewDca,
    PreviewEdit,
    PreviewGrid,
    PreviewOrder,
    PreviewTpsl,
    UserCommand,
)
from messages.replies import Button

CANCEL_WIZARD = WizardCancel().pack()
BACK_WIZARD = WizardBack().pack()
# Listed on Indodax and in the simulator alike, so a tap never meets "unknown pair"; any
# other pair is typed.
POPULAR_PAIRS = ("btcidr", "ethidr")


@dataclass(frozen=True)
class Prompt:
    key: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Finished:
    """The conversation produced its command; `key` (if any) is said to the user first."""

    command: UserCommand
    key: str | None = None


@dataclass(frozen=True)
class Ended:
    key: str


Step = Prompt | Finished | Ended


class Conversation(Protocol):
    who: Who
    secret_answers: bool  # the user's answers carry secrets: delete them from the chat
    expires_at: float

    def opening(self) -> Prompt: ...
    def answer(self, text: str) -> Step: ...


def is_wizard_tap(data: str) -> bool:
    """A tap on the guided /trade's own buttons: an answer for the Desk, not a command."""
    return isinstance(read(data), WizardAnswer | WizardCancel | WizardBack)


def _cancel_row() -> tuple[Button, ...]:
    return (Button("button.cancel", CANCEL_WIZARD),)


def _typed_number(text: str) -> str | Prompt:
    """A number answered in a conversation, in the text every reader takes the same way;
    or the step asked again: why it was refused, or which of its two readings was meant
    (a tap on one answers the step with it)."""
    reading = read_number(text)
    if isinstance(reading, Unreadable):
        return Prompt(reading.key, (_cancel_row(),), (("value", reading.value),))
    if isinstance(reading, TwoReadings):
        buttons = tuple(reading_button(v, WizardAnswer(as_typed(v)).pack()) for v in reading.values)
        return Prompt("number.ambiguous", (buttons, _cancel_row()), (("typed", reading.typed),))
    return as_typed(reading)


def _two_numbers(value: str) -> tuple[str, str] | Prompt | None:
    """Two numbers typed together (`3 2`, `5 x 1,5 %`, `1,5 / 2`); None when it is not two;
    the question again when one of them is refused or could be read two ways."""
    words = value.replace("x", " ").replace("%", " ").replace("/", " ").split()
    if len(words) != 2:
        return None
    numbers = [_typed_number(word) for word in words]
    refused = next((n for n in numbers if isinstance(n, Prompt)), None)
    return refused or (str(numbers[0]), str(numbers[1]))


@dataclass
class LinkConversation:
    who: Who
    timeout: float
    secret_answers: bool = True
    api_key: Sensitive | None = None
    expires_at: float = field(init=False)

    def __post_init__(self) -> None:
        self.expires_at = time.monotonic() + self.timeout

    def opening(self) -> Prompt:
        return Prompt("link.ask_key")

    def answer(self, text: str) -> Step:
        value = text.strip()
        if not value or " " in value or value.startswith("/"):
            return Prompt("link.bad_value")
        if self.api_key is None:
            self.api_key = Sensitive(value)
            return Prompt("link.ask_secret")
        return Finished(
            LinkAccount(
                telegram_id=self.who.telegram_id,
                chat_id=self.who.chat_id,
                api_key=self.api_key,
                api_secret=Sensitive(value),
            ),
            key="link.received",
        )


@dataclass
class TradeWizard:
    """Each step accepts a tap or typed text; a typed pair may be spelled any way."""

    who: Who
    timeout: float
    secret_answers: bool = False
    pair: str | None = None
    side: str | None = None
    order_type: str | None = None
    amount: str | None = None
    expires_at: float = field(init=False)

    def __post_init__(self) -> None:
        self.expires_at = time.monotonic() + self.timeout

    def opening(self) -> Prompt:
        return _pair_prompt("trade.ask_pair")

    def answer(self, text: str) -> Step:
        tap = read(text.strip())
        value = (tap.answer if isinstance(tap, WizardAnswer) else text.strip()).lower()
        if not value or value.startswith("/"):
            return self._again()
        if self.pair is None:
            return self._choose_pair(value)
        if self.side is None:
            return self._choose_side(value)
        if self.order_type is None:
            return self._choose_type(value)
        return self._give_number(value)

    def _choose_pair(self, value: str) -> Step:
        self.pair = value
        return Prompt(
            "trade.ask_side",
            (
                (
                    Button("term.buy", WizardAnswer("buy").pack()),
                    Button("term.sell", WizardAnswer("sell").pack()),
                ),
                _cancel_row(),
            ),
            (("pair", value.upper()),),
        )

    def _give_number(self, value: str) -> Step:
        """The amount, then (for a limit order) the price."""
        number = _typed_number(value)
        if isinstance(number, Prompt):
            return number
        if self.amount is not None:
            return self._finish(number)
        self.amount = number
        if self.order_type == "limit":
            return Prompt("trade.ask_price", (_cancel_row(),))
        return self._finish(None)

    def _again(self) -> Prompt:
        return Prompt("trade.choose_again", (_cancel_row(),))

    def _choose_side(self, value: str) -> Step:
        if value not in ("buy", "sell"):
            return self._again()
        self.side = value
        return Prompt(
            "trade.ask_type",
            (
                (
                    Button("term.market", WizardAnswer("market").pack()),
                    Button("term.limit", WizardAnswer("limit").pack()),
                ),
                _cancel_row(),
            ),
        )

    def _choose_type(self, value: str) -> Step:
        if value not in ("market", "limit"):
            return self._again()
        self.order_type = value
        in_idr = self.side == "buy" and value == "market"
        return Prompt(
            "trade.ask_amount_idr" if in_idr else "trade.ask_amount_coin", (_cancel_row(),)
        )

    def _finish(self, price: str | None) -> Finished:
        by_idr = self.side == "buy" and self.order_type == "market"
        return Finished(
            PreviewOrder(
                telegram_id=self.who.telegram_id,
                chat_id=self.who.chat_id,
                pair_text=self.pair or "",
                side="buy" if self.side == "buy" else "sell",
                order_type="limit" if self.order_type == "limit" else "market",
                quantity=None if by_idr else self.amount,
                quote_amount=self.amount if by_idr else None,
                price=price,
            )
        )


def _choices(*values: tuple[str, str], key: str = "button.text") -> tuple[Button, ...]:
    """One row of buttons, each answering with its value and showing its label."""
    return tuple(
        Button(key, WizardAnswer(value).pack(), (("text", label),)) for value, label in values
    )


def _pair_prompt(key: str) -> Prompt:
    pairs = _choices(*((p, p.upper()) for p in POPULAR_PAIRS))
    return Prompt(key, (pairs, _cancel_row()))


# A guided set-up's own bookkeeping, not one of its answers.
_NOT_ANSWERS = frozenset({"who", "timeout", "secret_answers", "expires_at", "shown", "history"})


@dataclass
class GuidedSetup(ABC):
    """A strategy's guided set-up: each answer goes to the first question not answered yet
    (`steps`), and the last one finishes it. A tap answers as its button says, a typed
    line as written; a number is read as every number in the chat is. Back (a button
    beside Cancel once something is answered) takes the last answer back and asks its
    question again, as many times as there are answers."""

    who: Who
    timeout: float
    secret_answers: bool = False
    expires_at: float = field(init=False)
    shown: Prompt | None = field(default=None, init=False)  # the question now asked
    # Before each answer that moved on: the answers so far, and the question it answered.
    history: list[tuple[dict[str, object], Prompt]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.expires_at = time.monotonic() + self.timeout

    @abstractmethod
    def opening(self) -> Prompt:
        """The first question."""

    def answer(self, text: str) -> Step:
        tap = read(text.strip())
        asked = self.shown or self.opening()
        if isinstance(tap, WizardBack):
            if self.history:
                answers, asked = self.history.pop()
                for name, value in answers.items():
                    setattr(self, name, value)
            self.shown = asked
            return self._with_back(asked)
        value = (tap.answer if isinstance(tap, WizardAnswer) else text.strip()).lower()
        if not value or value.startswith("/"):
            return Prompt("trade.choose_again", (_cancel_row(),))
        before = self._answers()
        step = next((s for unanswered, s in self.steps() if unanswered), self.finish)(value)
        if isinstance(step, Prompt) and self._answers() != before:
            self.history.append((before, asked))
            self.shown = step
        return self._with_back(step) if isinstance(step, Prompt) else step

    def _answers(self) -> dict[str, object]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in _NOT_ANSWERS
        }

    def _with_back(self, prompt: Prompt) -> Prompt:
        """Back beside Cancel, once there is an answer to take back."""
        rows = prompt.buttons
        if not self.history or not rows or rows[-1] != _cancel_row():
            return prompt
        back = Button("button.back", BACK_WIZARD)
        return dataclasses.replace(prompt, buttons=(*rows[:-1], (back, *rows[-1])))

    @abstractmethod
    def steps(self) -> list[tuple[bool, Callable[[str], Step]]]:
        """(whether the question is still open, what takes its answer), in order."""

    @abstractmethod
    def finish(self, value: str) -> Step:
        """The last answer: the command the set-up ends in."""

    def _number(self, value: str, name: str, then: Callable[[], Prompt]) -> Step:
        number = _typed_number(value)
        if isinstance(number, Prompt):
            return number
        setattr(self, name, number)
        return then()


@dataclass
class DcaWizard(GuidedSetup):
    """The answers are only gathered here; the user's actor checks them all (pair, amount,
    schedule, the exchange's minimum) and shows a preview to confirm."""

    pair: str | None = None
    amount: str | None = None
    schedule: str | None = None
    order_type: str | None = None
    offset: str | None = None
    max_buys: str | None = None
    budget: str | None = None  # rupiah for all the buys, safety orders too; "" for none
    unfilled: str | None = None  # a limit still open at the next run: cancel | move
    missed: str | None = None  # a run missed while the bot was down: skip | catch_up
    safety: tuple[str, str] | None = None  # safety orders and the first one's distance, in %
    scales: tuple[str, str] | None = None  # each next safety order's step and amount, times

    def opening(self) -> Prompt:
        return _pair_prompt("strategy.dca.ask_pair")

    def steps(self) -> list[tuple[bool, Callable[[str], Step]]]:
        return [
            (self.pair is None, self._choose_pair),
            (self.amount is None, lambda v: self._number(v, "amount", self._ask_schedule)),
            (self.schedule is None, self._choose_schedule),
            (self.order_type is None, self._choose_type),
            (
                self.order_type == "limit" and self.offset is None,
                lambda v: self._number(v, "offset", self._ask_unfilled),
            ),
            (self.order_type == "limit" and self.unfilled is None, self._choose_unfilled),
            (self.max_buys is None, lambda v: self._number(v, "max_buys", self._ask_budget)),
            (self.budget is None, self._choose_budget),
            (self.missed is None, self._choose_missed),
            (self.safety is None, self._choose_safety),
            (self.safety not in (None, ("0", "0")) and self.scales is None, self._choose_scales),
        ]

    def _choose_pair(self, value: str) -> Prompt:
        self.pair = value
        amounts = _choices(("50000", "50.000"), ("100000", "100.000"), ("500000", "500.000"))
        return Prompt("strategy.dca.ask_amount", (amounts, _cancel_row()))

    def _choose_schedule(self, value: str) -> Prompt:
        self.schedule = " ".join(value.split())
        types = (
            Button("term.market", WizardAnswer("market").pack()),
            Button("term.limit", WizardAnswer("limit").pack()),
        )
        return Prompt("strategy.dca.ask_type", (types, _cancel_row()))

    def _ask_schedule(self) -> Prompt:
        return Prompt(
            "strategy.dca.ask_schedule",
            (
                _choices(("daily 08:00", "daily 08:00"), ("weekly mon 08:00", "weekly mon 08:00")),
                _choices(("every 12h", "every 12h"), ("every 24h", "every 24h")),
                _cancel_row(),
            ),
        )

    def _choose_type(self, value: str) -> Prompt:
        if value not in ("market", "limit"):
            return Prompt("trade.choose_again", (_cancel_row(),))
        self.order_type = value
        if value == "limit":
            return Prompt(
                "strategy.dca.ask_offset",
                (_choices(("0.5", "0,5 %"), ("1", "1 %"), ("2", "2 %")), _cancel_row()),
            )
        return self._ask_max_buys()

    def _ask_unfilled(self) -> Prompt:
        answers = (
            Button("button.dca_cancel_unfilled", WizardAnswer("cancel").pack()),
            Button("button.dca_move_unfilled", WizardAnswer("move").pack()),
        )
        return Prompt("strategy.dca.ask_unfilled", (answers, _cancel_row()))

    def _choose_unfilled(self, value: str) -> Prompt:
        if value not in ("cancel", "move"):
            return self._ask_unfilled()
        self.unfilled = value
        return self._ask_max_buys()

    def _ask_missed(self) -> Prompt:
        answers = (
            Button("button.dca_skip_missed", WizardAnswer("skip").pack()),
            Button("button.dca_catch_up_missed", WizardAnswer("catch_up").pack()),
        )
        return Prompt("strategy.dca.ask_missed", (answers, _cancel_row()))

    def _choose_missed(self, value: str) -> Prompt:
        if value not in ("skip", "catch_up"):
            return self._ask_missed()
        self.missed = value
        return self._ask_safety()

    def _ask_max_buys(self) -> Prompt:
        return Prompt(
            "strategy.dca.ask_max_buys",
            (_choices(("10", "10"), ("30", "30"), ("100", "100")), _cancel_row()),
        )

    def _ask_budget(self) -> Prompt:
        none = (Button("button.dca_no_budget", WizardAnswer("none").pack()),)
        return Prompt("strategy.dca.ask_budget", (none, _cancel_row()))

    def _choose_budget(self, value: str) -> Step:
        """`none`, or whole rupiah, `Rp` before it or not."""
        if value == "none":
            self.budget = ""
            return self._ask_missed()
        return self._number(value.removeprefix("rp").strip(), "budget", self._ask_missed)

    def _ask_safety(self) -> Prompt:
        return Prompt(
            "strategy.dca.ask_safety",
            (_choices(("0", "0"), ("3 2", "3 x 2 %"), ("5 1.5", "5 x 1,5 %")), _cancel_row()),
        )

    def _choose_safety(self, value: str) -> Step:
        """`0`, or how many and the first one's distance in percent: `3 2`, `5 1,5`."""
        if value.split() in (["0"], ["none"]):
            self.safety = ("0", "0")
            return self._ask_take_profit()
        numbers = _two_numbers(value)
        if numbers is None:
            return self._ask_safety()
        if isinstance(numbers, Prompt):
            return numbers
        self.safety = numbers
        return Prompt(
            "strategy.dca.ask_safety_scales",
            (_choices(("1 1", "x 1 / x 1"), ("1 1.5", "x 1 / x 1,5"), ("1.5 2", "x 1,5 / x 2")),
             _cancel_row()),
        )  # fmt: skip

    def _choose_scales(self, value: str) -> Step:
        """How much further each next safety order is, and how much larger: `1 1,5`."""
        numbers = _two_numbers(value)
        if numbers is None:
            return Prompt("trade.choose_again", (_cancel_row(),))
        if isinstance(numbers, Prompt):
            return numbers
        self.scales = numbers
        return self._ask_take_profit()

    def _ask_take_profit(self) -> Prompt:
        return Prompt(
            "strategy.dca.ask_take_profit",
            (_choices(("0", "0"), ("3", "3 %"), ("5", "5 %")), _cancel_row()),
        )

    def finish(self, value: str) -> Step:
        """The take-profit, the last answer."""
        number = _typed_number(value)
        if isinstance(number, Prompt):
            return number
        count, deviation = self.safety or ("0", "0")
        step_scale, volume_scale = self.scales or (None, None)
        return Finished(
            PreviewDca(
                telegram_id=self.who.telegram_id,
                chat_id=self.who.chat_id,
                pair_text=self.pair or "",
                quote_amount=self.amount or "",
                schedule=self.schedule or "",
                order_type="limit" if self.order_type == "limit" else "market",
                offset_pct=self.offset,
                max_buys=self.max_buys or "",
                budget=self.budget or None,
                safety_count=count,
                safety_deviation_pct=deviation,
                safety_step_scale=step_scale,
                safety_volume_scale=volume_scale,
                take_profit_pct=number,
                missed="catch_up" if self.missed == "catch_up" else "skip",
                unfilled="move" if self.unfilled == "move" else "cancel",
            )
        )


@dataclass
class TpslWizard(GuidedSetup):
    """Take-profit / stop-loss for coins already held: the user's actor checks the answers
    (each target against the pair's rules, the coins held) and shows a preview."""

    pair: str | None = None
    quantity: str | None = None
    entry: str | None = None  # "" for the last price
    targets: str | None = None
    stop: tuple[str | None, str | None] | None = None  # (fixed %, trailing %)

    def opening(self) -> Prompt:
        return _pair_prompt("strategy.tpsl.ask_pair")

    def steps(self) -> list[tuple[bool, Callable[[str], Step]]]:
        return [
            (self.pair is None, self._choose_pair),
            (self.quantity is None, lambda v: self._number(v, "quantity", self._ask_entry)),
            (self.entry is None, self._choose_entry),
            (self.targets is None, self._choose_targets),
            (self.stop is None, self._choose_stop),
        ]

    def _choose_pair(self, value: str) -> Prompt:
        self.pair = value
        return Prompt("strategy.tpsl.ask_quantity", (_cancel_row(),))

    def _ask_entry(self) -> Prompt:
        last = (Button("button.tpsl_last_price", WizardAnswer("last").pack()),)
        return Prompt("strategy.tpsl.ask_entry", (last, _cancel_row()))

    def _choose_entry(self, value: str) -> Step:
        if value == "last":
            self.entry = ""
            return self._ask_targets()
        return self._number(value, "entry", self._ask_targets)

    def _ask_targets(self) -> Prompt:
        return Prompt(
            "strategy.tpsl.ask_targets",
            (
                _choices(("5:50,10:50", "+5 % ½, +10 % ½"), ("3:100", "+3 %"), ("-", "-")),
                _cancel_row(),
            ),
        )

    def _choose_targets(self, value: str) -> Prompt:
        self.targets = "" if value in ("-", "0", "none") else value.replace(" ", "")
        return Prompt(
            "strategy.tpsl.ask_stop",
            (
                _choices(("3", "-3 %"), ("5", "-5 %"), ("trail 3", "trailing 3 %"), ("0", "-")),
                _cancel_row(),
            ),
        )

    def _choose_stop(self, value: str) -> Step:
        """`3` (a stop 3 % under the entry), `trail 3` (3 % under the highest), `0`."""
        trailing = value.startswith("trail")
        number = _typed_number(value.removeprefix("trailing").removeprefix("trail").strip())
        if isinstance(number, Prompt):
            return number
        none = number in ("0", "")
        self.stop = (None, None) if none else ((None, number) if trailing else (number, None))
        answers = (
            Button("term.yes", WizardAnswer("yes").pack()),
            Button("term.no", WizardAnswer("no").pack()),
        )
        return Prompt("strategy.tpsl.ask_breakeven", (answers, _cancel_row()))

    def finish(self, value: str) -> Step:
        fixed, trailing = self.stop or (None, None)
        return Finished(
            PreviewTpsl(
                telegram_id=self.who.telegram_id,
                chat_id=self.who.chat_id,
                pair_text=self.pair or "",
                quantity=self.quantity or "",
                entry_price=self.entry or None,
                targets=self.targets or "",
                stop_loss_pct=fixed,
                trailing_stop_pct=trailing,
                breakeven=value in ("yes", "ya", "y"),
            )
        )


@dataclass
class GridWizard(GuidedSetup):
    """The range, its levels and what each level trades: the user's actor checks them all
    (the pair's tick and minimums, the step against a round trip's fees and tax, the IDR
    and coin the account has) and shows a preview to confirm."""

    pair: str | None = None
    lower: str | None = None
    upper: str | None = None
    levels: str | None = None
    spacing: str | None = None
    amount: tuple[str, bool] | None = None  # the number, and whether it is coin
    coin_source: str | None = None
    exits: tuple[str | None, str | None] | None = None  # stop-loss, take-profit prices

    def opening(self) -> Prompt:
        return _pair_prompt("strategy.grid.ask_pair")

    def steps(self) -> list[tuple[bool, Callable[[str], Step]]]:
        return [
            (self.pair is None, self._choose_pair),
            (self.lower is None, lambda v: self._number(v, "lower", self._ask_upper)),
            (self.upper is None, lambda v: self._number(v, "upper", self._ask_levels)),
            (self.levels is None, lambda v: self._number(v, "levels", self._ask_spacing)),
            (self.spacing is None, self._choose_spacing),
            (self.amount is None, self._choose_amount),
            (self.coin_source is None, self._choose_source),
            (self.exits is None, self._choose_exits),
        ]

    def _choose_pair(self, value: str) -> Prompt:
        self.pair = value
        return Prompt("strategy.grid.ask_lower", (_cancel_row(),))

    def _ask_upper(self) -> Prompt:
        return Prompt("strategy.grid.ask_upper", (_cancel_row(),))

    def _ask_levels(self) -> Prompt:
        levels = _choices(("10", "10"), ("20", "20"), ("50", "50"))
        return Prompt("strategy.grid.ask_levels", (levels, _cancel_row()))

    def _ask_spacing(self) -> Prompt:
        spacings = (
            Button("term.arithmetic", WizardAnswer("arithmetic").pack()),
            Button("term.geometric", WizardAnswer("geometric").pack()),
        )
        return Prompt("strategy.grid.ask_spacing", (spacings, _cancel_row()))

    def _choose_spacing(self, value: str) -> Prompt:
        spacing = SPACINGS.get(value)
        if spacing is None:
            return self._ask_spacing()
        self.spacing = spacing
        amounts = _choices(("100000", "100.000"), ("250000", "250.000"), ("500000", "500.000"))
        return Prompt("strategy.grid.ask_amount", (amounts, _cancel_row()))

    def _choose_amount(self, value: str) -> Step:
        """Rupiah (`100.000`, `rp 100.000`), or coin with its name after (`0,001 btc`)."""
        words = [w for w in value.split() if w not in ("rp", "idr")]
        if not 1 <= len(words) <= 2:
            return Prompt("trade.choose_again", (_cancel_row(),))
        number = _typed_number(words[0])
        if isinstance(number, Prompt):
            return number
        self.amount = (number, len(words) == 2)
        sources = (
            Button("button.grid_buy_coin", WizardAnswer("buy").pack()),
            Button("button.grid_use_held", WizardAnswer("held").pack()),
        )
        return Prompt("strategy.grid.ask_source", (sources, _cancel_row()))

    def _choose_source(self, value: str) -> Prompt:
        if value not in ("buy", "held"):
            return Prompt("trade.choose_again", (_cancel_row(),))
        self.coin_source = value
        return Prompt("strategy.grid.ask_exits", (_choices(("-", "-")), _cancel_row()))

    def _choose_exits(self, value: str) -> Step:
        """`-` for none; a stop-loss price; or a stop-loss and a take-profit (0 for none)."""
        words = [] if value in ("-", "0", "none") else value.split()
        if len(words) > 2:
            return Prompt("trade.choose_again", (_cancel_row(),))
        prices: list[str | None] = []
        for word in words:
            number = _typed_number(word)
            if isinstance(number, Prompt):
                return number
            prices.append(None if number == "0" else number)
        stop, take = [*prices, None, None][:2]
        self.exits = (stop, take)
        if stop is None and take is None:
            return self.finish("no")
        answers = (
            Button("term.yes", WizardAnswer("yes").pack()),
            Button("term.no", WizardAnswer("no").pack()),
        )
        return Prompt("strategy.grid.ask_sell", (answers, _cancel_row()))

    def finish(self, value: str) -> Step:
        """Whether the grid's coins are sold when it leaves at a stop-loss or take-profit."""
        number, in_coin = self.amount or ("", False)
        stop, take = self.exits or (None, None)
        return Finished(
            PreviewGrid(
                telegram_id=self.who.telegram_id,
                chat_id=self.who.chat_id,
                pair_text=self.pair or "",
                lower=self.lower or "",
                upper=self.upper or "",
                levels=self.levels or "",
                spacing="geometric" if self.spacing == "geometric" else "arithmetic",
                amount_idr=None if in_coin else number,
                amount_coin=number if in_coin else None,
                coin_source="held" if self.coin_source == "held" else "buy",
                stop_loss=stop,
                take_profit=take,
                sell_at_exit=value in ("yes", "ya", "y"),
            )
        )


@dataclass
class EditWizard(GuidedSetup):
    """One field of a strategy, asked from the button under its details, which gives the
    strategy and the field as the first two answers; the user's actor checks the value
    against the strategy and shows a preview of the change to confirm."""

    strategy_id: str | None = None
    edited: str | None = None  # the field

    def opening(self) -> Prompt:
        return Prompt("strategy.edit.ask_field", (_cancel_row(),))

    def steps(self) -> list[tuple[bool, Callable[[str], Step]]]:
        return [
            (self.strategy_id is None, self._choose_strategy),
            (self.edited is None, self._ask),
        ]

    def _with_back(self, prompt: Prompt) -> Prompt:
        """One question only: the strategy and the field came with the button."""
        return prompt

    def _choose_strategy(self, value: str) -> Prompt:
        if value.isdigit():
            self.strategy_id = value
        return self.opening()

    def _ask(self, value: str) -> Prompt:
        if value not in get_args(EditableField):
            return self.opening()
        self.edited = value
        key = "strategy.edit.ask_clearable" if value in CLEARABLE_FIELDS else "strategy.edit.ask"
        return Prompt(key, (_cancel_row(),), (("field", f"field_{value}"),))

    def finish(self, value: str) -> Step:
        """The new value: a number, or `-` to clear a field that may be left out."""
        if value in ("-", "none", "tidak") and self.edited in CLEARABLE_FIELDS:
            typed = ""
        else:
            number = _typed_number(value)
            if isinstance(number, Prompt):
                return number
            typed = number
        return Finished(
            PreviewEdit(
                telegram_id=self.who.telegram_id,
                chat_id=self.who.chat_id,
                strategy_id=int(self.strategy_id or 0),
                field=cast(EditableField, self.edited),
                value=typed,
            )
        )


# How a grid's spacing may be answered, in either language.
SPACINGS = {
    "arithmetic": "arithmetic",
    "aritmetika": "arithmetic",
    "geometric": "geometric",
    "geometri": "geometric",
}

STARTERS: dict[str, type[LinkConversation] | type[TradeWizard] | type[GuidedSetup]] = {
    "/link": LinkConversation,
    "/trade": TradeWizard,
    "/dca": DcaWizard,
    "/tpsl": TpslWizard,
    "/grid": GridWizard,
    "/edit": EditWizard,
}


@dataclass(frozen=True)
class Transcript:
    """A conversation as the user has had it so far: how it started and every answer, so
    it can be had again to the same question after the adapter restarts."""

    who: Who
    starter: str
    answers: tuple[str, ...]
    seconds_left: float


class Keeper(Protocol):
    """Where a Desk keeps its open conversations' transcripts (never one that carries a
    secret: /link's are not kept)."""

    def keep(self, transcript: Transcript) -> None: ...
    def forget(self, telegram_id: int) -> None: ...
    def kept(self) -> list[Transcript]: ...


class Desk:
    """At most one conversation per user; the same rules in every chat adapter.

    A command typed mid-conversation leaves the conversation (the adapter calls `drop`);
    /cancel or the Cancel button ends it; an answer after its time ends it too. With a
    keeper, each open conversation's transcript is kept as it goes, and `restore` has them
    again after a restart: the user answers the question they were asked."""

    def __init__(self, seconds: float, keeper: Keeper | None = None) -> None:
        self.seconds = seconds
        self.open: dict[int, Conversation] = {}
        self.keeper = keeper
        self.transcripts: dict[int, tuple[str, list[str]]] = {}  # user -> starter, answers

    def start(
        self, who: Who, starter: str, answers: tuple[str, ...] = (), seconds: float | None = None
    ) -> Step:
        """The conversation opened, and `answers` given to its first questions (a button
        that starts it from what it already knows: TP/SL under a filled buy); `seconds`:
        its time, when not a whole one (a conversation had again after a restart)."""
        conversation = STARTERS[starter](who, self.seconds if seconds is None else seconds)
        self.open[who.telegram_id] = conversation
        if not conversation.secret_answers:
            self.transcripts[who.telegram_id] = (starter, [])
        step: Step = conversation.opening()
        for answer in answers:
            step = self._answer(who.telegram_id, answer, keep=False)
        self._keep(who.telegram_id)  # once, with all of them
        return step

    def restore(self) -> int:
        """The kept conversations still within their time, had again; how many."""
        if self.keeper is None:
            return 0
        restored = 0
        for transcript in self.keeper.kept():
            if transcript.seconds_left <= 0 or transcript.starter not in STARTERS:
                self.keeper.forget(transcript.who.telegram_id)
                continue
            who, left = transcript.who, transcript.seconds_left
            self.start(who, transcript.starter, transcript.answers, seconds=left)
            restored += who.telegram_id in self.open
        return restored

    def _keep(self, telegram_id: int) -> None:
        conversation, had = self.open.get(telegram_id), self.transcripts.get(telegram_id)
        if self.keeper is None or conversation is None or had is None:
            return
        starter, answers = had
        left = conversation.expires_at - time.monotonic()
        self.keeper.keep(Transcript(conversation.who, starter, tuple(answers), left))

    def route(self, who: Who, text: str) -> Step | None:
        """The conversations' part of a typed line: a Step when the line belongs to one (an
        answer, /cancel, a bare /link or /trade starting one), None when it is an ordinary
        command for the grammar (which also leaves a conversation in progress)."""
        words = text.split()
        command = words[0].split("@")[0].lower() if words else ""
        if self.holds(who.telegram_id) is not None:
            if not command.startswith("/") or command == "/cancel":
                return self.answer(who.telegram_id, text)
            self.drop(who.telegram_id)
        if command == "/cancel" and len(words) == 1:
            return Ended("conversation.nothing_to_cancel")
        if command in STARTERS and len(words) == 1:
            return self.start(who, command)
        return None

    def holds(self, telegram_id: int) -> Conversation | None:
        return self.open.get(telegram_id)

    def drop(self, telegram_id: int) -> None:
        self.open.pop(telegram_id, None)
        self._forget(telegram_id)

    def _forget(self, telegram_id: int) -> None:
        if self.transcripts.pop(telegram_id, None) is not None and self.keeper is not None:
            self.keeper.forget(telegram_id)

    def answer(self, telegram_id: int, text: str) -> Step:
        return self._answer(telegram_id, text, keep=True)

    def _answer(self, telegram_id: int, text: str, *, keep: bool) -> Step:
        conversation = self.open[telegram_id]
        if conversation.expires_at < time.monotonic():
            return self._close(telegram_id, Ended("conversation.timed_out"))
        cancel = text.strip().split("@")[0].lower() == "/cancel"
        if cancel or isinstance(read(text.strip()), WizardCancel):
            return self._close(telegram_id, Ended("conversation.cancelled"))
        step = conversation.answer(text)
        if not isinstance(step, Prompt):
            return self._close(telegram_id, step)
        had = self.transcripts.get(telegram_id)
        if had is not None:
            had[1].append(text)
            if keep:
                self._keep(telegram_id)
        return step

    def sweep(self) -> list[Conversation]:
        """The conversations past their time, closed now, so the user can be told."""
        now = time.monotonic()
        expired = [c for c in self.open.values() if c.expires_at <= now]
        for conversation in expired:
            del self.open[conversation.who.telegram_id]
            self._forget(conversation.who.telegram_id)
        return expired

    def _close(self, telegram_id: int, step: Step) -> Step:
        self.open.pop(telegram_id, None)
        self._forget(telegram_id)
        return step
