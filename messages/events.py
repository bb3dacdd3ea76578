"""What actors tell each other: prices, triggers, pausing strategies, orders and failures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from messages.base import Message

# How a trigger watches the price: crossing a level, or trailing the best price since armed.
TriggerKind = Literal["above", "below", "cross", "trailing_sell", "trailing_buy"]


@dataclass(frozen=True, kw_only=True)
class PriceTick(Message):
    pair: str  # ticker id, e.g. "btc_idr"
    price: str  # Decimal as text: exact across pickling and processes
    ts: float  # exchange time, seconds


@dataclass(frozen=True, kw_only=True)
class SubscribePrices(Message):
    """A lease, renewed by sending it again: Thespian drops sends to a dead actor without
    telling the sender, so a subscriber that stops renewing is dropped."""

    pairs: tuple[str, ...]  # empty: every pair
    lease_seconds: float = 300.0


@dataclass(frozen=True, kw_only=True)
class UnsubscribePrices(Message):
    pass


@dataclass(frozen=True, kw_only=True)
class Boot(Message):
    """Sent once to every actor the Supervisor creates: what it needs to run.

    `settings` is config.Settings without the secrets actors do not use; the addresses are
    Thespian actor addresses. `credential_keys` (persistence.vault.CredentialKeys, the
    vault's sub-keys for credentials and access tokens) travels to the Supervisor and, in
    BootUser, to UserActors only. messages/ imports nothing of the project, hence `Any`.
    """

    settings: Any
    credential_keys: Any = None
    supervisor: Any = None
    notifier: Any = None
    trigger_book: Any = None
    price_feed: Any = None
    chart_maker: Any = None
    order_stream: Any = None


@dataclass(frozen=True, kw_only=True)
class BootSupervisor(Boot):
    """The Boot of the Supervisor, from the runtime that composes the system: the class of
    the actor it creates for each user, so the core does not import the user's side (it
    arrives here by reference and is imported once, before the Supervisor forks)."""

    user_actor_class: Any


@dataclass(frozen=True, kw_only=True)
class Rewire(Message):
    """A core actor was restarted: these are the current addresses."""

    notifier: Any = None
    trigger_book: Any = None
    price_feed: Any = None
    chart_maker: Any = None
    order_stream: Any = None


@dataclass(frozen=True, kw_only=True)
class BootUser(Boot):
    telegram_id: int


@dataclass(frozen=True, kw_only=True)
class ActorIdle(Message):
    """A UserActor with nothing busy is leaving; do not restart it (state is in the DB)."""

    telegram_id: int


@dataclass(frozen=True, kw_only=True)
class PauseStrategies(Message):
    reason: str  # "user" | "admin" | "deadman_user" | "deadman_global"


@dataclass(frozen=True, kw_only=True)
class ResumeStrategies(Message):
    pass


@dataclass(frozen=True, kw_only=True)
class StrategiesResumedByUser(Message):
    """The user resumed strategies the dead-man switch may have paused: the switch starts
    counting afresh, so it can pause them again if the errors go on."""

    telegram_id: int


@dataclass(frozen=True, kw_only=True)
class UserBooted(Message):
    """A user's actor is ready (its strategies started): the Supervisor starts the next of
    the users it restores a window at a time (actors/core/restore_queue.py)."""

    telegram_id: int


@dataclass(frozen=True, kw_only=True)
class UserSucceeded(Message):
    """A private call of this user worked after failed ones (or the first since the actor
    started): the run of consecutive errors is broken. Successes in a row are not told."""

    telegram_id: int


@dataclass(frozen=True, kw_only=True)
class Ping(Message):
    pass


@dataclass(frozen=True, kw_only=True)
class Pong(Message):
    stopping: bool = False


@dataclass(frozen=True, kw_only=True)
class FeedState(Message):
    """The PriceFeedActor's periodic report, kept by the Supervisor for Status."""

    state: str
    frames: int = 0
    reconnects: int = 0
    fallback_polls: int = 0


@dataclass(frozen=True, kw_only=True)
class RegisterTrigger(Message):
    """Ask the TriggerBook to watch a price. Alerts are answered with a Notification to the
    user; strategy and order triggers with TriggerFired to the owner's actor (`owner`, the
    address of the user's actor that asks, set on the way out), or through the Supervisor
    when it is gone. An order's trigger (messages/triggers.OrderTrigger) is a one-shot
    `below` at a buy's limit price or `above` at a sell's: the market traded at or through
    it."""

    trigger_id: str
    telegram_id: int
    purpose: Literal["alert", "strategy", "order"]
    pair: str
    kind: TriggerKind
    level: str | None = None
    distance: str | None = None  # trailing: in the quote currency
    percent: str | None = None  # trailing: in percent of the best price, "3" is 3 %
    recurring: bool = False
    cooldown_seconds: float = 0.0
    expires_at: float | None = None
    chat_id: int | None = None  # alerts: where and how to tell the user when it fires
    language: str = "id"
    owner: Any = None


