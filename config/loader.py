"""Read settings.yaml, overlay .env, then the environment; validate everything once.

Every problem is collected and reported together, each with where the value came
from (file and line, .env line, or environment variable), so one failed start shows
the operator everything to fix.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
import re
import secrets as token_source
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values

from config.errors import ConfigError, Problem
from config.files import private_directory
from config.key_strength import weakness
from config.schema import Settings, SettingSpec, specs
from config.secret import Secret

DEFAULT_SETTINGS_FILE = Path("settings.yaml")
DEFAULT_ENV_FILE = Path(".env")
DEMO_SECRET_FILE_NAME = "app_secret.key"  # noqa: S105 (a file name)
MIN_SECRET_KEY_LENGTH = 32
MIN_INTERNAL_TOKEN_LENGTH = 24
_HOW_TO_GENERATE = (
    "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
)


@dataclass(frozen=True)
class Loaded:
    settings: Settings
    origins: Mapping[str, str]


def load_settings(
    settings_file: Path | None = None,
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    only: tuple[str, ...] | None = None,
) -> Settings:
    return load(settings_file, env_file, environ, only=only).settings


def load(
    settings_file: Path | None = None,
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    only: tuple[str, ...] | None = None,
) -> Loaded:
    """`only` names the settings a tool uses (key prefixes, e.g. `database.`): a problem with
    any other setting is not that tool's business, so it neither stops it nor is checked
    (bin/rotate-key needs no Telegram token); such a setting keeps its default if unreadable."""
    environ = os.environ if environ is None else environ

    def concerns(key: str) -> bool:
        return only is None or key.startswith(only)

    problems: list[Problem] = []
    yaml_values = _read_yaml(
        _pick(settings_file, environ, "SETTINGS_FILE", DEFAULT_SETTINGS_FILE), problems
    )
    env_path = _pick(env_file, environ, "ENV_FILE", DEFAULT_ENV_FILE)
    dotenv_values_ = _read_dotenv(env_path)

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for spec in specs():
        raw, origin = _raw_value(spec, yaml_values, dotenv_values_, env_path, environ)
        origins[spec.key] = origin
        if origin == "default":
            values[spec.key] = spec.default
            continue
        try:
            values[spec.key] = spec.parse(raw)
        except ValueError as error:
            if not concerns(spec.key):
                values[spec.key] = spec.default
                continue
            problems.append(Problem(origin, f"{spec.key} ({spec.env})", str(error)))
    if problems:
        raise ConfigError(problems)

    _apply_mode_defaults(values, origins)
    problems.extend(p for p in _cross_check(values, origins) if concerns(p.key))
    if problems:
        raise ConfigError(problems)
    return Loaded(_build(Settings, values), origins)


def _pick(explicit: Path | None, environ: Mapping[str, str], name: str, default: Path) -> Path:
    if explicit is not None:
        return explicit
    return Path(environ[name]) if environ.get(name) else default


@dataclass(frozen=True)
class _YamlValue:
    value: Any
    line: int
    file: Path


def _read_yaml(path: Path, problems: list[Problem]) -> dict[str, _YamlValue]:
    if not path.exists():
        return {}
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problems.append(Problem(where, "(file)", f"malformed YAML: {error.problem}"))
        return {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        problems.append(Problem(str(path), "(file)", f"unreadable: {error}"))
        return {}
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        problems.append(Problem(f"{path}:1", "(file)", "expected a mapping of sections"))
        return {}
    flat: dict[str, _YamlValue] = {}
    _flatten(root, "", path, flat, problems)
    return flat


def _flatten(
    node: yaml.MappingNode,
    prefix: str,
    path: Path,
    flat: dict[str, _YamlValue],
    problems: list[Problem],
) -> None:
    all_specs = specs()
    known = {spec.key for spec in all_specs}
    secret_keys = {spec.key for spec in all_specs if type(spec.default) is Secret}
    sections = {key.rsplit(".", 1)[0] for key in known if "." in key}
    for key_node, value_node in node.value:
        key = f"{prefix}{key_node.value}"
        line = key_node.start_mark.line + 1
        if key in sections:
            if isinstance(value_node, yaml.MappingNode):
                _flatten(value_node, f"{key}.", path, flat, problems)
            elif not (isinstance(value_node, yaml.ScalarNode) and value_node.value in ("", "~")):
                problems.append(Problem(f"{path}:{line}", key, "expected a section of settings"))
        elif key in secret_keys:
            problems.append(
                Problem(f"{path}:{line}", key, "secrets are read only from .env or the environment")
            )
        elif key in known:
            value = yaml.SafeLoader(yaml.serialize(value_node)).get_single_data()
            flat[key] = _YamlValue(value, line, path)
        else:
            problems.append(Problem(f"{path}:{line}", key, "unknown setting (check the spelling)"))


def _read_dotenv(path: Path) -> dict[str, tuple[str, int]]:
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    found: dict[str, tuple[str, int]] = {}
    for name, value in dotenv_values(path).items():
        pattern = re.compile(rf"^\s*(export\s+)?{re.escape(name)}\s*=")
        line = next((n for n, text in enumerate(lines, 1) if pattern.match(text)), 0)
        found[name] = (value or "", line)
    return found


def _raw_value(
    spec: SettingSpec,
    yaml_values: Mapping[str, _YamlValue],
    dotenv: Mapping[str, tuple[str, int]],
    env_path: Path,
    environ: Mapping[str, str],
) -> tuple[Any, str]:
    if spec.env in environ:
        return environ[spec.env], f"env {spec.env}"
    if spec.env in dotenv:
        value, line = dotenv[spec.env]
        return value, f"{env_path}:{line}"
    if spec.key in yaml_values:
        item = yaml_values[spec.key]
        return item.value, f"{item.file}:{item.line}"
    return None, "default"


def _apply_mode_defaults(values: dict[str, Any], origins: dict[str, str]) -> None:
    """Demo mode needs nothing from the operator: secrets are made locally, the market is local."""
    if values["mode"] != "demo":
        return
    if not values["security.app_secret_key"]:
        key_file = Path(values["storage.data_dir"]) / DEMO_SECRET_FILE_NAME
        values["security.app_secret_key"] = Secret(_demo_secret(key_file))
        origins["security.app_secret_key"] = f"{key_file} (demo, created when absent)"
    master = values["security.app_secret_key"].reveal().encode()
    for key in ("internal.core_api_token",):
        if not values[key]:
            derived = hmac.new(master, key.encode(), hashlib.sha256).hexdigest()
            values[key] = Secret(derived)
            origins[key] = "derived from the demo secret key"
    simulator = f"{values['simulator.host']}:{values['simulator.port']}"
    local_urls = {
        "indodax.rest_base_url": f"http://{simulator}",
        "indodax.tapi_url": f"http://{simulator}/tapi",
        "indodax.tapi_v2_base_url": f"http://{simulator}",
        "indodax.price_feed_ws_url": f"ws://{simulator}/ws/",
        "indodax.order_stream_ws_url": f"ws://{simulator}/pws/ws/?cf_ws_frame_ping_pong=true",
    }
    # Demo promises no network: the exchange is always the local simulator.
    for key, local in local_urls.items():
        values[key] = local
        origins[key] = "demo: local simulator"


def _demo_secret(key_file: Path) -> str:
    private_directory(key_file.parent)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        value = token_source.token_urlsafe(48)
        handle.write(value + "\n")
    return value


def _cross_check(values: Mapping[str, Any], origins: Mapping[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    mode = values["mode"]

    def problem(key: str, env: str, message: str) -> None:
        origin = origins[key] if origins[key] != "default" else f"env {env} (not set)"
        problems.append(Problem(origin, f"{key} ({env})", message))

    if mode != "demo":
        for key, env in (
            ("security.app_secret_key", "APP_SECRET_KEY"),
            ("security.app_secret_key_previous", "APP_SECRET_KEY_PREVIOUS"),
        ):
            length = len(values[key])
            if key.endswith("previous") and length == 0:
                continue
            if length < MIN_SECRET_KEY_LENGTH:
                problem(
                    key,
                    env,
                    f"must be at least {MIN_SECRET_KEY_LENGTH} characters in {mode} mode "
                    f"(got {length}); {_HOW_TO_GENERATE}",
                )
            elif reason := weakness(values[key].reveal()):
                problem(key, env, f"is too weak to guard the vault: {reason}; {_HOW_TO_GENERATE}")
        for key, env in (("internal.core_api_token", "CORE_API_INTERNAL_TOKEN"),):
            if len(values[key]) < MIN_INTERNAL_TOKEN_LENGTH:
                problem(
                    key,
                    env,
                    f"must be at least {MIN_INTERNAL_TOKEN_LENGTH} characters in {mode} mode; "
                    f"{_HOW_TO_GENERATE}",
                )
    previous = values["security.app_secret_key_previous"]
    if previous and previous == values["security.app_secret_key"]:
        problem(
            "security.app_secret_key_previous",
            "APP_SECRET_KEY_PREVIOUS",
            "is the same as APP_SECRET_KEY; set it to the old key only while rotating",
        )

    ttl = values["security.user_token_ttl_seconds"]
    for key, env in (
        ("security.user_token_rotation_threshold_seconds", "USER_TOKEN_ROTATION_THRESHOLD_SECONDS"),
        ("security.user_token_refresh_threshold_seconds", "USER_TOKEN_REFRESH_THRESHOLD_SECONDS"),
    ):
        if values[key] >= ttl:
            problem(key, env, f"must be shorter than USER_TOKEN_TTL_SECONDS ({ttl})")

    _check_telegram(values, problem)
    _check_actor_transport(values, problem)
    return problems


def _check_actor_transport(
    values: Mapping[str, Any], problem: Callable[[str, str, str], None]
) -> None:
    """Hosts that join share one transport key: it must exist and be strong."""
    secret = values["actors.transport_secret"]
    if values["actors.convention_address"] and not secret:
        problem(
            "actors.transport_secret",
            "ACTOR_TRANSPORT_SECRET",
            "is required when ACTOR_CONVENTION_ADDRESS is set (every host seals actor "
            f"messages with it); {_HOW_TO_GENERATE}",
        )
    elif secret and len(secret) < MIN_SECRET_KEY_LENGTH:
        problem(
            "actors.transport_secret",
            "ACTOR_TRANSPORT_SECRET",
            f"must be at least {MIN_SECRET_KEY_LENGTH} characters (got {len(secret)}); "
            f"{_HOW_TO_GENERATE}",
        )


def _check_telegram(values: Mapping[str, Any], problem: Callable[[str, str, str], None]) -> None:
    mode = values["mode"]
    adapter = values["chat.adapter"]
    if adapter == "telegram" and not values["telegram.bot_token"]:
        problem("telegram.bot_token", "TELEGRAM_BOT_TOKEN", "is required by the Telegram chat")
    if mode == "live" and (adapter == "console" or not values["telegram.bot_token"]):
        problem(
            "telegram.bot_token",
            "TELEGRAM_BOT_TOKEN",
            "live mode serves users over Telegram: set the bot token (the console chat is for "
            "demo and paper mode)",
        )
    if values["telegram.update_mode"] == "webhook":
        if not values["telegram.webhook_url"]:
            problem(
                "telegram.webhook_url",
                "TELEGRAM_WEBHOOK_URL",
                "webhook mode needs the public HTTPS URL Telegram posts to",
            )
        if not WEBHOOK_SECRET.fullmatch(values["telegram.webhook_secret"].reveal()):
            problem(
                "telegram.webhook_secret",
                "TELEGRAM_WEBHOOK_SECRET",
                "webhook mode needs 1-256 characters of A-Z a-z 0-9 _ - (Telegram's rule)",
            )


WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _build(cls: type, values: Mapping[str, Any], prefix: str = "") -> Any:
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        key = f"{prefix}{field.name}"
        if "env" in field.metadata:
            kwargs[field.name] = values[key]
        else:
            kwargs[field.name] = _build(type(field.default), values, f"{key}.")
    return cls(**kwargs)
