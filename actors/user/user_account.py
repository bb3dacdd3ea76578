"""A user's standing with the bot: /start, linking and unlinking an Indodax key, and the
access tokens every command must carry once a key is linked."""

from __future__ import annotations

from typing import Any

from actors.user import exchange_access
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.user_base import UserBase
from actors.user.user_views import main_menu
from adapters.indodax.errors import IndodaxError, InvalidCredentials, PermissionDenied
from config.secret import Secret
from messages.commands import LinkAccount, RefreshToken, Start, UnlinkAccount, UserCommand
from messages.replies import Button
from persistence.credentials import (
    ApiKeyPair,
    delete_credentials,
    load_credentials,
    store_credentials,
)
from persistence.models.audit import audit
from persistence.models.base import utcnow
from persistence.models.tokens import (
    AccessToken,
    issue_token,
    replaced,
    revoke_tokens,
    valid_token,
)
from persistence.models.users import User
from persistence.nonce_store import ProvisionalNonces, nonce_store_for
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault


class UserAccount(UserBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each /unlink question remembers the key it asked about (its fingerprint).
        self.unlink_questions: PendingQuestions[str] = PendingQuestions(
            gone_key="button.stale", expired_key="button.stale"
        )

    def _vault(self) -> Vault:
        """From the sub-keys the Supervisor handed this actor: it never holds APP_SECRET_KEY."""
        keys = self.boot.credential_keys  # type: ignore[union-attr]
        return Vault(keys.current, keys.previous)

    def _load_keys(self) -> None:
        self.keys = load_credentials(self._vault(), self.user)  # type: ignore[arg-type]
        self._private = None

    # Access tokens: once a user has linked a key, every command must carry a live token

    def _token_admits(self, command: UserCommand) -> bool:
        if self.boot is None or self.keys is None or isinstance(command, (Start, LinkAccount)):
            return True
        row = valid_token(command.token) if command.token else None
        if row is None or row.user_id != self.user.id:  # type: ignore[union-attr]
            self.reply(command, "auth.token_invalid")
            return False
        age = (utcnow() - row.created_at).total_seconds()
        threshold = self.settings.security.user_token_rotation_threshold_seconds
        # A RefreshToken is answered with the one new token; rotating too would issue two.
        # A token already replaced is in its grace period: rotating it would end the newer
        # one the adapter now holds.
        if age > threshold and not isinstance(command, RefreshToken) and not replaced(row):
            self.notify("auth.token_rotated", kind="system", token_enc=self._issue_token(row))
        return True

    def _issue_token(self, replacing: AccessToken | None = None) -> str:
        """A new token, sent to the chat adapter encrypted: the outbox never holds it plain.
        Every older token ends; `replacing` (a rotated one) after a short grace."""
        ttl = self.settings.security.user_token_ttl_seconds
        token = issue_token(self.user, ttl, replacing=replacing)  # type: ignore[arg-type]
        return self._vault().encrypt(token, purpose=PURPOSE_ACCESS_TOKEN, owner=self.telegram_id)

    def receiveMsg_RefreshToken(self, message: RefreshToken, sender: Any) -> None:
        """Reached only with a valid token (admit): the adapter is told the new one quietly.
        A second request carrying a token already replaced gets nothing: the adapter has
        the newer one on its way, and a third token would end it."""
        if self.keys is None:
            self.reply(message, "user.not_linked")
            return
        row = valid_token(message.token or "")
        if row is None or replaced(row):
            return
        self.reply(message, "auth.token_refreshed", token_enc=self._issue_token(row))

    # Commands that work before linking

    def receiveMsg_Start(self, message: Start, sender: Any) -> None:
        if self.user is None:
            self.user = User.create(
                telegram_id=message.telegram_id,
                chat_id=message.chat_id,
                language=message.language or self.settings.chat.default_language,
                # A live bot lets users choose; until they choose live (with a key), paper.
                mode="paper" if self.settings.mode == "live" else self.settings.mode,
            )
            audit(f"user:{message.telegram_id}", "start", user=self.user)
        self.reply(message, "menu.main", buttons=main_menu(), linked=self.keys is not None)

    def receiveMsg_LinkAccount(self, message: LinkAccount, sender: Any) -> None:
        if self.user is None:
            self.reply(message, "user.not_started")
            return
        keys = ApiKeyPair(Secret(message.api_key.reveal()), Secret(message.api_secret.reveal()))
        nonces = ProvisionalNonces(nonce_store_for(self.settings))
        probe = exchange_access.private_client(self.settings, keys, nonces, self.public)
        try:
            probe.get_info()
            can_withdraw = probe.can_withdraw()
        except (InvalidCredentials, PermissionDenied):
            self.reply(message, "link.invalid_key")
            return
        except IndodaxError:
            self.reply(message, "error.exchange_unavailable")
            return
        if can_withdraw:
            self.reply(message, "link.withdraw_key_refused")
            return
        nonces.keep()
        store_credentials(self._vault(), self.user, keys)
        self._audit(message, "link", key_fingerprint=keys.fingerprint)
        self.keys, self._private = keys, None
        self.reply(message, "link.done", token_enc=self._issue_token())

    def receiveMsg_UnlinkAccount(self, message: UnlinkAccount, sender: Any) -> None:
        """Asks first: only the Yes of that question, once and in time, deletes the key and
        ends the access tokens; not if another key was linked since it was asked."""
        if self.user is None or self.keys is None:
            self.reply(message, "user.not_linked")
            return
        if not message.confirmed:
            pending_id = self.unlink_questions.ask(self.keys.fingerprint)
            self.reply(
                message,
                "unlink.confirm",
                buttons=(
                    (
                        Button("button.unlink_yes", f"ul:y:{pending_id}"),
                        Button("button.keep", "ul:n"),
                    ),
                ),
            )
            return
        asked_about = self.unlink_questions.take(message.pending_id or "")
        if isinstance(asked_about, Unanswerable):
            self.reply(message, asked_about.key)
            return
        if asked_about != self.keys.fingerprint:
            self.reply(message, "button.stale")
            return
        delete_credentials(self.user)
        revoke_tokens(self.user)
        self._audit(message, "unlink")
        self.keys, self._private = None, None
        self.reply(message, "unlink.done")
