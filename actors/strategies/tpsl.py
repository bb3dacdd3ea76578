"""Take-profit / stop-loss for a position: coins held, bought at an entry price.

The take-profit targets rest on the exchange as limit sells (each a portion of the
position at a percentage above the entry), so they fill even while the bot is down. The
stop lives in the TriggerBook: a fixed level under the entry, or a trailing stop that
follows the highest price by a distance in percent; with `breakeven` it moves up to the
entry once the first target has filled. A trailing take-profit, when set, arms at its
activation price and then sells everything once the price falls back `callback_pct` from
the highest it reached.

One outcome, never both: when the stop (or the trailing take-profit) fires, the resting
targets are cancelled first and the remainder is sold at market only once every target's
end is known, so a target that filled while its cancel was on the way is counted and not
sold twice. Each execution is told with its price and its profit or loss against the
entry, fees included. The position is done when everything is sold.

Parameters (text): entry_price, quantity, targets ("5:50,10:50": +5 % for half, +10 % for
the rest; portions add up to at most 100), stop_loss_pct, trailing_stop_pct (instead of a
fixed stop), breakeven (yes/no), trailing_activation_pct and trailing_callback_pct.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from actors.strategies.money import whole_rupiah
from actors.strategies.parameters import BadParameter, decimal_parameter
from actors.strategies.strategy import BaseStrategy, Progress
from messages.charts import ChartLine
from messages.events import OrderUpdate, TriggerFired
from messages.triggers import MalformedTriggerId, StrategyTrigger

STOP, TRAIL_ARM, TRAIL = "stop", "trail_arm", "trail"  # triggers
EXIT = "exit"  # the market sell of what is left when the stop or trailing take-profit fires
USER, USER_SELL = "user", "user_sell"  # stopped from the chat, keeping or selling the rest
ENDS = ("filled", "cancelled", "rejected")
ZERO, HUNDRED = Decimal(0), Decimal(100)
MAX_TARGETS = 10


class BadExit(BadParameter):
    """The parameters do not make a TP/SL plan."""


@dataclass(frozen=True)
class Target:
    pct: Decimal  # above the entry
    portion: Decimal  # percent of the position


@dataclass(frozen=True)
class ExitPlan:
    entry: Decimal
    quantity: Decimal
    targets: tuple[Target, ...]
    stop_pct: Decimal | None = None
    trailing_stop_pct: Decimal | None = None
    breakeven: bool = False
    trail_activation_pct: Decimal | None = None
    trail_callback_pct: Decimal | None = None

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ExitPlan:
        plan = cls(
            entry=_positive(params.get("entry_price"), "entry_price"),
            quantity=_positive(params.get("quantity"), "quantity"),
            targets=_targets(str(params.get("targets") or "")),
            stop_pct=_optional(params.get("stop_loss_pct"), "stop_loss_pct", HUNDRED),
            trailing_stop_pct=_optional(
                params.get("trailing_stop_pct"), "trailing_stop_pct", HUNDRED
            ),
            breakeven=str(params.get("breakeven", "no")).lower() in ("yes", "true", "1"),
            trail_activation_pct=_optional(
                params.get("trailing_activation_pct"), "trailing_activation_pct", Decimal(1000)
            ),
            trail_callback_pct=_optional(
                params.get("trailing_callback_pct"), "trailing_callback_pct", HUNDRED
            ),
        )
        if plan.stop_pct is not None and plan.trailing_stop_pct is not None:
            raise BadExit("trailing_stop_pct", "either a fixed stop or a trailing one")
        if (plan.trail_activation_pct is None) != (plan.trail_callback_pct is None):
            raise BadExit("trailing_callback_pct", "an activation and a callback, or neither")
        exits = (plan.stop_pct, plan.trailing_stop_pct, plan.trail_activation_pct)
        if not plan.targets and all(exit_ is None for exit_ in exits):
            raise BadExit("targets", "at least a target, a stop or a trailing take-profit")
        return plan

    def target_price(self, target: Target) -> Decimal:
        return (self.entry * (HUNDRED + target.pct) / HUNDRED).quantize(Decimal(1), ROUND_HALF_UP)

    def target_quantity(self, target: Target) -> Decimal:
        return (self.quantity * target.portion / HUNDRED).quantize(Decimal("1e-8"), ROUND_DOWN)

    def activation_level(self) -> Decimal | None:
        """Where the trailing take-profit arms; None without one."""
        if self.trail_activation_pct is None:
            return None
        return (self.entry * (HUNDRED + self.trail_activation_pct) / HUNDRED).quantize(Decimal(1))

    def stop_level(self, breakeven_reached: bool) -> Decimal | None:
        if self.stop_pct is None:
            return None
        if breakeven_reached:
            return self.entry
        return (self.entry * (HUNDRED - self.stop_pct) / HUNDRED).quantize(Decimal(1), ROUND_DOWN)


def _positive(value: Any, name: str) -> Decimal:
    number = decimal_parameter(value, name, BadExit)
    if number <= 0:
        raise BadExit(name, "above 0")
    return number


def _optional(value: Any, name: str, most: Decimal) -> Decimal | None:
    if value in (None, "", "0"):
        return None
    number = _positive(value, name)
    if number >= most:
        raise BadExit(name, f"under {most}")
    return number


def _targets(text: str) -> tuple[Target, ...]:
    """`5:50,10:50` as targets, the nearest first; portions add up to at most 100."""
    if not text.strip():
        return ()
    targets = []
    for part in text.split(",")[: MAX_TARGETS + 1]:
        pct, _, portion = part.partition(":")
        targets.append(Target(_positive(pct, "targets"), _positive(portion, "targets")))
    if len(targets) > MAX_TARGETS or sum(t.portion for t in targets) > HUNDRED:
        raise BadExit("targets", f"at most {MAX_TARGETS}, portions adding up to at most 100")
    return tuple(sorted(targets, key=lambda t: t.pct))


class TakeProfitStopLoss(BaseStrategy):
    kind = "tpsl"

    @classmethod
    def progress(cls, params: dict[str, Any], state: dict[str, Any]) -> Progress:
        """Realised: what its sales made against the entry; next, where the stop waits."""
        pnl = Decimal(state.get("pnl", "0"))
        plan = ExitPlan.from_params(params)
        if state.get("exiting"):
            return Progress(pnl, "exiting")
        if plan.trailing_stop_pct is not None:
            return Progress(pnl, "trailing_stop", f"{plan.trailing_stop_pct.normalize()} %")
        level = plan.stop_level(bool(state.get("breakeven_reached")))
        if level is None:
            return Progress(pnl, "orders_resting", str(len(state.get("order_intents", {}))))
        return Progress(pnl, "stop_at", str(level))

    @classmethod
    def chart_lines(cls, params: dict[str, Any], state: dict[str, Any]) -> tuple[ChartLine, ...]:
        """Its targets, its stop (at the entry once breakeven is reached) and where its
        trailing take-profit arms, until it has. A trailing stop follows the highest price,
        which only the TriggerBook knows: it is drawn where it started, under the entry,
        the lowest it can be."""
        plan = ExitPlan.from_params(params)
        lines = [ChartLine("take_profit", str(plan.target_price(t))) for t in plan.targets]
        stop = plan.stop_level(bool(state.get("breakeven_reached")))
        if stop is not None:
            lines.append(ChartLine("stop_loss", str(stop)))
        if plan.trailing_stop_pct is not None:
            floor = plan.entry * (HUNDRED - plan.trailing_stop_pct) / HUNDRED
            lines.append(ChartLine("trailing_stop", str(floor.quantize(Decimal(1), ROUND_DOWN))))
        activation = plan.activation_level()
        if activation is not None and not state.get("trail_armed"):
            lines.append(ChartLine("trailing_take_profit", str(activation)))
        return tuple(lines)

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.plan = ExitPlan.from_params(self.params)

    def on_start(self) -> None:
        """Each target once (they rest on the exchange; each is marked placed with its
        intent in one write); an exit a crash interrupted, finished; the triggers at every
        start."""
        for number in range(1, len(self.plan.targets) + 1):
            if not self.state.get(f"tp{number}_placed"):
                self._place_target(number, **{f"tp{number}_placed": True})
        state = self.state
        if state.get("exiting") and not state.get("exit_placed") and not self.context.open_orders():
            self._sell_rest(state)
        self._arm(state)

    def _arm(self, state: dict[str, Any]) -> None:
        if state.get("exiting"):
            return
        if self.plan.trailing_stop_pct is not None:
            self.context.watch(STOP, "trailing_sell", percent=str(self.plan.trailing_stop_pct))
        else:
            level = self.plan.stop_level(bool(state.get("breakeven_reached")))
            if level is not None:
                self.context.watch(STOP, "below", level=str(level))
        activation = self.plan.activation_level()
        if activation is not None and not state.get("trail_armed"):
            self.context.watch(TRAIL_ARM, "above", level=str(activation))
        elif state.get("trail_armed"):
            self.context.watch(TRAIL, "trailing_sell", percent=str(self.plan.trail_callback_pct))

    def on_trigger(self, fired: TriggerFired) -> None:
        try:
            name = StrategyTrigger.decode(fired.trigger_id).name
        except MalformedTriggerId:
            return
        state = self.state
        if state.get("exiting"):
            return
        if name == TRAIL_ARM:
            self.context.save(trail_armed=True)
            self.context.unwatch(TRAIL_ARM)
            self.context.watch(TRAIL, "trailing_sell", percent=str(self.plan.trail_callback_pct))
            return
        if name == STOP:
            level = self.plan.stop_level(bool(state.get("breakeven_reached")))
            if level is not None and Decimal(fired.price) > level:
                return  # a stop since moved up fired at its old level
        if name in (STOP, TRAIL):
            self._exit(state, "stop" if name == STOP else "trailing")

    def _exit(self, state: dict[str, Any], why: str) -> None:
        """The targets cancelled first; what is left is sold once their ends are known."""
        self.context.save(exiting=why)
        self.context.unwatch(STOP)
        self.context.unwatch(TRAIL)
        if self.context.open_orders():
            self.context.cancel()
            return
        self._sell_rest({**state, "exiting": why})

    def on_leave(self, sell: bool) -> None:
        """Stopped from the chat: the targets cancelled first, then the rest sold at market
        if the user asked for it."""
        state = self.state
        if not state.get("exiting"):
            self._exit(state, USER_SELL if sell else USER)

    def _sell_rest(self, state: dict[str, Any]) -> None:
        left = self.plan.quantity - Decimal(state.get("sold", "0"))
        if left > 0 and state.get("exiting") != USER:
            quantity = format(left.normalize(), "f")
            self.context.order(EXIT, "sell", "market", quantity=quantity, exit_placed=True)
            return
        self._done(state)

    def on_order_update(self, update: OrderUpdate) -> None:
        state = self.state
        if update.never_sent:  # lost before it left: the same order, asked again
            self._ask_again(update.leg or "", state)
            return
        progress = self._counted(update, state)
        if update.kind not in ENDS:
            self.context.save(**progress)
            return
        if update.leg == "tp1" and update.kind == "filled" and self.plan.breakeven:
            progress["breakeven_reached"] = True
        self.context.save(**progress)
        now = {**state, **progress}
        if self.context.open_orders():  # targets still rest, or their cancels are on the way
            if not now.get("exiting"):
                self._arm(now)
            return
        if now.get("exiting"):
            if now.get("exit_placed"):
                self._done(now)
            else:
                self._sell_rest(now)
        elif self._waits_for_stop(now):
            self._arm(now)
        else:
            self._done(now)

    def _counted(self, update: OrderUpdate, state: dict[str, Any]) -> dict[str, Any]:
        """What this update sold, and its profit or loss against the entry, told."""
        quantity, price = Decimal(update.quantity), Decimal(update.price or 0)
        if quantity <= 0:
            return {}
        pnl = (price - self.plan.entry) * quantity - Decimal(update.fee)
        self.context.realised(pnl, update)
        self._tell_sold(update.leg or "", quantity, price, pnl, state)
        return {
            "sold": str(Decimal(state.get("sold", "0")) + quantity),
            "pnl": str(Decimal(state.get("pnl", "0")) + pnl),
        }

    def _ask_again(self, leg: str, state: dict[str, Any]) -> None:
        if leg == EXIT:
            self._sell_rest({**state, "exit_placed": False})
            return
        self._place_target(int(leg.removeprefix("tp")))

    def _place_target(self, number: int, **state: Any) -> None:
        """Target `number` (from 1) as a resting limit sell; `state` saved with its intent."""
        target = self.plan.targets[number - 1]
        self.context.order(
            f"tp{number}",
            "sell",
            "limit",
            price=str(self.plan.target_price(target)),
            quantity=format(self.plan.target_quantity(target).normalize(), "f"),
            **state,
        )

    def _tell_sold(
        self, leg: str, quantity: Decimal, price: Decimal, pnl: Decimal, state: dict[str, Any]
    ) -> None:
        if leg == EXIT:
            why = state.get("exiting")
            key = {
                "trailing": "strategy.tpsl.trailing_sold",
                USER_SELL: "strategy.tpsl.user_sold",
            }.get(str(why), "strategy.tpsl.stop_sold")
            self.context.notify(
                key, quantity=quantity.normalize(), price=_rupiah(price), pnl=_rupiah(pnl)
            )
            return
        self.context.notify(
            "strategy.tpsl.target_sold",
            number=leg.removeprefix("tp"),
            quantity=quantity.normalize(),
            price=_rupiah(price),
            pnl=_rupiah(pnl),
        )

    def _waits_for_stop(self, state: dict[str, Any]) -> bool:
        """Coins still held with a stop or trailing take-profit guarding them."""
        left = self.plan.quantity - Decimal(state.get("sold", "0"))
        guarded = self.plan.stop_pct is not None or self.plan.trailing_stop_pct is not None
        return left > 0 and (guarded or self.plan.trail_activation_pct is not None)

    def _done(self, state: dict[str, Any]) -> None:
        self.context.notify(
            "strategy.tpsl.done",
            sold=Decimal(state.get("sold", "0")).normalize(),
            pnl=_rupiah(Decimal(state.get("pnl", "0"))),
        )
        self.context.stop(result=state.get("exiting") or "targets")


def _rupiah(value: Decimal) -> str:
    return str(whole_rupiah(value))
