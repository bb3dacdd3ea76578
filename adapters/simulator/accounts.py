"""API keys and what each one owns: free balances, balances held by open orders, the
permissions the key was created with, and the last nonce it used."""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

PERMISSIONS = ("view", "trade", "withdraw")
DEFAULT_PERMISSIONS = frozenset({"view", "trade"})
DEMO_IDR = Decimal(100_000_000)
DEMO_COINS = {"btc": Decimal("0.05"), "eth": Decimal("1"), "usdt": Decimal("500")}


@dataclass(frozen=True)
class Deposit:
    """Coins that arrived from outside (a control call puts them there): what transHistory
    lists."""

    deposit_id: int
    currency: str
    amount: Decimal
    time: int  # unix seconds


class InsufficientBalance(Exception):
    """More than the free balance was asked for; the order is refused, nothing changes."""


class AccountSpecError(ValueError):
    """A `KEY:SECRET[:IDR[:PERMISSIONS]]` text that cannot be an account."""


@dataclass(frozen=True)
class AccountSpec:
    key: str
    secret: str
    balances: dict[str, Decimal]
    permissions: frozenset[str] = DEFAULT_PERMISSIONS


def parse_account_spec(text: str) -> AccountSpec:
    """`KEY:SECRET`, `KEY:SECRET:5000000` or `KEY:SECRET:5000000:view,trade,withdraw`."""
    parts = text.split(":")
    if len(parts) < 2 or len(parts) > 4 or not parts[0] or not parts[1]:
        raise AccountSpecError(f"account {text!r}: expected KEY:SECRET[:IDR[:PERMISSIONS]]")
    idr = Decimal(0)
    if len(parts) >= 3 and parts[2]:
        try:
            idr = Decimal(parts[2])
        except InvalidOperation:
            raise AccountSpecError(
                f"account {parts[0]}: IDR {parts[2]!r} is not a number"
            ) from None
        if idr < 0 or idr != idr.to_integral_value():
            raise AccountSpecError(f"account {parts[0]}: IDR must be a whole, positive amount")
    permissions = DEFAULT_PERMISSIONS
    if len(parts) == 4:
        permissions = frozenset(word.strip() for word in parts[3].split(",") if word.strip())
        unknown = permissions - set(PERMISSIONS)
        if unknown or not permissions:
            raise AccountSpecError(
                f"account {parts[0]}: permissions must be among {', '.join(PERMISSIONS)}"
            )
    return AccountSpec(parts[0], parts[1], {"idr": idr}, permissions)


def demo_spec(rng: random.Random) -> AccountSpec:
    """A key and secret in Indodax's own shapes (five groups of eight; 80 hex digits)."""
    alphabet = string.ascii_uppercase + string.digits
    key = "-".join("".join(rng.choice(alphabet) for _ in range(8)) for _ in range(5))
    secret = "".join(rng.choice("0123456789abcdef") for _ in range(80))
    return AccountSpec(key, secret, {"idr": DEMO_IDR, **DEMO_COINS}, DEFAULT_PERMISSIONS)


@dataclass
class Account:
    key: str
    secret: str
    permissions: frozenset[str]
    user_id: str
    starting: dict[str, Decimal]
    balance: dict[str, Decimal] = field(default_factory=dict)  # free
    hold: dict[str, Decimal] = field(default_factory=dict)  # locked in open orders
    last_nonce: int = 0
    deposits: list[Deposit] = field(default_factory=list)
    # Signed calls answered, by TAPI method or v2 path: a test can tell how the bot learnt
    # of a fill (a lookup, or none when the order stream pushed it). Kept over a restart.
    calls: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self.balance = dict(self.starting)
        self.hold = dict.fromkeys(self.starting, Decimal(0))
        self.last_nonce = 0
        self.deposits = []

    def reserve(self, currency: str, amount: Decimal) -> None:
        if amount > self.balance[currency]:
            raise InsufficientBalance(currency)
        self.balance[currency] -= amount
        self.hold[currency] += amount

    def release(self, currency: str, amount: Decimal) -> None:
        self.hold[currency] -= amount
        self.balance[currency] += amount

    def pay_from_hold(self, currency: str, amount: Decimal) -> None:
        self.hold[currency] -= amount

    def credit(self, currency: str, amount: Decimal) -> None:
        self.balance[currency] += amount

    def deposit(self, currency: str, amount: Decimal, time: int) -> Deposit:
        arrived = Deposit(len(self.deposits) + 1, currency, amount, time)
        self.credit(currency, amount)
        self.deposits.append(arrived)
        return arrived


class Accounts:
    """Every key the simulator knows; each starts with zero of every listed currency."""

    def __init__(self, currencies: Iterable[str]) -> None:
        self.currencies = list(currencies)
        self._accounts: dict[str, Account] = {}

    def add(self, spec: AccountSpec) -> Account:
        if spec.key in self._accounts:
            raise AccountSpecError(f"account {spec.key}: the key already exists")
        unknown = set(spec.balances) - set(self.currencies)
        if unknown:
            raise AccountSpecError(f"account {spec.key}: unknown currency {sorted(unknown)[0]}")
        starting = dict.fromkeys(self.currencies, Decimal(0)) | spec.balances
        account = Account(
            key=spec.key,
            secret=spec.secret,
            permissions=spec.permissions,
            user_id=f"{len(self._accounts) + 1:05d}",
            starting=starting,
        )
        self._accounts[spec.key] = account
        return account

    def get(self, key: str) -> Account | None:
        return self._accounts.get(key)

    def __iter__(self) -> Iterator[Account]:
        return iter(self._accounts.values())

    def restart(self) -> None:
        for account in self._accounts.values():
            account.restart()
