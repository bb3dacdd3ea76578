"""The parts a UserActor is made of, and how they are wired: each is handed what it needs
in its constructor, so each can be built and tested alone with fakes.

    session   who the user is, the key, the exchange clients (session.py)
    answers   replies, notifications, the audit record (answers.py)
    calls     private calls counted for the dead-man switch (exchange_calls.py)
    timers    the parts' timers and what keeps the actor awake (timers.py)
    readings  pairs and numbers as typed, and the questions they raise (readings.py)
    account   /start, linking, unlinking, access tokens (account.py)
    market    prices and the busiest markets (market.py)
    history   the linked account's trades and transfers imported (history_import.py)
    portfolio balances valued in IDR, their cost and profit (portfolio.py)
    charts    what the user's charts show, handed to the chart maker (charts.py)
    alerts    price alerts (alerts.py)
    settings  notifications, language, trading mode (preferences.py)
    paper     paper orders filled before a command (paper_book.py)
    heartbeat the exchange's own dead-man switch over strategy orders (exchange_heartbeat.py)
    tracker   orders of unknown outcome, followed until told (order_tracker.py)
    lifecycle placed orders followed until they end, each change told once (order_lifecycle.py)
    orders    placing orders, the user's and the strategies' (order_desk.py)
    open      open orders and cancels (open_orders.py)
    strategies the strategies hosted in this process, and their commands (strategy_host.py)
    setup     a strategy's guided set-up: its preview, then its creation (strategy_setup.py)
    backtests a preview replayed over the last days of candles (strategy_backtests.py)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from actors.core.restart_policy import RestartPolicy
from actors.user.account import Account
from actors.user.alerts import Alerts
from actors.user.answers import Answers
from actors.user.charts import Charts
from actors.user.exchange_calls import ExchangeCalls
from actors.user.exchange_heartbeat import ExchangeHeartbeat
from actors.user.history_import import HistoryImport
from actors.user.links import Links
from actors.user.market import Market
from actors.user.open_orders import OpenOrders
from actors.user.order_desk import OrderDesk
from actors.user.order_lifecycle import OrderLifecycle
from actors.user.order_stream_link import OrderStreamLink
from actors.user.order_tracker import OrderTracker
from actors.user.paper_book import PaperBook
from actors.user.pnl_report import PnlReport
from actors.user.portfolio import Portfolio
from actors.user.preferences import Preferences
from actors.user.readings import Readings
from actors.user.session import UserSession
from actors.user.strategy_backtests import StrategyBacktests
from actors.user.strategy_cancels import StrategyCancels
from actors.user.strategy_edits import StrategyEdits
from actors.user.strategy_host import StrategyHost
from actors.user.strategy_setup import StrategySetup
from actors.user.timers import Timers, WakeupAfter
from persistence.call_budget import history_budget
from persistence.models.base import utcnow
from persistence.vault import Vault


@dataclass(frozen=True)
class UserParts:
    session: UserSession
    answers: Answers
    timers: Timers
    readings: Readings
    account: Account
    market: Market
    history: HistoryImport
    portfolio: Portfolio
    charts: Charts
    pnl: PnlReport
    alerts: Alerts
    settings: Preferences
    paper: PaperBook
    heartbeat: ExchangeHeartbeat
    tracker: OrderTracker
    lifecycle: OrderLifecycle
    orders: OrderDesk
    open: OpenOrders
    strategies: StrategyHost
    setup: StrategySetup
    backtests: StrategyBacktests
    edits: StrategyEdits


def build_parts(
    session: UserSession,
    links: Links,
    *,
    wakeup_after: WakeupAfter,
    vault: Callable[[], Vault],
) -> UserParts:
    settings = session.settings
    answers = Answers(session, links)
    calls = ExchangeCalls(session, answers, links)
    timers = Timers(wakeup_after)
    readings = Readings(session, answers)
    history = HistoryImport(
        session,
        timers,
        days=settings.indodax.history_import_days,
        interval=timedelta(milliseconds=settings.indodax.history_import_interval_ms),
        clock=utcnow,
        budget=lambda: history_budget(settings),
    )
    lifecycle = OrderLifecycle(
        session,
        answers,
        calls,
        timers,
        links,
        reconcile_every=timedelta(seconds=settings.indodax.order_reconcile_seconds),
        stream=OrderStreamLink(session, calls, links),
        # The strategies are built last (they place through the desk, which follows orders
        # through the life cycle): the lambda looks them up when an update comes.
        to_strategy=lambda update, delivered: strategies.order_update(update, delivered),  # noqa: PLW0108
    )
    paper = PaperBook(session, lifecycle)
    tracker = OrderTracker(
        session,
        answers,
        calls,
        timers,
        bound=timedelta(seconds=settings.indodax.order_follow_up_seconds),
        clock=utcnow,
        found=lifecycle.watch,
    )
    orders = OrderDesk(session, answers, readings, calls, tracker=tracker, lifecycle=lifecycle)
    restarts = RestartPolicy(
        base_delay=1.0,
        max_restarts=settings.actors.strategy_max_restarts,
        window=float(settings.actors.strategy_restart_window_seconds),
    )
    portfolio = Portfolio(session, answers, calls, history)
    strategies = StrategyHost(
        session,
        answers,
        links,
        timers,
        place=orders.for_strategy,
        cancel=StrategyCancels(session, calls, lifecycle).cancel,
        redeliver=lifecycle.deliver,
        restarts=restarts,
    )
    setup = StrategySetup(session, answers, readings, calls, started=strategies.start_running)
    return UserParts(
        session=session,
        answers=answers,
        timers=timers,
        readings=readings,
        account=Account(session, answers, vault, linked=history.relink),
        market=Market(session, answers, readings),
        history=history,
        portfolio=portfolio,
        charts=Charts(session, answers, readings, calls, portfolio=portfolio, links=links),
        pnl=PnlReport(answers),
        alerts=Alerts(session, answers, readings, links),
        settings=Preferences(session, answers, calls, links, readings),
        paper=paper,
        heartbeat=ExchangeHeartbeat(
            session, calls, timers, seconds=settings.indodax.exchange_heartbeat_seconds
        ),
        tracker=tracker,
        lifecycle=lifecycle,
        orders=orders,
        open=OpenOrders(session, answers, calls, lifecycle),
        strategies=strategies,
        setup=setup,
        backtests=StrategyBacktests(session, answers, setup.previews, utcnow),
        edits=StrategyEdits(session, answers, readings, edited=strategies.edited),
    )
