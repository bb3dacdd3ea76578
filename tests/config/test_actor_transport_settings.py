"""ACTOR_TRANSPORT_SECRET: the key hosts share to seal actor messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load

STRONG = "t" * 40


def load_env(tmp_path: Path, environ: dict[str, str]):
    (tmp_path / "settings.yaml").write_text("", encoding="utf-8")
    (tmp_path / ".env").write_text("", encoding="utf-8")
    return load(tmp_path / "settings.yaml", tmp_path / ".env", environ)


def test_one_host_needs_no_transport_secret(tmp_path, clean_environ):
    settings = load_env(tmp_path, clean_environ).settings
    assert not settings.actors.transport_secret


def test_joining_another_host_without_a_transport_secret_is_refused(tmp_path, clean_environ):
    environ = {**clean_environ, "ACTOR_CONVENTION_ADDRESS": "10.0.0.5:1900"}
    with pytest.raises(ConfigError) as error:
        load_env(tmp_path, environ)
    assert "ACTOR_TRANSPORT_SECRET" in str(error.value)
    assert "required when ACTOR_CONVENTION_ADDRESS is set" in str(error.value)


def test_a_short_transport_secret_is_refused_and_never_echoed(tmp_path, clean_environ):
    environ = {**clean_environ, "ACTOR_TRANSPORT_SECRET": "short-secret-value"}
    with pytest.raises(ConfigError) as error:
        load_env(tmp_path, environ)
    assert "at least 32 characters (got 18)" in str(error.value)
    assert "short-secret-value" not in str(error.value)


def test_a_strong_transport_secret_is_loaded_masked(tmp_path, clean_environ):
    environ = {
        **clean_environ,
        "ACTOR_CONVENTION_ADDRESS": "10.0.0.5:1900",
        "ACTOR_TRANSPORT_SECRET": STRONG,
    }
    settings = load_env(tmp_path, environ).settings
    assert settings.actors.transport_secret.reveal() == STRONG
    assert STRONG not in repr(settings)
    assert settings.actors.transport_secret in settings.secrets()


def test_a_transport_secret_in_settings_yaml_is_refused(tmp_path, clean_environ):
    (tmp_path / "settings.yaml").write_text(f"actors:\n  transport_secret: {STRONG}\n")
    (tmp_path / ".env").write_text("")
    with pytest.raises(ConfigError) as error:
        load(tmp_path / "settings.yaml", tmp_path / ".env", clean_environ)
    assert STRONG not in str(error.value)
