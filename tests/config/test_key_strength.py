"""A master key an operator typed instead of generating is refused, with the reason, before
the bot starts: it guards every user's API keys."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from config import ConfigError, load
from config.key_strength import weakness

STRONG = "Zq8vN2rT5wL0xK7pB4mD9sH1jF6gC3yE"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("a" * 40, "one short pattern repeated"),
        ("abc" * 14, "one short pattern repeated"),
        ("0123456789" * 4, "one short pattern repeated"),
        ("Password1" * 4, "one short pattern repeated"),
        ("xyz" * 11 + "x", "one short pattern repeated"),
        ("0123456789abcdefghijklmnopqrstuvwxyz", "runs of equal or neighbouring"),
        ("zyxwvutsrqponmlkjihgfedcba9876543210", "runs of equal or neighbouring"),
        ("aaaabbbbccccddddeeeeffffgggghhhh1234", "runs of equal or neighbouring"),
        ("qwertyqwerty12345qwerty123456789", "repeats the same pieces"),
        ("Indodax2024!Indodax2024!Indodax!", "repeats the same pieces"),
        ("beadfacecafedeafbeefdeedfadedcab", "only 6 different characters"),
        ("old-operator-key-" + "o" * 30, "runs of equal or neighbouring"),
        ("zz1zz2zz3zz4zz5zz6zz7zz8zz9zz0zz", "1.9 bits of entropy per character"),
        ("x-a-x-b-x-c-x-d-x-e-x-f-x-g-x-h-x-i", "2.3 bits of entropy per character"),
    ],
    ids=[
        "one-letter",
        "abc-repeated",
        "digits-repeated",
        "word-repeated",
        "pattern-with-a-tail",
        "alphabet-run",
        "descending-run",
        "letter-blocks",
        "keyboard-and-digits",
        "name-and-year-repeated",
        "hex-words",
        "padded-with-one-letter",
        "one-letter-between-digits",
        "one-letter-between-letters",
    ],
)
def test_an_obviously_weak_key_is_refused_with_its_reason(key, reason):
    assert reason in (weakness(key) or "")


@pytest.mark.parametrize(
    "key",
    [
        STRONG,
        "correct-horse-battery-staple-orange-violin",
        "an-operator-provided-secret-key-of-40-chars",
    ],
)
def test_a_key_with_real_variety_passes(key):
    assert weakness(key) is None


def test_a_random_hex_key_with_many_scattered_neighbouring_pairs_passes():
    """A real token_hex(16) a clean-clone run drew: 19 of its 31 pairs are equal or
    neighbours, but scattered, not a run a person typed."""
    assert weakness("c432776789a01a455434eff670eeaadc") is None


@pytest.mark.parametrize(
    "generate",
    [lambda: secrets.token_urlsafe(48), lambda: secrets.token_hex(16)],
    ids=["demo-token_urlsafe-48", "token_hex-16"],
)
def test_generated_keys_always_pass(generate):
    """The demo key (token_urlsafe(48)) and the shortest hex key an operator might paste."""
    refused = [key for key in (generate() for _ in range(5000)) if weakness(key)]
    assert refused == []


def _load_live(tmp_path: Path, **environ: str):
    (tmp_path / "settings.yaml").write_text("")
    (tmp_path / ".env").write_text("")
    return load(
        tmp_path / "settings.yaml",
        tmp_path / ".env",
        {
            "PATH": "/usr/bin",
            "DATA_DIR": str(tmp_path / "data"),
            "BOT_MODE": "live",
            "CORE_API_INTERNAL_TOKEN": "c" * 30,
            "TELEGRAM_BOT_TOKEN": "123456:telegram-token-value",
            **environ,
        },
    )


@pytest.mark.parametrize("env", ["APP_SECRET_KEY", "APP_SECRET_KEY_PREVIOUS"])
def test_the_settings_error_names_the_key_and_the_reason_but_never_the_value(tmp_path, env):
    weak = "abc" * 14
    environ = {"APP_SECRET_KEY": STRONG, env: weak}
    with pytest.raises(ConfigError) as error:
        _load_live(tmp_path, **environ)
    [line] = str(error.value).splitlines()
    assert f"({env})" in line
    assert "too weak to guard the vault: it is one short pattern repeated" in line
    assert "secrets.token_urlsafe" in line  # how to make a good one
    assert weak not in line and "abcabc" not in line


def test_a_strong_key_loads_in_live_mode(tmp_path):
    settings = _load_live(tmp_path, APP_SECRET_KEY=STRONG).settings
    assert settings.security.app_secret_key.reveal() == STRONG


def test_the_demo_generates_a_key_that_passes(tmp_path):
    (tmp_path / "settings.yaml").write_text("")
    (tmp_path / ".env").write_text("")
    settings = load(
        tmp_path / "settings.yaml", tmp_path / ".env", {"DATA_DIR": str(tmp_path / "data")}
    ).settings
    assert weakness(settings.security.app_secret_key.reveal()) is None
