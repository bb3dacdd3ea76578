"""DCA: buy a fixed rupiah amount on a schedule, at market or as a limit under the last price.

Each run is a durable timer whose payload names the run's moment, so a timer handed twice
(a crash before it was marked handled) or left over from an earlier arming is recognised
and ignored: the run's moment is saved in the state and only its own timer acts. The next
run's timer is set before anything else is saved, so a crash leaves at worst an extra
timer, which is ignored, never none.

- A run that comes more than MISSED_AFTER late (the bot was down) follows the plan's
  policy: `skip` it, or `catch_up` with one run now. Only one timer is ever pending, so a
  long outage never makes a burst.
- An order of the previous run still open (a limit not filled, a market order whose end is
  not known yet) is cancelled first and this run buys once its end is known; with
  `unfilled: move` the rupiah it did not spend is added to this run's order, with
  `cancel` it is given up.
- A refused order (not enough IDR, below the minimum, the market closed) skips the run and
  the user is told why; after `pause_after_refusals` refusals in a row the strategy pauses.
- It stops after `max_buys` runs or when the budget left cannot pay a whole run.

Amounts are whole rupiah (the desk floors each order to the pair's steps); what was
bought and spent is summed from the order updates, each handed exactly once, the value of
each fill to the rupiah plus its fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from actors.strategies.schedule import Schedule, parse_schedule
from actors.strategies.strategy import BaseStrategy
from messages.events import OrderUpdate

LEG = "buy"
MISSED_AFTER = timedelta(minutes=10)
ENDS = ("filled", "cancelled", "rejected")
ZERO = Decimal(0)


class BadPlan(ValueError):
    """The strategy's parameters do not make a DCA plan: `field` names the one at fault
    (empty for the plan as a whole), the text says what it should be."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__(f"{field}: {text}" if field else text)
        self.field = field


@dataclass(frozen=True)
class DcaPlan:
    quote_amount: int  # rupiah per run
    schedule: Schedule
    order_type: Literal["market", "limit"] = "market"
    offset_pct: Decimal = ZERO  # a limit's price under the last price, in percent
    unfilled: Literal["cancel", "move"] = "cancel"
    max_buys: int | None = None
    budget: int | None = None  # rupiah, fees included
    missed: Literal["skip", "catch_up"] = "skip"
    pause_after_refusals: int = 3

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> DcaPlan:
        order_type = params.get("order_type", "market")
        unfilled = params.get("unfilled", "cancel")
        missed = params.get("missed", "skip")
        if order_type not in ("market", "limit"):
            raise BadPlan("order_type", "market or limit")
        if unfilled not in ("cancel", "move"):
            raise BadPlan("unfilled", "cancel or move")
        if missed not in ("skip", "catch_up"):
            raise BadPlan("missed", "skip or catch_up")
        offset = _decimal(params.get("offset_pct", "0"), "offset_pct")
        if not ZERO <= offset < 100:
            raise BadPlan("offset_pct", "from 0 to under 100")
        plan = cls(
            quote_amount=_whole(params.get("quote_amount"), "quote_amount"),
            schedule=parse_schedule(str(params.get("schedule", ""))),
            order_type=order_type,
            offset_pct=offset,
            unfilled=unfilled,
            max_buys=_optional_whole(params.get("max_buys"), "max_buys"),
            budget=_optional_whole(params.get("budget"), "budget"),
            missed=missed,
            pause_after_refusals=_whole(
                params.get("pause_after_refusals", 3), "pause_after_refusals"
            ),
        )
        if plan.budget is not None and plan.budget < plan.quote_amount:
            raise BadPlan("budget", "pays for at least one run")
        return plan

    def limit_price(self, last: Decimal) -> Decimal:
        """A limit run's price: `offset_pct` under the last price, in whole rupiah (the desk
        floors it to the pair's tick)."""
        return (last * (100 - self.offset_pct) / 100).quantize(Decimal(1), rounding=ROUND_DOWN)


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadPlan(name, "a number") from None
    if not number.is_finite():
        raise BadPlan(name, "a number")
    return number


def _whole(value: Any, name: str) -> int:
    number = _decimal(value, name)
    if number != number.to_integral_value() or number <= 0 or number > 10**15:
        raise BadPlan(name, "a whole number above 0")
    return int(number)


def _optional_whole(value: Any, name: str) -> int | None:
    return None if value in (None, "") else _whole(value, name)


