"""Re-encrypt every stored secret under the current APP_SECRET_KEY, batch by batch.

Each batch commits on its own and the selection skips rows already under the current
key, so an interrupted rotation resumes where it stopped when run again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from persistence.database import db
from persistence.models.base import utcnow
from persistence.models.users import Credential, credentials_not_under
from persistence.vault import PURPOSE_API_KEY, PURPOSE_API_SECRET, Vault

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RotationReport:
    rotated: int
    remaining: int


def rotate_credentials(vault: Vault, batch_size: int = 100) -> RotationReport:
    rotated = 0
    last_id = 0
    while batch := credentials_not_under(vault.key_id, last_id, batch_size):
        with db.atomic():
            for row in batch:
                owner = row.user_id
                row.api_key_enc = vault.reencrypt(
                    row.api_key_enc, purpose=PURPOSE_API_KEY, owner=owner
                )
                row.api_secret_enc = vault.reencrypt(
                    row.api_secret_enc, purpose=PURPOSE_API_SECRET, owner=owner
                )
                row.vault_key_id = vault.key_id
                row.updated_at = utcnow()
                row.save()
        rotated += len(batch)
        last_id = batch[-1].id
        log.info("re-encrypted credentials", extra={"batch": len(batch), "rotated": rotated})
    remaining = Credential.select().where(Credential.vault_key_id != vault.key_id).count()
    return RotationReport(rotated, remaining)
