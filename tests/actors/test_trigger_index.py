"""The trigger index fires exactly what a brute-force scan of every trigger would."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actors.core.trigger_index import LevelTrigger, TrailingTrigger, Trigger, TriggerIndex


class BruteForce:
    """Every trigger checked on every tick: the semantics stated as plainly as possible."""

    def __init__(self) -> None:
        self.last: Decimal | None = None
        self.live: dict[object, dict] = {}

    def add(self, trigger: Trigger) -> None:
        state: dict = {"trigger": trigger, "armed": self.last is not None}
        if isinstance(trigger, TrailingTrigger):
            state["best"] = self.last
        else:
            state["side"] = self._side(trigger, self.last)
            state["resting_until"] = None
            state["needs_reset"] = False
        self.live[trigger.id] = state

    @staticmethod
    def _side(trigger: LevelTrigger, last: Decimal | None) -> str | None:
        if trigger.direction != "cross":
            return trigger.direction
        if last is None:
            return None
        return "above" if last < trigger.level else "below"

    def remove(self, trigger_id: object) -> None:
        self.live.pop(trigger_id, None)

    def expire(self, now: float) -> None:
        for trigger_id, state in list(self.live.items()):
            expires = state["trigger"].expires_at
            if expires is not None and expires <= now:
                del self.live[trigger_id]

    def tick(self, price: Decimal, now: float) -> set:
        self.expire(now)
        fired = set()
        for trigger_id, state in list(self.live.items()):
            trigger = state["trigger"]
            if isinstance(trigger, TrailingTrigger):
                if trailing_hit(trigger, state, price):
                    fired.add(trigger_id)
                    del self.live[trigger_id]
                continue
            if state["side"] is None:
                state["side"] = self._side(trigger, price)
            if state["resting_until"] is not None:
                if state["resting_until"] > now:
                    continue
                state["resting_until"] = None
                state["needs_reset"] = True
            condition = (
                price >= trigger.level if state["side"] == "above" else price <= trigger.level
            )
            if state["needs_reset"]:
                if back_past(trigger, state["side"], price):
                    state["needs_reset"] = False
                continue
            if condition:
                fired.add(trigger_id)
                if trigger.recurring:
                    state["resting_until"] = now + trigger.cooldown
                else:
                    del self.live[trigger_id]
        self.last = price
        return fired


def back_past(trigger: LevelTrigger, side: str, price: Decimal) -> bool:
    """A fired recurring trigger is re-armed once the price is back beyond its margin."""
    if side == "above":
        return price < trigger.level * (1 - trigger.rearm_margin)
    return price > trigger.level * (1 + trigger.rearm_margin)


def trailing_hit(trigger: TrailingTrigger, state: dict, price: Decimal) -> bool:
    best = price if state["best"] is None else state["best"]
    if trigger.side == "sell":
        state["best"] = best = max(best, price)
        if trigger.distance is not None:
            return price <= best - trigger.distance
        return price <= best * (1 - trigger.percent)
    state["best"] = best = min(best, price)
    if trigger.distance is not None:
        return price >= best + trigger.distance
    return price >= best * (1 + trigger.percent)


prices = st.integers(min_value=90, max_value=110).map(Decimal)
level_triggers = st.builds(
    LevelTrigger,
    id=st.integers(0, 30),
    direction=st.sampled_from(["above", "below", "cross"]),
    level=prices,
    recurring=st.booleans(),
    cooldown=st.sampled_from([0.0, 1.0, 3.0]),
    expires_at=st.one_of(st.none(), st.floats(0, 40, allow_nan=False)),
    rearm_margin=st.sampled_from([Decimal(0), Decimal("0.005"), Decimal("0.05")]),
)
trailing_triggers = st.one_of(
    st.builds(
        TrailingTrigger,
        id=st.integers(31, 45),
        side=st.sampled_from(["sell", "buy"]),
        distance=st.integers(1, 8).map(Decimal),
        expires_at=st.one_of(st.none(), st.floats(0, 40, allow_nan=False)),
    ),
    st.builds(
        TrailingTrigger,
        id=st.integers(31, 45),
        side=st.sampled_from(["sell", "buy"]),
        percent=st.sampled_from([Decimal("0.01"), Decimal("0.03"), Decimal("0.05")]),
    ),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("tick"), prices),
        st.tuples(st.just("add"), st.one_of(level_triggers, trailing_triggers)),
        st.tuples(st.just("remove"), st.integers(0, 45)),
    ),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(steps)
def test_index_fires_the_same_triggers_as_a_brute_force_scan(script):
    index, reference = TriggerIndex(), BruteForce()
    now = 0.0
    for action, value in script:
        if action == "add":
            index.add(value)
            reference.remove(value.id)
            reference.add(value)
        elif action == "remove":
            index.remove(value)
            reference.remove(value)
        else:
            now += 1.0
            fired = {trigger.id for trigger in index.tick(value, now)}
            assert fired == reference.tick(value, now)
    assert len(index) == len(reference.live)


def test_alert_above_fires_once_when_the_price_reaches_it():
    index = TriggerIndex()
    index.add(LevelTrigger("btc-1.1b", "above", Decimal(1_100_000_000)))
    assert index.tick(Decimal(1_050_000_000), now=1) == []
    [fired] = index.tick(Decimal(1_100_000_000), now=2)
    assert fired.id == "btc-1.1b"
    assert index.tick(Decimal(1_200_000_000), now=3) == []
    assert len(index) == 0


def test_recurring_alert_waits_for_the_price_to_come_back_before_firing_again():
    index = TriggerIndex()
    index.add(LevelTrigger("dip", "below", Decimal(100), recurring=True, cooldown=0))
    assert [t.id for t in index.tick(Decimal(99), now=1)] == ["dip"]
    assert index.tick(Decimal(98), now=2) == []  # still below: no repeat
    assert index.tick(Decimal(101), now=3) == []  # back above: re-armed
    assert [t.id for t in index.tick(Decimal(100), now=4)] == ["dip"]


def test_a_recurring_alert_jittering_around_its_level_fires_once_until_it_backs_off():
    index = TriggerIndex()
    level = Decimal(1_000_000)
    index.add(LevelTrigger("a", "above", level, recurring=True, rearm_margin=Decimal("0.005")))
    assert [t.id for t in index.tick(Decimal(1_000_000), now=1)] == ["a"]
    for now, price in enumerate([999_000, 1_001_000, 996_000, 1_000_500], start=2):
        assert index.tick(Decimal(price), now=now) == []  # never 0.5 % back below the level
    assert index.tick(Decimal(994_999), now=6) == []  # 0.5 % below: armed again
    assert [t.id for t in index.tick(Decimal(1_000_000), now=7)] == ["a"]


def test_trailing_stop_follows_the_best_price_and_fires_on_the_pullback():
    index = TriggerIndex()
    index.tick(Decimal(100), now=0)
    index.add(TrailingTrigger("tsl", "sell", distance=Decimal(5)))
    for now, price in enumerate([104, 110, 107], start=1):
        assert index.tick(Decimal(price), now=now) == []
    [fired] = index.tick(Decimal(105), now=5)
    assert fired.id == "tsl"


def test_expired_trigger_never_fires():
    index = TriggerIndex()
    index.add(LevelTrigger("old", "above", Decimal(10), expires_at=5.0))
    assert index.tick(Decimal(11), now=6.0) == []
    assert "old" not in index


def test_a_trailing_trigger_needs_one_distance():
    with pytest.raises(ValueError, match="exactly one"):
        TrailingTrigger("bad", "sell")
