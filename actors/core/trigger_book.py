"""Alerts and strategy triggers for every pair, fed every price by the PriceFeedActor.

It owns the alerts (rebuilt from the database at boot) and answers a fired alert itself,
straight to the Notifier, so an alert never waits for its user's actor to start. A fired
strategy or order trigger goes straight to the owner's actor when it runs (the Supervisor says where
each user's actor is, and when it is gone), else to the Supervisor, which starts it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, cast

from actors.base import BotActor
from actors.core.trigger_index import LevelTrigger, TrailingTrigger, Trigger, TriggerIndex
from adapters.indodax.pairs import UnknownPair, parse_pair
from messages.events import (
    OwnerChanged,
    PriceTick,
    RegisterTrigger,
    RemoveTrigger,
    TriggerFired,
    UserLocated,
)
from messages.replies import Notification, OutboundBatch
from messages.triggers import AlertTrigger, MalformedTriggerId, OrderTrigger, decode_trigger_id
from persistence.models.alerts import active_alerts, mark_fired
from persistence.models.users import chats_of

log = logging.getLogger(__name__)

# A recurring alert fires again only after the price went back past its level by this
# much: a price jittering around the level must not send a message on every tick.
ALERT_REARM_MARGIN = Decimal("0.005")
AlertDirection = Literal["above", "below"]


@dataclass(frozen=True)
class _Owner:
    telegram_id: int
    purpose: str
    pair: str
    direction: str
    level: str


def trigger_from(message: RegisterTrigger) -> Trigger:
    """A trailing percent comes in percent (`"3"`: 3 %, as a strategy's parameters say it)
    and is kept as the fraction the index works with."""
    match message.kind:
        case "trailing_sell" | "trailing_buy" as kind:
            return TrailingTrigger(
                id=message.trigger_id,
                side="sell" if kind == "trailing_sell" else "buy",
                distance=Decimal(message.distance) if message.distance else None,
                percent=Decimal(message.percent) / 100 if message.percent else None,
                expires_at=message.expires_at,
            )
        case direction:
            return LevelTrigger(
                id=message.trigger_id,
                direction=direction,
                level=Decimal(message.level or "0"),
                recurring=message.recurring,
                cooldown=message.cooldown_seconds,
                expires_at=message.expires_at,
                rearm_margin=ALERT_REARM_MARGIN if message.purpose == "alert" else Decimal(0),
            )


class TriggerBook(BotActor):
    holds_connection = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indexes: dict[str, TriggerIndex] = {}
        self.owners: dict[str, _Owner] = {}
        self.chats: dict[int, tuple[int, str]] = {}  # telegram id -> (chat id, language)
        self.user_actors: dict[int, Any] = {}  # telegram id -> its running UserActor

    def booted(self) -> None:
        rows = active_alerts(with_owner=True)
        for alert in rows:
            self._add(
                RegisterTrigger(
                    trigger_id=AlertTrigger(alert.id).encode(),
                    telegram_id=alert.user.telegram_id,
                    purpose="alert",
                    pair=alert.pair,
                    kind=cast(AlertDirection, alert.direction),  # as CreateAlert stored it
                    level=str(alert.price),
                    recurring=alert.recurring,
                    cooldown_seconds=float(alert.cooldown_seconds),
                    expires_at=alert.expires_at.timestamp() if alert.expires_at else None,
                    chat_id=alert.user.chat_id,
                    language=alert.user.language,
                )
            )
        log.info("trigger book rebuilt", extra={"alerts": len(rows)})

    def before_boot(self, message: Any, sender: Any) -> None:
        """Prices are not kept while the boot is retried (a trigger is checked at the next
        tick after it); registrations and removals are."""
        if not isinstance(message, PriceTick):
            super().before_boot(message, sender)

    def receiveMsg_RegisterTrigger(self, message: RegisterTrigger, sender: Any) -> None:
        if message.owner is not None and message.purpose != "alert":
            self.user_actors[message.telegram_id] = message.owner
        self._add(message)

    def receiveMsg_RemoveTrigger(self, message: RemoveTrigger, sender: Any) -> None:
        index = self.indexes.get(message.pair)
        if index is not None:
            index.remove(message.trigger_id)
        self.owners.pop(message.trigger_id, None)

    def receiveMsg_PriceTick(self, message: PriceTick, sender: Any) -> None:
        index = self.indexes.get(message.pair)
        if index is None:
            return
        fired = index.tick(Decimal(message.price), now=time.time())
        if not fired:
            return
        alerts = []
        for trigger in fired:
            owner = self.owners[str(trigger.id)]
            if owner.purpose == "alert":
                alerts.append((trigger, owner))
            else:
                if not _recurring(trigger):
                    self.owners.pop(str(trigger.id), None)
                self.send(
                    self.user_actors.get(owner.telegram_id, self.wiring.supervisor),
                    TriggerFired(
                        trigger_id=str(trigger.id),
                        telegram_id=owner.telegram_id,
                        pair=message.pair,
                        price=message.price,
                        ts=message.ts,
                        correlation_id=message.correlation_id,
                    ),
                )
        if alerts:
            self._alerts_fired(alerts, message)

    def receiveMsg_UserLocated(self, message: UserLocated, sender: Any) -> None:
        if message.address is None:
            self.user_actors.pop(message.telegram_id, None)
        else:
            self.user_actors[message.telegram_id] = message.address

    def receiveMsg_OwnerChanged(self, message: OwnerChanged, sender: Any) -> None:
        self.chats[message.telegram_id] = (message.chat_id, message.language)

    def _add(self, message: RegisterTrigger) -> None:
        if _purpose(message.trigger_id) != message.purpose:
            log.warning(
                "trigger refused: its id does not name its purpose",
                extra={"telegram_id": message.telegram_id, "purpose": message.purpose},
            )
            return
        self.indexes.setdefault(message.pair, TriggerIndex()).add(trigger_from(message))
        self.owners[message.trigger_id] = _Owner(
            message.telegram_id, message.purpose, message.pair, message.kind, message.level or ""
        )
        if message.chat_id is not None:
            self.chats[message.telegram_id] = (message.chat_id, message.language)

    def _alerts_fired(self, fired: list[tuple[Trigger, _Owner]], tick: PriceTick) -> None:
        """Record every fired alert in two statements, then tell the users in one message:
        a burst of alerts on one tick costs one round trip, not one per alert."""
        ids = [_alert_id(trigger) for trigger, _ in fired]
        one_shot = [_alert_id(trigger) for trigger, _ in fired if not _recurring(trigger)]
        for trigger, _ in fired:
            if not _recurring(trigger):
                self.owners.pop(str(trigger.id), None)
        missing = {owner.telegram_id for _, owner in fired} - set(self.chats)
        if missing:
            self.chats.update(chats_of(missing))
        mark_fired(ids, one_shot)
        notes = tuple(self._notification(trigger, owner, tick) for trigger, owner in fired)
        if notes:
            self.send(self.wiring.notifier, OutboundBatch(messages=notes))

    def _notification(self, trigger: Trigger, owner: _Owner, tick: PriceTick) -> Notification:
        chat_id, language = self.chats.get(owner.telegram_id, (owner.telegram_id, "id"))
        alert_id = _alert_id(trigger)
        return Notification(
            telegram_id=owner.telegram_id,
            chat_id=chat_id,
            language=language,
            kind="alert",
            key="alert.fired",
            params=(
                ("pair", _display(owner.pair)),
                ("direction", owner.direction),
                ("level", owner.level),
                ("price", tick.price),
                ("alert_id", str(alert_id)),
            ),
            correlation_id=f"{tick.correlation_id}-a{alert_id}",
        )


def _display(pair: str) -> str:
    """BTC/IDR as users write it; a pair id this code cannot read is shown as stored."""
    try:
        return parse_pair(pair).display
    except UnknownPair:
        return pair


def _purpose(trigger_id: str) -> str | None:
    """What the id says the trigger is for; None for an id this bot did not encode."""
    try:
        decoded = decode_trigger_id(trigger_id)
    except MalformedTriggerId:
        return None
    match decoded:
        case AlertTrigger():
            return "alert"
        case OrderTrigger():
            return "order"
        case _:
            return "strategy"


def _alert_id(trigger: Trigger) -> int:
    return AlertTrigger.decode(str(trigger.id)).alert_id


def _recurring(trigger: Trigger) -> bool:
    return isinstance(trigger, LevelTrigger) and trigger.recurring
