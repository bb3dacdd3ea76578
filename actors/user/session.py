"""Who the user is and how to reach the exchange for them: the state every part of a
UserActor reads, held once.

The row, the decrypted key pair and the exchange clients built from it. Only the account
part changes the key (link, unlink); the settings part changes the row.
"""

from __future__ import annotations

from actors.user import exchange_access
from actors.user.paper_account import PaperAccount
from adapters.indodax.markets import MarketCatalog
from adapters.indodax.private_client import PrivateClient
from adapters.indodax.public_client import PublicClient
from config.schema import Settings
from persistence.credentials import ApiKeyPair
from persistence.models.users import User, find_user
from persistence.nonce_store import nonce_store_for


class UserSession:
    def __init__(self, settings: Settings, telegram_id: int) -> None:
        self.settings = settings
        self.telegram_id = telegram_id
        self.user: User | None = find_user(telegram_id)
        self.keys: ApiKeyPair | None = None
        self._public: PublicClient | None = None
        self._private: PrivateClient | None = None
        self._catalog: MarketCatalog | None = None

    def use_keys(self, keys: ApiKeyPair | None) -> None:
        """The private client follows the key: the next private call builds one for it."""
        self.keys, self._private = keys, None

    # Clients, built on first use

    @property
    def public(self) -> PublicClient:
        if self._public is None:
            self._public = exchange_access.public_client(self.settings)
        return self._public

    @property
    def catalog(self) -> MarketCatalog:
        if self._catalog is None:
            self._catalog = exchange_access.market_catalog(self.settings)
        return self._catalog

    @property
    def private(self) -> PrivateClient:
        if self.keys is None:
            raise LookupError("no linked key")
        if self._private is None:
            self._private = exchange_access.private_client(
                self.settings, self.keys, nonce_store_for(self.settings), self.public
            )
        return self._private

    @property
    def key_fingerprint(self) -> str | None:
        return self.keys.fingerprint if self.keys is not None else None

    @property
    def trading_mode(self) -> str:
        """Where this user's orders go: the bot's mode wins, so a bot restarted in paper mode
        never trades real money for a user stored as live. A paper bot trades everyone on
        paper, a demo bot everyone on the exchange client (the local simulator); only a live
        bot leaves it to the user, and anything but an explicit live there is paper."""
        if self.settings.mode != "live":
            return self.settings.mode
        return "live" if self.user is not None and self.user.mode == "live" else "paper"

    @property
    def paper(self) -> PaperAccount | None:
        """The account a paper-mode user trades on instead of the exchange; None otherwise."""
        if self.user is None or self.trading_mode != "paper":
            return None
        return PaperAccount(self.user, self.settings.paper.start_idr, self.catalog.info)
