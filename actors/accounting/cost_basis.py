"""One asset's history (trades, deposits, withdrawals, oldest first) turned into what a
trader asks: how much is held and at what cost, and what the sales made or lost, in
rupiah, fees and the tax on sales included.

Two cost methods: `average` (every coin held costs the same, the running average) and
`fifo` (a sale takes the oldest coins first). A trade's commission is what the exchange
reported (on Indodax a sale's commission holds the 0.21 % final income tax, PMK 50/2025,
from 2025-08-01); only a sale with none reported has the tax estimated at that rate, and
is marked so. A buy's commission is part of what its coins cost; a sale's comes off what
it received.

Coins that arrived from elsewhere carry the cost the user gave, or none: their cost is
never guessed. What is sold of them has no known profit: it is counted apart
(`sold_unknown`), and what is held of them has no profit either. Under `average` a sale
takes the coins with a known cost first (so a profit is known as long as it can be), and
the others only once those are gone; under `fifo` it takes every coin in the order it
came. A withdrawal takes coins the same way, with their cost, and makes no profit or loss.

Amounts stay exact (Decimal) through the calculation; whole rupiah are for showing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from adapters.indodax.order_rules import SALES_TAX

Method = Literal["average", "fifo"]
ZERO = Decimal(0)


@dataclass(frozen=True)
class Trade:
    side: Literal["buy", "sell"]
    quantity: Decimal  # coins bought (received) or sold
    price: Decimal  # rupiah per coin
    commission: Decimal | None  # rupiah, as reported (fee and tax together); None: not


@dataclass(frozen=True)
class Deposit:
    quantity: Decimal
    cost: Decimal | None  # rupiah the user says the coins cost; None: not known


@dataclass(frozen=True)
class Withdrawal:
    quantity: Decimal


Event = Trade | Deposit | Withdrawal


@dataclass(frozen=True)
class Position:
    """One asset after its history. `cost` and `average` are of the coins with a known cost;
    `unknown` are coins held without one."""

    held: Decimal
    unknown: Decimal
    cost: Decimal
    realised: Decimal
    fees: Decimal  # commissions paid, buys and sales (the reported tax inside them)
    estimated_tax: Decimal  # on sales with no commission reported
    sold_unknown: Decimal  # coins sold without a known cost: no profit counted for them

    @property
    def average(self) -> Decimal | None:
        known = self.held - self.unknown
        return self.cost / known if known else None

    def unrealised(self, price: Decimal) -> Decimal:
        """What the coins with a known cost would make if sold at `price` now, before the
        fee and tax such a sale would pay."""
        return (self.held - self.unknown) * price - self.cost


class OverSold(ValueError):
    """The history sells or withdraws more coins than it brought in: a gap in it."""


@dataclass(frozen=True)
class _Taken:
    cost: Decimal  # of the coins taken that had one
    unknown: Decimal  # coins taken without one


class _Average:
    """The coins with a known cost as one pool at their average cost, and those without."""

    def __init__(self) -> None:
        self.known = self.cost = self.unknown = ZERO

    def add(self, quantity: Decimal, cost: Decimal | None) -> None:
        if cost is None:
            self.unknown += quantity
        else:
            self.known += quantity
            self.cost += cost

    def take(self, quantity: Decimal) -> _Taken:
        _check_held(quantity, self.known + self.unknown)
        known = min(quantity, self.known)
        cost = self.cost if known == self.known else self.cost * known / self.known
        self.known -= known
        self.cost -= cost
        self.unknown -= quantity - known
        return _Taken(cost, quantity - known)

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        return self.known + self.unknown, self.unknown, self.cost


@dataclass
class _Lot:
    quantity: Decimal
    cost: Decimal | None  # of the whole lot


class _Fifo:
    """Every buy or deposit a lot of its own; sales take the oldest first."""

    def __init__(self) -> None:
        self.lots: deque[_Lot] = deque()

    def add(self, quantity: Decimal, cost: Decimal | None) -> None:
        self.lots.append(_Lot(quantity, cost))

    def take(self, quantity: Decimal) -> _Taken:
        _check_held(quantity, sum((lot.quantity for lot in self.lots), ZERO))
        cost = unknown = ZERO
        left = quantity
        while left > 0:
            lot = self.lots[0]
            part = min(left, lot.quantity)
            if lot.cost is None:
                unknown += part
            else:
                share = lot.cost if part == lot.quantity else lot.cost * part / lot.quantity
                cost += share
                lot.cost -= share
            lot.quantity -= part
            left -= part
            if lot.quantity == 0:
                self.lots.popleft()
        return _Taken(cost, unknown)

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        held = sum((lot.quantity for lot in self.lots), ZERO)
        unknown = sum((lot.quantity for lot in self.lots if lot.cost is None), ZERO)
        cost = sum((lot.cost for lot in self.lots if lot.cost is not None), ZERO)
        return held, unknown, cost


def _check_held(quantity: Decimal, held: Decimal) -> None:
    if quantity > held:
        raise OverSold(f"{quantity} taken of {held} held")


def position(history: Iterable[Event], method: Method = "average") -> Position:
    coins = _Average() if method == "average" else _Fifo()
    realised = fees = estimated = sold_unknown = ZERO
    for event in history:
        if isinstance(event, Deposit):
            coins.add(event.quantity, event.cost)
        elif isinstance(event, Withdrawal):
            coins.take(event.quantity)
        elif event.side == "buy":
            commission = event.commission or ZERO
            fees += commission
            coins.add(event.quantity, event.quantity * event.price + commission)
        else:
            paid = event.commission
            if paid is None:
                paid = event.quantity * event.price * SALES_TAX
                estimated += paid
            else:
                fees += paid
            taken = coins.take(event.quantity)
            known = event.quantity - taken.unknown
            received = (event.quantity * event.price - paid) * known / event.quantity
            realised += received - taken.cost
            sold_unknown += taken.unknown
    held, unknown, cost = coins.totals()
    return Position(held, unknown, cost, realised, fees, estimated, sold_unknown)
