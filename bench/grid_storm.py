"""A 100-level grid hit by a storm that crosses 50 of its levels at once, through the real
order path of one user: the TriggerBook's order triggers -> the UserActor (the order life
cycle looks each order up, the strategy host hands the fill to the grid, the order desk
places the opposite order through the private client and its client-side rate limits) ->
the simulator's TAPI, which refuses more than Indodax's 20 trades a second per account and
pair.

The grid: BTC/IDR, 100 levels from 500 M to 1,500 M (about 1 % apart), 0.0002 BTC a level,
started at 1,257 M: 75 buys rest under the price, 24 sells over it. The storm: the price
falls to 752 M, so the 50 buys from 1,257 M down to 752.5 M fill at once, and their 50
triggers are told to the user's actor together, in the order the market crossed them.

Measured on the simulator's clock (the moment each order reached it):
  - the 50 sells one level over each filled buy: all placed, in the order the levels were
    crossed, the last within the target of 2 s after the storm (which the pair's limit
    itself does not allow: 20 trades in any second put the 41st 2 s after the first;
    the bound is printed beside the number). The order life cycle finds the 50 fills with
    two calls, the pair's order history and trades, not two calls per order;
  - the most trade requests for the pair within any second (the exchange's limit is 20)
    and any the simulator refused for the rate.

Run: .venv/bin/python bench/grid_storm.py
Environment (nothing else is touched; the test database never):
  BENCH_DATABASE_URL    PostgreSQL server for a scratch database (dropped at the end),
                        default postgresql://postgres@127.0.0.1:5432/postgres
  BENCH_REDIS_URL       Redis for the nonce store, default redis://127.0.0.1:6379/12
  BENCH_SIMULATOR_PORT  the simulator's port, default a free one
The actors run in this process (simpleSystemBase): one user's path is the same code in a
process of its own. Exits 1 when it measured nothing (no sell placed after the storm).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from fleet import demo_settings, linked_users
from scratch import drop_database, scratch_database
from thespian.actors import Actor, ActorSystem

from actors.runtime.lifecycle import for_actors
from actors.user.user_actor import UserActor
from adapters.indodax.ratelimit import PRIVATE_RATES, Window
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.server import SimulatorServer
from config.secret import Secret
from messages.events import (
    BootUser,
    PauseStrategies,
    RegisterTrigger,
    ResumeStrategies,
    TriggerFired,
)
from persistence.database import connect, db
from persistence.migrate import apply_migrations
from persistence.models import Order, Strategy, User
from persistence.vault import credential_keys

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
KEY = Secret("benchmark-master-key-" + "g" * 24)
USER = 300_000
SPEC = AccountSpec("GRID-BENCH-KEY", "grid-bench-secret-0123456789", {"idr": Decimal(10**10)})
START, STORM = Decimal(1_257_000_000), Decimal(752_000_000)
GRID = {
    "lower": "500000000",
    "upper": "1500000000",
    "levels": "100",
    "amount_coin": "0.0002",
    "tick": "1000",
    "taker_fee": "0.002",
}
CROSSED, TARGET_SECONDS, PAIR_LIMIT = 50, 2.0, 20


class Sink(Actor):
    """Stands in for the notifier, the Supervisor and the TriggerBook: keeps what it is told."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kept: list[Any] = []

    def receiveMessage(self, message: Any, sender: Any) -> None:
        if message == "kept?":
            self.send(sender, list(self.kept))
            self.kept.clear()
        elif type(message).__module__.startswith("messages"):
            self.kept.append(message)


def pump_until(system: ActorSystem, done: Any, timeout: float) -> float:
    """Lets the actors work until `done()` or the timeout; the seconds it took."""
    began = time.monotonic()
    while not done() and time.monotonic() - began < timeout:
        system.listen(0.05)
    return time.monotonic() - began


def most_in_a_second(moments_ms: list[int]) -> int:
    moments = sorted(moments_ms)
    return max(
        (sum(1 for later in moments[i:] if later - m < 1000) for i, m in enumerate(moments)),
        default=0,
    )


def main() -> int:
    url = scratch_database(SERVER)
    simulator = SimulatorServer(
        port=int(os.environ.get("BENCH_SIMULATOR_PORT") or 0),
        seed=7,
        tick_interval=0,
        accounts=(SPEC,),
    )
    simulator.start()
    system = ActorSystem("simpleSystemBase", transientUnique=True)
    try:
        return run(system, simulator, url)
    finally:
        system.shutdown()
        simulator.stop()
        db.close()
        drop_database(SERVER, url)


