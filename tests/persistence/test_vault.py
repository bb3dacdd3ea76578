from __future__ import annotations

import base64

import pytest

from actors.core.notifier import decode, encode
from config.secret import Secret
from messages.replies import Reply
from persistence.credentials import ApiKeyPair, load_credentials, store_credentials
from persistence.key_rotation import reseal_outbox_tokens, rotate_credentials
from persistence.models import Credential, OutboxMessage, User
from persistence.models.base import utcnow
from persistence.vault import (
    PURPOSE_ACCESS_TOKEN,
    PURPOSE_API_KEY,
    PURPOSE_API_SECRET,
    Vault,
    VaultError,
    fingerprint,
    key_id_of,
)

OLD = Secret("old-master-key-" + "o" * 32)
NEW = Secret("new-master-key-" + "n" * 32)
API_SECRET = "9f2c8e7d6b5a4f3e2d1c0b9a8f7e6d5c"


def test_round_trip_and_a_fresh_nonce_every_time():
    vault = Vault(NEW)
    one = vault.encrypt(API_SECRET, purpose=PURPOSE_API_SECRET, owner=1)
    two = vault.encrypt(API_SECRET, purpose=PURPOSE_API_SECRET, owner=1)
    assert one != two
    assert one.startswith(f"v1:{vault.key_id}:")
    assert API_SECRET not in one
    assert vault.decrypt(one, purpose=PURPOSE_API_SECRET, owner=1) == API_SECRET


def test_ciphertext_copied_to_another_users_row_fails():
    vault = Vault(NEW)
    token = vault.encrypt(API_SECRET, purpose=PURPOSE_API_SECRET, owner=1)
    with pytest.raises(VaultError, match="another owner or purpose"):
        vault.decrypt(token, purpose=PURPOSE_API_SECRET, owner=2)


def test_ciphertext_moved_to_another_purpose_fails():
    vault = Vault(NEW)
    token = vault.encrypt(API_SECRET, purpose=PURPOSE_API_SECRET, owner=1)
    with pytest.raises(VaultError):
        vault.decrypt(token, purpose=PURPOSE_API_KEY, owner=1)


@pytest.mark.parametrize("position", [5, 20, -3])
def test_tampered_ciphertext_raises_instead_of_returning_garbage(position):
    vault = Vault(NEW)
    version, key_id, blob = vault.encrypt(API_SECRET, purpose="p", owner=1).split(":")
    raw = bytearray(base64.urlsafe_b64decode(blob))
    raw[position] ^= 0x01
    tampered = f"{version}:{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(VaultError):
        vault.decrypt(tampered, purpose="p", owner=1)


def test_wrong_master_key_is_named_not_guessed():
    token = Vault(OLD).encrypt(API_SECRET, purpose="p", owner=1)
    with pytest.raises(VaultError, match="neither APP_SECRET_KEY nor APP_SECRET_KEY_PREVIOUS"):
        Vault(NEW).decrypt(token, purpose="p", owner=1)


@pytest.mark.parametrize("garbage", ["", "plain text", "v2:abc:def", "v1:abc:!!!", "v1:abc:AAAA"])
def test_malformed_ciphertext_is_a_clear_error(garbage):
    with pytest.raises(VaultError):
        Vault(NEW).decrypt(garbage, purpose="p", owner=1)


def test_errors_never_contain_key_material():
    token = Vault(OLD).encrypt(API_SECRET, purpose="p", owner=1)
    with pytest.raises(VaultError) as error:
        Vault(NEW).decrypt(token, purpose="p", owner=2)
    assert NEW.reveal() not in str(error.value)
    assert OLD.reveal() not in str(error.value)


def test_previous_key_still_decrypts_during_rotation():
    token = Vault(OLD).encrypt(API_SECRET, purpose="p", owner=1)
    rotating = Vault(NEW, previous=OLD)
    moved = rotating.reencrypt(token, purpose="p", owner=1)
    assert key_id_of(moved) == rotating.key_id
    assert Vault(NEW).decrypt(moved, purpose="p", owner=1) == API_SECRET


def test_fingerprint_is_stable_and_does_not_reveal_the_key():
    assert fingerprint("KEY-ABC") == fingerprint("KEY-ABC")
    assert "KEY-ABC" not in fingerprint("KEY-ABC")
    assert len(fingerprint("KEY-ABC")) == 32


def store_users(vault: Vault, count: int) -> list[User]:
    users = []
    for number in range(count):
        user = User.create(telegram_id=number + 1, chat_id=number + 1)
        store_credentials(
            vault, user, ApiKeyPair(Secret(f"KEY-{number}"), Secret(f"SECRET-{number}"))
        )
        users.append(user)
    return users


