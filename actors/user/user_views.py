"""What the UserActor shows, built from plain data: the rows its list templates render and
the buttons that go with them.

Nothing here needs actor state, so each piece is tested on its own; the UserActor only
decides which view to send. Buttons carry the typed actions of messages/callbacks.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import get_args

from actors.strategies.kinds import STRATEGY_CLASSES
from actors.strategies.money import whole_rupiah
from actors.strategies.parameters import BadParameter
from actors.strategies.safe_edits import editable_fields, leaving
from actors.strategies.strategy import Progress
from adapters.indodax.wire import Summaries, Ticker, pair_of_ticker_id
from config.schema import LANGUAGES
from messages import callbacks as cb
from messages.charts import ChartLine
from messages.commands import CostMethod, NotificationKind, StrategyAction, TradingMode
from messages.replies import Button, Row, Rows
from messages.statuses import StrategyStatus
from persistence.models.strategies import Strategy, next_status
from persistence.models.users import User

Keyboard = tuple[tuple[Button, ...], ...]
NOTIFICATION_KINDS: tuple[NotificationKind, ...] = get_args(NotificationKind)

MARKET_SIZE = 6
CHOOSABLE_MODES: tuple[TradingMode, ...] = ("paper", "live")
MAIN_MENU: tuple[tuple[str, cb.MenuItem], ...] = (
    ("button.menu_market", "market"),
    ("button.menu_portfolio", "portfolio"),
    ("button.menu_trade", "trade"),
    ("button.menu_strategies", "strategies"),
    ("button.menu_alerts", "alerts"),
    ("button.menu_settings", "settings"),
)
# (action, label key) of the buttons a strategy can show
STRATEGY_ACTIONS: tuple[tuple[StrategyAction, str], ...] = (
    ("pause", "button.strategy_pause"),
    ("resume", "button.strategy_resume"),
    ("stop", "button.strategy_stop"),
)


def in_rows(buttons: Iterable[Button], per_row: int) -> Keyboard:
    """Buttons laid out `per_row` to a row, so a long list stays readable on a phone."""
    flat = list(buttons)
    return tuple(tuple(flat[i : i + per_row]) for i in range(0, len(flat), per_row))


def yes_or_keep(yes: cb.Callback, keep: cb.Callback, yes_label: str) -> Keyboard:
    """A question's two answers: its Yes, which names the question, and Keep, which
    changes nothing."""
    return ((Button(yes_label, yes.pack()), Button("button.keep", keep.pack())),)


def portfolio_buttons(method: CostMethod) -> Keyboard:
    """/portfolio's buttons: the same figures costed the other way, and its chart."""
    if method == "average":
        cost = Button("button.cost_fifo", cb.PortfolioCost("fifo").pack())
    else:
        cost = Button("button.cost_average", cb.PortfolioCost("average").pack())
    return ((cost, chart_button(cb.AllocationChart())),)


def chart_button(chart: cb.Callback) -> Button:
    return Button("button.chart", chart.pack())


def main_menu() -> Keyboard:
    return in_rows((Button(label, cb.MenuChoice(item).pack()) for label, item in MAIN_MENU), 2)


def display_pair(ticker_id: str) -> str:
    """`btc_idr` as users read it, `BTC/IDR`; anything else shown as stored."""
    try:
        return pair_of_ticker_id(ticker_id).display
    except ValueError:
        return ticker_id.upper()


def display_coin(ticker_id: str) -> str:
    """The coin `btc_idr` trades, `BTC`; anything else shown as stored."""
    try:
        return pair_of_ticker_id(ticker_id).base.upper()
    except ValueError:
        return ticker_id.upper()


# Markets


def change_24h(last: Decimal, before: Decimal | None) -> Decimal | None:
    """The change in percent since the price of 24 hours ago, to two decimals; None when that
    price is unknown (or zero, a market without trades)."""
    if before is None or before <= 0:
        return None
    return ((last - before) * 100 / before).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def change_text(summaries: Summaries, ticker: Ticker) -> str:
    """The 24 h change for a message parameter; empty when it cannot be known."""
    change = change_24h(ticker.last, summaries.prices_24h.get(ticker.pair.id))
    return "" if change is None else str(change)


def most_traded(summaries: Summaries, quote: str = "idr", count: int = MARKET_SIZE) -> list[Ticker]:
    """The `count` markets of `quote` with the most volume (in `quote`) over 24 hours."""
    tickers = [ticker for pair, ticker in summaries.tickers.items() if pair.quote == quote]
    return sorted(tickers, key=lambda ticker: (-ticker.quote_volume, ticker.pair))[:count]


def market_view(summaries: Summaries) -> tuple[Rows, Keyboard]:
    """Rows (pair, last, change) of the most traded IDR markets, and a price button each."""
    top = most_traded(summaries)
    rows = tuple((t.pair.display, str(t.last), change_text(summaries, t)) for t in top)
    buttons = (
        Button("button.pair", cb.ShowPrice(t.pair.id).pack(), (("pair", t.pair.display),))
        for t in top
    )
    return rows, in_rows(buttons, 2)


# Settings


