"""Prometheus metrics of the chat adapter, rendered for the internal `/metrics` endpoint.

Two kinds of numbers meet on one page. What only the adapter sees (commands, taps, sends,
429 retries, reply latency) is counted as it happens in `Counters`. What the actors know
(user actors, strategies, errors, the price feed, the notifier backlog) is asked of the
Supervisor with `Status` at scrape time. Prometheus collectors are synchronous while that
ask is async, so the endpoint asks first and `render` then builds a registry for that one
scrape from the counters and the snapshot. Nothing touches prometheus_client's global
registry, so several servers (and tests) live side by side in one process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

PREFIX = "indodax_bot_"
OTHER_COMMAND = "other"
# Telegram's own command syntax; anything else a user types is not a command name.
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
# From a quick keyboard answer to a slow order round trip through the exchange.
REPLY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# The states the price feed reports (adapters/indodax/ws_feed.py), and the Supervisor's
# "unknown" before the first report; each is exported so a dashboard sees it go to 0.
FEED_STATES = ("unknown", "connecting", "live", "fallback", "stopped")


class Counters:
    """What the chat adapter counts as it works; thread-safe, cheap enough for every update.

    `commands` names the bot's commands. A user can type any `/word`, and each distinct
    label value is a new time series, so names outside that set are counted as "other".
    Without the set, any name in Telegram's command syntax gets its own label.
    """

    def __init__(self, commands: Iterable[str] | None = None) -> None:
        self._known = None if commands is None else frozenset(map(_normalise, commands))
        self._commands = Counter(
            f"{PREFIX}commands",
            "Commands received from users, by command name.",
            ["command"],
            registry=None,
        )
        self._callbacks = Counter(
            f"{PREFIX}callbacks", "Inline keyboard taps (callback queries).", registry=None
        )
        self._sent = Counter(
            f"{PREFIX}messages_sent", "Outbound messages Telegram accepted.", registry=None
        )
        self._retried = Counter(
            f"{PREFIX}send_retries",
            "Bot API calls retried after Telegram answered 429 Too Many Requests (the "
            "python-telegram-bot rate limiter's retries included) or a send failed on the network.",
            registry=None,
        )
        self._failed = Counter(
            f"{PREFIX}send_failures", "Outbound messages given up on.", registry=None
        )
        self._rate_limited = Counter(
            f"{PREFIX}commands_rate_limited",
            "Commands refused because the user sent too many too fast.",
            registry=None,
        )
        self._reply_seconds = Histogram(
            f"{PREFIX}reply_seconds",
            "Seconds from a command's arrival to the bot's reply being sent.",
            buckets=REPLY_BUCKETS,
            registry=None,
        )
        for name in sorted(self._known or ()):
            self._commands.labels(command=name)

    def command(self, name: str) -> None:
        """A user sent `/name` (a leading "/" and an "@botname" suffix are ignored)."""
        self._commands.labels(command=self._label(name)).inc()

    def callback(self) -> None:
        """A user tapped an inline keyboard button."""
        self._callbacks.inc()

    def sent(self) -> None:
        """Telegram accepted one outbound message."""
        self._sent.inc()

    def retried(self) -> None:
        """A call is tried again: Telegram answered 429 (python-telegram-bot's rate limiter
        retrying by itself, or the sender after it), or a send failed on the network."""
        self._retried.inc()

    def failed(self) -> None:
        """An outbound message was given up on (retries exhausted or a permanent error)."""
        self._failed.inc()

    def rate_limited(self) -> None:
        """A command was refused by the adapter's per-user rate limit."""
        self._rate_limited.inc()

    def observe_reply_seconds(self, seconds: float) -> None:
        """Latency of one command: from the update's arrival to the reply being sent."""
        self._reply_seconds.observe(seconds)

    def collect(self) -> Iterator[Metric]:
        """The prometheus_client Collector protocol: every adapter metric, current values."""
        for metric in (
            self._commands,
            self._callbacks,
            self._sent,
            self._retried,
            self._failed,
            self._rate_limited,
            self._reply_seconds,
        ):
            yield from metric.collect()

    def _label(self, name: str) -> str:
        command = _normalise(name)
        if self._known is None:
            return command if _COMMAND_NAME.fullmatch(command) else OTHER_COMMAND
        return command if command in self._known else OTHER_COMMAND


