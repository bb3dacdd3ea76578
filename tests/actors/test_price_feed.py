"""The price feed's own logic: coalescing a burst, and subscriptions that must be renewed."""

from __future__ import annotations

from decimal import Decimal

from actors.core.price_feed import Subscriptions, latest_prices
from adapters.indodax.pairs import Pair
from adapters.indodax.ws_protocol import Book, Summary, Tick

BTC, ETH = Pair("btc", "idr"), Pair("eth", "idr")


def summary(pair: Pair, last: int, ts: int) -> Summary:
    d = Decimal(last)
    return Summary(
        pair=pair,
        ts=ts,
        last=d,
        low=d,
        high=d,
        price_24h_ago=d,
        quote_volume=Decimal(0),
        base_volume=Decimal(0),
    )


def test_a_burst_is_coalesced_to_the_newest_price_per_pair():
    burst = [
        Tick(pair=BTC, ts_seconds=1, seq=1, price=Decimal(100), volume=Decimal(1)),
        summary(ETH, 50, 1),
        Book(pair=BTC, bids=(), asks=()),
        Tick(pair=BTC, ts_seconds=2, seq=2, price=Decimal(101), volume=Decimal(1)),
    ]
    assert latest_prices(burst) == {"btc_idr": (Decimal(101), 2.0), "eth_idr": (Decimal(50), 1.0)}


def test_a_subscriber_that_stops_renewing_is_dropped_and_one_that_renews_is_kept():
    subscriptions = Subscriptions()
    subscriptions.renew("view", ("btc_idr",), lease=10, now=0)
    subscriptions.renew("matcher", (), lease=10, now=0)
    assert subscriptions.wanting("btc_idr", now=5) == ["view", "matcher"]
    assert subscriptions.wanting("eth_idr", now=5) == ["matcher"]
    subscriptions.renew("matcher", (), lease=10, now=8)
    assert subscriptions.wanting("btc_idr", now=12) == ["matcher"]
    assert subscriptions.wanting("btc_idr", now=19) == []


def test_unsubscribing_stops_the_ticks_at_once():
    subscriptions = Subscriptions()
    subscriptions.renew("view", (), lease=10, now=0)
    subscriptions.drop("view")
    assert subscriptions.wanting("btc_idr", now=1) == []
