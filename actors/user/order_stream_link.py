"""The user's side of the private order stream: asking the OrderStreamActor to follow the
account while live orders rest, with a token only this actor can ask for (it alone holds
the key), and letting go when the actor leaves memory with none resting.

Asked once per actor life: without a token first ("I am the owner now"), since the stream
may have outlived the actor that asked for it (a dormant user's stream keeps running and
starts the actor when a push comes); only when the stream has no live token is a new one
asked of the exchange, one call a day or so per user rather than one per start.
"""

from __future__ import annotations

import logging

from actors.user.exchange_calls import ExchangeCalls
from actors.user.links import Links
from actors.user.session import UserSession
from adapters.indodax.errors import IndodaxError
from messages.events import FollowOrders, OrderStreamState, StopFollowingOrders

log = logging.getLogger(__name__)


class OrderStreamLink:
    def __init__(self, session: UserSession, calls: ExchangeCalls, links: Links) -> None:
        self.session, self.calls, self.links = session, calls, links
        self.asked = False  # FollowOrders sent in this actor's life
        self.live = False  # the stream said it is subscribed

    def usable(self) -> bool:
        """A live account and a stream configured: paper orders are followed on ticks."""
        session = self.session
        return (
            bool(session.settings.indodax.order_stream_ws_url)
            and session.keys is not None
            and session.paper is None
        )

    def want(self) -> None:
        """Live orders rest: the stream follows the account (asked once per actor life)."""
        if self.asked or not self.usable():
            return
        self.asked = True
        self.links.to_order_stream(
            FollowOrders(telegram_id=self.session.telegram_id, owner=self.links.me)
        )

    def state(self, message: OrderStreamState) -> None:
        """`wanted` is answered with a new token; the caller sweeps on a gap."""
        self.live = message.state != "wanted"
        if message.state == "wanted":
            self.asked = True
            self._follow_with_new_token()

    def pushed(self) -> None:
        """A push came, so the stream is live, even before its own word says so."""
        self.live = True

    def leave(self, asked_or_not: bool = False) -> None:
        """`asked_or_not`: even if this actor did not ask (an earlier one did)."""
        if self.asked or asked_or_not:
            self.links.to_order_stream(StopFollowingOrders(telegram_id=self.session.telegram_id))
        self.asked = self.live = False

    def forget(self) -> None:
        """A new OrderStreamActor follows no one: the next `want` asks it."""
        self.asked = self.live = False

    def _follow_with_new_token(self) -> None:
        if not self.usable():
            return
        private = self.session.private
        try:
            token = self.calls.on_behalf(
                f"order-stream-{self.session.telegram_id}", private.order_stream_token
            )
        except IndodaxError as error:
            # The triggers and the sweep follow the orders meanwhile; asked again at the
            # actor's next start.
            log.warning("order stream token not issued", extra={"error": type(error).__name__})
            return
        self.links.to_order_stream(
            FollowOrders(
                telegram_id=self.session.telegram_id,
                owner=self.links.me,
                token=token.token.reveal(),
                channel=token.channel,
            )
        )