def test_stored_credentials_are_encrypted_and_load_back(database):
    vault = Vault(NEW)
    [user] = store_users(vault, 1)
    row = Credential.get()
    assert "SECRET-0" not in row.api_secret_enc
    assert row.key_fingerprint == fingerprint("KEY-0")
    pair = load_credentials(vault, user)
    assert (pair.api_key.reveal(), pair.api_secret.reveal()) == ("KEY-0", "SECRET-0")


def test_credentials_swapped_between_users_do_not_decrypt(database):
    vault = Vault(NEW)
    first, second = store_users(vault, 2)
    stolen = Credential.get(Credential.user == first)
    Credential.update(api_secret_enc=stolen.api_secret_enc).where(
        Credential.user == second
    ).execute()
    with pytest.raises(VaultError):
        load_credentials(vault, second)


def test_rotation_moves_every_credential_and_resumes_after_interruption(database, mocker):
    users = store_users(Vault(OLD), 5)
    rotating = Vault(NEW, previous=OLD)
    real = rotating.reencrypt
    calls = {"n": 0}

    def crash_in_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # first row of the second batch (two tokens per row)
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    mocker.patch.object(rotating, "reencrypt", side_effect=crash_in_second_batch)
    with pytest.raises(RuntimeError):
        rotate_credentials(rotating, batch_size=2)
    assert Credential.select().where(Credential.vault_key_id == rotating.key_id).count() == 2

    mocker.stopall()
    report = rotate_credentials(Vault(NEW, previous=OLD), batch_size=2)
    assert (report.rotated, report.remaining) == (3, 0)
    for number, user in enumerate(users):
        assert load_credentials(Vault(NEW), user).api_secret.reveal() == f"SECRET-{number}"


def test_a_row_that_does_not_open_is_named_and_the_others_still_move(database):
    users = store_users(Vault(OLD), 3)
    stranger = Vault(Secret("a-key-nobody-configured-" + "s" * 24))
    damaged = Credential.get(Credential.user == users[1])
    damaged.api_secret_enc = stranger.encrypt(
        "SECRET-1", purpose=PURPOSE_API_SECRET, owner=users[1].id
    )
    damaged.save()

    report = rotate_credentials(Vault(NEW, previous=OLD), batch_size=2)

    assert (report.rotated, report.remaining) == (2, 1)
    [skipped] = report.skipped
    assert (skipped.row_id, skipped.user_id) == (damaged.id, users[1].id)
    assert "APP_SECRET_KEY_PREVIOUS" in skipped.reason
    for number in (0, 2):
        assert load_credentials(Vault(NEW), users[number]).api_secret.reveal() == (
            f"SECRET-{number}"
        )
    untouched = Credential.get_by_id(damaged.id)
    assert untouched.api_key_enc == damaged.api_key_enc  # not half moved
    assert key_id_of(untouched.api_key_enc) == Vault(OLD).key_id


def test_rotation_without_the_old_key_names_every_row_and_moves_none(database):
    store_users(Vault(OLD), 2)
    report = rotate_credentials(Vault(NEW))
    assert (report.rotated, report.remaining, len(report.skipped)) == (0, 2, 2)


def waiting_token(telegram_id: int, vault: Vault, *, delivered: bool = False) -> OutboxMessage:
    """A new token the UserActor sent while the chat adapter was away."""
    sealed = vault.encrypt(f"token-{telegram_id}", purpose=PURPOSE_ACCESS_TOKEN, owner=telegram_id)
    reply = Reply(
        telegram_id=telegram_id,
        chat_id=telegram_id,
        key="link.done",
        params=(("token_enc", sealed), ("note", "kept")),
    )
    return OutboxMessage.create(
        correlation_id=reply.correlation_id,
        chat_id=telegram_id,
        payload=encode(reply),
        delivered_at=utcnow() if delivered else None,
    )


def test_tokens_waiting_in_the_outbox_are_resealed_under_the_new_key(database):
    waiting = waiting_token(1, Vault(OLD))
    delivered = waiting_token(2, Vault(OLD), delivered=True)
    stranger = waiting_token(3, Vault(Secret("a-key-nobody-configured-" + "s" * 24)))

    report = reseal_outbox_tokens(Vault(NEW, previous=OLD))

    assert (report.resealed, report.skipped) == (1, (stranger.id,))
    moved = decode(OutboxMessage.get_by_id(waiting.id).payload)
    token = Vault(NEW).decrypt(moved.param("token_enc"), purpose=PURPOSE_ACCESS_TOKEN, owner=1)
    assert (token, moved.param("note")) == ("token-1", "kept")
    untouched = decode(OutboxMessage.get_by_id(delivered.id).payload)
    assert untouched.param("token_enc") == decode(delivered.payload).param("token_enc")