def _normalise(name: str) -> str:
    return name.removeprefix("/").partition("@")[0].lower()


class SupervisorCollector:
    """The actors' side of the page, from one `Status` reply's data (None: no answer).

    Only `indodax_bot_supervisor_up 0` is exported without an answer: stale or invented
    actor numbers would hide the outage the 0 reports. Keys missing from the data are left
    out rather than failing the scrape, so the adapter's counters are always served.
    """

    _GAUGES = (
        ("user_actors", "user_actors", "User actors running now."),
        ("running_strategies", "running_strategies", "Strategies in the running state."),
        ("errors_in_window", "errors_in_window", "Errors inside the dead-man switch's window."),
        ("notifier_backlog", "notifier_backlog", "Notifications waiting to be delivered."),
        ("dead_letters", "dead_letters", "Outbound messages given up on (table dead_letters)."),
    )
    _FLAGS = (
        ("paused_globally", "paused_globally", "1 while the dead-man switch pauses everyone."),
        ("stopping", "supervisor_stopping", "1 once the Supervisor is shutting down."),
    )
    _COUNTERS = (
        ("errors_total", "errors", "Errors the actors reported since the Supervisor started."),
        ("actor_restarts_total", "actor_restarts", "Actors started again after dying."),
        (
            "rejected_transport_frames",
            "rejected_transport_frames",
            "Actor transport frames refused unopened (not sealed by our key, altered, replayed).",
        ),
    )
    _FEED_COUNTERS = (
        ("frames", "feed_frames", "Price feed WebSocket frames received."),
        ("reconnects", "feed_reconnects", "Price feed WebSocket reconnects."),
        ("fallback_polls", "feed_fallback_polls", "REST polls made while the socket was down."),
    )

    def __init__(self, status: Mapping[str, Any] | None) -> None:
        self._status = status

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            f"{PREFIX}supervisor_up", "1 when the Supervisor answered Status for this scrape."
        )
        up.add_metric([], 0 if self._status is None else 1)
        yield up
        if self._status is None:
            return
        status = self._status
        for key, name, doc in self._GAUGES:
            if _is_number(status.get(key)):
                yield GaugeMetricFamily(f"{PREFIX}{name}", doc, value=status[key])
        for key, name, doc in self._FLAGS:
            if isinstance(status.get(key), bool):
                yield GaugeMetricFamily(f"{PREFIX}{name}", doc, value=int(status[key]))
        if isinstance(status.get("core_actors"), list):
            yield GaugeMetricFamily(
                f"{PREFIX}core_actors", "Core actors running now.", value=len(status["core_actors"])
            )
        for key, name, doc in self._COUNTERS:
            if _is_number(status.get(key)):
                yield CounterMetricFamily(f"{PREFIX}{name}", doc, value=status[key])
        feed = status.get("feed")
        if isinstance(feed, Mapping):
            yield from self._feed(feed)

    def _feed(self, feed: Mapping[str, Any]) -> Iterator[Metric]:
        current = feed.get("state")
        if isinstance(current, str):
            state = GaugeMetricFamily(
                f"{PREFIX}feed_state", "1 for the price feed's current state.", labels=["state"]
            )
            for name in dict.fromkeys((*FEED_STATES, current)):
                state.add_metric([name], 1 if name == current else 0)
            yield state
        for key, name, doc in self._FEED_COUNTERS:
            if _is_number(feed.get(key)):
                yield CounterMetricFamily(f"{PREFIX}{name}", doc, value=feed[key])


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def render(counters: Counters, status: Mapping[str, Any] | None) -> bytes:
    """The Prometheus text page for one scrape: the adapter's counters and a Status snapshot."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SupervisorCollector(status))
    registry.register(counters)
    return generate_latest(registry)
