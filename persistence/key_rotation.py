"""Re-encrypt every stored secret under the current APP_SECRET_KEY, batch by batch.

Each batch commits on its own and the selection skips rows already under the current
key, so an interrupted rotation resumes where it stopped when run again. A row that does
not open (a key neither current nor previous, a damaged value) is named and left as it
is; the rest go on, so one bad row never holds every other user on the old key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from persistence.database import db
from persistence.models.base import utcnow
from persistence.models.outbox import OutboxMessage
from persistence.models.users import Credential, credentials_not_under
from persistence.vault import (
    PURPOSE_ACCESS_TOKEN,
    PURPOSE_API_KEY,
    PURPOSE_API_SECRET,
    Vault,
    VaultError,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Skipped:
    """A row left under its old key, and why (a VaultError's text: no key material)."""

    row_id: int
    user_id: int
    reason: str


@dataclass(frozen=True)
class RotationReport:
    rotated: int
    remaining: int
    skipped: tuple[Skipped, ...] = ()


def rotate_credentials(vault: Vault, batch_size: int = 100) -> RotationReport:
    rotated = 0
    skipped: list[Skipped] = []
    last_id = 0
    while batch := credentials_not_under(vault.key_id, last_id, batch_size):
        with db.atomic():
            for row in batch:
                try:
                    _reencrypt(vault, row)
                except VaultError as error:
                    skipped.append(Skipped(row.id, row.user_id, str(error)))
                    log.warning(
                        "credential not re-encrypted",
                        extra={"credential_id": row.id, "db_user_id": row.user_id},
                    )
                    continue
                rotated += 1
        last_id = batch[-1].id
        log.info("re-encrypted credentials", extra={"batch": len(batch), "rotated": rotated})
    remaining = Credential.select().where(Credential.vault_key_id != vault.key_id).count()
    return RotationReport(rotated, remaining, tuple(skipped))


def _reencrypt(vault: Vault, row: Credential) -> None:
    """Both halves open before either is written, so a row is moved whole or not at all."""
    owner = row.user_id
    api_key = vault.reencrypt(row.api_key_enc, purpose=PURPOSE_API_KEY, owner=owner)
    api_secret = vault.reencrypt(row.api_secret_enc, purpose=PURPOSE_API_SECRET, owner=owner)
    row.api_key_enc, row.api_secret_enc = api_key, api_secret
    row.vault_key_id = vault.key_id
    row.updated_at = utcnow()
    row.save()


@dataclass(frozen=True)
class OutboxReport:
    resealed: int
    skipped: tuple[int, ...]  # outbox row ids whose token opened under neither key


def reseal_outbox_tokens(vault: Vault) -> OutboxReport:
    """Access tokens still waiting in the outbox for the chat adapter (it was away), sealed
    again under the current key, so they open once APP_SECRET_KEY_PREVIOUS is gone."""
    resealed, skipped = 0, []
    waiting = OutboxMessage.select().where(
        OutboxMessage.delivered_at.is_null() & OutboxMessage.payload.contains("token_enc")
    )
    for row in waiting:
        payload = row.payload
        owner = payload["telegram_id"]
        try:
            params = [
                [name, vault.reencrypt(value, purpose=PURPOSE_ACCESS_TOKEN, owner=owner)]
                if name == "token_enc"
                else [name, value]
                for name, value in payload["params"]
            ]
        except VaultError:
            skipped.append(row.id)
            log.warning("outbox token not re-sealed", extra={"outbox_id": row.id})
            continue
        if params != payload["params"]:
            OutboxMessage.update(payload={**payload, "params": params}).where(
                OutboxMessage.id == row.id
            ).execute()
            resealed += 1
    return OutboxReport(resealed, tuple(skipped))
