"""Message catalogs and rendering.

Templates are `str.format` strings over the message's parameters, with six conversions:
`{x:idr}` whole rupiah, `{x:num}` a locale number, `{x:pct}` a signed percent change,
`{x:words}` a whole number spelled out,
`{x:term}` a word the actors send in English (`above`, `buy`, `filled`) said in the reader's
language, `{x:rows=some.key}` a list (`messages.replies.Rows`, a tuple of rows of cells)
rendered row by row with another template ({0}, {1}, … per row). Values are HTML-escaped for
Telegram; the console asks for plain text. A parameter the sender did not give renders
empty (a user still gets the message) and is logged; tests/i18n/test_message_keys.py keeps
senders and texts in step.
"""

from __future__ import annotations

import html
import logging
import re
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from adapters.i18n import money
from config.schema import LANGUAGES
from messages.replies import ParamValue, Rows

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "id"
_TAGS = re.compile(r"</?(b|i|code|pre)>")


@cache
def catalog(language: str) -> Mapping[str, str]:
    path = Path(__file__).with_name(f"{language}.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class _Formatter(string.Formatter):
    def __init__(self, language: str, as_html: bool) -> None:
        self.language, self.as_html = language, as_html

    def get_value(self, key: int | str, args: Any, kwargs: Any) -> Any:
        """A missing field renders empty: a short list row must not fail the message."""
        if isinstance(key, int):
            return args[key] if key < len(args) else ""
        return kwargs[key]

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("rows="):
            return self._rows(value, format_spec[5:])
        text = str(value)
        if format_spec == "idr":
            text = money.idr(text, self.language)
        elif format_spec == "num":
            text = money.number(text, self.language)
        elif format_spec == "pct":
            text = money.percent(text, self.language)
        elif format_spec == "words":
            text = money.in_words(text, self.language)
        elif format_spec == "term":
            text = catalog(self.language).get(f"term.{text}", text)
        return html.escape(text, quote=False) if self.as_html else text

    def _rows(self, rows: Rows, row_key: str) -> str:
        template = catalog(self.language)[row_key]
        return "\n".join(self.vformat(template, row, {}) for row in rows)


def render(key: str, params: Mapping[str, ParamValue], language: str, as_html: bool = True) -> str:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    template = catalog(language).get(key)
    if template is None:
        log.error("no text for message key", extra={"key": key, "language": language})
        template = catalog(language)["error.no_text"]
    text = _Formatter(language, as_html).vformat(template, (), _Missing(params, key))
    return text if as_html else _TAGS.sub("", text)


class _Missing(dict[str, ParamValue]):
    """A parameter the actor did not send shows as empty rather than failing the message."""

    def __init__(self, params: Mapping[str, ParamValue], key: str) -> None:
        super().__init__(params)
        self.key = key

    def __missing__(self, name: str) -> str:
        log.warning("message parameter missing", extra={"key": self.key, "param": name})
        return ""
