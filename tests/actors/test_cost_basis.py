"""The cost of what is held and the profit of what was sold, in rupiah, from an account's
history, checked against a table worked out by hand in both cost methods, and against
what must hold for any history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actors.accounting.cost_basis import (
    Deposit,
    Event,
    OverSold,
    Trade,
    Withdrawal,
    position,
)

D = Decimal
# BTC/IDR. Commissions as Indodax reports them: a taker's 0.3 %, a maker's 0.1 %, and on
# sales the 0.21 % final income tax inside the commission (0.3 % + 0.21 % = 0.51 %).
HISTORY: list[Event] = [
    Trade("buy", D("0.010"), D(1_000_000_000), D(30_000)),  # costs 10,030,000
    Trade("buy", D("0.004"), D(900_000_000), D(3_600)),  # one limit order filled in two
    Trade("buy", D("0.006"), D(900_000_000), D(5_400)),  # parts: 3,603,600 and 5,405,400
    Deposit(D("0.005"), cost=None),  # from another wallet; what it cost is not known
    Trade("sell", D("0.012"), D(1_100_000_000), D(67_320)),  # receives 13,132,680
    Deposit(D("0.001"), cost=D(950_000)),  # the user says what it cost
    Trade("sell", D("0.003"), D(1_200_000_000), None),  # no commission: tax 7,560 estimated
    Trade("sell", D("0.008"), D(1_150_000_000), D(46_920)),  # receives 9,153,080
]


def test_average_cost_takes_the_known_coins_first_and_counts_what_had_no_cost_apart():
    # Average: the three buys 19,039,000 for 0.020 (951,950,000 a coin).
    #   sell 0.012: cost 11,423,400, received 13,132,680: +1,709,280; 0.008 left at 7,615,600
    #   deposit 0.001 at 950,000: 0.009 at 8,565,600
    #   sell 0.003: cost 2,855,200, received 3,600,000 - 7,560: +737,240; 0.006 at 5,710,400
    #   sell 0.008: the 0.006 known (5,710,400) and 0.002 unknown; the known 3/4 of
    #   9,153,080 is 6,864,810: +1,154,410
    result = position(HISTORY, "average")
    assert result.realised == D(3_600_930)
    assert (result.held, result.unknown, result.cost) == (D("0.003"), D("0.003"), D(0))
    assert result.sold_unknown == D("0.002")
    assert (result.fees, result.estimated_tax) == (D(153_240), D(7_560))
    assert result.average is None  # every coin left has no known cost
    assert result.unrealised(D(1_150_000_000)) == 0


def test_fifo_sells_the_oldest_coins_first_the_deposit_without_a_cost_in_its_turn():
    # FIFO: lots 0.010 (10,030,000), 0.004 (3,603,600), 0.006 (5,405,400), 0.005 unknown.
    #   sell 0.012: the first lot and half the second, 11,831,800: +1,300,880
    #   deposit 0.001 at 950,000 (a lot after the unknown one)
    #   sell 0.003: the rest of the second and 0.001 of the third, 2,702,700: +889,740
    #   sell 0.008: 0.005 of the third (4,504,500) and 0.003 unknown; the known 5/8 of
    #   9,153,080 is 5,720,675: +1,216,175
    result = position(HISTORY, "fifo")
    assert result.realised == D(3_406_795)
    assert (result.held, result.unknown, result.cost) == (D("0.003"), D("0.002"), D(950_000))
    assert result.sold_unknown == D("0.003")
    assert (result.fees, result.estimated_tax) == (D(153_240), D(7_560))
    assert result.average == D(950_000_000)
    assert result.unrealised(D(1_150_000_000)) == D(200_000)


def test_an_average_cost_before_any_sale_includes_the_buys_commissions():
    result = position(HISTORY[:3])
    assert result.average == D(951_950_000)
    assert result.unrealised(D(1_000_000_000)) == D(20_000_000) - D(19_039_000)


def test_a_withdrawal_takes_coins_with_their_cost_and_makes_no_profit():
    history = [*HISTORY[:3], Withdrawal(D("0.005"))]
    average, fifo = position(history, "average"), position(history, "fifo")
    assert average.realised == fifo.realised == 0
    assert average.cost == D(19_039_000) * 3 / 4
    assert fifo.cost == D(10_030_000) / 2 + D(3_603_600) + D(5_405_400)


def test_a_history_that_sells_more_than_it_brought_in_is_refused_as_a_gap():
    with pytest.raises(OverSold):
        position([*HISTORY[:1], Trade("sell", D("0.011"), D(1), D(0))])


quantities = st.integers(min_value=1, max_value=10_000).map(lambda n: D(n) / 10_000)
prices = st.integers(min_value=1, max_value=2_000).map(lambda n: D(n) * 1_000_000)
commissions = st.integers(min_value=0, max_value=50_000).map(D)


@st.composite
def trading(draw: st.DrawFn) -> list[Trade]:
    """Buys and sales of coins with a known cost, never selling more than held."""
    history: list[Trade] = []
    held = D(0)
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        if held and draw(st.booleans()):
            quantity = min(draw(quantities), held)
            history.append(Trade("sell", quantity, draw(prices), draw(commissions)))
            held -= quantity
        else:
            quantity = draw(quantities)
            history.append(Trade("buy", quantity, draw(prices), draw(commissions)))
            held += quantity
    return history


def _money_in_and_out(history: list[Trade]) -> tuple[Decimal, Decimal]:
    spent = sum(
        (t.quantity * t.price + (t.commission or 0) for t in history if t.side == "buy"), D(0)
    )
    received = sum(
        (t.quantity * t.price - (t.commission or 0) for t in history if t.side == "sell"), D(0)
    )
    return spent, received


@given(trading())
def test_what_was_made_is_what_came_in_less_what_the_sold_coins_cost_in_both_methods(history):
    spent, received = _money_in_and_out(history)
    for method in ("average", "fifo"):
        result = position(history, method)
        assert result.realised + spent - result.cost == pytest.approx(received, abs=D("1e-12"))


@given(trading())
def test_once_everything_is_sold_both_methods_made_the_same(history):
    held = position(history).held
    history = [*history, Trade("sell", held, D(1_000_000_000), D(0))] if held else history
    average, fifo = position(history, "average"), position(history, "fifo")
    assert average.cost == fifo.cost == 0
    assert average.realised == pytest.approx(fifo.realised, abs=D("1e-12"))
