"""A paper account's history as the accounting reads it (actors/accounting/cost_basis.py):
every fill, per coin, in the order it was made. The account starts with rupiah only, so
every coin in it came from a fill and its cost is known exactly.

A paper buy spends its value and gets (value - fee) / price coins, floored to the pair's
step; a sale of coins worth value (floored) receives value - fee. So what a trade cost or
received beyond its coins at its price (its fee and the rounding) is its commission here,
and the coins' cost is exactly the rupiah that left the account."""

from __future__ import annotations

from collections import defaultdict

from actors.accounting.cost_basis import Trade
from adapters.indodax.pairs import parse_pair
from persistence.models.fills import paper_trades
from persistence.models.users import User


def paper_history(user: User) -> dict[str, list[Trade]]:
    """By coin (`btc`): its trades, oldest first."""
    history: dict[str, list[Trade]] = defaultdict(list)
    for fill in paper_trades(user):
        order = fill.paper_order
        assert order is not None  # the query joins the paper orders
        coins, price = fill.quantity, order.fill_price
        at_price = coins * price
        if order.side == "buy":
            trade = Trade("buy", coins, price, order.filled_value - at_price)
        else:
            trade = Trade("sell", coins, price, at_price - (order.filled_value - order.fee))
        history[parse_pair(order.pair).base].append(trade)
    return dict(history)