@dataclass(frozen=True, kw_only=True)
class OwnerChanged(Message):
    """A user's chat or language changed: fired alerts must speak the new one."""

    telegram_id: int
    chat_id: int
    language: str


@dataclass(frozen=True, kw_only=True)
class RemoveTrigger(Message):
    trigger_id: str
    pair: str


@dataclass(frozen=True, kw_only=True)
class TriggerFired(Message):
    trigger_id: str
    telegram_id: int
    pair: str
    price: str
    ts: float


@dataclass(frozen=True, kw_only=True)
class FollowOrders(Message):
    """A UserActor with orders resting asks for its account's private order stream (the
    OrderStreamActor holds every account's socket). Without a token: "I am its owner now",
    answered `wanted` when the stream has no live token. The token reads the account's
    order updates for a day and does nothing else; the API key never leaves the user."""

    telegram_id: int
    owner: Any  # the UserActor's address
    token: str | None = None
    channel: str | None = None


@dataclass(frozen=True, kw_only=True)
class StopFollowingOrders(Message):
    telegram_id: int


@dataclass(frozen=True, kw_only=True)
class OrderStreamState(Message):
    """`live`: subscribed; `gap`: subscribed again after a drop, pushes may be missing (the
    orders are checked against the exchange); `wanted`: a token is needed (none yet, or
    the exchange refused the last one)."""

    telegram_id: int
    state: Literal["live", "gap", "wanted"]


@dataclass(frozen=True, kw_only=True)
class OrdersStreamed(Message):
    """Order updates the exchange pushed for the user's account, in its order
    (adapters.indodax.order_stream_wire.StreamedOrder; messages/ imports nothing)."""

    telegram_id: int
    orders: tuple[Any, ...]


# What a user's actor is told without asking: routed by the Supervisor when the actor is
# not running, and handed back to it by an actor that is not the user's (a reused address).
UserEvent = TriggerFired | OrdersStreamed | OrderStreamState


@dataclass(frozen=True, kw_only=True)
class OrderRequest(Message):
    """A strategy asks its host for an order: a call inside its UserActor's process (the
    UserActor owns the key and the nonce), never a message between actors; a UserActor
    takes none from outside. How it goes comes back as OrderUpdates (its placement too)."""

    strategy_id: int
    client_order_id: str  # chosen by the strategy's host: the same intent, the same id
    leg: str  # the strategy's name for this order's part in its plan
    pair: str
    side: Literal["buy", "sell"]
    order_type: Literal["limit", "market"]
    quantity: str | None = None
    quote_amount: str | None = None
    price: str | None = None


@dataclass(frozen=True, kw_only=True)
class CancelRequest(Message):
    """A strategy cancels one of its orders (`client_order_id`), or all its resting ones
    (None): a call inside its UserActor's process, like OrderRequest. Each order's end comes
    back as an OrderUpdate (cancelled, or filled if the market was first)."""

    strategy_id: int
    client_order_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrderUpdate(Message):
    """One change of a followed order, told once to its owner (a strategy; the user hears
    it as a Notification). `sequence` numbers the order's updates from 1: a receiver that
    restarted recognises one told again. Amounts are Decimal as text; `quantity` is what
    this update traded (0 for an end), `filled` what the order has traded so far."""

    telegram_id: int
    client_order_id: str
    strategy_id: int | None
    leg: str | None
    sequence: int
    kind: Literal["partial", "filled", "cancelled", "rejected"]
    quantity: str
    filled: str
    price: str | None
    fee: str
    # A rejected order the exchange never received: its request was lost before it left
    # (a crash between recording it and sending it), as a lookup by its id confirmed. Its
    # owner may ask for the same intent again, under a new id.
    never_sent: bool = False
    # Why a rejected order was refused, as recorded: the exchange's words, or the rule of
    # the pair it broke before it was sent. None for any other kind.
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class UserFailed(Message):
    """A UserActor's private call failed, or one of its strategies raised (`strategy_id`
    set): the dead-man switch counts both across users; only failed calls make the run of
    one user's consecutive failures (a strategy that keeps raising is marked failed by its
    host, without pausing the user's others)."""

    telegram_id: int
    error: str
    strategy_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class Locate(Message):
    """Where is a core actor ("notifier", "trigger_book", "price_feed", "chart_maker") or a
    user's actor?
    Chat adapters ask for the Notifier to register with; operators' tools for a user."""

    core: str | None = None
    telegram_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class Located(Message):
    address: Any = None


@dataclass(frozen=True, kw_only=True)
class UserLocated(Message):
    """Where a user's actor is (the Supervisor tells the chat adapters that route commands
    through it, and the TriggerBook); `address` None: it is gone, ask the Supervisor again.
    A chat adapter tells it directly for up to `lease_seconds` after its last command, half
    the idle time after which the actor leaves, so a direct command never meets a leaving
    actor."""

    telegram_id: int
    address: Any = None
    lease_seconds: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Relocate(Message):
    """A command that reached an actor not its user's (an address reused after its actor
    left): handed back to the Supervisor, which routes it as if it had come first there."""

    command: Any
