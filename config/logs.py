"""Structured logs: JSON lines in production, readable lines in demo, secrets always masked.

Redaction happens on the final formatted text, after the message, its arguments and any
traceback have been rendered, so a secret is masked wherever it ends up in a record.

When the terminal belongs to the console chat, records go to a log file instead and only
warnings and errors still reach the terminal; the actor system's logger process writes to
the same places (`handler_defs`).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from config.files import private_directory, private_file
from config.secret import MASK, Secret

user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_MIN_SECRET_LENGTH = 4
# Libraries that narrate their own mechanics; our code reports what matters to operators
# (the market feed logs its own socket errors, so websocket-client's are not needed).
_LIBRARY_LEVELS = {
    "peewee_migrate": logging.WARNING,
    "httpx": logging.WARNING,
    "telegram.ext": logging.WARNING,
    "aiohttp.access": logging.WARNING,
    "websocket": logging.CRITICAL,
}


class SecretRegistry:
    """Every secret value this process knows; the formatter masks each wherever it appears."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: frozenset[str] = frozenset()

    def add(self, *values: str | Secret) -> None:
        parts: set[str] = set()
        for value in values:
            found = value.sensitive_parts() if isinstance(value, Secret) else (value,)
            parts.update(part for part in found if part and len(part) >= _MIN_SECRET_LENGTH)
        with self._lock:
            self._values = self._values | parts

    def discard(self, value: str) -> None:
        with self._lock:
            self._values = self._values - {value}

    def redact(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, MASK)
        return text


secrets_registry = SecretRegistry()


def register_secret(*values: str | Secret) -> None:
    """Call as soon as a secret enters this process (settings loaded, credentials decrypted)."""
    secrets_registry.add(*values)


@contextlib.contextmanager
def log_context(user_id: int | None = None, correlation_id: str | None = None) -> Iterator[None]:
    """Attach a user id and correlation id to every record logged inside the block."""
    tokens = []
    if user_id is not None:
        tokens.append((user_id_var, user_id_var.set(user_id)))
    if correlation_id is not None:
        tokens.append((correlation_id_var, correlation_id_var.set(correlation_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def _context_of(record: logging.LogRecord) -> dict[str, Any]:
    fields = {
        "user_id": getattr(record, "user_id", None) or user_id_var.get(),
        "correlation_id": getattr(record, "correlation_id", None) or correlation_id_var.get(),
    }
    fields.update(
        (key, value)
        for key, value in vars(record).items()
        if key not in _RESERVED and key not in fields and not key.startswith("_")
    )
    return {key: value for key, value in fields.items() if value is not None}


def _json_safe(value: Any) -> Any:
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return secrets_registry.redact(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        payload.update(_context_of(record))
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        # Redact before encoding too: JSON escaping would hide a secret holding quotes or "\\".
        clean = {key: _json_safe(value) for key, value in payload.items()}
        return secrets_registry.redact(json.dumps(clean, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = _context_of(record)
        if context:
            extras = " ".join(f"{key}={value}" for key, value in context.items())
            first, newline, rest = line.partition("\n")
            line = f"{first} [{extras}]{newline}{rest}"
        return secrets_registry.redact(line)


def setup_logging(
    fmt: str,
    level: str,
    secrets: Iterable[Secret] = (),
    stream: TextIO | None = None,
    log_file: Path | None = None,
) -> None:
    """Configure the root logger once per process; later calls replace the handlers.

    With `log_file` every record goes to that file and only warnings and errors to the
    terminal, so the console chat's screen shows the conversation, not the bot's workings."""
    register_secret(*secrets)
    formatter = JsonFormatter() if fmt == "json" else TextFormatter()
    terminal = logging.StreamHandler(stream or sys.stderr)
    handlers: list[logging.Handler] = [terminal]
    if log_file is not None:
        terminal.setLevel(logging.WARNING)
        handlers.append(logging.FileHandler(private_file(log_file), encoding="utf-8"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if isinstance(old, logging.FileHandler):
            old.close()
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(level)
    quiet_libraries()


def new_log_file(data_dir: Path) -> Path:
    """One file per start, named by its UTC start time: `DATA_DIR/logs/bot-20261206T103041Z.log`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return private_directory(data_dir / "logs") / f"bot-{stamp}.log"


def handler_defs(formatter: str) -> dict[str, dict[str, Any]]:
    """The handlers (logging.config.dictConfig) of another process, the actor system's logger,
    writing where this process's root logger writes: the terminal, and the log file with the
    terminal kept to warnings if setup_logging was given one."""
    terminal: dict[str, Any] = {"class": "logging.StreamHandler", "formatter": formatter}
    handlers = {"terminal": terminal}
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            terminal["level"] = "WARNING"
            handlers["file"] = {
                "class": "logging.FileHandler",
                "formatter": formatter,
                "filename": handler.baseFilename,
                "encoding": "utf-8",
            }
    return handlers


class RedactingFilter(logging.Filter):
    """Redacts a record where it is made, for handlers that ship records elsewhere to be
    formatted (Thespian sends actors' records to a logger process that does not know the
    secrets this process has decrypted)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = secrets_registry.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = secrets_registry.redact(
                logging.Formatter().formatException(record.exc_info)
            )
            record.exc_info = None
        for key, value in list(vars(record).items()):
            if key not in _RESERVED and isinstance(value, str):
                setattr(record, key, secrets_registry.redact(value))
        return True


def redact_at_source(logger: logging.Logger | None = None) -> None:
    """Called in every actor process: each handler Thespian installed redacts first."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def quiet_libraries() -> None:
    """Also called in every actor process, whose logging Thespian sets up."""
    for name, level in _LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(level)
