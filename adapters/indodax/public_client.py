"""Indodax public REST API (`https://indodax.com/api/...`): plain GETs, 180 requests/minute.

`send` is the one place a request meets the network for both the public and the private
client: it times the call, turns transport failures into ExchangeUnavailable (or
ExchangeUnreachable when the request provably never left), maps the reply through the
error table, and logs one structured line.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, Self

import httpx

from adapters.indodax.errors import (
    ExchangeUnavailable,
    ExchangeUnreachable,
    IndodaxError,
    raise_for_reply,
)
from adapters.indodax.http_transport import KeepAliveTransport
from adapters.indodax.pairs import Pair
from adapters.indodax.ratelimit import PUBLIC_RATES, RateLimiter
from adapters.indodax.wire import (
    Candle,
    DepthBook,
    PublicTrade,
    ServerTime,
    Summaries,
    Ticker,
    parse_candles,
    parse_depth,
    parse_server_time,
    parse_summaries,
    parse_ticker,
    parse_ticker_all,
    parse_trades,
)
from messages.charts import BARS, ChartTimeframe

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "indodax-bot/0.1"
Timeframe = Literal["1", "15", "30", "60", "240", "1D", "3D", "1W"]
# The exchange's names (/tradingview/history_v2 `tf`; no 5 minutes) of the timeframes as
# the chat names them; their candle lengths are the chat's (messages/charts.py).
WIRE_TIMEFRAMES: Mapping[ChartTimeframe, Timeframe] = {
    "1m": "1",
    "15m": "15",
    "30m": "30",
    "1h": "60",
    "4h": "240",
    "1d": "1D",
    "3d": "3D",
    "1w": "1W",
}
TIMEFRAME_LENGTHS: Mapping[Timeframe, timedelta] = {
    wire: BARS[chart] for chart, wire in WIRE_TIMEFRAMES.items()
}
TIMEFRAMES: tuple[Timeframe, ...] = tuple(TIMEFRAME_LENGTHS)

# Raised before any byte was sent: the connection was never opened.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class HttpSession:
    """Closes the httpx client only when it made it; an injected one belongs to the caller.

    A client it made works on in a forked child: its transport drops the inherited
    connections there (config.fork_safety), so the child never reads the parent's replies."""

    def __init__(self, http: httpx.Client | None) -> None:
        self._owns_http = http is None
        self._http = http or _new_client()

    @property
    def http(self) -> httpx.Client:
        """To share: a user's actor gives its private client the public client's, so it
        holds one client and one connection per host."""
        return self._http

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _new_client() -> httpx.Client:
    """On the lean transport (adapters/indodax/http_transport), whose connections a forked
    child drops without a word to the server: the parent's are untouched."""
    return httpx.Client(
        transport=KeepAliveTransport(), timeout=DEFAULT_TIMEOUT, headers={"User-Agent": USER_AGENT}
    )


def send(
    http: httpx.Client,
    request: httpx.Request,
    call: str,
    pair: Pair | None = None,
    level: int = logging.INFO,
) -> Any:
    """The reply's JSON payload, or the IndodaxError it means."""
    started = time.perf_counter()
    outcome = "unexpected error"
    try:
        response = http.send(request)
        payload = raise_for_reply(
            response.status_code, response.content, response.headers.get("content-type")
        )
        outcome = "ok"
        return payload
    except _NOT_SENT as error:
        outcome = ExchangeUnreachable.__name__
        raise ExchangeUnreachable(f"{call}: {type(error).__name__}") from error
    except httpx.TransportError as error:
        outcome = ExchangeUnavailable.__name__
        raise ExchangeUnavailable(f"{call}: {type(error).__name__}") from error
    except IndodaxError as error:
        outcome = type(error).__name__
        raise
    finally:
        log.log(
            level,
            "indodax %s",
            call,
            extra={
                "call": call,
                "pair": pair.ticker_id if pair else None,
                "latency_ms": round((time.perf_counter() - started) * 1000),
                "outcome": outcome,
            },
        )


class PublicClient(HttpSession):
    def __init__(
        self,
        base_url: str,
        http: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        wall_clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(http)
        self._base_url = base_url.rstrip("/")
        self._limiter = limiter or RateLimiter(PUBLIC_RATES)
        self._now_ms = wall_clock_ms
        self._timeout = timeout
        self.offset_ms = 0

    def server_time(self) -> ServerTime:
        """Also refreshes `offset_ms` (server minus local clock), which timestamp-mode
        private calls add to the local clock.

        The random `n` defeats Cloudflare's cache, which otherwise serves a time up to 30 s
        old about half of the time. The local time is taken halfway through the round trip,
        after any wait for the rate limit.
        """
        self._limiter.acquire("public")
        sent = self._now_ms()
        reply = parse_server_time(
            self._fetch("/api/server_time", {"n": str(random.getrandbits(32))}, None)
        )
        received = self._now_ms()
        self.offset_ms = reply.server_time_ms - (sent + received) // 2
        return reply

    def pairs(self) -> list[dict[str, Any]]:
        """The raw market catalog; adapters.indodax.markets turns it into rules."""
        return self._get("/api/pairs")

    def price_increments(self) -> dict[str, Any]:
        """The raw `{"increments": {ticker_id: tick}}` reply, for the market catalog."""
        return self._get("/api/price_increments")

    def summaries(self) -> Summaries:
        return parse_summaries(self._get("/api/summaries"))

    def ticker(self, pair: Pair) -> Ticker:
        return parse_ticker(self._get(f"/api/ticker/{pair.id}", pair=pair), pair)

    def ticker_all(self) -> dict[Pair, Ticker]:
        return parse_ticker_all(self._get("/api/ticker_all"))

    def depth(self, pair: Pair) -> DepthBook:
        return parse_depth(self._get(f"/api/depth/{pair.id}", pair=pair), pair)

    def trades(self, pair: Pair) -> tuple[PublicTrade, ...]:
        """The latest trades, newest first."""
        return parse_trades(self._get(f"/api/trades/{pair.id}", pair=pair))

    def ohlc(
        self, pair: Pair, timeframe: Timeframe, start: datetime, end: datetime
    ) -> tuple[Candle, ...]:
        """Bars whose start lies in [start, end]; the exchange has no 5-minute timeframe."""
        if timeframe not in TIMEFRAMES:
            raise ValueError(f"timeframe must be one of {', '.join(TIMEFRAMES)}")
        params = {
            "from": str(int(start.timestamp())),
            "to": str(int(end.timestamp())),
            "tf": timeframe,
            "symbol": pair.symbol,
        }
        return parse_candles(self._get("/tradingview/history_v2", params=params, pair=pair))

    def _get(
        self, path: str, params: dict[str, str] | None = None, pair: Pair | None = None
    ) -> Any:
        self._limiter.acquire("public")
        return self._fetch(path, params, pair)

    def _fetch(self, path: str, params: dict[str, str] | None, pair: Pair | None) -> Any:
        request = self._http.build_request(
            "GET",
            f"{self._base_url}{path}",
            params=params,
            headers={"Accept": "application/json"},
            timeout=self._timeout,
        )
        return send(self._http, request, f"GET {path}", pair, logging.DEBUG)
