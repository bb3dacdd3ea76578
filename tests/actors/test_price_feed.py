"""The price feed's own logic: a burst reduced to the ticks that keep its path, and
subscriptions that must be renewed."""

from __future__ import annotations

from decimal import Decimal

from actors.core.price_feed import Subscriptions, price_paths
from actors.core.trigger_index import LevelTrigger, TrailingTrigger, TriggerIndex
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


def tick(pair: Pair, price: int, ts: int) -> Tick:
    return Tick(pair=pair, ts_seconds=ts, seq=ts, price=Decimal(price), volume=Decimal(1))


def test_a_burst_of_one_price_per_pair_is_one_tick_each_and_books_carry_none():
    burst = [tick(BTC, 100, 1), summary(ETH, 50, 1), Book(pair=BTC, bids=(), asks=())]
    assert price_paths(burst) == {
        "btc_idr": [(Decimal(100), 1.0)],
        "eth_idr": [(Decimal(50), 1.0)],
    }


def test_a_burst_keeps_its_lowest_and_highest_trades_in_their_order_then_its_newest():
    prices = [105, 103, 99, 104, 108, 107, 106]
    burst = [tick(BTC, price, ts) for ts, price in enumerate(prices, start=1)]
    assert price_paths(burst) == {
        "btc_idr": [(Decimal(99), 3.0), (Decimal(108), 5.0), (Decimal(106), 7.0)]
    }


def test_a_long_burst_is_at_most_three_ticks():
    burst = [tick(BTC, 1_000 + (n % 7) * (-1) ** n, n) for n in range(500)]
    assert len(price_paths(burst)["btc_idr"]) <= 3


def test_a_stop_fires_on_a_dip_its_recovery_came_with_in_the_same_burst():
    index = TriggerIndex()
    index.tick(Decimal(101), now=0)
    index.add(LevelTrigger("stop", "below", Decimal(100)))
    burst = [tick(BTC, 101, 1), tick(BTC, 99, 2), tick(BTC, 101, 3)]
    fired = [t.id for price, _ in price_paths(burst)["btc_idr"] for t in index.tick(price, now=1)]
    assert fired == ["stop"]


def test_a_trailing_stop_fires_on_a_pullback_from_a_peak_inside_one_burst():
    index = TriggerIndex()
    index.tick(Decimal(100), now=0)
    index.add(TrailingTrigger("trail", "sell", distance=Decimal(5)))
    burst = [tick(BTC, price, ts) for ts, price in enumerate([104, 110, 103, 106], start=1)]
    fired = [t.id for price, _ in price_paths(burst)["btc_idr"] for t in index.tick(price, now=1)]
    assert fired == ["trail"]


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
