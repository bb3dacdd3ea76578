"""The public REST endpoints (field guide §1.3), same paths, shapes and JSON types as
indodax.com: prices and volumes as strings, `server_time` in seconds except on
/api/server_time (ms), OHLC values as JSON numbers, unknown pairs answered with HTTP 200."""

from __future__ import annotations

from decimal import ROUND_DOWN

from aiohttp import web

from adapters.simulator.catalog import Market
from adapters.simulator.formats import coin, json_reply, number, plain, snap
from adapters.simulator.history import DAY, TIMEFRAMES
from adapters.simulator.simulator import SIMULATOR, Simulator

INVALID_PAIR = {"error": "invalid_pair", "error_description": "Invalid Pair"}
# /api/depth alone adds an error_code (field guide §1.3).
INVALID_PAIR_DEPTH = {
    "error": "invalid_pair",
    "error_code": "invalid_pair",
    "error_description": "Invalid Pair",
}
DEFAULT_TICKER_PAIR = "btcidr"
WEEK = 7 * DAY

routes = web.RouteTableDef()


def _ticker(sim: Simulator, market: Market) -> dict[str, object]:
    state = sim.market[market.id]
    day = state.candles.day_stats(sim.now(), state.last)
    return {
        "high": plain(day.high),
        "low": plain(day.low),
        f"vol_{market.base}": coin(day.volume),
        f"vol_{market.quote}": plain(snap(day.quote_volume, market.quote_step, ROUND_DOWN)),
        "last": plain(state.last),
        "buy": plain(state.bid),
        "sell": plain(state.ask),
        "server_time": sim.now(),
    }


@routes.get("/api/server_time")
async def server_time(request: web.Request) -> web.Response:
    return json_reply({"timezone": "UTC", "server_time": request.app[SIMULATOR].now_ms()})


@routes.get("/api/pairs")
async def pairs(request: web.Request) -> web.Response:
    return json_reply(request.app[SIMULATOR].catalog.pairs_rows)


@routes.get("/api/price_increments")
async def price_increments(request: web.Request) -> web.Response:
    return json_reply(request.app[SIMULATOR].catalog.increments)


@routes.get("/api/summaries")
async def summaries(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    now = sim.now()
    markets = list(sim.catalog)

    def ago(market: Market, seconds: int) -> str:
        state = sim.market[market.id]
        return plain(state.candles.price_at(now - seconds, state.last))

    return json_reply(
        {
            "tickers": {
                market.pair.ticker_id: {**_ticker(sim, market), "name": market.name}
                for market in markets
            },
            "prices_24h": {market.id: ago(market, DAY) for market in markets},
            "prices_7d": {market.id: ago(market, WEEK) for market in markets},
        }
    )


@routes.get("/api/ticker")
@routes.get("/api/ticker/{pair_id}")
async def ticker(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    market = sim.catalog.by_path_id(request.match_info.get("pair_id", DEFAULT_TICKER_PAIR))
    if market is None:
        return json_reply(INVALID_PAIR)
    return json_reply({"ticker": _ticker(sim, market)})


@routes.get("/api/ticker_all")
async def ticker_all(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    return json_reply(
        {"tickers": {market.pair.ticker_id: _ticker(sim, market) for market in sim.catalog}}
    )


@routes.get("/api/depth/{pair_id}")
async def depth(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    market = sim.catalog.by_path_id(request.match_info["pair_id"])
    if market is None:
        return json_reply(INVALID_PAIR_DEPTH)
    book = sim.market.depth(market.id)
    return json_reply(
        {
            "buy": [[plain(price), coin(amount)] for price, amount in book.bids],
            "sell": [[plain(price), coin(amount)] for price, amount in book.asks],
        }
    )


@routes.get("/api/trades/{pair_id}")
async def trades(request: web.Request) -> web.Response:
    sim = request.app[SIMULATOR]
    market = sim.catalog.by_path_id(request.match_info["pair_id"])
    if market is None:
        return json_reply(INVALID_PAIR)
    return json_reply(
        [
            {
                "date": str(trade.ts),
                "price": plain(trade.price),
                "amount": coin(trade.amount),
                "tid": str(trade.tid),
                "type": trade.side,
            }
            for trade in sim.market[market.id].trades
        ]
    )


@routes.get("/tradingview/history_v2")
async def tradingview_history(request: web.Request) -> web.Response:
    """All four parameters are required; the symbol is the upper-case `BTCIDR` the docs give
    (a client sending `btcidr` gets the invalid-pair body, as CCXT's departure would)."""
    sim = request.app[SIMULATOR]
    query = request.query
    missing = [name for name in ("from", "to", "tf", "symbol") if not query.get(name)]
    if missing:
        return _bad_request(f"missing parameter: {', '.join(missing)}")
    timeframe = TIMEFRAMES.get(query["tf"])
    if timeframe is None:
        return _bad_request(f"tf must be one of {', '.join(TIMEFRAMES)}")
    try:
        start, end = int(query["from"]), int(query["to"])
    except ValueError:
        return _bad_request("from and to are unix seconds")
    market = sim.catalog.by_symbol(query["symbol"])
    if market is None:
        return json_reply(INVALID_PAIR)
    bars = sim.market[market.id].candles.bars(start, end, timeframe)
    return json_reply(
        [
            {
                "Time": bar.time,
                "Open": number(bar.open),
                "High": number(bar.high),
                "Low": number(bar.low),
                "Close": number(bar.close),
                "Volume": coin(bar.volume),
            }
            for bar in bars
        ]
    )


def _bad_request(description: str) -> web.Response:
    return json_reply({"error": "bad_request", "error_description": description}, 400)
