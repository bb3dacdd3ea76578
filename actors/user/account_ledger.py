"""A live account's history as the accounting reads it (actors/accounting/cost_basis.py):
per coin, its trades on the IDR market and its transfers, oldest first, made to agree with
what the account holds now (actors/accounting/opening_balance.py).

The trades are those the import brought (persistence/models/history.py) plus the bot's own
fills the import has not reached yet, so a trade just made counts at once. A commission is
rupiah as the exchange reported it (the sales tax inside it); one charged in the coin
bought makes the buy's coins fewer, its value counted as the fee; one in another currency
is not converted, and the tax on such a sale is estimated instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from actors.accounting.cost_basis import Deposit, Event, Trade, Withdrawal
from actors.accounting.opening_balance import agreeing
from adapters.indodax.pairs import parse_pair
from persistence.models.history import (
    TradeRow,
    own_fills_not_imported,
    trades_of,
    transfers_of,
)
from persistence.models.users import User


def account_history(user: User, held: Mapping[str, Decimal]) -> dict[str, list[Event]]:
    """By coin (`btc`, not rupiah): its events, ending with what `held` says it holds."""
    dated: dict[str, list[tuple[datetime, Event]]] = defaultdict(list)
    for row in [*trades_of(user), *own_fills_not_imported(user)]:
        traded = _trade(row)
        if traded is not None:
            dated[traded[0]].append((row[6], traded[1]))
    for transfer in transfers_of(user):
        event: Event
        if transfer.direction == "deposit":
            event = Deposit(transfer.amount, transfer.cost)
        else:
            event = Withdrawal(transfer.amount + transfer.fee)
        dated[transfer.currency].append((transfer.time, event))
    coins = (set(dated) | {coin for coin, amount in held.items() if amount}) - {"idr"}
    return {
        coin: agreeing(
            [event for _, event in sorted(dated[coin], key=lambda dated_event: dated_event[0])],
            held.get(coin, Decimal(0)),
        )
        for coin in coins
    }


def _trade(row: TradeRow) -> tuple[str, Trade] | None:
    pair_id, side, price, quantity, commission, asset, _ = row
    pair = parse_pair(pair_id)
    if pair.quote != "idr":
        return None
    if asset == "idr":
        return pair.base, Trade("buy" if side == "buy" else "sell", quantity, price, commission)
    if asset == pair.base and side == "buy":
        return pair.base, Trade("buy", quantity - commission, price, commission * price)
    return pair.base, Trade("buy" if side == "buy" else "sell", quantity, price, None)
