"""One Status answer as the Supervisor gives it, for tests of what reads it."""

from __future__ import annotations

from typing import Any

STATUS_DATA: dict[str, Any] = {
    "user_actors": 3,
    "core_actors": ["notifier", "price_feed", "trigger_book"],
    "running_strategies": 1250,
    "errors_total": 7,
    "actor_restarts_total": 2,
    "errors_by_user": {"1001": 7},
    "errors_in_window": 2,
    "paused_globally": True,
    "feed": {"state": "fallback", "frames": 420, "reconnects": 4, "fallback_polls": 9},
    "notifier_backlog": 11,
    "rejected_transport_frames": 5,
    "stopping": False,
}
