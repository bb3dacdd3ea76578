"""The rupiah a backtest starts with when none is given: what the strategy's own preview
says it ties up, so its return is on the money it uses, not on an idle balance.

A grid: its buys' value with fees and the market buy of its sells' coin, at the first
open (actors/user/grid_preview.py). A DCA: its budget, or every scheduled buy and one
cycle's safety orders. A TP/SL: nothing, its position is its capital (coins).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from actors.backtest.inputs import BadBacktest
from actors.strategies.dca_plan import DcaPlan
from actors.strategies.grid_plan import GridPlan
from actors.strategies.parameters import BadParameter
from actors.strategies.schedule import BadSchedule
from actors.user.grid_preview import grid_figures
from adapters.indodax.markets import PairInfo


def capital_needed(
    kind: str, params: Mapping[str, str], rules: PairInfo, price: Decimal
) -> Decimal:
    """Raises BadBacktest when the parameters make no plan, or leave it open (a DCA with
    neither a budget nor a number of buys)."""
    try:
        if kind == "grid":
            plan = GridPlan.from_params(dict(params))
            figures = grid_figures(
                plan,
                price=price,
                ask=price,
                maker_fee=rules.maker_fee,
                idr_free=Decimal(0),
                coin_held=Decimal(0),
            )
            return figures.idr_for_buys + figures.coin_cost
        if kind == "dca":
            return _dca(DcaPlan.from_params(dict(params)))
    except (BadParameter, BadSchedule) as error:
        raise BadBacktest(f"the strategy's parameters: {error}") from error
    return Decimal(0)


def _dca(plan: DcaPlan) -> Decimal:
    if plan.budget is not None:
        return Decimal(plan.budget)
    if plan.max_buys is None:
        raise BadBacktest("a DCA without a budget or a number of buys: give the capital")
    safety = range(1, plan.safety.count + 1)
    return Decimal(plan.quote_amount * plan.max_buys + sum(map(plan.safety.amount_of, safety)))


def starting_coins(kind: str, params: Mapping[str, str]) -> Decimal:
    """The coins a strategy's set-up says the account holds for it: a TP/SL's position, a
    grid's held coin (one that buys its coin at market starts with none)."""
    try:
        if kind == "tpsl":
            return Decimal(params["quantity"])
        if kind == "grid":
            plan = GridPlan.from_params(dict(params))
            return plan.held if plan.coin_source == "held" else Decimal(0)
    except (KeyError, ArithmeticError, BadParameter) as error:
        raise BadBacktest(f"the strategy's parameters: {error}") from error
    return Decimal(0)
