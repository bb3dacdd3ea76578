"""The Supervisor (global name): creates the core actors (Notifier, TriggerBook,
PriceFeedActor, ChartMaker) and one UserActor per active user, restarts what dies, runs the
dead-man switch, and answers operators.

A user's actor is created on the first message for that user (at start, in batches, for
every user with a running strategy, an order resting or an order outcome or update still
owed) and restarted with exponential backoff when it dies; too many restarts in a window
suspend the user and tell the user and the admins, because a crash loop must not keep
trading. A user's actor that left while its strategies and orders wait is started again by
a fired trigger or, through the watch (timer_watch.py), by a strategy timer come due or a
resting order gone unchecked for ORDER_RECONCILE_DORMANT_SECONDS.

It is not on the path of every command: it routes a user's first command (refusing a
suspended user), tells the sender where that user's actor is, and tells it again when the
actor is gone, so chat adapters and the TriggerBook send to the actor directly meanwhile.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from thespian.actors import ActorExitRequest, ChildActorExited, DeadEnvelope, WakeupMessage

from actors.base import BotActor
from actors.charts.chart_maker import ChartMaker
from actors.core.deadman import DeadmanSwitch
from actors.core.notifier import Notifier
from actors.core.order_stream import OrderStreamActor
from actors.core.restart_policy import RestartPolicy
from actors.core.restore_queue import RestoreQueue
from actors.core.timer_watch import TimerWatch
from actors.core.trigger_book import TriggerBook
from actors.runtime.transport_binding import rejected_frames
from adapters.indodax.http_transport import tls_context
from adapters.indodax.shared_catalog import preload_catalog
from messages.admin import (
    AdminCommand,
    AdminReply,
    ListUsers,
    PauseAll,
    PauseUser,
    RestartUser,
    ResumeAll,
    ResumeUser,
    RevokeToken,
    Shutdown,
    Status,
)
from messages.commands import UserCommand
from messages.events import (
    ActorIdle,
    Boot,
    BootSupervisor,
    BootUser,
    FeedState,
    Locate,
    Located,
    OrdersStreamed,
    OrderStreamState,
    PauseStrategies,
    Ping,
    Pong,
    Relocate,
    ResumeStrategies,
    Rewire,
    StrategiesResumedByUser,
    TriggerFired,
    UserBooted,
    UserEvent,
    UserFailed,
    UserLocated,
    UserSucceeded,
)
from messages.replies import Notification
from messages.statuses import UserStatus
from persistence.models.audit import audit
from persistence.models.fills import users_with_orders_to_follow
from persistence.models.orders import users_owed_outcomes
from persistence.models.outbox import backlog, dead_letters
from persistence.models.strategies import (
    owners_of_paused,
    pause_running,
    running_strategies,
)
from persistence.models.tokens import revoke_tokens
from persistence.models.users import User, all_users, find_user, set_user_status
from persistence.nonce_store import preload_nonce_store

log = logging.getLogger(__name__)

SUPERVISOR_NAME = "indodax-bot-supervisor"
CORE_ACTORS = ("notifier", "trigger_book", "price_feed", "chart_maker", "order_stream")
TIMERS = "timers"  # wakeup payload (TIMERS, None): look for timers, order checks due


def users_waiting() -> set[int]:
    """The users whose actors have work or wait on the TriggerBook: a running strategy, an
    order resting (live or paper), an outcome or an order update still owed."""
    owners = {s.user.telegram_id for s in running_strategies()}
    return owners | users_owed_outcomes() | users_with_orders_to_follow()


class Supervisor(BotActor):
    holds_connection = True
    timer_watch: TimerWatch  # built at boot, from the settings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.core: dict[str, Any] = {}
        self.users: dict[int, Any] = {}
        self.idle: set[int] = set()
        self.restart_requested: set[int] = set()
        # Commands that came while the user's actor was leaving or dead: told to the next.
        self.pending: dict[int, list[UserCommand | UserEvent]] = {}
        # Who routed commands through here (chat adapters): told when a user's actor is gone.
        # A list, since addresses are not hashable under multiprocTCPBase.
        self.routers: list[Any] = []
        self.commands_routed = 0
        self.restoring = RestoreQueue()
        self.policy = RestartPolicy()
        self.deadman = DeadmanSwitch()
        self.errors_by_user: dict[int, int] = {}
        self.errors_total = 0
        self.restarts_total = 0  # actor processes started again after dying (core and users)
        self.feed_state = FeedState(state="unknown")
        self.stopping = False
        self.price_feed_class: Any = None
        self.user_actor_class: Any = None

    def receiveMsg_BootSupervisor(self, message: BootSupervisor, sender: Any) -> None:
        self.user_actor_class = message.user_actor_class
        self.receiveMsg_Boot(message, sender)

    def booted(self) -> None:
        deadman = self.settings.deadman
        self.deadman = DeadmanSwitch(
            deadman.user_errors, deadman.global_errors, float(deadman.window_seconds)
        )
        # Heavy modules are imported, and the TLS context built, once here and frozen, so the
        # actors forked from here share them instead of each building its own on first use.
        from actors.core.price_feed import PriceFeedActor  # noqa: PLC0415

        self.price_feed_class = PriceFeedActor
        preload_nonce_store(self.settings)
        if self.settings.indodax.tapi_url.startswith("https:"):
            tls_context()
        preload_catalog(self.settings.indodax.rest_base_url)
        # Messages told to an actor that has exited come back here (a chat adapter's tell
        # to such an address does not fail in Thespian 4.0.1, it only makes a dead letter).
        self.handleDeadLetters(startHandling=True)
        gc.freeze()
        self._start_all_core()
        waiting = users_waiting()
        log.info("supervisor ready", extra={"users_to_restore": len(waiting)})
        self._start_many(waiting)
        self.timer_watch = TimerWatch(
            timedelta(seconds=self.settings.actors.timer_watch_seconds),
            timedelta(seconds=self.settings.indodax.order_reconcile_dormant_seconds),
        )
        self._watch_timers()

    def _start_many(self, telegram_ids: Iterable[int]) -> None:
        """The actors of these users started, a window of boots at a time (restore_queue.py):
        the next start as the booting ones confirm, and the Supervisor answers messages
        meanwhile."""
        self.restoring.add(telegram_ids, self.users)
        self._start_due()

    def _start_due(self) -> None:
        if self.stopping:
            return
        started = self.restoring.due(time.monotonic(), self.users)
        for telegram_id in started:
            self._user(telegram_id)

    def receiveMsg_UserBooted(self, message: UserBooted, sender: Any) -> None:
        if self.restoring.booted(message.telegram_id) and not self.restoring.pending():
            log.info("user actors started", extra={"user_actors": len(self.users)})
        self._start_due()

    def _replace_lost_boots(self) -> None:
        """An actor whose boot never came (dropped by an overloaded transport) is stopped
        and started again; it would otherwise sit idle, its strategies never started."""
        for telegram_id in self.restoring.lost(time.monotonic()):
            address = self.users.get(telegram_id)
            log.warning(
                "user actor did not confirm its boot, replaced", extra={"user_id": telegram_id}
            )
            if address is not None:
                self.restart_requested.add(telegram_id)
                self.send(address, ActorExitRequest())

    # Core actors

    def _core_class(self, name: str) -> Any:
        return {
            "notifier": Notifier,
            "trigger_book": TriggerBook,
            "price_feed": self.price_feed_class,
            "chart_maker": ChartMaker,
            "order_stream": OrderStreamActor,
        }[name]

    def _start_all_core(self) -> None:
        """Those not started yet: a boot tried again after a failure starts no second one."""
        starting = [name for name in CORE_ACTORS if name not in self.core]
        for name in starting:
            self.core[name] = self.createActor(self._core_class(name))
        for name in starting:
            self.send(self.core[name], self._boot_message(Boot))

    def _restart_core(self, name: str) -> None:
        """A new core actor, and everyone else told its new address. A new TriggerBook
        holds none of the triggers users wait on: the running users' actors arm their
        orders' again when told its address, and every other user who waits on it is
        started, as at start, and arms them at boot."""
        self.core[name] = self.createActor(self._core_class(name))
        self.send(self.core[name], self._boot_message(Boot))
        rewire = Rewire(**{key: self.core[key] for key in CORE_ACTORS})
        for other in [a for n, a in self.core.items() if n != name] + list(self.users.values()):
            self.send(other, rewire)
        if name == "trigger_book":
            for telegram_id, address in self.users.items():
                self.send(self.core[name], UserLocated(telegram_id=telegram_id, address=address))
            self._start_many(users_waiting())

    def _boot_message(self, cls: type[Boot], **extra: Any) -> Boot:
        return cls(
            settings=self.settings,
            supervisor=self.myAddress,
            notifier=self.core.get("notifier"),
            trigger_book=self.core.get("trigger_book"),
            price_feed=self.core.get("price_feed"),
            chart_maker=self.core.get("chart_maker"),
            order_stream=self.core.get("order_stream"),
            **extra,
        )

    # Users

    def _user(self, telegram_id: int) -> Any:
        address = self.users.get(telegram_id)
        if address is None:
            address = self.createActor(self.user_actor_class)
            self.users[telegram_id] = address
            boot = self._boot_message(
                BootUser,
                telegram_id=telegram_id,
                credential_keys=self.wiring.credential_keys,
            )
            self.send(address, boot)
            self._tell_book(telegram_id, address)
            for command in self.pending.pop(telegram_id, []):
                self.send(address, command)
        return address

    def _tell_book(self, telegram_id: int, address: Any) -> None:
        """The TriggerBook sends fired strategy triggers straight to a live actor."""
        book = self.core.get("trigger_book")
        if book is not None:
            self.send(book, UserLocated(telegram_id=telegram_id, address=address))

    def receiveMsg_UserCommand(self, message: UserCommand, sender: Any) -> None:
        """A user's first command (or the first after the actor was gone): routed, and the
        sender told where the actor is so that the next ones go there directly."""
        self.commands_routed += 1
        address = self._route(message)
        if address is None:
            return
        if not any(router == sender for router in self.routers):
            self.routers.append(sender)
        lease = self.settings.actors.user_idle_seconds / 2
        self.send(
            sender,
            UserLocated(telegram_id=message.telegram_id, address=address, lease_seconds=lease),
        )

    def receiveMsg_Relocate(self, message: Relocate, sender: Any) -> None:
        self.commands_routed += 1
        self._route(message.command)

    def receiveMsg_DeadEnvelope(self, message: DeadEnvelope, sender: Any) -> None:
        """A command or a fired trigger told to a user's actor whose process is gone: it
        waits for the actor started in its place when this Supervisor has not yet heard of
        the exit (ChildActorExited is on its way), else it is routed now. Other dead
        letters (a price tick to a lapsed subscriber) are dropped, as before."""
        dead = message.deadMessage
        if not isinstance(dead, UserCommand | UserEvent):
            return
        log.info(
            "message to a gone user actor routed again",
            extra={"user_id": dead.telegram_id, "message_type": type(dead).__name__},
        )
        if self.users.get(dead.telegram_id) == message.deadAddress:
            self.pending.setdefault(dead.telegram_id, []).append(dead)
        elif isinstance(dead, UserEvent):
            self.send(self._user(dead.telegram_id), dead)
        else:
            self.commands_routed += 1
            self._route(dead)

    def _route(self, message: UserCommand) -> Any:
        """The user's actor, with the command on its way to it; None when the command was
        refused (a suspended user) or waits for the actor that is leaving to be gone."""
        user = find_user(message.telegram_id)
        if user is not None and user.status == UserStatus.SUSPENDED:
            self.send(
                self.core["notifier"],
                Notification(
                    telegram_id=message.telegram_id,
                    chat_id=message.chat_id,
                    key="user.suspended",
                    language=user.language,
                    kind="system",
                    correlation_id=message.correlation_id,
                ),
            )
            return None
        if message.telegram_id in self.idle:
            self.pending.setdefault(message.telegram_id, []).append(message)
            return None
        address = self._user(message.telegram_id)
        self.send(address, message)
        return address

    def receiveMsg_TriggerFired(self, message: TriggerFired, sender: Any) -> None:
        """For a user whose actor was not running (the TriggerBook tells live ones), or one
        handed back by an actor at a reused address that is not the user's."""
        self.send(self._user(message.telegram_id), message)

    def receiveMsg_OrdersStreamed(self, message: OrdersStreamed, sender: Any) -> None:
        """The OrderStreamActor tells a user's actor directly; a dormant user's pushes come
        back here as dead letters and start it, as a fired trigger does; a push that landed
        at a reused address is handed back here too."""
        self.send(self._user(message.telegram_id), message)

    def receiveMsg_OrderStreamState(self, message: OrderStreamState, sender: Any) -> None:
        self.send(self._user(message.telegram_id), message)

    def receiveMsg_ActorIdle(self, message: ActorIdle, sender: Any) -> None:
        self.idle.add(message.telegram_id)

    def receiveMsg_ActorExitRequest(self, message: ActorExitRequest, sender: Any) -> None:
        """The system is shutting down: children leaving now are not to be restarted."""
        self.stopping = True

    def receiveMsg_ChildActorExited(self, message: ChildActorExited, sender: Any) -> None:
        address = message.childAddress
        for name, core_address in list(self.core.items()):
            if core_address == address and not self.stopping:
                log.error("core actor died, restarting", extra={"core": name})
                self.restarts_total += 1
                self._restart_core(name)
                return
        # Actor addresses compare equal but are not hashable under multiprocTCPBase.
        telegram_id = next((tid for tid, a in self.users.items() if a == address), None)
        if telegram_id is None:
            return
        del self.users[telegram_id]
        self.restoring.booted(telegram_id)  # its window slot, if it was still booting
        self._start_due()
        self._tell_book(telegram_id, None)
        for router in self.routers:
            self.send(router, UserLocated(telegram_id=telegram_id))
        if telegram_id in self.idle or self.stopping:
            self.idle.discard(telegram_id)
            if self.pending.get(telegram_id) and not self.stopping:
                self._user(telegram_id)
            return
        if telegram_id in self.restart_requested:
            self.restart_requested.discard(telegram_id)
            self._user(telegram_id)
            return
        delay = self.policy.next_delay(telegram_id, time.monotonic())
        if delay is None:
            self._suspend(telegram_id)
            return
        log.warning("user actor died, restarting", extra={"user_id": telegram_id, "delay": delay})
        self.restarts_total += 1
        self.wakeupAfter(timedelta(seconds=delay), payload=("restart", telegram_id))

    def _watch_timers(self) -> None:
        """A user's actor started for each strategy timer or order check due while it is not
        running (one leaving counts as running: it is started at the next look), a window of
        boots at a time (the order checks of users restored together come due together);
        first, the actors whose boot was never confirmed are replaced."""
        self._replace_lost_boots()
        to_start, sleep = self.timer_watch.look(set(self.users) | self.restoring.pending())
        for telegram_id in sorted(to_start):
            log.info("user actor started: timer or order check due", extra={"user_id": telegram_id})
        self._start_many(to_start)
        self.wakeupAfter(sleep, payload=(TIMERS, None))

    def receiveMsg_WakeupMessage(self, message: WakeupMessage, sender: Any) -> None:
        kind, telegram_id = message.payload
        if kind == TIMERS:
            if not self.stopping:
                self._watch_timers()
            return
        if kind == "restart" and telegram_id not in self.users and not self.stopping:
            self._user(telegram_id)

    def _suspend(self, telegram_id: int) -> None:
        self.pending.pop(telegram_id, None)  # the user is told of the suspension instead
        user = find_user(telegram_id)
        if user is None:
            return
        set_user_status(user, UserStatus.SUSPENDED)
        pause_running(user)
        audit("system", "suspend", user=user, restarts=self.policy.restarts(telegram_id))
        log.error("user suspended after repeated crashes", extra={"user_id": telegram_id})
        self._tell_user(user, "user.suspended_crashes")
        self._tell_admins("admin.user_suspended", telegram_id=str(telegram_id))

    # Dead-man switch

    def receiveMsg_UserFailed(self, message: UserFailed, sender: Any) -> None:
        self.errors_total += 1
        self.errors_by_user[message.telegram_id] = (
            self.errors_by_user.get(message.telegram_id, 0) + 1
        )
        user_tripped, global_tripped = self.deadman.failure(
            message.telegram_id, time.monotonic(), call=message.strategy_id is None
        )
        if user_tripped:
            log.error("dead-man switch: pausing one user", extra={"user_id": message.telegram_id})
            self._pause_user(message.telegram_id, "deadman_user")
        if global_tripped:
            log.error("dead-man switch: exchange errors across users, pausing everything")
            self._pause_all("deadman_global")
            self._tell_admins("admin.deadman_global", errors=str(self.deadman.errors_in_window()))

    def receiveMsg_UserSucceeded(self, message: UserSucceeded, sender: Any) -> None:
        self.deadman.success(message.telegram_id)

    def receiveMsg_StrategiesResumedByUser(
        self, message: StrategiesResumedByUser, sender: Any
    ) -> None:
        self.deadman.reset_user(message.telegram_id)

    def _pause_user(self, telegram_id: int, reason: str) -> None:
        self.send(self._user(telegram_id), PauseStrategies(reason=reason))

    def _pause_all(self, reason: str) -> None:
        for telegram_id in sorted(
            {s.user.telegram_id for s in running_strategies()} | set(self.users)
        ):
            self._pause_user(telegram_id, reason)

    # Operators

    def receiveMsg_Ping(self, message: Ping, sender: Any) -> None:
        self.send(sender, Pong(stopping=self.stopping, correlation_id=message.correlation_id))

    def receiveMsg_Locate(self, message: Locate, sender: Any) -> None:
        address = None
        if message.core is not None:
            address = self.core.get(message.core)
        elif message.telegram_id is not None:
            address = self.users.get(message.telegram_id)
        self.send(sender, Located(address=address, correlation_id=message.correlation_id))

    def receiveMsg_FeedState(self, message: FeedState, sender: Any) -> None:
        self.feed_state = message

    def receiveMsg_AdminCommand(self, message: AdminCommand, sender: Any) -> None:
        handlers: dict[type, Callable[[Any], tuple[bool, str, dict[str, Any]]]] = {
            Status: self._status,
            ListUsers: self._list_users,
            RestartUser: self._restart_user,
            PauseUser: self._admin_pause_user,
            ResumeUser: self._admin_resume_user,
            PauseAll: self._admin_pause_all,
            ResumeAll: self._admin_resume_all,
            RevokeToken: self._revoke,
            Shutdown: self._shutdown,
        }
        ok, key, data = handlers[type(message)](message)
        audit(
            message.admin,
            f"admin.{type(message).__name__}",
            correlation_id=message.correlation_id,
            telegram_id=getattr(message, "telegram_id", None),
        )
        self.send(
            sender, AdminReply(ok=ok, key=key, data=data, correlation_id=message.correlation_id)
        )

    def _status(self, message: Status) -> tuple[bool, str, dict[str, Any]]:
        return (
            True,
            "admin.status",
            {
                "user_actors": len(self.users),
                "core_actors": sorted(self.core),
                "running_strategies": len(running_strategies()),
                "commands_routed": self.commands_routed,
                "errors_total": self.errors_total,
                "actor_restarts_total": self.restarts_total,
                "errors_by_user": {str(k): v for k, v in sorted(self.errors_by_user.items())},
                "errors_in_window": self.deadman.errors_in_window(),
                "paused_globally": self.deadman.tripped_globally,
                "feed": {
                    "state": self.feed_state.state,
                    "frames": self.feed_state.frames,
                    "reconnects": self.feed_state.reconnects,
                    "fallback_polls": self.feed_state.fallback_polls,
                },
                "notifier_backlog": backlog(),
                "dead_letters": dead_letters(),
                "rejected_transport_frames": rejected_frames(),
                "stopping": self.stopping,
            },
        )

    def _list_users(self, message: ListUsers) -> tuple[bool, str, dict[str, Any]]:
        rows = [
            {
                "telegram_id": user.telegram_id,
                "status": user.status,
                "mode": user.mode,
                "language": user.language,
                "actor": user.telegram_id in self.users,
                "restarts": self.policy.restarts(user.telegram_id),
            }
            for user in all_users()
        ]
        return True, "admin.users", {"users": rows}

    def _restart_user(self, message: RestartUser) -> tuple[bool, str, dict[str, Any]]:
        user = find_user(message.telegram_id)
        if user is None:
            return False, "admin.unknown_user", {"telegram_id": message.telegram_id}
        if user.status == UserStatus.SUSPENDED:
            set_user_status(user, UserStatus.ACTIVE)
        self.policy.forget(message.telegram_id)
        address = self.users.get(message.telegram_id)
        if address is None:
            self._user(message.telegram_id)
        else:
            self.restart_requested.add(message.telegram_id)
            self.send(address, ActorExitRequest())
        return True, "admin.user_restarted", {"telegram_id": message.telegram_id}

    def _admin_pause_user(self, message: PauseUser) -> tuple[bool, str, dict[str, Any]]:
        if find_user(message.telegram_id) is None:
            return False, "admin.unknown_user", {"telegram_id": message.telegram_id}
        self._pause_user(message.telegram_id, "admin")
        return True, "admin.user_paused", {"telegram_id": message.telegram_id}

    def _admin_resume_user(self, message: ResumeUser) -> tuple[bool, str, dict[str, Any]]:
        if find_user(message.telegram_id) is None:
            return False, "admin.unknown_user", {"telegram_id": message.telegram_id}
        self.deadman.reset_user(message.telegram_id)
        self.send(self._user(message.telegram_id), ResumeStrategies())
        return True, "admin.user_resumed", {"telegram_id": message.telegram_id}

    def _admin_pause_all(self, message: PauseAll) -> tuple[bool, str, dict[str, Any]]:
        self._pause_all("admin")
        return True, "admin.all_paused", {}

    def _admin_resume_all(self, message: ResumeAll) -> tuple[bool, str, dict[str, Any]]:
        self.deadman.reset_global()
        paused_owners = owners_of_paused()
        for telegram_id in sorted(paused_owners):
            self.deadman.reset_user(telegram_id)
            self.send(self._user(telegram_id), ResumeStrategies())
        return True, "admin.all_resumed", {"users": len(paused_owners)}

    def _revoke(self, message: RevokeToken) -> tuple[bool, str, dict[str, Any]]:
        user = find_user(message.telegram_id)
        if user is None:
            return False, "admin.unknown_user", {"telegram_id": message.telegram_id}
        revoked = revoke_tokens(user)
        return True, "admin.token_revoked", {"telegram_id": message.telegram_id, "revoked": revoked}

    def _shutdown(self, message: Shutdown) -> tuple[bool, str, dict[str, Any]]:
        self.stopping = True
        return True, "admin.shutting_down", {}

    # Telling people

    def _tell_user(self, user: User, key: str) -> None:
        self.send(
            self.core["notifier"],
            Notification(
                telegram_id=user.telegram_id,
                chat_id=user.chat_id,
                language=user.language,
                kind="system",
                key=key,
            ),
        )

    def _tell_admins(self, key: str, **params: str) -> None:
        for admin_id in self.settings.telegram.admin_ids:
            admin = find_user(admin_id)
            self.send(
                self.core["notifier"],
                Notification(
                    telegram_id=admin_id,
                    chat_id=admin.chat_id if admin else admin_id,
                    language=admin.language if admin else self.settings.chat.default_language,
                    kind="system",
                    key=key,
                    params=tuple(sorted(params.items())),
                ),
            )
