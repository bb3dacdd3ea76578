"""A user's standing with the bot: /start, linking and unlinking an Indodax key, and the
access tokens every command must carry once a key is linked."""

from __future__ import annotations

import logging
from collections.abc import Callable

from actors.user import exchange_access
from actors.user.answers import Answers
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.session import UserSession
from actors.user.user_views import main_menu, yes_or_keep
from adapters.indodax.errors import IndodaxError, InvalidCredentials, PermissionDenied
from config.secret import Secret
from messages import callbacks as cb
from messages.commands import LinkAccount, RefreshToken, Start, UnlinkAccount, UserCommand
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
    command_standing,
    issue_token,
    replaced,
    revoke_tokens,
    valid_token,
)
from persistence.models.users import create_user
from persistence.nonce_store import ProvisionalNonces, nonce_store_for
from persistence.vault import PURPOSE_ACCESS_TOKEN, Vault, VaultError

log = logging.getLogger(__name__)


class Account:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        vault: Callable[[], Vault],
        *,
        linked: Callable[[], None],
    ) -> None:
        """`vault` opens the vault with the sub-keys the Supervisor handed the actor: it never
        holds APP_SECRET_KEY. `linked` is told each time a key is linked or unlinked."""
        self.session, self.answers, self.vault = session, answers, vault
        self.linked = linked
        self.settings = session.settings
        # Each /unlink question remembers the key it asked about (its fingerprint).
        self.unlink_questions: PendingQuestions[str] = PendingQuestions(
            gone_key="button.stale", expired_key="button.stale"
        )

    def load_keys(self) -> None:
        """A key the configured master keys cannot open (sealed under one since retired)
        stays unused: the user is asked to link again, as if none were stored, and the
        operator is told; the rest of the actor runs."""
        if self.session.user is None:
            return
        try:
            self.session.use_keys(load_credentials(self.vault(), self.session.user))
        except VaultError as error:
            log.error("stored key cannot be decrypted; the user must link again: %s", error)

    # Access tokens: once a user has linked a key, every command must carry a live token

    def admits(self, command: UserCommand) -> bool:
        """A suspended user is refused (a suspension takes effect at once, whoever sends the
        command); once a key is linked a command must carry a live access token, and an old
        one is rotated on the way. One query answers both."""
        user = self.session.user
        if user is None:
            return True
        standing = command_standing(user, command.token)
        if standing.suspended:
            self.answers.reply(command, "user.suspended")
            return False
        if self.session.keys is None or isinstance(command, (Start, LinkAccount)):
            return True
        row = standing.token
        if row is None:
            self.answers.reply(command, "auth.token_invalid")
            return False
        age = (utcnow() - row.created_at).total_seconds()
        threshold = self.settings.security.user_token_rotation_threshold_seconds
        # A RefreshToken is answered with the one new token; rotating too would issue two.
        # A token already replaced is in its grace period: rotating it would end the newer
        # one the adapter now holds.
        if age > threshold and not isinstance(command, RefreshToken) and not replaced(row):
            self.answers.notify("auth.token_rotated", kind="system", token_enc=self._issue(row))
        return True

    def _issue(self, replacing: AccessToken | None = None) -> str:
        """A new token, sent to the chat adapter encrypted: the outbox never holds it plain.
        Every older token ends; `replacing` (a rotated one) after a short grace."""
        assert self.session.user is not None
        ttl = self.settings.security.user_token_ttl_seconds
        token = issue_token(self.session.user, ttl, replacing=replacing)
        return self.vault().encrypt(
            token, purpose=PURPOSE_ACCESS_TOKEN, owner=self.session.telegram_id
        )

    def refresh_token(self, message: RefreshToken) -> None:
        """Reached only with a valid token (admits): the adapter is told the new one quietly.
        A second request carrying a token already replaced gets nothing: the adapter has
        the newer one on its way, and a third token would end it."""
        if self.session.keys is None:
            self.answers.reply(message, "user.not_linked")
            return
        row = valid_token(message.token or "")
        if row is None or replaced(row):
            return
        self.answers.reply(message, "auth.token_refreshed", token_enc=self._issue(row))

    # Commands that work before linking

    def start(self, message: Start) -> None:
        if self.session.user is None:
            self.session.user = create_user(
                telegram_id=message.telegram_id,
                chat_id=message.chat_id,
                language=message.language or self.settings.chat.default_language,
                # A live bot lets users choose; until they choose live (with a key), paper.
                mode="paper" if self.settings.mode == "live" else self.settings.mode,
            )
            audit(f"user:{message.telegram_id}", "start", user=self.session.user)
        self.answers.reply(
            message, "menu.main", buttons=main_menu(), linked=self.session.keys is not None
        )

    def link(self, message: LinkAccount) -> None:
        user = self.answers.started(message)
        if user is None:
            return
        keys = ApiKeyPair(Secret(message.api_key.reveal()), Secret(message.api_secret.reveal()))
        nonces = ProvisionalNonces(nonce_store_for(self.settings))
        probe = exchange_access.private_client(self.settings, keys, nonces, self.session.public)
        try:
            probe.get_info()
            can_withdraw = probe.can_withdraw()
        except (InvalidCredentials, PermissionDenied):
            self.answers.reply(message, "link.invalid_key")
            return
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        if can_withdraw:
            self.answers.reply(message, "link.withdraw_key_refused")
            return
        nonces.keep()
        store_credentials(self.vault(), user, keys)
        self.answers.audit(message, "link", key_fingerprint=keys.fingerprint)
        self.session.use_keys(keys)
        self.linked()
        self.answers.reply(message, "link.done", token_enc=self._issue())

    def unlink(self, message: UnlinkAccount) -> None:
        """Asks first: only the Yes of that question, once and in time, deletes the key and
        ends the access tokens; not if another key was linked since it was asked."""
        user, keys = self.session.user, self.session.keys
        if user is None or keys is None:
            self.answers.reply(message, "user.not_linked")
            return
        if not message.confirmed:
            pending_id = self.unlink_questions.ask(keys.fingerprint)
            self.answers.reply(
                message,
                "unlink.confirm",
                buttons=yes_or_keep(cb.UnlinkYes(pending_id), cb.UnlinkNo(), "button.unlink_yes"),
            )
            return
        asked_about = self.unlink_questions.take(message.pending_id or "")
        if isinstance(asked_about, Unanswerable):
            self.answers.reply(message, asked_about.key)
            return
        if asked_about != keys.fingerprint:
            self.answers.reply(message, "button.stale")
            return
        delete_credentials(user)
        revoke_tokens(user)
        self.answers.audit(message, "unlink")
        self.session.use_keys(None)
        self.linked()
        self.answers.reply(message, "unlink.done")