def settings_buttons(user: User, mode_choice: bool) -> Keyboard:
    """A button per notification kind (a tap moves it to its next level), the languages,
    and the trading modes when the bot lets users choose."""
    notify = in_rows(
        (
            Button(
                "button.notify",
                cb.NextNotification(kind).pack(),
                (("kind", kind), ("level", user.notify_level(kind))),
            )
            for kind in NOTIFICATION_KINDS
        ),
        2,
    )
    language = tuple(
        Button("button.language", cb.ChooseLanguage(code).pack(), (("language", code),))
        for code in LANGUAGES
    )
    modes = tuple(
        Button("button.mode", cb.ChooseMode(mode).pack(), (("mode", mode),))
        for mode in CHOOSABLE_MODES
    )
    return (*notify, language, *((modes,) if mode_choice else ()))


def settings_params(user: User, mode: str) -> dict[str, str]:
    """`mode` is the one the user trades in, which the bot's own mode can override."""
    return {
        "language": user.language,
        "mode": mode,
        "loss_limit": str(user.daily_loss_limit) if user.daily_loss_limit else "off",
        **{kind: user.notify_level(kind) for kind in NOTIFICATION_KINDS},
    }


# Strategies


def tpsl_button(pair_id: str, quantity: Decimal, price: Decimal) -> tuple[tuple[Button, ...], ...]:
    """Under a filled buy: TP/SL for what it bought, at what it paid (on an IDR pair to the
    rupiah). None when it bought nothing, or its numbers would not fit Telegram's 64 bytes."""
    if quantity <= 0 or price <= 0:
        return ()
    if pair_id.endswith("idr"):
        price = whole_rupiah(price)
    try:
        data = cb.TpslForFill(pair_id, _plain(quantity), _plain(price)).pack()
    except cb.MalformedCallback:
        return ()
    return ((Button("button.tpsl_for_fill", data),),)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def strategy_row(strategy: Strategy) -> Row:
    """Its id, kind, pair and status, its profit or loss so far, and what it does next."""
    identity = (str(strategy.id), strategy.kind, display_pair(strategy.pair), strategy.status)
    return identity + progress_cells(strategy)


def progress_cells(strategy: Strategy) -> tuple[str, str, str]:
    """Its profit or loss so far in whole rupiah ("-" for a kind that counts none), and
    what it does next: a term and a value."""
    progress = strategy_progress(strategy)
    pnl = "-" if progress.pnl is None else str(whole_rupiah(progress.pnl))
    return pnl, progress.next_term or "nothing_next", progress.next_value


def holding_rows(progress: Progress, last: Decimal | None) -> Rows:
    """What a strategy's position holds: coins, their average cost, what they cost and are
    worth at `last`, and the return on that cost; none without a position (or a price)."""
    if progress.holding is None or last is None:
        return ()
    coins, cost = progress.holding
    value = whole_rupiah(coins * last)
    change = ((value - cost) * 100 / cost).quantize(Decimal("0.01")) if cost else Decimal(0)
    average = whole_rupiah(cost / coins)
    return ((str(coins), str(average), str(whole_rupiah(cost)), str(value), str(change)),)


def strategy_progress(strategy: Strategy) -> Progress:
    """From the saved row; nothing next for a strategy that is not running or paused, and
    nothing at all for a kind this version cannot run or parameters that make no plan."""
    cls = STRATEGY_CLASSES.get(strategy.kind)
    try:
        progress = cls.progress(dict(strategy.params), dict(strategy.state)) if cls else Progress()
    except BadParameter:
        return Progress()
    if strategy.status not in ("running", "paused"):
        return Progress(progress.pnl)
    return progress


def strategy_lines(strategy: Strategy) -> tuple[ChartLine, ...]:
    """Its levels and exits while it runs or is paused; none for a kind this version cannot
    run or parameters that make no plan."""
    cls = STRATEGY_CLASSES.get(strategy.kind)
    if cls is None or strategy.status not in (StrategyStatus.RUNNING, StrategyStatus.PAUSED):
        return ()
    try:
        return cls.chart_lines(dict(strategy.params), dict(strategy.state))
    except BadParameter:
        return ()


def strategy_buttons(strategy: Strategy, with_details: bool = True) -> tuple[Button, ...]:
    """Only the actions its status allows, so a tap never meets 'cannot do that'."""
    params = (("strategy_id", str(strategy.id)),)
    buttons = [
        Button(label, cb.STRATEGY_ACTIONS[action](strategy.id).pack(), params)
        for action, label in STRATEGY_ACTIONS
        if next_status(strategy.status, action) is not None
    ]
    if with_details:
        buttons.append(
            Button("button.strategy_details", cb.ShowStrategy(strategy.id).pack(), params)
        )
    return tuple(buttons)


def edit_buttons(strategy: Strategy) -> tuple[Button, ...]:
    """One button per field that may change now (actors/strategies/safe_edits.py)."""
    if strategy.status not in (StrategyStatus.RUNNING, StrategyStatus.PAUSED):
        return ()
    if leaving(strategy.state):
        return ()
    return tuple(
        Button(
            "button.edit_field",
            cb.EditStrategy(strategy.id, field).pack(),
            (("field", f"field_{field}"),),
        )
        for field in editable_fields(strategy.kind, strategy.params)
    )


def strategies_keyboard(strategies: Sequence[Strategy]) -> Keyboard:
    """A row per strategy, then the button that says how new strategies will be made."""
    rows = tuple(strategy_buttons(strategy) for strategy in strategies)
    return (*rows, (Button("button.strategy_create", cb.NewStrategy().pack()),))


def strategy_params(strategy: Strategy) -> Rows:
    """The strategy's parameters as (name, value) rows, in a stable order."""
    return tuple((str(name), str(value)) for name, value in sorted(strategy.params.items()))
