"""The deadman switch (`countdownCancelAll`, field guide §2.6): each call re-arms a timer
per key and pair; if the client stops calling, the timer cancels that key's open orders on
that pair. A countdown of 0 disarms."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from adapters.simulator.engine import Engine


class Deadman:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._timers: dict[tuple[str, str], asyncio.TimerHandle] = {}

    def arm(self, key: str, pair_ids: Iterable[str], countdown_ms: int) -> None:
        loop = asyncio.get_running_loop()
        for pair_id in pair_ids:
            timer = self._timers.pop((key, pair_id), None)
            if timer is not None:
                timer.cancel()
            if countdown_ms > 0:
                self._timers[(key, pair_id)] = loop.call_later(
                    countdown_ms / 1000, self._expire, key, pair_id
                )

    def _expire(self, key: str, pair_id: str) -> None:
        self._timers.pop((key, pair_id), None)
        self._engine.cancel_all(key, [pair_id])

    def armed(self) -> list[dict[str, object]]:
        loop_time = asyncio.get_running_loop().time()
        return [
            {"key": key, "pair": pair_id, "cancels_in_ms": int((timer.when() - loop_time) * 1000)}
            for (key, pair_id), timer in self._timers.items()
        ]

    def disarm_all(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
