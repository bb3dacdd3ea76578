"""Turn raw setting values (YAML scalars or environment strings) into typed values.

Each parser raises `ValueError` with the expectation in words; the loader adds where
the value came from, so the operator reads one complete line per problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from config.secret import Secret, SecretUrl

Parser = Callable[[Any], Any]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, (dict, list)):
        raise ValueError(f"expected a single value, got {type(raw).__name__}")
    return str(raw).strip()


def secret(raw: Any) -> Secret:
    return Secret(text(raw))


def boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = text(raw).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def integer(minimum: int | None = None, maximum: int | None = None) -> Parser:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError(f"expected a whole number, got {raw!r}")
        value = text(raw)
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"expected a whole number, got {value!r}") from None
        if minimum is not None and number < minimum:
            raise ValueError(f"expected at least {minimum}, got {number}")
        if maximum is not None and number > maximum:
            raise ValueError(f"expected at most {maximum}, got {number}")
        return number

    return parse


def choice(*allowed: str) -> Parser:
    def parse(raw: Any) -> str:
        value = text(raw)
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}; got {value!r}")
        return value

    return parse


def url(*schemes: str, optional: bool = False) -> Parser:
    def parse(raw: Any) -> str:
        value = text(raw)
        if not value and optional:
            return ""
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError(
                f"expected a URL starting with {' or '.join(s + '://' for s in schemes)}, "
                f"got {value!r}"
            )
        return value

    return parse


def database_url(raw: Any) -> SecretUrl:
    """SQLite (`sqlite:///relative.db`, `sqlite:////abs.db`) or PostgreSQL, nothing else."""
    value = text(raw)
    parts = urlsplit(value)
    expected = "expected sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:port/db"
    if parts.scheme == "sqlite":
        if parts.netloc or not parts.path.lstrip("/"):
            raise ValueError(f"{expected}; got {SecretUrl(value).redacted()!r}")
    elif parts.scheme in ("postgresql", "postgres"):
        if not parts.hostname or not parts.path.lstrip("/"):
            raise ValueError(f"{expected}; got {SecretUrl(value).redacted()!r}")
    else:
        raise ValueError(f"{expected}; got {SecretUrl(value).redacted()!r}")
    return SecretUrl(value)


def redis_url(raw: Any) -> SecretUrl:
    """Empty means 'no Redis': the embedded default keeps nonces and tokens in local files."""
    value = text(raw)
    if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        shown = SecretUrl(value).redacted()
        raise ValueError(f"expected redis://host:port/db, rediss://… or empty; got {shown!r}")
    return SecretUrl(value)


def int_list(raw: Any) -> tuple[int, ...]:
    """A YAML list or a comma-separated environment string of numeric ids."""
    items: Sequence[Any]
    if raw is None:
        items = []
    elif isinstance(raw, (list, tuple)):
        items = raw
    else:
        items = [part for part in text(raw).split(",") if part.strip()]
    parsed = []
    for item in items:
        value = text(item)
        if not value.lstrip("-").isdigit():
            raise ValueError(
                f"expected numeric Telegram user ids separated by commas; got {value!r}"
            )
        parsed.append(int(value))
    return tuple(parsed)


def path(raw: Any) -> Path:
    value = text(raw)
    if not value:
        raise ValueError("expected a directory path")
    return Path(value)
