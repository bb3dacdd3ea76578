from __future__ import annotations

import dataclasses
import pickle
import stat
from pathlib import Path

import pytest
import yaml

from config import ConfigError, load, load_settings
from config.schema import specs
from config.secret import Secret

ROOT = Path(__file__).resolve().parents[2]
LIVE_SECRETS = {
    "BOT_MODE": "live",
    "APP_SECRET_KEY": "Zq8vN2rT5wL0xK7pB4mD9sH1jF6gC3yE",
    "CORE_API_INTERNAL_TOKEN": "c" * 30,
    "TELEGRAM_BOT_TOKEN": "123456:telegram-token-value",
}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load_with(tmp_path: Path, environ: dict[str, str], yaml_text: str = "", env_text: str = ""):
    return load(
        write(tmp_path / "settings.yaml", yaml_text),
        write(tmp_path / ".env", env_text),
        environ,
    )


def problems_of(error: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return str(error.value).splitlines()


def test_no_settings_at_all_starts_the_offline_demo(tmp_path, clean_environ):
    settings = load_with(tmp_path, clean_environ).settings
    assert settings.mode == "demo"
    assert settings.chat_adapter == "console"
    assert settings.log_format == "text"
    assert settings.database.url.reveal().startswith("sqlite:///")
    assert settings.indodax.rest_base_url == "http://127.0.0.1:8710"
    assert settings.indodax.price_feed_ws_url.startswith("ws://127.0.0.1")


def test_demo_mode_always_trades_on_the_local_simulator(tmp_path, clean_environ):
    yaml_text = "indodax:\n  rest_base_url: https://indodax.com\n"
    environ = {**clean_environ, "PRICE_FEED_WS_URL": "wss://ws3.indodax.com/ws/"}
    indodax = load_with(tmp_path, environ, yaml_text).settings.indodax
    assert indodax.rest_base_url == "http://127.0.0.1:8710"
    assert indodax.price_feed_ws_url == "ws://127.0.0.1:8710/ws/"


def test_environment_beats_dotenv_which_beats_settings_yaml(tmp_path, clean_environ):
    loaded = load_with(
        tmp_path,
        {**clean_environ, "LOG_LEVEL": "ERROR"},
        yaml_text="logging:\n  level: DEBUG\n  format: json\nchat:\n  default_language: en\n",
        env_text="LOG_LEVEL=WARNING\nLOG_FORMAT=text\n",
    )
    assert loaded.settings.logging.level == "ERROR"
    assert loaded.origins["logging.level"] == "env LOG_LEVEL"
    assert loaded.settings.logging.format == "text"
    assert loaded.origins["logging.format"] == f"{tmp_path / '.env'}:2"
    assert loaded.settings.chat.default_language == "en"
    assert loaded.origins["chat.default_language"] == f"{tmp_path / 'settings.yaml'}:5"


def test_admin_ids_come_from_a_comma_separated_variable_or_a_yaml_list(tmp_path, clean_environ):
    from_env = load_with(tmp_path, {**clean_environ, "ADMIN_TELEGRAM_IDS": "11, 22"})
    assert from_env.settings.telegram.admin_ids == (11, 22)
    from_yaml = load_with(tmp_path, clean_environ, "telegram:\n  admin_ids: [33, 44]\n")
    assert from_yaml.settings.telegram.admin_ids == (33, 44)


def test_settings_cannot_be_changed_after_loading(tmp_path, clean_environ):
    settings = load_with(tmp_path, clean_environ).settings
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.mode = "live"  # type: ignore[misc]


def test_malformed_settings_yaml_names_the_file_and_line(tmp_path, clean_environ):
    with pytest.raises(ConfigError) as error:
        load_with(tmp_path, clean_environ, yaml_text="mode: demo\nlogging:\n  level: [INFO\n")
    [line] = problems_of(error)
    assert f"{tmp_path / 'settings.yaml'}:4" in line
    assert "malformed YAML" in line


def test_misspelled_key_is_refused_with_its_line(tmp_path, clean_environ):
    with pytest.raises(ConfigError) as error:
        load_with(tmp_path, clean_environ, yaml_text="logging:\n  levle: INFO\n")
    [line] = problems_of(error)
    assert line.endswith(":2: logging.levle: unknown setting (check the spelling)")


def test_a_secret_written_into_settings_yaml_is_refused(tmp_path, clean_environ):
    with pytest.raises(ConfigError) as error:
        load_with(
            tmp_path, clean_environ, yaml_text="security:\n  app_secret_key: hunter2hunter2\n"
        )
    [line] = problems_of(error)
    assert "secrets are read only from .env or the environment" in line
    assert "hunter2" not in str(error.value)


@pytest.mark.parametrize(
    "url",
    ["mysql://root@localhost/bot", "sqlite://", "postgresql://host-only", "not a url"],
)
def test_wrong_database_url_is_one_clear_line(tmp_path, clean_environ, url):
    with pytest.raises(ConfigError) as error:
        load_with(tmp_path, {**clean_environ, "DATABASE_URL": url})
    [line] = problems_of(error)
    assert line.startswith("config error: env DATABASE_URL: database.url (DATABASE_URL): expected")


def test_database_password_never_appears_in_a_config_error(tmp_path, clean_environ):
    with pytest.raises(ConfigError) as error:
        load_with(tmp_path, {**clean_environ, "DATABASE_URL": "mysql://bot:s3cr3t-pw@db/bot"})
    assert "s3cr3t-pw" not in str(error.value)
    assert "bot:***@db" in str(error.value)


def test_ten_character_secret_key_is_refused_in_live_mode(tmp_path, clean_environ):
    with pytest.raises(ConfigError) as error:
        load_with(tmp_path, {**clean_environ, **LIVE_SECRETS, "APP_SECRET_KEY": "0123456789"})
    [line] = problems_of(error)
    assert "APP_SECRET_KEY" in line
    assert "at least 32 characters in live mode (got 10)" in line
    assert "0123456789" not in line


def test_live_mode_with_every_secret_loads(tmp_path, clean_environ):
    settings = load_with(tmp_path, {**clean_environ, **LIVE_SECRETS}).settings
    assert settings.mode == "live"
    assert settings.log_format == "json"
    assert settings.indodax.tapi_url == "https://indodax.com/tapi"


def test_live_mode_lists_every_missing_secret_at_once(tmp_path, clean_environ):
    with pytest.raises(ConfigError) as error:
        load_with(tmp_path, {**clean_environ, "BOT_MODE": "live"})
    text = str(error.value)
    for name in (
        "APP_SECRET_KEY",
        "CORE_API_INTERNAL_TOKEN",
        "TELEGRAM_BOT_TOKEN",
    ):
        assert name in text
    assert len(problems_of(error)) == 3


def test_token_thresholds_must_be_shorter_than_the_token_lifetime(tmp_path, clean_environ):
    with pytest.raises(ConfigError) as error:
        load_with(
            tmp_path,
            {
                **clean_environ,
                "USER_TOKEN_TTL_SECONDS": "3600",
                "USER_TOKEN_ROTATION_THRESHOLD_SECONDS": "7200",
            },
        )
    assert "must be shorter than USER_TOKEN_TTL_SECONDS (3600)" in str(error.value)


def test_refused_actor_bases_are_named_with_the_allowed_ones(tmp_path, clean_environ):
    with pytest.raises(ConfigError) as error:
        load_with(tmp_path, {**clean_environ, "ACTOR_SYSTEM_BASE": "multiprocQueueBase"})
    assert "expected one of multiprocTCPBase, simpleSystemBase" in str(error.value)


def test_demo_creates_a_private_secret_key_once_and_reuses_it(tmp_path, clean_environ):
    first = load_with(tmp_path, clean_environ).settings.security.app_secret_key
    key_file = Path(clean_environ["DATA_DIR"]) / "app_secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    again = load_with(tmp_path, clean_environ).settings.security.app_secret_key
    assert again == first


def test_settings_repr_never_shows_a_secret(tmp_path, clean_environ):
    environ = {
        **clean_environ,
        **LIVE_SECRETS,
        "DATABASE_URL": "postgresql://bot:pg-password-9@db:5432/bot",
    }
    settings = load_with(tmp_path, environ).settings
    text = repr(settings) + str(settings)
    for value in (
        LIVE_SECRETS["APP_SECRET_KEY"],
        LIVE_SECRETS["TELEGRAM_BOT_TOKEN"],
        "pg-password-9",
    ):
        assert value not in text
    assert "postgresql://bot:***@db:5432/bot" in text


def test_committed_settings_yaml_states_exactly_the_embedded_defaults(clean_environ):
    environ = {"PATH": clean_environ["PATH"]}
    committed = load(ROOT / "settings.yaml", ROOT / "missing.env", environ)
    for spec in specs():
        value = getattr_path(committed.settings, spec.key)
        if committed.origins[spec.key].startswith(str(ROOT / "settings.yaml")):
            assert value == spec.default, spec.key


def test_every_setting_is_documented_in_settings_yaml_and_env_example():
    yaml_text = (ROOT / "settings.yaml").read_text()
    env_text = (ROOT / ".env.example").read_text()
    for spec in specs():
        assert f"[{spec.env}" in yaml_text, spec.env
        assert f"# {spec.env}=" in env_text, spec.env
    assert isinstance(yaml.safe_load(yaml_text), dict)


def test_load_settings_reads_the_process_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setenv("SETTINGS_FILE", str(ROOT / "settings.yaml"))
    assert load_settings().logging.level == "WARNING"


def test_secret_pickles_and_compares_without_revealing():
    secret = Secret("abcdef-123")
    assert pickle.loads(pickle.dumps(secret)) == secret
    assert "abcdef" not in repr(secret)


def getattr_path(obj: object, dotted: str) -> object:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def test_webhook_mode_needs_a_public_url_and_a_secret_telegram_accepts(tmp_path, clean_environ):
    with pytest.raises(ConfigError) as error:
        load_with(
            tmp_path,
            {
                **clean_environ,
                "TELEGRAM_UPDATE_MODE": "webhook",
                "TELEGRAM_WEBHOOK_SECRET": "has spaces!",
            },
        )
    text = str(error.value)
    assert "TELEGRAM_WEBHOOK_URL" in text
    assert "TELEGRAM_WEBHOOK_SECRET" in text
    assert "has spaces" not in text


def test_a_tool_is_stopped_only_by_problems_with_the_settings_it_uses(tmp_path, clean_environ):
    environ = {
        **clean_environ,
        "BOT_MODE": "live",
        "APP_SECRET_KEY": "GVNhZmbTOxnNHDnhb8nnQO3hFVZeXJ4j8-fHDGj5rk8ys8B3",
    }
    environ["TELEGRAM_WEBHOOK_PORT"] = "not-a-port"
    paths = (write(tmp_path / "settings.yaml", ""), write(tmp_path / ".env", ""))
    with pytest.raises(ConfigError) as everything:
        load(*paths, environ)
    assert any("TELEGRAM_WEBHOOK_PORT" in line for line in problems_of(everything))

    settings = load(*paths, environ, only=("security.app_secret_key", "database.")).settings
    assert settings.telegram.webhook_port == 8443  # unreadable and unused: its default

    environ["APP_SECRET_KEY"] = "short"
    with pytest.raises(ConfigError) as used:
        load(*paths, environ, only=("security.app_secret_key", "database."))
    lines = problems_of(used)
    assert lines and all("APP_SECRET_KEY" in line for line in lines)
