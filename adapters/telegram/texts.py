"""Outbound messages as Telegram sees them: HTML text within 4,096 characters, a photo's
caption within 1,024, inline keyboards whose callback data fits Telegram's 64 bytes.

A message too long for one Telegram message is split on line boundaries (then on spaces)
so no tag or HTML entity is cut; the buttons go with the last part.
"""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from adapters.i18n.catalog import render
from messages.callbacks import MAX_CALLBACK_BYTES
from messages.replies import Button

MAX_TEXT = 4096
MAX_CAPTION = 1024  # of the text shown, markup left out
_TAG = re.compile(r"</?(?:b|strong|i|em|u|ins|s|strike|del|code|pre|a|blockquote)(?:\s[^<>]*)?>")


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Parts of at most `limit` characters, cut between lines where possible."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
                continue
            parts.append(current)
            current = piece
    if current or not parts:
        parts.append(current)
    return parts


def _cut_line(line: str, limit: int) -> list[str]:
    """A single line longer than a message: cut at spaces, and never inside a tag or an
    entity (a cut `&amp;` or `<b` would make Telegram refuse the message)."""
    pieces: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        for opener, closer in (("<", ">"), ("&", ";")):
            start = line.rfind(opener, 0, cut)
            if start != -1 and line.find(closer, start, cut) == -1 and start > 0:
                cut = start
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    pieces.append(line)
    return pieces


def plain(html_text: str) -> str:
    """The same text without markup, for the rare message Telegram cannot parse."""
    return html.unescape(_TAG.sub("", html_text))


def fits_caption(html_text: str) -> bool:
    """Counted in UTF-16 units, as Telegram counts its entities: an emoji takes two, so a
    caption on the edge is sent after the photo rather than refused."""
    return len(plain(html_text).encode("utf-16-le")) // 2 <= MAX_CAPTION


def keyboard(rows: tuple[tuple[Button, ...], ...], language: str) -> InlineKeyboardMarkup | None:
    """The actors keep callback data short (ids of what they hold server-side); data over
    Telegram's 64 bytes is a bug there, refused here rather than sent to fail."""
    if not rows:
        return None
    for row in rows:
        for button in row:
            if len(button.callback.encode()) > MAX_CALLBACK_BYTES:
                raise ValueError(
                    f"callback data over {MAX_CALLBACK_BYTES} bytes: {button.callback!r}"
                )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    render(button.label_key, dict(button.params), language, as_html=False),
                    callback_data=button.callback,
                )
                for button in row
            ]
            for row in rows
        ]
    )
