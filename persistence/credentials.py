"""Store and load a user's API key pair through the vault; plaintext only ever in memory."""

from __future__ import annotations

from dataclasses import dataclass

from config.logs import register_secret
from config.secret import Secret
from persistence.database import db
from persistence.models.base import utcnow
from persistence.models.users import Credential, User
from persistence.vault import PURPOSE_API_KEY, PURPOSE_API_SECRET, Vault, fingerprint


@dataclass(frozen=True)
class ApiKeyPair:
    api_key: Secret
    api_secret: Secret

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.api_key.reveal())


def store_credentials(vault: Vault, user: User, pair: ApiKeyPair) -> Credential:
    """Replace the user's key pair (one per user) with the new one, encrypted."""
    fields = {
        "api_key_enc": vault.encrypt(pair.api_key.reveal(), purpose=PURPOSE_API_KEY, owner=user.id),
        "api_secret_enc": vault.encrypt(
            pair.api_secret.reveal(), purpose=PURPOSE_API_SECRET, owner=user.id
        ),
        "key_fingerprint": pair.fingerprint,
        "vault_key_id": vault.key_id,
        "updated_at": utcnow(),
    }
    with db.atomic():
        Credential.delete().where(Credential.user == user).execute()
        return Credential.create(user=user, **fields)


def load_credentials(vault: Vault, user: User) -> ApiKeyPair | None:
    row = Credential.get_or_none(Credential.user == user)
    if row is None:
        return None
    pair = ApiKeyPair(
        Secret(vault.decrypt(row.api_key_enc, purpose=PURPOSE_API_KEY, owner=user.id)),
        Secret(vault.decrypt(row.api_secret_enc, purpose=PURPOSE_API_SECRET, owner=user.id)),
    )
    register_secret(pair.api_key, pair.api_secret)
    return pair


def delete_credentials(user: User) -> int:
    return Credential.delete().where(Credential.user == user).execute()