class DollarCostAverage(BaseStrategy):
    kind = "dca"

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.plan = DcaPlan.from_params(self.params)

    def on_start(self) -> None:
        """The first run's timer, once: later starts find it saved (and pending)."""
        if not self.state.get("next_run"):
            first = self.plan.schedule.first(self.context.now())
            self.context.save(next_run=self._arm(first))

    def on_timer(self, payload: str) -> None:
        state = self.state
        if payload != f"run:{state.get('next_run')}":
            return  # handed again, or an earlier arming's: its run is done
        now = self.context.now()
        scheduled = datetime.fromisoformat(state["next_run"])
        following = self._arm(self.plan.schedule.next_after(max(now, scheduled)))
        if now - scheduled > MISSED_AFTER and self.plan.missed == "skip":
            self.context.save(next_run=following, missed_runs=state.get("missed_runs", 0) + 1)
            return
        if self.context.open_orders():
            self.context.save(next_run=following, run_waiting=True)
            self.context.cancel()
            return
        self._run(next_run=following)

    def on_order_update(self, update: OrderUpdate) -> None:
        state = self.state
        if update.never_sent:  # lost before it left: the same run asks again
            self._order(int(state["order_amount"]))
            return
        spent = _whole_rupiah(Decimal(update.quantity) * Decimal(update.price or 0)) + Decimal(
            update.fee
        )
        progress: dict[str, Any] = {
            "spent": str(Decimal(state.get("spent", "0")) + spent),
            "bought": str(Decimal(state.get("bought", "0")) + Decimal(update.quantity)),
            "order_spent": str(Decimal(state.get("order_spent", "0")) + spent),
        }
        if update.kind not in ENDS:
            self.context.save(**progress)
            return
        self._ended(update, state, progress)

    def _ended(self, update: OrderUpdate, state: dict[str, Any], progress: dict[str, Any]) -> None:
        order_spent = Decimal(progress["order_spent"])
        unspent = int(Decimal(state["order_amount"]) - order_spent)
        carry = unspent if self.plan.unfilled == "move" and update.kind == "cancelled" else 0
        refusals = state.get("refusals", 0) + 1 if update.kind == "rejected" else 0
        progress.update(order_spent="0", carry=carry, refusals=refusals, run_waiting=False)
        if update.kind == "rejected":
            self.context.notify("strategy.dca.refused", reason=update.reason or "")
            if refusals >= self.plan.pause_after_refusals:
                self.context.notify("strategy.dca.paused", refusals=refusals)
                self.context.pause(**progress)
                return
        elif order_spent > 0:
            self._tell_bought(order_spent, progress)
        if state.get("run_waiting"):
            self._run(**progress)
        elif self._done(state.get("runs", 0), Decimal(progress["spent"])):
            self._stop(progress)
        else:
            self.context.save(**progress)

    def _tell_bought(self, order_spent: Decimal, progress: dict[str, Any]) -> None:
        bought, spent = Decimal(progress["bought"]), Decimal(progress["spent"])
        self.context.notify(
            "strategy.dca.bought",
            idr=_rupiah(order_spent),
            total_coin=bought.normalize(),
            total_idr=_rupiah(spent),
            average=_rupiah(spent / bought) if bought else "0",
        )

    def _run(self, **progress: Any) -> None:
        """This run's order, unless the plan is complete."""
        state = {**self.state, **progress}
        spent = Decimal(state.get("spent", "0"))
        if self._done(state.get("runs", 0), spent):
            self._stop(progress)
            return
        amount = self.plan.quote_amount + int(state.get("carry", 0))
        if self.plan.budget is not None:
            amount = min(amount, int(self.plan.budget - spent))
        self._order(amount, runs=state.get("runs", 0) + 1, **progress)

    def _order(self, amount: int, **progress: Any) -> None:
        price: str | None = None
        if self.plan.order_type == "limit":
            last = self.context.last_price()
            if last is None:  # no price to go under: this run waits for the next
                self.context.save(**progress)
                self.context.notify("strategy.dca.no_price")
                return
            price = str(self.plan.limit_price(last))
        self.context.order(
            LEG,
            "buy",
            self.plan.order_type,
            price=price,
            quote_amount=str(amount),
            **{**progress, "order_amount": amount, "order_spent": "0", "carry": 0},
        )

    def _done(self, runs: int, spent: Decimal) -> bool:
        if self.plan.max_buys is not None and runs >= self.plan.max_buys:
            return True
        return self.plan.budget is not None and self.plan.budget - spent < self.plan.quote_amount

    def _stop(self, progress: dict[str, Any]) -> None:
        self.context.notify("strategy.dca.finished", runs=self.state.get("runs", 0))
        self.context.stop(**progress)

    def _arm(self, at: datetime) -> str:
        """The run at `at` armed; its moment, as saved in the state and named in the timer."""
        moment = at.isoformat()
        self.context.set_timer(max(at - self.context.now(), timedelta(0)), f"run:{moment}")
        return moment


def _whole_rupiah(value: Decimal) -> Decimal:
    """A fill's value to the rupiah: its price is the fill's average (8 places), so the
    product carries dust the exchange never charged (it reports whole rupiah)."""
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _rupiah(value: Decimal) -> str:
    return str(value.quantize(Decimal(1), rounding=ROUND_DOWN))
