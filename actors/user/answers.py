"""How a UserActor's parts answer: a Reply to the command they handle, a Notification for
what the user did not just ask for, and the audit record of what the user had done."""

from __future__ import annotations

from typing import Any

from actors.user.links import Links
from actors.user.session import UserSession
from messages.base import new_correlation_id
from messages.commands import UserCommand
from messages.replies import Button, Notification, Params, Reply
from persistence.models.audit import audit
from persistence.models.users import User

Keyboard = tuple[tuple[Button, ...], ...]


def packed(params: dict[str, Any]) -> Params:
    """Each value as its text, a list's rows (`Rows`) as they are."""
    return tuple(
        (name, value if isinstance(value, tuple) else str(value)) for name, value in params.items()
    )


class Answers:
    def __init__(self, session: UserSession, links: Links) -> None:
        self.session, self.links = session, links

    def reply(
        self, command: UserCommand, key: str, /, buttons: Keyboard = (), **params: Any
    ) -> None:
        """`command` and `key` are positional only, so a parameter may be named either."""
        user = self.session.user
        self.links.to_notifier(
            Reply(
                telegram_id=command.telegram_id,
                chat_id=command.chat_id,
                language=user.language if user else (command.language or "id"),
                key=key,
                params=packed(params),
                buttons=buttons,
                correlation_id=command.correlation_id,
            )
        )

    def notify(
        self,
        key: str,
        kind: str = "strategy",
        correlation_id: str | None = None,
        buttons: Keyboard = (),
        **params: Any,
    ) -> None:
        """Something the user did not just ask for (no command to answer)."""
        user = self.session.user
        if user is None:
            return
        self.links.to_notifier(
            Notification(
                telegram_id=self.session.telegram_id,
                chat_id=user.chat_id,
                language=user.language,
                kind=kind,
                key=key,
                params=packed(params),
                buttons=buttons,
                correlation_id=correlation_id or new_correlation_id(),
            )
        )

    def audit(self, command: UserCommand, action: str, **detail: Any) -> None:
        """What the user had done, on the audit record under the command's correlation id."""
        audit(
            f"user:{self.session.telegram_id}",
            action,
            user=self.session.user,
            correlation_id=command.correlation_id,
            **detail,
        )

    def started(self, command: UserCommand) -> User | None:
        """The user; None once told to send /start first."""
        if self.session.user is None:
            self.reply(command, "user.not_started")
        return self.session.user

    def refuse_unlinked(self, command: UserCommand) -> bool:
        """Trading needs a linked key, except on paper: that account is ours, not Indodax's.
        True once answered."""
        if self.started(command) is None:
            return True
        if self.session.keys is None and self.session.paper is None:
            self.reply(command, "user.not_linked")
            return True
        return False
