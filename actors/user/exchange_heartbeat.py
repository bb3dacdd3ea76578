"""Indodax's own dead-man switch (`countdownCancelAll`), armed by a user's actor while
their strategies have orders resting live, so that if the bot dies (its host, its network,
every process at once) Indodax itself cancels those orders once the countdown runs out,
instead of leaving a grid's levels and a TP/SL's targets to fill with nobody watching.

While the actor is up it looks every third of the countdown: the pairs of the user's
strategy orders resting on the exchange are armed again for the whole countdown; once
none rest, the pairs it armed are disarmed (a countdown of 0). A user's actor with armed
pairs stays in memory: leaving would let the countdown run out and cancel them. Paper
users and users without a key have nothing on the exchange to protect. Off unless
`indodax.exchange_heartbeat_seconds` is set; settings.yaml states the trade-offs.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import timedelta

from actors.user.exchange_calls import ExchangeCalls
from actors.user.session import UserSession
from actors.user.timers import Timers
from adapters.indodax.errors import IndodaxError
from adapters.indodax.pairs import Pair, parse_pair
from persistence.models.orders import resting_orders

log = logging.getLogger(__name__)

BEAT = "exchange-heartbeat"  # timer: look again, arm or disarm


class ExchangeHeartbeat:
    def __init__(
        self, session: UserSession, calls: ExchangeCalls, timers: Timers, *, seconds: int
    ) -> None:
        self.session, self.calls, self.timers, self.seconds = session, calls, timers, seconds
        self.armed: tuple[Pair, ...] = ()
        timers.on(BEAT, self._beat)
        timers.keep_awake_while(lambda: bool(self.armed))

    def start(self) -> None:
        """At boot: the first look at once, if the heartbeat is on."""
        if self.seconds > 0:
            self.timers.start(BEAT, timedelta(0))

    def _beat(self, _: Hashable) -> None:
        pairs = self._pairs_to_guard()
        dropped = tuple(pair for pair in self.armed if pair not in pairs)
        try:
            if pairs:
                self._countdown(pairs, self.seconds * 1000)
            if dropped:  # its countdown would otherwise run out and cancel what rests there
                self._countdown(dropped, 0)
        except IndodaxError as error:  # counted by the calls; tried again at the next beat
            log.warning("exchange heartbeat failed", extra={"error": type(error).__name__})
        else:
            self.armed = pairs
        self.timers.start(BEAT, timedelta(seconds=self.seconds / 3))

    def _pairs_to_guard(self) -> tuple[Pair, ...]:
        user = self.session.user
        if user is None or self.session.paper is not None or self.session.keys is None:
            return ()
        rows = resting_orders(user)
        return tuple(sorted({parse_pair(r.pair) for r in rows if r.strategy_id is not None}))

    def _countdown(self, pairs: tuple[Pair, ...], milliseconds: int) -> None:
        self.calls.on_behalf(
            f"heartbeat-{self.session.telegram_id}",
            self.session.private.countdown_cancel_all,
            pairs,
            milliseconds,
        )
