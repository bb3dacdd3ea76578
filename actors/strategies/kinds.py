"""Every strategy a user can run, by the kind its row names."""

from __future__ import annotations

from actors.strategies.buy_once_below import BuyOnceBelow
from actors.strategies.dca import DollarCostAverage
from actors.strategies.grid import Grid
from actors.strategies.strategy import BaseStrategy
from actors.strategies.tpsl import TakeProfitStopLoss

STRATEGY_CLASSES: dict[str, type[BaseStrategy]] = {
    BuyOnceBelow.kind: BuyOnceBelow,
    DollarCostAverage.kind: DollarCostAverage,
    Grid.kind: Grid,
    TakeProfitStopLoss.kind: TakeProfitStopLoss,
}
