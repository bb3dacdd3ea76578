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
- Safety orders and a take-profit (dca_plan.py, dca_position.py): each cycle's position is
  saved with every fill; the next safety order's level and the take-profit's are price
  triggers in the TriggerBook, armed again at every start and moved after every buy. A
  safety order is asked for with the cycle's count of them raised in the same write, so a
  trigger fired twice asks once; the take-profit sells what the cycle holds at market
  and, once sold, the profit (proceeds after fees less the average cost) is told and the
  next scheduled buy starts a new cycle. A refused take-profit is not tried again before
  the next buy (the trigger would fire again at every tick).

Amounts are whole rupiah (the desk floors each order to the pair's steps); what was
bought and spent is summed from the order updates, each handed exactly once, the value of
each fill to the rupiah plus its fee.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from actors.strategies.dca_plan import DcaPlan
from actors.strategies.dca_position import Position
from actors.strategies.schedule import WIB
from actors.strategies.strategy import BaseStrategy, Progress
from messages.charts import ChartLine
from messages.events import OrderUpdate, TriggerFired
from messages.triggers import MalformedTriggerId, StrategyTrigger

BUY, SAFETY, TAKE_PROFIT = "buy", "safety", "tp"  # the legs, and the triggers' names
MISSED_AFTER = timedelta(minutes=10)
ENDS = ("filled", "cancelled", "rejected")
ZERO = Decimal(0)


class DollarCostAverage(BaseStrategy):
    kind = "dca"

    @classmethod
    def progress(cls, params: dict[str, Any], state: dict[str, Any]) -> Progress:
        """Realised: the profit of the cycles its take-profit closed; holding: the cycle's
        coins and their cost, fees included."""
        pnl = Decimal(state.get("realised", "0"))
        cycle = Position.saved(state)
        holding = (cycle.bought, cycle.cost) if cycle.bought > 0 else None
        if not state.get("next_run"):
            return Progress(pnl, holding=holding)
        moment = datetime.fromisoformat(state["next_run"]).astimezone(WIB)
        return Progress(pnl, "next_buy", moment.strftime("%d-%m-%Y %H:%M WIB"), holding)

    @classmethod
    def chart_lines(cls, params: dict[str, Any], state: dict[str, Any]) -> tuple[ChartLine, ...]:
        """Where the cycle stands: its next safety order's price and its take-profit."""
        plan = DcaPlan.from_params(params)
        position = Position.saved(state)
        upcoming = position.next_safety(plan.safety)
        level = position.take_profit(plan.safety)
        return (
            *(() if upcoming is None else (ChartLine("buy", str(upcoming[1])),)),
            *(() if level is None else (ChartLine("take_profit", str(level)),)),
        )

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.plan = DcaPlan.from_params(self.params)

    def on_start(self) -> None:
        """The first run's timer, once (later starts find it saved and pending); the
        cycle's levels at every start (the TriggerBook may be new)."""
        if not self.state.get("next_run"):
            first = self.plan.schedule.first(self.context.now())
            self.context.save(next_run=self._arm(first))
        self._arm_levels(self.state)

    # The schedule

    def on_timer(self, payload: str) -> None:
        state = self.state
        if payload != f"run:{state.get('next_run')}" or state.get("leaving"):
            return  # handed again, or an earlier arming's (its run is done), or leaving
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

    def _run(self, **progress: Any) -> None:
        """This run's buy, unless the plan has made all its buys; then it stops, or, with a
        take-profit and a cycle still open, waits for that to sell."""
        state = {**self.state, **progress}
        if self._complete(state):
            if self._finished(state):
                self._stop(progress)
            else:
                self.context.save(**progress)
            return
        spent = Decimal(state.get("spent", "0"))
        amount = self.plan.quote_amount + int(state.get("carry", 0))
        if self.plan.budget is not None:
            amount = min(amount, int(self.plan.budget - spent))
        self._buy(amount, runs=state.get("runs", 0) + 1, **progress)

    def _buy(self, amount: int, **progress: Any) -> None:
        price: str | None = None
        if self.plan.order_type == "limit":
            last = self.context.last_price()
            if last is None:  # no price to go under: this run waits for the next
                progress.pop("runs", None)  # and is not one of the plan's buys
                self.context.save(**progress)
                self.context.notify("strategy.dca.no_price")
                return
            price = str(self.plan.limit_price(last))
        self.context.order(
            BUY,
            "buy",
            self.plan.order_type,
            price=price,
            quote_amount=str(amount),
            **{**progress, "order_amount": amount, f"{BUY}_spent": "0", "carry": 0},
        )

    # The cycle's levels

    def on_trigger(self, fired: TriggerFired) -> None:
        """A level of the cycle reached; one fired for a level since moved (a trigger
        armed before a restart, the safety order before the last) is ignored by its price."""
        try:
            name = StrategyTrigger.decode(fired.trigger_id).name
        except MalformedTriggerId:
            return
        state, price = self.state, Decimal(fired.price)
        if state.get("leaving"):
            return
        position = Position.saved(state)
        if name == SAFETY:
            upcoming = position.next_safety(self.plan.safety)
            if upcoming is not None and price <= upcoming[1]:
                self._safety(state, position, upcoming[0])
            return
        level = position.take_profit(self.plan.safety)
        selling = state.get("selling") or state.get("tp_refused")
        if name == TAKE_PROFIT and level is not None and price >= level and not selling:
            self.context.order(
                TAKE_PROFIT, "sell", "market", quantity=str(position.bought), selling=True
            )

    def _safety(self, state: dict[str, Any], position: Position, number: int) -> None:
        """Safety order `number`, the cycle's count of them raised with the intent in one
        write: a trigger fired twice asks once. Past the budget it is counted and skipped."""
        amount = self.plan.safety.amount_of(number)
        counted = position.asked_safety().to_state()
        spent = Decimal(state.get("spent", "0"))
        if self.plan.budget is not None and spent + amount > self.plan.budget:
            self.context.save(**counted)
            self._arm_levels({**state, **counted})
            return
        self.context.order(SAFETY, "buy", "market", quote_amount=str(amount), **counted)

    def _arm_levels(self, state: dict[str, Any]) -> None:
        """The next safety order's level and the take-profit's, where the cycle stands."""
        position = Position.saved(state)
        upcoming = position.next_safety(self.plan.safety)
        if upcoming is not None:
            self.context.watch(SAFETY, "below", level=str(upcoming[1]))
        level = position.take_profit(self.plan.safety)
        if level is not None and not state.get("tp_refused"):
            self.context.watch(TAKE_PROFIT, "above", level=str(level))

    # The orders' updates

    def on_order_update(self, update: OrderUpdate) -> None:
        state = self.state
        if update.never_sent:  # lost before it left: the same intent, asked again
            self._ask_again(update.leg, state)
            return
        quantity, price, fee = (
            Decimal(update.quantity),
            Decimal(update.price or 0),
            Decimal(update.fee),
        )
        position = Position.saved(state)
        if update.leg == TAKE_PROFIT:
            position, profit = position.sold_at(quantity, price, fee)
            progress = {
                **position.to_state(),
                "cycle_profit": str(Decimal(state.get("cycle_profit", "0")) + profit),
                "sold": str(Decimal(state.get("sold", "0")) + quantity),
            }
        else:
            position, spent = position.bought_at(quantity, price, fee)
            leg_spent = f"{update.leg}_spent"  # what this leg's open order has spent
            progress = {
                **position.to_state(),
                "spent": str(Decimal(state.get("spent", "0")) + spent),
                "bought": str(Decimal(state.get("bought", "0")) + quantity),
                leg_spent: str(Decimal(state.get(leg_spent, "0")) + spent),
            }
        if update.kind not in ENDS:
            self.context.save(**progress)
            return
        if update.leg == TAKE_PROFIT:
            self._sold(update, state, progress)
        else:
            self._bought(update, state, progress)

    def _ask_again(self, leg: str | None, state: dict[str, Any]) -> None:
        if leg == BUY:
            self._buy(int(state["order_amount"]))
        elif leg == SAFETY:
            amount = self.plan.safety.amount_of(Position.saved(state).safeties)
            self.context.order(SAFETY, "buy", "market", quote_amount=str(amount))
        else:
            self.context.save(selling=False)
            self._arm_levels({**state, "selling": False})

    def _bought(self, update: OrderUpdate, state: dict[str, Any], progress: dict[str, Any]) -> None:
        """A buy's end, scheduled or safety: told, counted, the levels moved."""
        leg_spent = Decimal(progress[f"{update.leg}_spent"])
        refused = update.kind == "rejected"
        refusals = state.get("refusals", 0) + 1 if refused else 0
        progress.update({f"{update.leg}_spent": "0", "refusals": refusals, "tp_refused": False})
        if update.leg == BUY:
            unspent = int(Decimal(state["order_amount"]) - leg_spent)
            moved = self.plan.unfilled == "move" and update.kind == "cancelled"
            progress["carry"] = unspent if moved else 0
            if refused:  # a refused run bought nothing: not one of the plan's buys
                progress["runs"] = max(state.get("runs", 0) - 1, 0)
        if refused:
            self.context.notify("strategy.dca.refused", reason=update.reason or "")
            if refusals >= self.plan.pause_after_refusals:
                self.context.notify("strategy.dca.paused", refusals=refusals)
                self.context.pause(**progress)
                return
        elif leg_spent > 0:
            self._tell_bought(update.leg, leg_spent, progress)
        self._after(state, progress)

    def _sold(self, update: OrderUpdate, state: dict[str, Any], progress: dict[str, Any]) -> None:
        """The take-profit's end: a sale closes the cycle (what is left under the pair's
        step stays for the next); a refusal waits for the next buy."""
        progress["selling"] = False
        sold = Decimal(update.filled)
        if sold <= 0:
            progress["tp_refused"] = update.kind == "rejected"
            if update.kind == "rejected":
                self.context.notify("strategy.dca.refused", reason=update.reason or "")
            self._after(state, progress)
            return
        profit = Decimal(progress.pop("cycle_profit"))
        self.context.realised(profit, update)
        left = Position.saved(progress).next_cycle()
        progress.update(
            left.to_state(),
            cycle_profit="0",
            cycles=state.get("cycles", 0) + 1,
            realised=str(Decimal(state.get("realised", "0")) + profit),
        )
        self.context.notify(
            "strategy.dca.took_profit",
            quantity=sold.normalize(),
            profit=_rupiah(profit),
            realised=_rupiah(Decimal(progress["realised"])),
        )
        self._after(state, progress)

    def on_leave(self, sell: bool) -> None:
        """Stopped from the chat: its open orders cancelled, and once their ends are known
        the cycle's coins sold at market if the user asked for it; then it stops."""
        if self.state.get("leaving"):
            return
        self.context.save(leaving="sell" if sell else "cancel")
        self.context.unwatch(SAFETY)
        self.context.unwatch(TAKE_PROFIT)
        if self.context.open_orders():
            self.context.cancel()
            return
        self._leave(self.state, {})

    def _leave(self, state: dict[str, Any], progress: dict[str, Any]) -> None:
        """No order open any more: the sale, once, if asked for and there is anything to
        sell; otherwise (or once it has ended) the stop."""
        now = {**state, **progress}
        bought = Position.saved(now).bought
        if now.get("leaving") == "sell" and bought > 0 and not now.get("leaving_sold"):
            self.context.order(
                TAKE_PROFIT,
                "sell",
                "market",
                quantity=str(bought),
                **progress,
                selling=True,
                leaving_sold=True,
            )
            return
        self.context.notify(
            "strategy.dca.left",
            runs=now.get("runs", 0),
            realised=_rupiah(Decimal(now.get("realised", "0"))),
        )
        self.context.stop(**progress)

    def _after(self, state: dict[str, Any], progress: dict[str, Any]) -> None:
        """Once an order has ended: the run that waited for the open orders to end, the
        plan's end, or the progress saved; then the levels where the cycle now stands."""
        now = {**state, **progress}
        if now.get("leaving"):
            if self.context.open_orders():
                self.context.save(**progress)
            else:
                self._leave(state, progress)
            return
        if state.get("run_waiting") and not self.context.open_orders():
            self._run(**{**progress, "run_waiting": False})
        elif self._complete(now) and self._finished(now):
            self._stop(progress)
            return
        else:
            self.context.save(**progress)
        self._arm_levels({**state, **progress})

    def _tell_bought(self, leg: str | None, spent: Decimal, progress: dict[str, Any]) -> None:
        bought, total = Decimal(progress["bought"]), Decimal(progress["spent"])
        idr, coin, total_idr = _rupiah(spent), bought.normalize(), _rupiah(total)
        average = _rupiah(total / bought) if bought else "0"
        if leg == SAFETY:
            number = progress["cycle_safeties"]
            self.context.notify(
                "strategy.dca.safety_bought",
                number=number,
                idr=idr,
                total_coin=coin,
                total_idr=total_idr,
                average=average,
            )
            return
        self.context.notify(
            "strategy.dca.bought", idr=idr, total_coin=coin, total_idr=total_idr, average=average
        )

    def _complete(self, state: dict[str, Any]) -> bool:
        """The plan has made all its scheduled buys: their number, or a budget that cannot
        pay a whole one more."""
        if self.plan.max_buys is not None and state.get("runs", 0) >= self.plan.max_buys:
            return True
        spent = Decimal(state.get("spent", "0"))
        return self.plan.budget is not None and self.plan.budget - spent < self.plan.quote_amount

    def _finished(self, state: dict[str, Any]) -> bool:
        """Nothing left to follow: no order open, and no cycle a take-profit still waits to
        sell."""
        if self.context.open_orders():
            return False
        cycle_open = Position.saved(state).first_price is not None
        return not (cycle_open and self.plan.safety.take_profit_pct > 0)

    def _stop(self, progress: dict[str, Any]) -> None:
        self.context.notify("strategy.dca.finished", runs=self.state.get("runs", 0))
        self.context.stop(**progress)

    def _arm(self, at: datetime) -> str:
        """The run at `at` armed; its moment, as saved in the state and named in the timer."""
        moment = at.isoformat()
        self.context.set_timer(max(at - self.context.now(), timedelta(0)), f"run:{moment}")
        return moment


def _rupiah(value: Decimal) -> str:
    return str(value.quantize(Decimal(1), rounding=ROUND_DOWN))
