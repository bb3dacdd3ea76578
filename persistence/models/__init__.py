"""Peewee models, one module per aggregate."""

from persistence.models.alerts import Alert
from persistence.models.audit import AuditEntry
from persistence.models.fills import Fill
from persistence.models.history import AccountTrade, AccountTransfer, HistoryCursor
from persistence.models.orders import Order
from persistence.models.outbox import DeadLetter, OutboxMessage, OutboxPhoto
from persistence.models.paper import PaperBalance, PaperOrder
from persistence.models.results import StrategyResult
from persistence.models.strategies import Strategy
from persistence.models.timers import StrategyTimer
from persistence.models.tokens import AccessToken
from persistence.models.users import Credential, User

ALL_MODELS = [
    User,
    Credential,
    AccessToken,
    Strategy,
    Order,
    Alert,
    AuditEntry,
    OutboxMessage,
    OutboxPhoto,
    DeadLetter,
    PaperBalance,
    PaperOrder,
    Fill,
    StrategyTimer,
    StrategyResult,
    AccountTrade,
    AccountTransfer,
    HistoryCursor,
]

__all__ = [
    "ALL_MODELS",
    "AccessToken",
    "AccountTrade",
    "AccountTransfer",
    "Alert",
    "AuditEntry",
    "Credential",
    "DeadLetter",
    "Fill",
    "HistoryCursor",
    "Order",
    "OutboxMessage",
    "OutboxPhoto",
    "PaperBalance",
    "PaperOrder",
    "Strategy",
    "StrategyResult",
    "StrategyTimer",
    "User",
]
