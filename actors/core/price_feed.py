"""The PriceFeedActor (one per system): owns the market WebSocket, falls back to REST
polling, and fans each pair's prices out to the TriggerBook and a few subscribers.

The socket runs in the feed's own threads; they never touch the actor. They queue events
and write a byte to a pipe the actor watches (ThespianWatch), so every event is handled on
the actor's own thread. A burst is reduced per pair to its lowest and highest trades, in
the order they came, and its newest: no backlog, and no dip a stop should have seen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from thespian.actors import ActorExitRequest, WakeupMessage, WatchMessage

from actors.base import BotActor
from actors.runtime.thread_inbox import ThreadInbox
from adapters.indodax.public_client import PublicClient
from adapters.indodax.ws_feed import FeedTiming, MarketFeed
from adapters.indodax.ws_protocol import SUMMARY_CHANNEL, Event, Summary, Tick
from messages.events import FeedState, PriceTick, SubscribePrices, UnsubscribePrices

log = logging.getLogger(__name__)

REPORT_EVERY = timedelta(seconds=5)


def price_paths(events: Iterable[Event]) -> dict[str, list[tuple[Decimal, float]]]:
    """Per pair (ticker id), a burst of trades as few ticks as keep its path: its lowest
    and its highest price in the order they traded, then its newest. A stop or an alert
    fires on any price traded at or through its level, so a dip and its recovery drained
    together must still reach the TriggerBook as a dip (the newest price alone would hide
    it); a burst of one trade is one tick. Order books carry no price."""
    burst: dict[str, list[tuple[Decimal, float]]] = {}
    for event in events:
        if isinstance(event, Tick):
            point = (event.price, float(event.ts_seconds))
        elif isinstance(event, Summary):
            point = (event.last, float(event.ts))
        else:
            continue
        burst.setdefault(event.pair.ticker_id, []).append(point)
    return {pair: _extremes_then_newest(prices) for pair, prices in burst.items()}


def _extremes_then_newest(prices: list[tuple[Decimal, float]]) -> list[tuple[Decimal, float]]:
    places = range(len(prices))
    lowest = min(places, key=lambda i: prices[i][0])
    highest = max(places, key=lambda i: prices[i][0])
    return [prices[i] for i in sorted({lowest, highest, len(prices) - 1})]


def summaries_as_events(public: PublicClient) -> list[Event]:
    """REST fallback: one /api/summaries call gives every pair's last price."""
    summaries = public.summaries()
    return [
        Summary(
            pair=pair,
            ts=int(ticker.server_time.timestamp()),
            last=ticker.last,
            low=ticker.low,
            high=ticker.high,
            price_24h_ago=summaries.prices_24h.get(pair.id, ticker.last),
            quote_volume=ticker.quote_volume,
            base_volume=ticker.base_volume,
        )
        for pair, ticker in summaries.tickers.items()
    ]


class Subscriptions:
    """Who gets which pairs, each for as long as their lease runs. Addresses are compared,
    never hashed: Thespian's are not hashable under multiprocTCPBase."""

    def __init__(self) -> None:
        self._entries: list[tuple[Any, frozenset[str], float]] = []

    def renew(self, address: Any, pairs: tuple[str, ...], lease: float, now: float) -> None:
        self.drop(address)
        self._entries.append((address, frozenset(pairs), now + lease))

    def drop(self, address: Any) -> None:
        self._entries = [entry for entry in self._entries if entry[0] != address]

    def wanting(self, pair: str, now: float) -> list[Any]:
        self._entries = [entry for entry in self._entries if entry[2] > now]
        return [address for address, pairs, _ in self._entries if not pairs or pair in pairs]


class PriceFeedActor(BotActor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inbox: ThreadInbox[Event] = ThreadInbox()
        self.subscribers = Subscriptions()
        self.feed: MarketFeed | None = None

    def receiveMessage(self, message: Any, sender: Any) -> Any:
        super().receiveMessage(message, sender)
        return self.inbox.watch()

    def booted(self) -> None:
        indodax = self.settings.indodax
        public = PublicClient(indodax.rest_base_url)
        self.feed = MarketFeed(
            self.inbox.put,
            lambda: summaries_as_events(public),
            url=indodax.price_feed_ws_url,
            timing=FeedTiming(silence=float(indodax.feed_silence_seconds)),
        )
        self.feed.subscribe([SUMMARY_CHANNEL])
        self.feed.start()
        self.wakeupAfter(REPORT_EVERY)

    def receiveMsg_WatchMessage(self, message: WatchMessage, sender: Any) -> None:
        self.fan_out(price_paths(self.inbox.drain()))

    def fan_out(self, paths: dict[str, list[tuple[Decimal, float]]]) -> None:
        now = time.monotonic()
        for pair, path in paths.items():
            targets = self.subscribers.wanting(pair, now)
            if self.boot is not None and self.boot.trigger_book is not None:
                targets.append(self.boot.trigger_book)
            for price, ts in path:
                tick = PriceTick(pair=pair, price=str(price), ts=ts)
                for address in targets:
                    self.send(address, tick)

    def receiveMsg_SubscribePrices(self, message: SubscribePrices, sender: Any) -> None:
        self.subscribers.renew(sender, message.pairs, message.lease_seconds, time.monotonic())

    def receiveMsg_UnsubscribePrices(self, message: UnsubscribePrices, sender: Any) -> None:
        self.subscribers.drop(sender)

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender: Any) -> None:
        if self.feed is not None and self.boot is not None:
            stats = self.feed.stats()
            self.send(
                self.boot.supervisor,
                FeedState(
                    state=stats.state,
                    frames=stats.frames,
                    reconnects=stats.reconnects,
                    fallback_polls=stats.fallback_polls,
                ),
            )
        self.wakeupAfter(REPORT_EVERY)

    def receiveMsg_ActorExitRequest(self, message: ActorExitRequest, sender: Any) -> None:
        if self.feed is not None:
            self.feed.stop()
        self.inbox.close()
