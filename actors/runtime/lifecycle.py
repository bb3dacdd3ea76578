"""Running the actor system for bin/run: boot the Supervisor, watch it, stop everything.

Top-level actors have no parent, so nobody hears of the Supervisor's death: this loop asks
it for a Pong every few seconds and starts it again when it stops answering.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from thespian.actors import ActorSystem

from actors.core.supervisor import SUPERVISOR_NAME, Supervisor
from actors.runtime.system import RunningSystem, start_actor_system, stop_actor_system
from actors.user.user_actor import UserActor
from config.schema import Settings
from config.secret import Secret
from messages.events import BootSupervisor, Ping, Pong
from persistence.vault import credential_keys

log = logging.getLogger(__name__)

PING_EVERY = 5.0
PING_TIMEOUT = 10.0


def boot_supervisor(system: ActorSystem, settings: Settings) -> Any:
    supervisor = system.createActor(Supervisor, globalName=SUPERVISOR_NAME)
    security = settings.security
    keys = credential_keys(security.app_secret_key, security.app_secret_key_previous)
    system.tell(
        supervisor,
        BootSupervisor(
            settings=for_actors(settings), credential_keys=keys, user_actor_class=UserActor
        ),
    )
    return supervisor


def for_actors(settings: Settings) -> Settings:
    """The settings actors are told: every secret blanked but the database and Redis URLs,
    which they use. The vault's master keys stay in this process (UserActors get derived
    sub-keys instead), and so do the chat adapter's and the operator endpoint's secrets."""
    sections: dict[str, Any] = {}
    for section in dataclasses.fields(settings):
        value = getattr(settings, section.name)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            blanked = {
                item.name: Secret("")
                for item in dataclasses.fields(value)
                if type(getattr(value, item.name)) is Secret
            }
            sections[section.name] = dataclasses.replace(value, **blanked)
    return dataclasses.replace(settings, **sections)


Chat = Callable[[Any, Any, Callable[[], Any]], None]


def run_until_stopped(
    settings: Settings,
    before_boot: Callable[[], None] | None = None,
    chat: Chat | None = None,
) -> None:
    """Blocks until Ctrl-C, SIGTERM, an admin Shutdown, or the end of `chat` (the console
    chat returns when its input ends); always stops every actor.

    This thread is the only user of the system handle (handles are not thread-safe)."""
    running: RunningSystem = start_actor_system(
        settings.actors, settings.storage.data_dir, settings.log_format, settings.logging.level
    )
    try:
        system = running.system
        if before_boot is not None:
            before_boot()
        supervisor = boot_supervisor(system, settings)
        if chat is not None:
            # The chat owns the handle from here; it watches the Supervisor itself.
            chat(system, supervisor, lambda: boot_supervisor(system, settings))
            return
        while True:
            time.sleep(PING_EVERY)
            answer = system.ask(supervisor, Ping(), PING_TIMEOUT)
            if isinstance(answer, Pong) and answer.stopping:
                log.info("shutdown requested by an operator")
                return
            if not isinstance(answer, Pong):
                log.error("supervisor stopped answering; starting it again")
                supervisor = boot_supervisor(system, settings)
    finally:
        stop_actor_system(running)
