"""Running the actor system for bin/run: boot the Supervisor, watch it, stop everything.

Top-level actors have no parent, so nobody hears of the Supervisor's death: this loop asks
it for a Pong every few seconds and starts it again when it stops answering.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from thespian.actors import ActorSystem

from actors.supervisor import SUPERVISOR_NAME, Supervisor
from actors.system import RunningSystem, start_actor_system, stop_actor_system
from config.schema import Settings
from messages.events import Boot, Ping, Pong

log = logging.getLogger(__name__)

PING_EVERY = 5.0
PING_TIMEOUT = 10.0


def boot_supervisor(system: ActorSystem, settings: Settings) -> Any:
    supervisor = system.createActor(Supervisor, globalName=SUPERVISOR_NAME)
    system.tell(supervisor, Boot(settings=settings))
    return supervisor


def run_until_stopped(settings: Settings, on_started: Any = None) -> None:
    """Blocks until Ctrl-C, SIGTERM or an admin Shutdown; always stops every actor."""
    running: RunningSystem = start_actor_system(
        settings.actors, settings.log_format, settings.logging.level
    )
    try:
        watcher = running.system.private()
        supervisor = boot_supervisor(watcher, settings)
        if on_started is not None:
            on_started(running.system, supervisor)
        while True:
            time.sleep(PING_EVERY)
            answer = watcher.ask(supervisor, Ping(), PING_TIMEOUT)
            if isinstance(answer, Pong) and answer.stopping:
                log.info("shutdown requested by an operator")
                return
            if not isinstance(answer, Pong):
                log.error("supervisor stopped answering; starting it again")
                supervisor = boot_supervisor(watcher, settings)
    finally:
        stop_actor_system(running)
