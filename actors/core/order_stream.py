"""The OrderStreamActor (one per system): every account's private order stream, so a fill
reaches its user's actor as the exchange pushes it, without a lookup.

Sockets live in one thread of this process (adapters/indodax/order_stream.py); what they
tell comes to the actor's thread through a ThreadInbox. A user's actor asks to be followed
while it has orders resting and names itself the owner; pushes go straight to the owner,
and when the owner has left memory (a dormant user) they come back to the Supervisor as
dead letters and start the user again, as a fired trigger does. The stream is a third
source beside the order triggers and the reconcile sweep, not a replacement: a push missed
while a socket was down is found by those, and a gap is told to the owner so it sweeps.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from thespian.actors import ActorExitRequest, WatchMessage

from actors.base import BotActor
from actors.runtime.thread_inbox import ThreadInbox
from adapters.indodax.order_stream import (
    OrderStreams,
    Pushed,
    Refused,
    StreamEvent,
    Subscribed,
    Unreadable,
)
from adapters.indodax.order_stream_wire import StreamedOrder
from config.secret import Secret
from messages.events import (
    FollowOrders,
    OrdersStreamed,
    OrderStreamState,
    StopFollowingOrders,
)

log = logging.getLogger(__name__)


@dataclass
class _Follow:
    owner: Any
    live: bool = False


class OrderStreamActor(BotActor):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inbox: ThreadInbox[StreamEvent] = ThreadInbox()
        self.follows: dict[int, _Follow] = {}
        self.streams: OrderStreams | None = None

    def receiveMessage(self, message: Any, sender: Any) -> Any:
        super().receiveMessage(message, sender)
        return self.inbox.watch()

    def booted(self) -> None:
        url = self.settings.indodax.order_stream_ws_url
        if url:
            self.streams = OrderStreams(url, self.inbox.put)
            self.streams.start()

    def receiveMsg_FollowOrders(self, message: FollowOrders, sender: Any) -> None:
        if self.streams is None:
            return  # no stream configured: the triggers and the sweep follow the orders
        follow = self.follows.get(message.telegram_id)
        if message.token is None or message.channel is None:
            if follow is None:
                self._tell_state(message.telegram_id, message.owner, "wanted")
                return
            follow.owner = message.owner
            if follow.live:
                self._tell_state(message.telegram_id, message.owner, "live")
            return
        self.follows[message.telegram_id] = _Follow(message.owner)
        self.streams.follow(message.telegram_id, Secret(message.token), message.channel)

    def receiveMsg_StopFollowingOrders(self, message: StopFollowingOrders, sender: Any) -> None:
        if self.follows.pop(message.telegram_id, None) is not None and self.streams is not None:
            self.streams.leave(message.telegram_id)

    def receiveMsg_WatchMessage(self, message: WatchMessage, sender: Any) -> None:
        pushed: dict[int, list[StreamedOrder]] = defaultdict(list)
        for event in self.inbox.drain():
            follow = self.follows.get(event.telegram_id)
            if follow is None:
                continue  # left meanwhile
            if isinstance(event, Pushed):
                # An order's NEW tells its owner nothing: the bot learnt it from the
                # placement's reply, and an order placed elsewhere is not followed. Half of
                # a grid's pushes are NEWs; they would queue before the next fill.
                pushed[event.telegram_id] += [o for o in event.push.orders if o.status != "NEW"]
            elif isinstance(event, Subscribed):
                follow.live = True
                state = "gap" if event.resumed else "live"
                self._tell_state(event.telegram_id, follow.owner, state)
            elif isinstance(event, Refused):
                log.warning(
                    "order stream refused",
                    extra={"user_id": event.telegram_id, "code": event.code},
                )
                del self.follows[event.telegram_id]
                self._tell_state(event.telegram_id, follow.owner, "wanted")
            elif isinstance(event, Unreadable):
                log.warning(
                    "order stream frames not read",
                    extra={"user_id": event.telegram_id, "count": event.count},
                )
        for telegram_id, orders in pushed.items():
            if not orders:
                continue
            owner = self.follows[telegram_id].owner
            self.send(owner, OrdersStreamed(telegram_id=telegram_id, orders=tuple(orders)))

    def _tell_state(self, telegram_id: int, owner: Any, state: Any) -> None:
        self.send(owner, OrderStreamState(telegram_id=telegram_id, state=state))

    def receiveMsg_ActorExitRequest(self, message: ActorExitRequest, sender: Any) -> None:
        if self.streams is not None:
            self.streams.stop()
        self.inbox.close()
