"""The Supervisor's answers to /admin as text an admin reads in the chat.

An AdminReply is a message key plus a data dict (numbers, a user table) and comes back to
the adapter that asked, not through the Notifier, so this is the one place its data turns
into words: the `admin.*` key as the headline, then a detail message for the replies that
carry more than a sentence's worth (status, the user list), all from the catalogs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from adapters.i18n.catalog import render
from messages.admin import AdminReply
from messages.replies import ParamValue, Rows

Detail = list[tuple[str, dict[str, ParamValue]]]


def render_admin_reply(reply: AdminReply, language: str, *, as_html: bool) -> str:
    headline = {name: _word(value) for name, value in reply.data.items() if _scalar(value)}
    parts = [(reply.key, headline)]
    detail = DETAILS.get(reply.key)
    if detail is not None:
        parts.extend(detail(reply.data))
    return "\n".join(render(key, params, language, as_html) for key, params in parts)


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def _word(value: Any) -> str:
    """Flags as `yes`/`no`, which the templates say in the reader's language (`:term`)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _rows(rows: list[list[Any]]) -> Rows:
    """A `{x:rows=…}` list, each cell as the templates say it."""
    return tuple(tuple(_word(cell) for cell in row) for row in rows)


def _status(data: Mapping[str, Any]) -> Detail:
    feed = data.get("feed") or {}
    detail = [
        (
            "admin.status_detail",
            {
                "user_actors": _word(data.get("user_actors", 0)),
                "core_actors": ", ".join(map(str, data.get("core_actors", ()))),
                "running_strategies": _word(data.get("running_strategies", 0)),
                "errors_total": _word(data.get("errors_total", 0)),
                "errors_in_window": _word(data.get("errors_in_window", 0)),
                "paused_globally": _word(bool(data.get("paused_globally"))),
                "feed_state": f"feed_{feed.get('state', 'unknown')}",
                "feed_frames": _word(feed.get("frames", 0)),
                "feed_reconnects": _word(feed.get("reconnects", 0)),
                "feed_fallback_polls": _word(feed.get("fallback_polls", 0)),
                "notifier_backlog": _word(data.get("notifier_backlog", 0)),
                "dead_letters": _word(data.get("dead_letters", 0)),
                "stopping": _word(bool(data.get("stopping"))),
            },
        )
    ]
    errors = data.get("errors_by_user") or {}
    if errors:
        rows = [[user, count] for user, count in sorted(errors.items())]
        detail.append(("admin.errors_by_user", {"rows": _rows(rows)}))
    return detail


def _users(data: Mapping[str, Any]) -> Detail:
    users = data.get("users") or []
    if not users:
        return [("admin.no_users", {})]
    rows = [
        [
            user.get("telegram_id"),
            user.get("status"),
            user.get("mode"),
            user.get("language"),
            bool(user.get("actor")),
            user.get("restarts", 0),
        ]
        for user in users
    ]
    return [("admin.user_table", {"count": str(len(users)), "rows": _rows(rows)})]


DETAILS: dict[str, Callable[[Mapping[str, Any]], Detail]] = {
    "admin.status": _status,
    "admin.users": _users,
}
