"""Fakes a UserActor part is built with in its own tests: no actor, no exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from actors.user.answers import Answers
from actors.user.timers import Timers
from config.schema import Settings


@dataclass
class FakeUser:
    id: int = 1
    telegram_id: int = 7
    chat_id: int = 70
    language: str = "en"
    mode: str = "paper"

    def notify_level(self, kind: str) -> str:
        return "on"


@dataclass
class FakeKeys:
    fingerprint: str = "key-1"


@dataclass
class FakeSession:
    settings: Settings = field(default_factory=Settings)
    telegram_id: int = 7
    user: Any = field(default_factory=FakeUser)
    keys: Any = None
    public: Any = None
    catalog: Any = None
    private: Any = None
    paper: Any = None
    trading_mode: str = "demo"

    @property
    def key_fingerprint(self) -> str | None:
        return self.keys.fingerprint if self.keys is not None else None

    def use_keys(self, keys: Any) -> None:
        self.keys = keys


class RecordingAnswers(Answers):
    """The real Answers, whose replies, notifications and audit records are kept to be
    read back as (key, params) instead of sent."""

    def __init__(self, session: Any) -> None:
        super().__init__(session, RecordingLinks())  # type: ignore[arg-type]
        self.replies: list[tuple[str, dict[str, Any]]] = []
        self.notices: list[tuple[str, dict[str, Any]]] = []
        self.notice_buttons: list[Any] = []  # each notice's keyboard, in the same order
        self.audited: list[str] = []

    def reply(self, command: Any, key: str, /, buttons: Any = (), **params: Any) -> None:
        self.replies.append((key, params))

    def notify(
        self,
        key: str,
        kind: str = "strategy",
        correlation_id: Any = None,
        buttons: Any = (),
        **params: Any,
    ) -> None:
        self.notices.append((key, params))
        self.notice_buttons.append(buttons)

    def audit(self, command: Any, action: str, **detail: Any) -> None:
        self.audited.append(action)

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.replies]


@dataclass
class RecordingLinks:
    sent: list[tuple[str, Any]] = field(default_factory=list)

    def to(self, address: Any, message: Any) -> None:
        self.sent.append((address, message))

    def to_notifier(self, message: Any) -> None:
        self.sent.append(("notifier", message))

    def to_trigger_book(self, message: Any) -> None:
        self.sent.append(("trigger_book", message))

    def to_supervisor(self, message: Any) -> None:
        self.sent.append(("supervisor", message))

    def to_chart_maker(self, message: Any) -> None:
        self.sent.append(("chart_maker", message))

    def to_order_stream(self, message: Any) -> None:
        self.sent.append(("order_stream", message))

    @property
    def me(self) -> Any:
        return "user-actor"


class RecordingTimers(Timers):
    """Real Timers over a clock that only records what was asked of it."""

    def __init__(self) -> None:
        self.wakeups: list[tuple[timedelta, Any]] = []
        super().__init__(lambda delay, payload: self.wakeups.append((delay, payload)))
