"""Grid: limit buys under the price and limit sells over it, on levels between two bounds;
every fill puts the opposite order one level away, so the grid buys low and sells one step
higher as the price moves inside its range.

At its start the level nearest the last price is left empty, buys rest on every level
under it and sells on every level over it. The sells need coin: bought at market first
(`coin_source: buy`, its cost shown by the preview) or taken from what the account held
(`held`: the nearest sells get it, the levels it does not cover wait for a buy under them
to fill). Each level is one leg (`L3`) with at most one order at a time, so a level never
fills twice; an order whose end asks for a level still taken waits for it (`W3`) and goes
there once that level's own order has ended, whatever order the fills of a tick storm are
told in.

Each level's order is asked for with the level's new state in one write (the host keeps
the intent until its end): a restart re-derives nothing and places nothing twice. At every
start the grid first lets the host follow what is open, and then only places what its
saved state says is missing (the start's layout a crash interrupted, an order that waited
for a level now free).

Accounting: a buy's coins carry their cost (value plus fee) to the sell one level up; when
that sell fills, the pair's profit is what it received after its fee (and the tax Indodax
reports inside it) less that cost, told and added to the realised profit. A part-filled
order is counted as it fills and its opposite order is placed for what filled once it has
ended. The coins the grid holds are summed from its fills.

The stop-loss under the range and the take-profit over it are triggers: when one fires,
every resting order is cancelled first, and only once all their ends are known are the
grid's coins sold at market (`sell_at_exit`), so nothing filled meanwhile is sold twice.
Orders refused three times in a row (or a refusal that leaves nothing open) stop the grid
the same way, its coins kept, and so does the user stopping it from the chat (its coins
sold if they ask for it). A level whose order was refused, or cancelled by hand from
/orders, stays empty.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from actors.strategies.grid_plan import GridPlan, Layout
from actors.strategies.money import whole_rupiah
from actors.strategies.strategy import BaseStrategy, Progress
from adapters.indodax.order_rules import floor_to_step
from messages.charts import ChartLine, LineKind
from messages.events import OrderUpdate, TriggerFired
from messages.triggers import MalformedTriggerId, StrategyTrigger

COIN, EXIT = "coin", "exit"  # the start's market buy; the market sell after a stop
STOP_LOSS, TAKE_PROFIT = "stop_loss", "take_profit"  # triggers
USER, USER_SELL = "user", "user_sell"  # stopped from the chat, keeping or selling its coins
ENDS = ("filled", "cancelled", "rejected")
ZERO = Decimal(0)
STOP_AFTER_REFUSALS = 3


def level_leg(level: int) -> str:
    return f"L{level}"


def _waiting_key(level: int) -> str:
    return f"W{level}"


class Grid(BaseStrategy):
    kind = "grid"

    @classmethod
    def progress(cls, params: dict[str, Any], state: dict[str, Any]) -> Progress:
        """Realised: the completed pairs' profit; next, the orders resting for it."""
        pnl = Decimal(state.get("realised", "0"))
        if state.get("exiting"):
            return Progress(pnl, "exiting")
        return Progress(pnl, "orders_resting", str(len(state.get("order_intents", {}))))

    @classmethod
    def chart_lines(cls, params: dict[str, Any], state: dict[str, Any]) -> tuple[ChartLine, ...]:
        """Every level, and the stop-loss and take-profit outside the range."""
        plan = GridPlan.from_params(params)
        exits: tuple[tuple[LineKind, Decimal | None], ...] = (
            ("stop_loss", plan.stop_loss),
            ("take_profit", plan.take_profit),
        )
        return (
            *(ChartLine("grid", str(level)) for level in plan.levels),
            *(ChartLine(kind, str(price)) for kind, price in exits if price is not None),
        )

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.plan = GridPlan.from_params(self.params)

    # The start

    def on_start(self) -> None:
        state = self.state
        if state.get("exiting"):
            if not self.context.open_orders() and not state.get("exit_placed"):
                self._sell_rest(state)
            return
        stage = state.get("stage")
        if stage is None:
            self._begin()
        elif stage == "placing":
            self._place_layout(self.state)
        elif stage == "running":
            self._fill_free_levels(state)
        self._arm()

    def _begin(self) -> None:
        price = self.context.last_price()
        if price is None:
            self.context.notify("strategy.grid.no_price")
            self.context.pause()
            return
        layout = self.plan.layout(price)
        start: dict[str, Any] = {"start_price": str(price), "gap": layout.gap}
        if self.plan.coin_source == "buy" and layout.sells:
            amount = self.plan.coin_purchase(layout, price)
            self.context.order(
                COIN, "buy", "market", quote_amount=str(amount), **start, stage="buying"
            )
            return
        held = min(self.plan.held, self.plan.coins_for(layout))
        self.context.save(
            **start, stage="placing", spare=str(held), spare_cost=str(held * price), coins=str(held)
        )
        self._place_layout(self.state)

    def _layout(self, state: dict[str, Any]) -> Layout:
        return self.plan.layout(Decimal(state["start_price"]))

    def _place_layout(self, state: dict[str, Any]) -> None:
        """Every level of the start's layout without its order yet, nearest first: the buys
        under the gap, then the sells over it while the spare coins last."""
        layout = self._layout(state)
        for level in layout.buys:
            if not state.get(level_leg(level)):
                state = self._place(state, level, "buy", self.plan.quantity_at(level), ZERO)
        sells = layout.sells
        for number, level in enumerate(sells):
            if state.get(level_leg(level)):
                continue
            spare, spare_cost = Decimal(state.get("spare", "0")), Decimal(state["spare_cost"])
            last = number == len(sells) - 1  # the farthest takes what is left
            quantity = spare if last else min(spare, self.plan.quantity_at(level))
            quantity = floor_to_step(quantity, self.plan.step) if quantity > 0 else ZERO
            if quantity <= 0:
                break
            cost = spare_cost * quantity / spare
            state = self._place(
                state,
                level,
                "sell",
                quantity,
                cost,
                spare=str(spare - quantity),
                spare_cost=str(spare_cost - cost),
            )
        if not self.context.open_orders():  # all over the price and no coin, or dust
            self.context.notify("strategy.grid.nothing_to_place")
            self.context.stop(result="nothing_to_place")
            return
        self.context.save(stage="running")

    def _place(
        self,
        state: dict[str, Any],
        level: int,
        side: str,
        quantity: Decimal,
        cost: Decimal,
        **progress: Any,
    ) -> dict[str, Any]:
        """An order at `level`, its slot saved with its intent; a level still taken makes
        it wait there. Returns the state as saved."""
        order = {"side": side, "qty": str(quantity), "cost": str(cost)}
        leg = level_leg(level)
        if state.get(leg):
            waiting = [*state.get(_waiting_key(level), []), order]
            progress[_waiting_key(level)] = waiting
            self.context.save(**progress)
            return {**state, **progress}
        slot = {**order, "filled": "0", "value": "0", "fee": "0"}
        self.context.order(
            leg,
            "buy" if side == "buy" else "sell",
            "limit",
            price=str(self.plan.levels[level]),
            quantity=format(quantity, "f"),
            **{**progress, leg: slot},
        )
        return {**state, **progress, leg: slot}

    def _fill_free_levels(self, state: dict[str, Any]) -> None:
        """An order that waited for a level a crash left free goes there now."""
        for level in range(self.plan.count):
            waiting = state.get(_waiting_key(level))
            if waiting and not state.get(level_leg(level)):
                state = self._next_waiting(state, level, {})

    def _next_waiting(
        self, state: dict[str, Any], level: int, progress: dict[str, Any]
    ) -> dict[str, Any]:
        first, *rest = state[_waiting_key(level)]
        progress[_waiting_key(level)] = rest
        return self._place(
            {**state, level_leg(level): None},
            level,
            first["side"],
            Decimal(first["qty"]),
            Decimal(first["cost"]),
            **progress,
        )

    def _arm(self) -> None:
        if self.plan.stop_loss is not None:
            self.context.watch(STOP_LOSS, "below", level=str(self.plan.stop_loss))
        if self.plan.take_profit is not None:
            self.context.watch(TAKE_PROFIT, "above", level=str(self.plan.take_profit))

    # The exits

    def on_trigger(self, fired: TriggerFired) -> None:
        try:
            name = StrategyTrigger.decode(fired.trigger_id).name
        except MalformedTriggerId:
            return
        state, price = self.state, Decimal(fired.price)
        if state.get("exiting") or state.get("stage") is None:
            return
        stop, take = self.plan.stop_loss, self.plan.take_profit
        if name == STOP_LOSS and stop is not None and price <= stop:
            self.context.notify("strategy.grid.exit_stop_loss", price=_rupiah(price))
            self._exit(state, STOP_LOSS)
        elif name == TAKE_PROFIT and take is not None and price >= take:
            self.context.notify("strategy.grid.exit_take_profit", price=_rupiah(price))
            self._exit(state, TAKE_PROFIT)

    def _exit(self, state: dict[str, Any], why: str) -> None:
        """Every resting order cancelled first; the rest once their ends are known."""
        self.context.save(exiting=why)
        self.context.unwatch(STOP_LOSS)
        self.context.unwatch(TAKE_PROFIT)
        if self.context.open_orders():
            self.context.cancel()
            return
        self._sell_rest({**state, "exiting": why})

    def _sell_rest(self, state: dict[str, Any]) -> None:
        """The grid's coins sold at market if the user asked for it at a stop-loss or a
        take-profit (never after refusals: the market may be what refuses)."""
        coins = floor_to_step(Decimal(state.get("coins", "0")), self.plan.step)
        why = state.get("exiting")
        selling = why == USER_SELL or (self.plan.sell_at_exit and why in (STOP_LOSS, TAKE_PROFIT))
        if selling and coins > 0:
            quantity = format(coins, "f")
            self.context.order(EXIT, "sell", "market", quantity=quantity, exit_placed=True)
            return
        self._done(state)

    def on_leave(self, sell: bool) -> None:
        """Stopped from the chat: as at a stop-loss, everything cancelled first, and the
        grid's coins sold once every end is known if the user asked for it."""
        state = self.state
        if not state.get("exiting"):
            self._exit(state, USER_SELL if sell else USER)

    # The orders' updates

    def on_order_update(self, update: OrderUpdate) -> None:
        state = self.state
        leg = update.leg or ""
        if update.never_sent:
            self._ask_again(leg, state)
            return
        if leg == COIN:
            self._coin_bought(update, state)
        elif leg == EXIT:
            self._exit_sold(update, state)
        elif leg.startswith("L") and state.get(leg):
            self._level_update(update, int(leg[1:]), state)

    def _ask_again(self, leg: str, state: dict[str, Any]) -> None:
        """An order lost before it left: the same intent, asked for again."""
        if leg == COIN:
            self.context.save(stage=None)
            self._begin()
        elif leg == EXIT:
            self._sell_rest({**state, "exit_placed": False})
        elif leg.startswith("L") and state.get(leg):
            slot = state[leg]
            quantity, cost = Decimal(slot["qty"]), Decimal(slot["cost"])
            self._place({**state, leg: None}, int(leg[1:]), slot["side"], quantity, cost)

    def _coin_bought(self, update: OrderUpdate, state: dict[str, Any]) -> None:
        quantity, price, fee = _fill(update)
        bought = Decimal(state.get("coin_bought", "0")) + quantity
        cost = Decimal(state.get("coin_cost", "0")) + quantity * price + fee
        progress: dict[str, Any] = {"coin_bought": str(bought), "coin_cost": str(cost)}
        if update.kind not in ENDS:
            self.context.save(**progress)
            return
        if bought <= 0:
            self.context.notify("strategy.grid.refused", reason=update.reason or "")
            self.context.pause(**progress, stage=None)
            return
        if state.get("exiting"):
            self.context.save(**progress, coins=str(bought))
            self._after_exit({**state, **progress, "coins": str(bought)})
            return
        self.context.notify(
            "strategy.grid.coin_bought", quantity=bought.normalize(), idr=_rupiah(cost)
        )
        self.context.save(
            **progress, stage="placing", spare=str(bought), spare_cost=str(cost), coins=str(bought)
        )
        self._place_layout(self.state)

    def _level_update(self, update: OrderUpdate, level: int, state: dict[str, Any]) -> None:
        leg = level_leg(level)
        quantity, price, fee = _fill(update)
        slot = dict(state[leg])
        slot["filled"] = str(Decimal(slot["filled"]) + quantity)
        slot["value"] = str(Decimal(slot["value"]) + quantity * price)
        slot["fee"] = str(Decimal(slot["fee"]) + fee)
        held = Decimal(state.get("coins", "0"))
        coins = held + quantity if slot["side"] == "buy" else held - quantity
        if update.kind not in ENDS:
            self.context.save(None, **{leg: slot, "coins": str(coins)})
            return
        refusals = int(state.get("refusals", 0)) + 1 if update.kind == "rejected" else 0
        progress: dict[str, Any] = {leg: None, "coins": str(coins), "refusals": refusals}
        if update.kind == "rejected":
            self.context.notify("strategy.grid.refused", reason=update.reason or "")
        filled = Decimal(slot["filled"])
        if slot["side"] == "sell" and filled > 0:
            progress.update(self._pair_done(slot, state, update))
        now = {**state, **progress}
        # Refused again and again, or refused with nothing left open: the grid cannot trade.
        stuck = refusals >= STOP_AFTER_REFUSALS or (refusals and not self.context.open_orders())
        if not now.get("exiting") and stuck:
            self.context.save(**progress)
            self.context.notify("strategy.grid.exit_refusals", refusals=refusals)
            self._exit(now, "refusals")
            return
        if now.get("exiting"):
            self.context.save(**progress)
            self._after_exit(now)
            return
        if filled > 0:
            now = self._opposite(now, level, slot, progress)
            progress = {}
        if now.get(_waiting_key(level)) and not now.get(leg):
            self._next_waiting(now, level, progress)
        elif progress:
            self.context.save(**progress)

    def _opposite(
        self, state: dict[str, Any], level: int, slot: dict[str, Any], progress: dict[str, Any]
    ) -> dict[str, Any]:
        """What filled, one level away: a buy's coins sold one up at their cost; a sell's
        place bought back one down."""
        filled = Decimal(slot["filled"])
        if slot["side"] == "buy":
            target, side, quantity = level + 1, "sell", filled
            cost = Decimal(slot["value"]) + Decimal(slot["fee"])
        else:
            target, side, cost = level - 1, "buy", ZERO
            quantity = self.plan.quantity_at(target) if target >= 0 else ZERO
        if not 0 <= target < self.plan.count or quantity <= 0:
            self.context.save(**progress)
            return {**state, **progress}
        return self._place(state, target, side, quantity, cost, **progress)

    def _pair_done(
        self, slot: dict[str, Any], state: dict[str, Any], update: OrderUpdate
    ) -> dict[str, Any]:
        """A sell's fills: what they received after the fee less the cost of the coins they
        sold (the slot's cost in proportion), told and counted for the day."""
        filled, asked = Decimal(slot["filled"]), Decimal(slot["qty"])
        proceeds = Decimal(slot["value"]) - Decimal(slot["fee"])
        profit = proceeds - Decimal(slot["cost"]) * filled / asked
        self.context.realised(profit, update)
        realised = Decimal(state.get("realised", "0")) + profit
        pairs = int(state.get("pairs", 0)) + 1
        self.context.notify(
            "strategy.grid.pair_done",
            quantity=filled.normalize(),
            price=_rupiah(Decimal(slot["value"]) / filled),
            profit=_rupiah(profit),
            realised=_rupiah(realised),
            pairs=pairs,
        )
        return {"realised": str(realised), "pairs": pairs}

    def _after_exit(self, state: dict[str, Any]) -> None:
        """An end while leaving: once no order is open, the coins sold (if asked for) and
        the grid done."""
        if not self.context.open_orders():
            self._sell_rest(state)

    def _exit_sold(self, update: OrderUpdate, state: dict[str, Any]) -> None:
        quantity, price, fee = _fill(update)
        coins = Decimal(state.get("coins", "0")) - quantity
        progress: dict[str, Any] = {"coins": str(coins), "exit_value": str(quantity * price - fee)}
        if update.kind not in ENDS:
            self.context.save(**progress)
            return
        self.context.save(**progress)
        self._done({**state, **progress})

    def _done(self, state: dict[str, Any]) -> None:
        self.context.notify(
            "strategy.grid.done",
            pairs=int(state.get("pairs", 0)),
            realised=_rupiah(Decimal(state.get("realised", "0"))),
            coins=Decimal(state.get("coins", "0")).normalize(),
        )
        self.context.stop(result=state.get("exiting") or "stopped")


def _fill(update: OrderUpdate) -> tuple[Decimal, Decimal, Decimal]:
    return Decimal(update.quantity), Decimal(update.price or 0), Decimal(update.fee)


def _rupiah(value: Decimal) -> str:
    return str(whole_rupiah(value))
