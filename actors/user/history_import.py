"""A linked account's history brought into the database, in the background, one call at
a time: its trades on each IDR market it holds or traded (v2 myTrades) and its coin
deposits and withdrawals (transHistory), so /portfolio can say what the coins cost.

Each source (a pair, or the transfers) has a cursor: everything from `back` to `front` is
stored. An import first reads what is new (front up to now, oldest first, page by page),
then goes back a 7-day window per call toward the horizon (HISTORY_IMPORT_DAYS). A window
is stored before its cursor moves, and rows are keyed by the exchange's ids, so an import
stopped anywhere (a crash, the actor leaving, an error) resumes where it was, reading at
most one window again and storing nothing twice.

Calls are paced (HISTORY_IMPORT_INTERVAL_MS), back off on errors, and every user's imports
together stay within HISTORY_IMPORT_PER_MINUTE (persistence/call_budget.py): the import must
never crowd out trading, and the v2 history limit is per IP, shared by every user. Its calls do
not count toward the dead-man switch either: an account whose history cannot be read
still trades. It runs after a link, goes on at the actor's start while it is not finished
(spread over a minute), and /portfolio asks for a fresh read when the last is old. It
does not keep the actor in memory: an actor that leaves for idleness stops it, and the
next start goes on from the cursors.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from actors.user.session import UserSession
from actors.user.timers import Timers
from adapters.indodax.errors import IndodaxError, RateLimited
from adapters.indodax.pairs import Pair, parse_pair
from adapters.indodax.private_client import HISTORY_WINDOW
from adapters.indodax.wire import MyTrade, Transfer
from persistence.call_budget import CallBudget
from persistence.models.history import (
    TRANSFERS,
    HistoryCursor,
    add_trades,
    add_transfers,
    cursors_of,
    forget_history,
    move_cursor,
    open_cursor,
    transfers_of,
)
from persistence.models.orders import pairs_ordered
from persistence.models.users import User

log = logging.getLogger(__name__)

TIMER = "history"
PAGE = 1000  # rows per myTrades call, the most the exchange gives
MAX_FAILURES = 5  # in a row; then the import waits for the next start
FRESH_FOR = timedelta(minutes=5)  # /portfolio asks for a new read after this
START_SPREAD = timedelta(seconds=60)  # an unfinished import resumes within this of a start


@dataclass(frozen=True)
class ImportProgress:
    """How far the import is, for /portfolio to say: `complete` once every source has been
    read back to the horizon; `since` is the oldest day read for all of them."""

    complete: bool
    since: date | None


class HistoryImport:
    def __init__(
        self,
        session: UserSession,
        timers: Timers,
        *,
        days: int,
        interval: timedelta,
        clock: Callable[[], datetime],
        budget: Callable[[], CallBudget],
        jitter: Callable[[], float] = random.random,
    ) -> None:
        """`budget` opens the calls a minute every user's import shares (on first need:
        most actors never import)."""
        self.session, self.timers, self.clock, self.jitter = session, timers, clock, jitter
        self.open_budget = budget
        self.budget: CallBudget | None = None
        self.depth, self.interval = timedelta(days=days), interval
        self.running = False
        self.run = 0  # names the import its timer belongs to: a relink starts a new one
        self.started_at: datetime | None = None
        self.waiting = False  # started, its first call put off (START_SPREAD)
        self.failures = 0
        self.held: set[str] | None = None  # coins the balance holds, read at the start
        timers.on(TIMER, self._step)

    def start(self, after: timedelta = timedelta(0)) -> None:
        """Reads what is new for every source, then on back toward the horizon."""
        if self.running or self.session.user is None or self.session.keys is None:
            return
        self.running, self.failures, self.held = True, 0, None
        self.run += 1
        self.started_at, self.waiting = self.clock(), after > timedelta(0)
        self.timers.start(TIMER, after, self.run)

    def resume(self) -> None:
        """At the actor's start: an import not finished goes on, after a random pause of up
        to START_SPREAD, so users started together (the whole system after a restart, a
        storm of triggers) do not all call the exchange at once; a finished one waits for
        /portfolio to ask for what is new (the bot's own fills count before that anyway)."""
        user = self.session.user
        if user is None:
            return
        cursors = cursors_of(user).values()
        if cursors and all(cursor.back <= cursor.horizon for cursor in cursors):
            return
        self.start(after=START_SPREAD * self.jitter())

    def relink(self) -> None:
        """A key linked or unlinked: the stored history may be another account's. It is
        forgotten, and read again from the start for a new key."""
        user = self.session.user
        if user is not None:
            forget_history(user)
        self.running, self.started_at = False, None
        self.start()

    def freshen(self) -> None:
        """A new read when the last one started long enough ago (or never did); one still
        waiting out its spread begins now, as the user is asking (the waiting timer, of an
        earlier run, is ignored when it rings)."""
        stale = self.started_at is None or self.clock() - self.started_at >= FRESH_FOR
        if stale or self.waiting:
            self.running = False
            self.start()

    def progress(self, user: User) -> ImportProgress:
        cursors = cursors_of(user).values()
        if not cursors:
            return ImportProgress(complete=False, since=None)
        complete = self.held is not None and all(c.back <= c.horizon for c in cursors)
        return ImportProgress(complete=complete, since=max(c.back for c in cursors).date())

    def _step(self, run: Any) -> None:
        user = self.session.user
        if run != self.run or not self.running:
            return  # an import a relink or an error ended
        self.waiting = False
        if user is None or self.session.keys is None:
            self.running = False
            return
        if self.budget is None:
            self.budget = self.open_budget()
        wait = self.budget.take()
        if wait > 0:  # every user's imports together have had this minute's calls
            self.timers.start(TIMER, timedelta(seconds=wait), self.run)
            return
        delay = self.interval
        try:
            more = self._one_call(user)
        except RateLimited as error:
            more, delay = True, max(self.interval, timedelta(seconds=error.retry_after_seconds))
        except IndodaxError as error:
            self.failures += 1
            log.warning(
                "history import call failed",
                extra={"error": type(error).__name__, "failures": self.failures},
            )
            more = self.failures < MAX_FAILURES
            delay = self.interval * 2**self.failures
        else:
            self.failures = 0
        if not more:
            self.running = False
            log.info("history import stopped", extra={"failures": self.failures})
            return
        self.timers.start(TIMER, delay, self.run)

    def _one_call(self, user: User) -> bool:
        """One exchange call of the import; False when nothing is left to read."""
        if self.held is None:
            balances = self.session.private.get_info()
            self.held = {
                coin
                for coin in set(balances.free) | set(balances.hold)
                if balances.free.get(coin, 0) + balances.hold.get(coin, 0) > 0
            }
            return True
        now = self.clock()
        cursors = cursors_of(user)
        for source in self._sources(cursors):
            cursor = cursors.get(source) or open_cursor(user, source, now, now - self.depth)
            if self._read(user, cursor, now):
                return True
        return False

    def _sources(self, cursors: dict[str, HistoryCursor]) -> list[str]:
        """The transfers first (the coins they brought name more pairs), then every IDR
        market of a coin held, deposited, or traded by the bot or an earlier import."""
        user = self.session.user
        assert user is not None and self.held is not None
        coins = set(self.held) | {
            parse_pair(source).base for source in cursors if source != TRANSFERS
        }
        coins |= {parse_pair(pair).base for pair in pairs_ordered(user)}
        coins |= {row.currency for row in transfers_of(user)}
        known = set(self.session.catalog.pairs())
        pairs = sorted(pair.ticker_id for coin in coins if (pair := Pair(coin, "idr")) in known)
        return [TRANSFERS, *pairs]

    def _read(self, user: User, cursor: HistoryCursor, now: datetime) -> bool:
        """One window of `cursor`'s source, if any is left; True when a call was made."""
        assert self.started_at is not None
        if cursor.front < self.started_at:
            forward = True
        elif cursor.back > cursor.horizon:
            forward = False
        else:
            return False
        if cursor.source == TRANSFERS:
            self._transfers(user, cursor, now, forward)
        else:
            self._trades(user, cursor, now, forward)
        return True

    def _trades(self, user: User, cursor: HistoryCursor, now: datetime, forward: bool) -> None:
        pair = parse_pair(cursor.source)
        private = self.session.private
        if forward:
            start, end = cursor.front, min(cursor.front + HISTORY_WINDOW, now)
            rows = private.my_trades(pair, _ms(start), _ms(end), PAGE, oldest_first=True)
            add_trades(user, map(_trade_row, rows))
            # A full page ends at its newest row: the next read starts there.
            move_cursor(cursor, front=rows[-1].time if len(rows) == PAGE else end)
            return
        start, end = max(cursor.back - HISTORY_WINDOW, cursor.horizon), cursor.back
        rows = private.my_trades(pair, _ms(start), _ms(end), PAGE)
        add_trades(user, map(_trade_row, rows))
        if len(rows) == PAGE:
            oldest = rows[-1].time
            start = oldest if oldest < end else end - timedelta(milliseconds=1)
        move_cursor(cursor, back=start)

    def _transfers(self, user: User, cursor: HistoryCursor, now: datetime, forward: bool) -> None:
        """Whole days, both ends in, 7 apart at most; a window's days overlap the next's by
        one, as the exchange's day may not be UTC's."""
        last_day = HISTORY_WINDOW.days - 1
        if forward:
            first = cursor.front.date()
            final = min(first + timedelta(days=last_day), now.date())
            add_transfers(user, map(_transfer_row, self.session.private.transfers(first, final)))
            move_cursor(cursor, front=now if final == now.date() else _midnight(final))
            return
        final = cursor.back.date()
        first = max(final - timedelta(days=last_day), cursor.horizon.date())
        add_transfers(user, map(_transfer_row, self.session.private.transfers(first, final)))
        move_cursor(cursor, back=max(_midnight(first), cursor.horizon))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _trade_row(trade: MyTrade) -> dict[str, Any]:
    return {
        "pair": trade.pair.ticker_id,
        "trade_id": trade.trade_id,
        "order_id": trade.order_id,
        "client_order_id": trade.client_order_id,
        "side": "buy" if trade.is_buyer else "sell",
        "price": trade.price,
        "quantity": trade.quantity,
        "quote_quantity": trade.quote_quantity,
        "commission": trade.commission,
        "commission_asset": trade.commission_asset,
        "is_maker": trade.is_maker,
        "time": trade.time,
    }


def _transfer_row(transfer: Transfer) -> dict[str, Any]:
    return {
        "direction": transfer.direction,
        "currency": transfer.currency,
        "transfer_id": transfer.transfer_id,
        "amount": transfer.amount,
        "fee": transfer.fee,
        "time": transfer.time,
    }
