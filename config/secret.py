"""Values that must never be printed: every repr, str and log line shows them masked."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MASK = "***"


class Secret:
    """A string that hides itself; callers must ask for the value by name with `reveal()`.

    Making the plain value an explicit call means a secret can only leak where the
    code visibly asked for it, never through an f-string, a repr or a traceback.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def redacted(self) -> str:
        return MASK if self._value else ""

    def sensitive_parts(self) -> tuple[str, ...]:
        """The substrings the log redactor must mask wherever they appear."""
        return (self._value,) if self._value else ()

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.redacted()!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[type[Secret], tuple[str]]:
        return (type(self), (self._value,))


class SecretUrl(Secret):
    """A connection URL whose password is secret but whose host and database are not.

    Operators need to see which server a setting points at; only the password is masked.
    """

    __slots__ = ()

    def redacted(self) -> str:
        return redact_url(self._value)

    def sensitive_parts(self) -> tuple[str, ...]:
        password = urlsplit(self._value).password
        return (password,) if password else ()


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}{port}"))
