"""The ChartMaker (one per system, started and restarted by the Supervisor like the other
core actors): draws the charts users ask for and sends each as a Photo to the Notifier.

It is the only actor that draws. matplotlib (tens of megabytes) is imported once it has
booted, in its own process: the Supervisor, from which every user's actor is forked, never
loads it, and the import rules keep the user's side and the chat adapters off the
renderers (pyproject.toml).

Requests wait in a queue per user, served in turn (fair_queue.py), one chart per turn, and
the mailbox is read between two charts: a user asking for many charts delays another's by
one render at most. Candles come from the exchange's public history, kept a minute per
(pair, timeframe) (candles.py). An exchange that does not answer, or a chart that cannot
be drawn, is answered with a text in the user's language; nothing here fails the actor.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from thespian.actors import WakeupMessage

from actors.base import BotActor
from actors.charts.candles import CandleCache
from actors.charts.fair_queue import FairQueue
from adapters.indodax.errors import IndodaxError
from adapters.indodax.markets import MarketCatalog
from adapters.indodax.pairs import UnknownPair, parse_pair
from adapters.indodax.public_client import PublicClient
from adapters.indodax.shared_catalog import shared_catalog
from messages.charts import (
    AllocationChartRequest,
    ChartRequest,
    PnlChartRequest,
    PriceChartRequest,
)
from messages.replies import Photo, Reply
from persistence.models.base import utcnow

log = logging.getLogger(__name__)

DRAW_NEXT = "draw-next"  # wakeup payload: the next chart in the queue


class ChartMaker(BotActor):
    # It reads and writes nothing in the database: its connection is the boot's alone.
    holds_connection = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting: FairQueue[tuple[ChartRequest, float]] = FairQueue()
        self.drawing_due = False
        self._candles: CandleCache | None = None
        self._catalog: MarketCatalog | None = None

    def booted(self) -> None:
        from actors.charts import drawing  # noqa: PLC0415 (matplotlib: this process only)

        started = time.perf_counter()
        drawing.warm_up()
        log.info(
            "chart maker ready",
            extra={"warm_up_ms": round((time.perf_counter() - started) * 1000)},
        )
        rest = self.settings.indodax.rest_base_url
        self._candles = CandleCache(PublicClient(rest), clock=utcnow)
        self._catalog = shared_catalog(rest)

    def receiveMsg_ChartRequest(self, message: ChartRequest, sender: Any) -> None:
        self.waiting.add(message.telegram_id, (message, time.monotonic()))
        if not self.drawing_due:
            self.drawing_due = True
            self.wakeupAfter(timedelta(0), payload=DRAW_NEXT)

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender: Any) -> None:
        """One chart, then the mailbox again before the next: requests that came meanwhile
        take their turn in the queue."""
        if message.payload != DRAW_NEXT:
            return
        taken = self.waiting.take()
        self.drawing_due = len(self.waiting) > 0
        if self.drawing_due:  # asked before drawing: a chart that fails stops no other
            self.wakeupAfter(timedelta(0), payload=DRAW_NEXT)
        if taken is not None:
            self._answer(*taken)

    def _answer(self, request: ChartRequest, queued_at: float) -> None:
        started = time.perf_counter()
        outcome = "drawn"
        try:
            png = self._png(request)
        except IndodaxError as error:
            outcome = type(error).__name__
            self.reply(request, "chart.exchange_unavailable", pair=_pair_label(request))
            return
        except Exception:
            outcome = "failed"
            log.exception("chart not drawn", extra={"chart": type(request).__name__})
            self.reply(request, "chart.failed")
            return
        finally:
            log.info(
                "chart",
                extra={
                    "user_id": request.telegram_id,
                    "correlation_id": request.correlation_id,
                    "chart": type(request).__name__,
                    "outcome": outcome,
                    "waited_ms": round((started - queued_at) * 1000),
                    "took_ms": round((time.perf_counter() - started) * 1000),
                },
            )
        self.send(
            self.wiring.notifier,
            Photo(
                telegram_id=request.telegram_id,
                chat_id=request.chat_id,
                language=request.language,
                key=request.caption_key,
                params=request.caption_params,
                buttons=request.buttons,
                png=png,
                correlation_id=request.correlation_id,
            ),
        )

    def _png(self, request: ChartRequest) -> bytes:
        from actors.charts import drawing  # noqa: PLC0415 (imported at boot: a lookup now)

        candles, catalog = self._candles, self._catalog
        if candles is None or catalog is None:
            raise RuntimeError("ChartMaker used before it booted")
        if isinstance(request, PriceChartRequest):
            info = catalog.info(parse_pair(request.pair))
            bars = candles.candles(info.pair, request.timeframe)
            return drawing.price_chart(request, info, bars)
        if isinstance(request, AllocationChartRequest):
            return drawing.allocation_chart(request)
        if isinstance(request, PnlChartRequest):
            return drawing.pnl_chart(request)
        raise TypeError(f"no chart for {type(request).__name__}")

    def reply(self, request: ChartRequest, key: str, **params: str) -> None:
        """A text instead of the chart, as the answer to the same command."""
        self.send(
            self.wiring.notifier,
            Reply(
                telegram_id=request.telegram_id,
                chat_id=request.chat_id,
                language=request.language,
                key=key,
                params=tuple(params.items()),
                correlation_id=request.correlation_id,
            ),
        )

    def message_failed(self, message: Any, sender: Any, error: Exception) -> None:
        if isinstance(message, ChartRequest):
            self.reply(message, "chart.failed")


def _pair_label(request: ChartRequest) -> str:
    """The pair a chart was of, as users write it; empty for a chart of no pair."""
    if not isinstance(request, PriceChartRequest):
        return ""
    try:
        return parse_pair(request.pair).display
    except UnknownPair:
        return request.pair.upper()
