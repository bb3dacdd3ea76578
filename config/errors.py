"""Errors that stop the start with one clear line each, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class StartupError(Exception):
    """A problem the operator must fix before the bot can start; its text is the whole story."""


@dataclass(frozen=True)
class Problem:
    """One wrong setting: where it came from, which key, and what was expected."""

    origin: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.key}: {self.message}"


class ConfigError(StartupError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"config error: {p}" for p in problems))
