"""Commands a chat adapter tells a user's actor. Each names the chat user and carries the
access token the adapter holds; the UserActor checks it before acting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from messages.base import Message, Sensitive

Side = Literal["buy", "sell"]
OrderType = Literal["limit", "market"]


@dataclass(frozen=True, kw_only=True)
class UserCommand(Message):
    telegram_id: int
    chat_id: int
    token: str | None = None
    language: str | None = None


@dataclass(frozen=True, kw_only=True)
class Start(UserCommand):
    """First contact: create the user if new and show the main menu."""


@dataclass(frozen=True, kw_only=True)
class LinkAccount(UserCommand):
    api_key: Sensitive
    api_secret: Sensitive


@dataclass(frozen=True, kw_only=True)
class UnlinkAccount(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class GetPrice(UserCommand):
    pair_text: str


@dataclass(frozen=True, kw_only=True)
class PreviewOrder(UserCommand):
    """Validate and round an order and show it for confirmation; nothing is sent yet."""

    pair_text: str
    side: Side
    order_type: OrderType
    quantity: str | None = None  # coin amount as typed, parsed by the actor as Decimal
    quote_amount: str | None = None  # IDR amount as typed
    price: str | None = None


@dataclass(frozen=True, kw_only=True)
class ConfirmOrder(UserCommand):
    """The user tapped Confirm on preview `preview_id`; a second tap places nothing more."""

    preview_id: str


@dataclass(frozen=True, kw_only=True)
class ListOpenOrders(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class CancelOrder(UserCommand):
    client_order_id: str


@dataclass(frozen=True, kw_only=True)
class CancelAllOrders(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class GetPortfolio(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class CreateAlert(UserCommand):
    pair_text: str
    price: str
    recurring: bool = False


@dataclass(frozen=True, kw_only=True)
class ListAlerts(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class DeleteAlert(UserCommand):
    alert_id: int


@dataclass(frozen=True, kw_only=True)
class SetLanguage(UserCommand):
    new_language: Literal["id", "en"]


@dataclass(frozen=True, kw_only=True)
class ListStrategies(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ChangeStrategy(UserCommand):
    strategy_id: int
    action: Literal["pause", "resume", "stop"]