def run(system: ActorSystem, simulator: SimulatorServer, url: str) -> int:
    simulator.set_price("btcidr", START)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = demo_settings(
            url,
            REDIS,
            simulator.indodax_settings(),
            KEY,
            Path(data_dir),
            system_base="simpleSystemBase",
        )
        apply_migrations(connect(settings.database.url))
        linked_users({USER: SPEC}, KEY)
        grid = Strategy.create(
            user=User.get(User.telegram_id == USER), kind="grid", pair="btc_idr", params=GRID
        )
        notifier, supervisor, book = (system.createActor(Sink) for _ in range(3))
        user = system.createActor(UserActor)
        began = time.monotonic()
        system.tell(
            user,
            BootUser(
                settings=for_actors(settings),
                credential_keys=credential_keys(KEY),
                telegram_id=USER,
                notifier=notifier,
                supervisor=supervisor,
                trigger_book=book,
            ),
        )
        system.tell(user, PauseStrategies(reason="admin"))
        system.tell(user, ResumeStrategies())  # hosted from the database, if not at boot
        levels = int(GRID["levels"]) - 1
        pump_until(system, lambda: Order.select().count() >= levels + 1, 60)
        laid = time.monotonic() - began
        placed = len(simulator.trade_log(SPEC.key))

        print(
            f"grid laid out: {placed} orders at the exchange (the coin buy and {levels} "
            f"levels) in {laid:.1f} s; refused: "
            f"{Order.select().where(Order.state == 'rejected').count()}"
        )
        armed = {
            m.trigger_id: m
            for m in system.ask(book, "kept?", 5)
            if isinstance(m, RegisterTrigger) and m.purpose == "order"
        }
        time.sleep(1.1)  # the pair's trade budget back to full, as after any quiet second

        storm_ms = int(time.time() * 1000)
        simulator.set_price("btcidr", STORM)
        filled = [
            o
            for o in simulator.trade_log(SPEC.key)
            if o["side"] == "buy" and o["status"] == "filled"
        ]
        crossed = sorted(
            (o for o in filled if o["order_type"] == "limit"),
            key=lambda o: -Decimal(o["price"]),
        )
        triggers = {
            t.trigger_id: t
            for t in armed.values()
            if t.kind == "below" and Decimal(t.level) >= STORM
        }
        by_level = sorted(triggers.values(), key=lambda t: -Decimal(t.level))
        for trigger in by_level:
            system.tell(
                user,
                TriggerFired(
                    trigger_id=trigger.trigger_id,
                    telegram_id=USER,
                    pair="btc_idr",
                    price=str(STORM),
                    ts=time.time(),
                ),
            )

        def sells() -> list[dict[str, Any]]:
            return [
                o
                for o in simulator.trade_log(SPEC.key)[placed:]
                if o["side"] == "sell" and o["order_type"] == "limit"
            ]

        pump_until(system, lambda: len(sells()) >= len(crossed), 30)
        new = sells()
        print(f"storm: {len(crossed)} buys filled at once, {len(by_level)} triggers told")
        if not new:
            print("nothing measured: no sell was placed after the storm")
            return 1
        seconds = [(o["submit_ms"] - storm_ms) / 1000 for o in new]
        prices = [Decimal(o["price"]) for o in new]
        in_order = prices == sorted(prices, reverse=True)
        busiest = most_in_a_second([o["submit_ms"] for o in simulator.trade_log(SPEC.key)[placed:]])
        refused = Order.select().where(Order.error.contains("too many")).count()
        last = max(seconds)
        window = PRIVATE_RATES["trade"]
        assert isinstance(window, Window)
        bound = (math.ceil(CROSSED / window.count) - 1) * window.seconds
        print(
            f"sells placed: {len(new)} of {len(crossed)}; first {min(seconds):.2f} s, "
            f"last {last:.2f} s after the storm (target <= {TARGET_SECONDS:.0f} s: "
            f"{'met' if last <= TARGET_SECONDS and len(new) == CROSSED else 'NOT met'}; "
            f"the pair's limit, {window.count} in any {window.seconds} s, puts the last of "
            f"{CROSSED} at least {bound:.2f} s after the first)"
        )
        print(f"in the order the levels were crossed: {'yes' if in_order else 'NO'}")
        print(
            f"most trade requests for the pair in one second: {busiest} "
            f"(limit {PAIR_LIMIT}); refused by the exchange for the rate: {refused}"
        )
        row = Strategy.get_by_id(grid.id)
        print(f"grid state: {row.status}, {len(row.state.get('order_intents', {}))} orders open")
        return 0


if __name__ == "__main__":
    sys.exit(main())
