"""A chart request and what the exchange said, as the renderers' data, drawn as PNG bytes.

The only module of the actors that imports adapters.charts, and so matplotlib: the chart
maker imports it once booted, in its own process (see chart_maker.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from adapters.charts.allocation_chart import AllocationChartData, Holding, render_allocation_chart
from adapters.charts.pnl_chart import PnlChartData, PnlDay, render_pnl_chart
from adapters.charts.price_chart import FillMark, Line, PriceChartData, render_price_chart
from adapters.indodax.markets import PairInfo
from adapters.indodax.wire import Candle
from messages.charts import BARS, AllocationChartRequest, PnlChartRequest, PriceChartRequest


def price_chart(request: PriceChartRequest, info: PairInfo, candles: Sequence[Candle]) -> bytes:
    """Fills outside the candles' time are left off: they would stretch the time axis
    over a stretch with no price to read them against."""
    first = candles[0].time if candles else None
    end = candles[-1].time + BARS[request.timeframe] if candles else None
    fills = tuple(
        FillMark(fill.time, Decimal(fill.price), fill.side)
        for fill in request.fills
        if first is not None and end is not None and first <= fill.time < end
    )
    return render_price_chart(
        PriceChartData(
            pair_label=info.display,
            quote=info.pair.quote,
            candles=tuple(candles),
            language=request.language,
            lines=tuple(Line(line.kind, Decimal(line.price)) for line in request.lines),
            fills=fills,
        )
    )


def allocation_chart(request: AllocationChartRequest) -> bytes:
    holdings = tuple(Holding(h.asset, Decimal(h.value_idr)) for h in request.holdings)
    return render_allocation_chart(AllocationChartData(holdings, request.language))


def pnl_chart(request: PnlChartRequest) -> bytes:
    days = tuple(PnlDay(d.day, Decimal(d.realised_idr)) for d in request.days)
    return render_pnl_chart(PnlChartData(days, request.language))


def warm_up() -> None:
    """One chart drawn and thrown away: matplotlib loads its fonts and caches on the first
    render (about a fifth of a second), which the first user's chart would otherwise wait
    for."""
    render_pnl_chart(PnlChartData((), "id"))
