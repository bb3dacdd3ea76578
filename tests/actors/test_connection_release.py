"""A user's actor keeps its database connection while messages keep coming, and gives it
back after a quiet spell: one connect per burst of commands, none held by quiet actors."""

from __future__ import annotations

import dataclasses

from actor_doubles import Collector, collected, user_boot

from actors.base import CONNECTION_QUIET
from actors.user.user_actor import UserActor
from config.schema import ActorSettings
from messages.commands import Start
from persistence.database import db


def test_a_user_actor_keeps_its_connection_between_commands_and_releases_it_when_quiet(
    actor_system, settings
):
    simple = dataclasses.replace(settings, actors=ActorSettings(system_base="simpleSystemBase"))
    notifier = actor_system.createActor(Collector)
    user = actor_system.createActor(UserActor)
    boot = user_boot(simple, telegram_id=78, supervisor=notifier, notifier=notifier)
    actor_system.tell(user, boot)
    for _ in range(3):
        actor_system.tell(user, Start(telegram_id=78, chat_id=78))
        assert not db.is_closed()  # kept for the next command
    assert len(collected(actor_system, notifier)) == 3

    actor_system.listen(CONNECTION_QUIET.total_seconds() + 1)  # timers fire inside listen
    assert db.is_closed()
