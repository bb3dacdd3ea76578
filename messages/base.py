"""What every message shares: a correlation id that follows one user action end to end."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

MAX_ID_DIGITS = 18  # any id that fits a signed 64-bit database integer


def database_id(text: str) -> int | None:
    """An id as packed into callback data and trigger ids: ASCII digits only (no sign, no
    spaces, no other script's digits), small enough for the database."""
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_ID_DIGITS:
        return None
    return int(text)


def new_correlation_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass(frozen=True, kw_only=True)
class Message:
    correlation_id: str = field(default_factory=new_correlation_id)


class Sensitive(str):
    """A string that must not be shown: API keys and secrets travelling to a UserActor.

    messages/ imports nothing of the project, so it carries its own mask; the receiving
    actor moves the value into a config Secret at once.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "Sensitive('***')"

    def __str__(self) -> str:
        return "***"

    def reveal(self) -> str:
        return str.__str__(self)

    def __reduce__(self) -> tuple[type[Sensitive], tuple[str]]:
        return (Sensitive, (self.reveal(),))
