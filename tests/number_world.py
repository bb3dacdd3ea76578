"""Real UserActors behind the chat adapters' real actor link, in one process and quickly.

`InProcessActors` is the actor system as an `ActorLink` sees it (`tell` and `listen`): it
answers where the Notifier is, routes each user command to that user's real UserActor on
simpleSystemBase (paper mode, prices from the local simulator), and hands back what the
actor sends as the Notifier would (an OutboundBatch). So the console chat and the Telegram
adapter run unchanged, as bin/run drives them, with only the process boundary and the
outbox left out: what a fuzz of a thousand inputs needs to finish in seconds.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

from actor_doubles import Collector, collected
from thespian.actors import ActorSystem

from actors.user.user_actor import UserActor
from adapters.indodax.ratelimit import Rate
from adapters.simulator.server import SimulatorServer
from config.schema import (
    ActorSettings,
    DatabaseSettings,
    PaperSettings,
    SecuritySettings,
    Settings,
    StorageSettings,
)
from config.secret import Secret, SecretUrl
from messages.commands import Start, UserCommand
from messages.events import BootUser, Locate, Located, Ping, Pong
from messages.replies import Outbound, OutboundBatch
from persistence.database import connect, db
from persistence.migrate import apply_migrations

PRICE = Decimal(1_000_000_000)  # btcidr; the simulator quotes bid 999,500,000, ask 1,000,500,000


class InProcessActors:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.system = ActorSystem("simpleSystemBase", transientUnique=True)
        self.notifier = self.system.createActor(Collector)
        self.neighbour = self.system.createActor(Collector)
        self.users: dict[int, Any] = {}
        self.inbox: collections.deque[Any] = collections.deque()
        self.sent: list[Outbound] = []  # everything the actors said, in order
        self.said: collections.defaultdict[int, list[Outbound]] = collections.defaultdict(list)

    def tell(self, target: Any, message: Any) -> None:
        if isinstance(message, Locate):
            self.inbox.append(Located(address="notifier"))
        elif isinstance(message, Ping):
            self.inbox.append(Pong())
        elif isinstance(message, UserCommand):
            self._route(message)

    def listen(self, seconds: float) -> Any:
        if self.inbox:
            return self.inbox.popleft()
        time.sleep(min(seconds, 0.005))
        return None

    def _route(self, command: UserCommand) -> None:
        actor = self.users.get(command.telegram_id) or self._boot(command.telegram_id)
        self.system.tell(actor, command)
        arrived = [m for m in collected(self.system, self.notifier) if isinstance(m, Outbound)]
        self.sent.extend(arrived)
        self.said[command.telegram_id].extend(arrived)
        if arrived:
            self.inbox.append(OutboundBatch(messages=tuple(arrived)))

    def _boot(self, telegram_id: int) -> Any:
        actor = self.system.createActor(UserActor)
        self.system.tell(
            actor,
            BootUser(
                settings=self.settings,
                telegram_id=telegram_id,
                notifier=self.notifier,
                supervisor=self.neighbour,
                trigger_book=self.neighbour,
            ),
        )
        self.system.tell(actor, Start(telegram_id=telegram_id, chat_id=telegram_id))
        collected(self.system, self.notifier)  # the welcome is not what a test asks about
        self.users[telegram_id] = actor
        return actor

    def shutdown(self) -> None:
        self.system.shutdown()


@contextmanager
def paper_world(data_dir: Path, seed: int) -> Iterator[InProcessActors]:
    """Paper-mode users (no key to link) trading against the local simulator, which has
    no public rate limit for the clients to keep to (Indodax's is three calls a second)."""
    unlimited = mock.patch.dict(
        "adapters.indodax.public_client.PUBLIC_RATES", {"public": Rate(10_000, 10_000)}
    )
    simulator = SimulatorServer(port=0, seed=seed, tick_interval=0)
    simulator.start()
    simulator.set_price("btcidr", PRICE)
    url = SecretUrl(f"sqlite:///{data_dir}/numbers.sqlite3")
    apply_migrations(connect(url))
    settings = Settings(
        mode="paper",
        security=SecuritySettings(app_secret_key=Secret(f"number-world-key-{seed}-" + "n" * 24)),
        database=DatabaseSettings(url=url),
        storage=StorageSettings(data_dir=data_dir),
        actors=ActorSettings(system_base="simpleSystemBase"),
        indodax=simulator.indodax_settings(),
        paper=PaperSettings(start_idr=100_000_000),
    )
    actors = InProcessActors(settings)
    try:
        with unlimited:
            yield actors
    finally:
        actors.shutdown()
        simulator.stop()
        db.initialize(None)
