"""Seeded random interleavings of what happens to resting orders — fills in parts, cancels
on the exchange, replies lost on the way back, the market reaching an order, sweeps, and
crashes of the user's actor — after which the life cycle's record of every order equals the
exchange's: the same state, the same trades, and each update told exactly once."""

from __future__ import annotations

import random
from decimal import Decimal

from order_lifecycle_world import LifecycleWorld, fills, new_world, state_of

from messages.statuses import OrderChange, OrderState

CASES = 300
SEED = 11


def _expected_state(status: str, remaining: Decimal, amount: Decimal) -> OrderState:
    if status == "filled":
        return OrderState.FILLED
    if status == "cancelled":
        return OrderState.CANCELLED
    return OrderState.PARTIALLY_FILLED if remaining < amount else OrderState.OPEN


def _step(world: LifecycleWorld, rng: random.Random, orders: list) -> None:
    order = rng.choice(orders)
    action = rng.choices(
        ["fill", "cancel", "lose", "fire", "sweep", "crash", "pause_strategy"],
        weights=[5, 1, 2, 4, 2, 2, 1],
    )[0]
    if action == "fill":
        world.exchange.fill(order.client_order_id, Decimal(rng.choice(["0.1", "0.2", "0.5"])))
    elif action == "cancel":
        world.exchange.cancel(order.client_order_id)
    elif action == "lose":
        world.exchange.lose_replies += rng.randint(1, 2)
    elif action == "fire":
        if world.armed(order):  # the TriggerBook only fires a trigger it holds
            world.fire(order)
    elif action == "sweep":
        world.lifecycle.reconcile()
    elif action == "crash":
        world.start()
    else:
        world.strategy_running = not world.strategy_running


def test_after_any_interleaving_every_order_is_recorded_and_told_as_the_exchange_has_it(
    settings,
):
    rng = random.Random(SEED)
    for _ in range(CASES):
        world = new_world()
        orders = [
            world.place(
                rng.choice(["buy", "sell"]),
                amount=rng.choice(["0.5", "1"]),
                strategy=rng.random() < 0.5,
            )
            for _ in range(rng.randint(1, 3))
        ]
        for _ in range(rng.randint(1, 25)):
            _step(world, rng, orders)
        # The dust settles: replies arrive again, the strategies run, the actor restarts.
        world.exchange.lose_replies = 0
        world.strategy_running = True
        world.start()
        for order in orders:
            on_exchange = world.exchange.orders[order.client_order_id]
            recorded = fills(order)
            traded = [row for row in recorded if row.trade_id is not None]
            assert [(r.trade_id, r.quantity, r.price, r.fee) for r in traded] == [
                (t.trade_id, t.quantity, t.price, t.commission) for t in on_exchange.trades
            ]
            assert state_of(order) == _expected_state(
                on_exchange.status, on_exchange.remaining, on_exchange.amount
            )
            assert [r.sequence for r in recorded] == list(range(1, len(recorded) + 1))
            ends = [r.kind for r in recorded if r.kind != OrderChange.PARTIAL]
            assert (
                ends
                == ({"open": [], "filled": ["filled"], "cancelled": ["cancelled"]})[
                    on_exchange.status
                ]
            )
            assert all(row.delivered_at is not None for row in recorded)
            told = [
                (u.client_order_id, u.sequence)
                for u in world.to_strategy
                if u.client_order_id == order.client_order_id
            ]
            told += [
                (params["client_order_id"], None)
                for _, params in world.notices
                if params["client_order_id"] == order.client_order_id
            ]
            if order.strategy_id is not None:
                assert told == [(order.client_order_id, r.sequence) for r in recorded]
            else:
                assert len(told) == len(recorded)
