"""A strategy never trades as an orphan: it stops itself when its UserActor goes silent."""

from __future__ import annotations

import dataclasses
import time

from actor_doubles import Collector, Parent, collected

from actors.strategies.strategy_actor import BuyOnceBelow
from config.schema import ActorSettings
from messages.events import BootStrategy, ParentCheck, RegisterTrigger
from persistence.models import Strategy, User


def test_a_strategy_whose_user_actor_is_gone_stops_itself(actor_system, settings):
    settings = dataclasses.replace(settings, actors=ActorSettings(parent_check_seconds=1))
    owner = User.create(telegram_id=3, chat_id=3)
    strategy = Strategy.create(
        user=owner,
        kind="buy_once_below",
        pair="btc_idr",
        params={"level": "900", "quote_amount": "100000"},
    )
    silent_user_actor = actor_system.createActor(Collector)
    trigger_book = actor_system.createActor(Collector)
    parent = actor_system.createActor(Parent)
    boot = BootStrategy(
        settings=settings,
        telegram_id=3,
        strategy_id=strategy.id,
        user_actor=silent_user_actor,
        trigger_book=trigger_book,
    )
    actor_system.tell(parent, ("start", BuyOnceBelow, boot))

    [armed] = collected(actor_system, trigger_book)
    assert isinstance(armed, RegisterTrigger)
    deadline = time.monotonic() + 10
    while not actor_system.ask(parent, "exited?", 1) and time.monotonic() < deadline:
        actor_system.listen(0.5)
    assert actor_system.ask(parent, "exited?", 1)
    checks = collected(actor_system, silent_user_actor)
    assert checks
    assert all(isinstance(check, ParentCheck) for check in checks)
    assert Strategy.get_by_id(strategy.id).status == "running"  # the restarted user resumes it
