"""A strategy's context without a host: it records what the strategy does, in order, and
keeps the row's state and status as the host would."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from actors.strategies.strategy import BaseStrategy
from messages.events import OrderUpdate
from messages.statuses import StrategyStatus

ENDS = ("filled", "cancelled", "rejected")


def strategy_row(strategy_id: int = 5, pair: str = "btc_idr", **params: Any) -> SimpleNamespace:
    return SimpleNamespace(
        id=strategy_id, pair=pair, params=params, state={}, status=StrategyStatus.RUNNING
    )


@dataclass
class FakeContext:
    row: Any = field(default_factory=lambda: strategy_row(level="900000000", quote_amount="200000"))
    did: list[tuple[str, Any]] = field(default_factory=list)
    clock: datetime = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # Monday 08:30 WIB
    price: Decimal | None = Decimal(1_000_000_000)
    opened: list[str] = field(default_factory=list)  # asked for, end not handled yet
    sequences: Counter[str] = field(default_factory=Counter)

    def save(self, status: StrategyStatus | None = None, **state: Any) -> None:
        self.row.state = {**self.row.state, **state}
        self.row.status = status or self.row.status
        self.did.append(("save", dict(state)))

    def watch(self, name: str, kind: str, **fields: Any) -> None:
        self.did.append(("watch", (name, kind, fields)))

    def order(
        self,
        leg: str,
        side: str,
        order_type: str,
        *,
        price: str | None = None,
        quantity: str | None = None,
        quote_amount: str | None = None,
        **state: Any,
    ) -> str:
        """Saves the progress with the intent first, as the host does; ids as the host
        derives them, one sequence per leg."""
        self.save(**state)
        amounts = {"price": price, "quantity": quantity, "quote_amount": quote_amount}
        self.did.append(("order", (leg, side, order_type, amounts)))
        self.sequences[leg] += 1
        client_order_id = f"s{self.row.id}-{leg}-{self.sequences[leg]}"
        self.opened.append(client_order_id)
        return client_order_id

    def unwatch(self, name: str) -> None:
        self.did.append(("unwatch", name))

    def cancel(self, client_order_id: str | None = None) -> None:
        self.did.append(("cancel", client_order_id))

    def set_timer(self, delay: timedelta, payload: str) -> None:
        self.did.append(("timer", (delay, payload)))

    def stop(self, **state: Any) -> None:
        self.save(StrategyStatus.STOPPED, **state)
        self.did.append(("stop", None))

    def pause(self, **state: Any) -> None:
        self.save(StrategyStatus.PAUSED, **state)
        self.did.append(("pause", None))

    def open_orders(self) -> list[str]:
        return list(self.opened)

    def now(self) -> datetime:
        return self.clock

    def last_price(self) -> Decimal | None:
        return self.price

    def notify(self, key: str, **params: Any) -> None:
        self.did.append(("notify", (key, params)))

    def realised(self, amount: Decimal, update: OrderUpdate) -> None:
        self.did.append(("realised", (amount, f"{update.client_order_id}:{update.sequence}")))

    def update(
        self,
        strategy: BaseStrategy,
        client_order_id: str,
        kind: str,
        *,
        quantity: str = "0",
        price: str | None = None,
        fee: str = "0",
        sequence: int = 1,
        reason: str | None = None,
    ) -> None:
        """An update of the order `s<id>-<leg>-<n>` handed as the mailbox hands it."""
        self.hand(
            strategy,
            OrderUpdate(
                telegram_id=7,
                client_order_id=client_order_id,
                strategy_id=self.row.id,
                leg=client_order_id.split("-")[1],
                sequence=sequence,
                kind=kind,  # type: ignore[arg-type]
                quantity=quantity,
                filled=quantity,
                price=price,
                fee=fee,
                reason=reason,
            ),
        )

    def hand(self, strategy: BaseStrategy, update: OrderUpdate) -> None:
        """As the mailbox hands an update: an order's end leaves the open ones first."""
        if update.kind in ENDS and update.client_order_id in self.opened:
            self.opened.remove(update.client_order_id)
        strategy.on_order_update(update)

    def doing(self, *kinds: str) -> list[tuple[str, Any]]:
        """What the strategy did of these kinds since they were last looked at."""
        seen = [entry for entry in self.did if entry[0] in kinds]
        self.did = [entry for entry in self.did if entry[0] not in kinds]
        return seen
