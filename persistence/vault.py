"""AES-256-GCM encryption of stored secrets, bound to their owner and purpose.

Format: `v1:<key id>:<base64url(nonce || ciphertext || tag)>`. The key id names the
master key (APP_SECRET_KEY) it was made with, so the key can be rotated row by row.
The associated data binds each ciphertext to one owner and one purpose: a ciphertext
copied into another user's row, or from the key column into the secret column, fails.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from Crypto.Random import get_random_bytes

from config.secret import Secret

VERSION = "v1"
_SALT = b"indodax-bot/vault/v1"
_NONCE_BYTES = 12
_TAG_BYTES = 16

PURPOSE_API_KEY = "credential.api_key"
PURPOSE_API_SECRET = "credential.api_secret"  # noqa: S105 (a label)
PURPOSE_ACCESS_TOKEN = "adapter.access_token"  # noqa: S105 (a label)


class VaultError(Exception):
    """A ciphertext that cannot be opened. The message never contains key material."""


@dataclass(frozen=True)
class _MasterKey:
    key_id: str
    material: bytes

    def for_purpose(self, purpose: str) -> bytes:
        return HKDF(self.material, 32, _SALT, SHA256, context=f"aes-256-gcm:{purpose}".encode())


@dataclass(frozen=True)
class SubKeys:
    """Some purposes' keys of one master key, for a process that must not hold the master
    itself (a UserActor gets the credential and access-token keys, nothing else)."""

    key_id: str
    keys: tuple[tuple[str, bytes], ...] = field(repr=False)

    def for_purpose(self, purpose: str) -> bytes:
        for granted, key in self.keys:
            if granted == purpose:
                return key
        raise VaultError(f"this process holds no key for {purpose}")


@dataclass(frozen=True)
class CredentialKeys:
    """What a UserActor needs of APP_SECRET_KEY (and, while rotating, of the previous key)."""

    current: SubKeys
    previous: SubKeys | None = None


USER_ACTOR_PURPOSES = (PURPOSE_API_KEY, PURPOSE_API_SECRET, PURPOSE_ACCESS_TOKEN)


def credential_keys(current: Secret, previous: Secret | None = None) -> CredentialKeys:
    def sub_keys(secret: Secret) -> SubKeys:
        master = _master(secret)
        keys = tuple((purpose, master.for_purpose(purpose)) for purpose in USER_ACTOR_PURPOSES)
        return SubKeys(master.key_id, keys)

    return CredentialKeys(sub_keys(current), sub_keys(previous) if previous else None)


def _master(secret: Secret | SubKeys) -> _MasterKey | SubKeys:
    if isinstance(secret, SubKeys):
        return secret
    material = secret.reveal().encode()
    key_id = HKDF(material, 6, _SALT, SHA256, context=b"key-id").hex()
    return _MasterKey(key_id, material)


def fingerprint(value: str) -> str:
    """A stable, non-reversible name for an API key (nonce store keys, duplicate checks)."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class Vault:
    """Encrypts under the current master key; decrypts under the current or the previous one."""

    def __init__(self, current: Secret | SubKeys, previous: Secret | SubKeys | None = None) -> None:
        if not current:
            raise VaultError("the vault needs APP_SECRET_KEY")
        self._current = _master(current)
        self._keys = {self._current.key_id: self._current}
        if previous:
            old = _master(previous)
            self._keys.setdefault(old.key_id, old)

    @property
    def key_id(self) -> str:
        return self._current.key_id

    def encrypt(self, plaintext: str, *, purpose: str, owner: str | int) -> str:
        nonce = get_random_bytes(_NONCE_BYTES)
        cipher = AES.new(self._current.for_purpose(purpose), AES.MODE_GCM, nonce=nonce)
        cipher.update(_associated_data(self._current.key_id, purpose, owner))
        ciphertext, tag = cipher.encrypt_and_digest(plaintext.encode())
        blob = base64.urlsafe_b64encode(nonce + ciphertext + tag).decode()
        return f"{VERSION}:{self._current.key_id}:{blob}"

    def decrypt(self, token: str, *, purpose: str, owner: str | int) -> str:
        key_id, blob = _split(token)
        master = self._keys.get(key_id)
        if master is None:
            raise VaultError(
                f"ciphertext was made with master key {key_id}, which is neither APP_SECRET_KEY "
                "nor APP_SECRET_KEY_PREVIOUS"
            )
        if len(blob) < _NONCE_BYTES + _TAG_BYTES:
            raise VaultError("ciphertext is truncated")
        nonce, body, tag = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:-_TAG_BYTES], blob[-_TAG_BYTES:]
        cipher = AES.new(master.for_purpose(purpose), AES.MODE_GCM, nonce=nonce)
        cipher.update(_associated_data(key_id, purpose, owner))
        try:
            plaintext = cipher.decrypt_and_verify(body, tag)
        except ValueError:
            raise VaultError(
                "ciphertext failed authentication: it was altered, or belongs to another "
                "owner or purpose"
            ) from None
        return plaintext.decode()

    def reencrypt(self, token: str, *, purpose: str, owner: str | int) -> str:
        """The same secret under the current master key (unchanged if already current)."""
        if key_id_of(token) == self.key_id:
            return token
        return self.encrypt(
            self.decrypt(token, purpose=purpose, owner=owner), purpose=purpose, owner=owner
        )


def key_id_of(token: str) -> str:
    return _split(token)[0]


def _split(token: str) -> tuple[str, bytes]:
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != VERSION:
        raise VaultError(f"unsupported ciphertext format (expected {VERSION}:<key id>:<data>)")
    try:
        blob = base64.urlsafe_b64decode(parts[2].encode())
    except (ValueError, TypeError):
        raise VaultError("ciphertext is not valid base64") from None
    return parts[1], blob


def _associated_data(key_id: str, purpose: str, owner: str | int) -> bytes:
    return f"{VERSION}|{key_id}|{purpose}|{owner}".encode()
