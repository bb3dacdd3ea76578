"""What a grid's preview shows, worked out from its plan, the pair's fees and the market
now: the levels nearest the price with their side and amount, the rupiah its buys tie up,
the coin its sells need and what buying it costs, the profit of one completed pair after
fees and tax at the lowest and the highest grid, and what deserves a warning. Plain
arithmetic: the set-up (strategy_setup.py) fetches and replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from actors.strategies.grid_plan import HUNDRED, GridPlan, Layout, round_trip_pct
from actors.strategies.money import whole_rupiah
from messages.replies import Row

LEVELS_SHOWN = 5  # on each side of the price


@dataclass(frozen=True)
class GridFigures:
    rows: tuple[Row, ...]  # (price, side, quantity), highest first; then how many are not shown
    buys: int
    sells: int
    idr_for_buys: Decimal  # the buys' value and maker fee, whole rupiah
    coin_for_sells: Decimal
    coin_cost: Decimal  # the market buy of that coin (0 when held coin is used)
    profit_low: Decimal  # a completed pair at the lowest grid, after fees and tax
    profit_high: Decimal  # at the highest grid
    profit_pct_low: Decimal  # of the pair's buy value
    profit_pct_high: Decimal
    round_trip_pct: Decimal
    warnings: tuple[Row, ...]  # each a term: outside_range, idr_short, coin_short


def grid_figures(
    plan: GridPlan,
    *,
    price: Decimal,
    ask: Decimal,
    maker_fee: Decimal,
    idr_free: Decimal,
    coin_held: Decimal,
) -> GridFigures:
    layout = plan.layout(price)
    buy_value = sum(
        (plan.quantity_at(level) * plan.levels[level] for level in layout.buys), Decimal(0)
    )
    idr_for_buys = (buy_value * (1 + maker_fee)).to_integral_value(ROUND_CEILING)
    coin = plan.coins_for(layout)
    buying = plan.coin_source == "buy" and bool(layout.sells)
    coin_cost = plan.coin_purchase(layout, ask) if buying else Decimal(0)
    low, high = _pair(plan, 0, maker_fee), _pair(plan, plan.count - 2, maker_fee)
    warnings: list[Row] = []
    if not plan.lower <= price <= plan.upper:
        warnings.append(("grid_outside_range",))
    if idr_for_buys + coin_cost > idr_free:
        warnings.append(("grid_idr_short",))
    if plan.coin_source == "held" and coin_held < coin:
        warnings.append(("grid_coin_short",))
    rows = _rows(plan, layout)
    return GridFigures(
        rows=rows,
        buys=len(layout.buys),
        sells=len(layout.sells),
        idr_for_buys=idr_for_buys,
        coin_for_sells=coin,
        coin_cost=coin_cost,
        profit_low=whole_rupiah(low[0]),
        profit_high=whole_rupiah(high[0]),
        profit_pct_low=low[1],
        profit_pct_high=high[1],
        round_trip_pct=round_trip_pct(maker_fee).quantize(Decimal("0.01")),
        warnings=tuple(warnings),
    )


def _pair(plan: GridPlan, level: int, maker_fee: Decimal) -> tuple[Decimal, Decimal]:
    """A completed pair bought at `level`: its profit, and that as a percent of its buy."""
    profit = plan.pair_profit(level, maker_fee)
    value = plan.quantity_at(level) * plan.levels[level]
    percent = (profit / value * HUNDRED).quantize(Decimal("0.01")) if value else Decimal(0)
    return profit, percent


def _rows(plan: GridPlan, layout: Layout) -> tuple[Row, ...]:
    """The levels nearest the price, highest first, the empty one marked as such; a last
    row says how many more there are, when there are."""
    sells = layout.sells[:LEVELS_SHOWN]
    buys = layout.buys[:LEVELS_SHOWN]
    shown = [*reversed(sells), layout.gap, *buys]
    rows: list[Row] = []
    for level in shown:
        side = "sell" if level in sells else "buy" if level in buys else "grid_empty"
        quantity = "" if side == "grid_empty" else _plain(plan.quantity_at(level))
        rows.append((str(plan.levels[level]), side, quantity))
    hidden = plan.count - len(shown)
    if hidden:
        rows.append(("…", "grid_more_levels", str(hidden)))
    return tuple(rows)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
