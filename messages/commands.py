"""Commands a chat adapter tells a user's actor. Each names the chat user and carries the
access token the adapter holds; the UserActor checks it before acting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from messages.base import Message, Sensitive
from messages.charts import DEFAULT_TIMEFRAME, ChartTimeframe

Side = Literal["buy", "sell"]
OrderType = Literal["limit", "market"]
NotificationKind = Literal["alert", "fill", "strategy", "system"]
TradingMode = Literal["paper", "live"]
CostMethod = Literal["average", "fifo"]  # how /portfolio costs the coins held
StrategyAction = Literal["pause", "resume", "stop"]
# How a strategy is stopped: its orders kept on the exchange, cancelled, or cancelled and
# the coin it holds sold at market.
StopHow = Literal["keep", "cancel", "sell"]
# A running strategy's fields that may change in place (actors/strategies/safe_edits.py).
EditableField = Literal[
    "quote_amount",
    "max_buys",
    "budget",
    "take_profit_pct",
    "amount_idr",
    "amount_coin",
    "stop_loss",
    "take_profit",
]
# Those a user may remove (answer `-`): the plan works without them.
CLEARABLE_FIELDS: frozenset[EditableField] = frozenset({"budget", "stop_loss", "take_profit"})


@dataclass(frozen=True, kw_only=True)
class UserCommand(Message):
    telegram_id: int
    chat_id: int
    token: str | None = field(default=None, repr=False)  # a live credential: never in a log
    language: str | None = None


@dataclass(frozen=True, kw_only=True)
class Start(UserCommand):
    """First contact: create the user if new and show the main menu."""


@dataclass(frozen=True, kw_only=True)
class LinkAccount(UserCommand):
    api_key: Sensitive
    api_secret: Sensitive


@dataclass(frozen=True, kw_only=True)
class RefreshToken(UserCommand):
    """The chat adapter's token is close to its end: a fresh one, if this one is valid."""


@dataclass(frozen=True, kw_only=True)
class UnlinkAccount(UserCommand):
    """/unlink asks first (`confirmed=False`); only the tap on its Yes button deletes the key."""

    confirmed: bool = False
    pending_id: str | None = None  # the question its Yes answers


@dataclass(frozen=True, kw_only=True)
class GetPrice(UserCommand):
    pair_text: str


@dataclass(frozen=True, kw_only=True)
class PreviewOrder(UserCommand):
    """Validate and round an order and show it for confirmation; nothing is sent yet."""

    pair_text: str
    side: Side
    order_type: OrderType
    quantity: str | None = None  # coin amount as typed, parsed by the actor as Decimal
    quote_amount: str | None = None  # IDR amount as typed
    price: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChooseReading(UserCommand):
    """A tap on one reading of a number that reads two ways (`1.500`): the command that
    carried it goes on with that reading."""

    pending_id: str
    choice: int


@dataclass(frozen=True, kw_only=True)
class ConfirmOrder(UserCommand):
    """The user tapped Confirm on preview `preview_id`; a second tap places nothing more."""

    preview_id: str


@dataclass(frozen=True, kw_only=True)
class ListOpenOrders(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class CancelOrder(UserCommand):
    client_order_id: str


@dataclass(frozen=True, kw_only=True)
class CancelAllOrders(UserCommand):
    """The Cancel-all button asks first (`confirmed=False`); its Yes button cancels."""

    confirmed: bool = False
    pending_id: str | None = None  # the question its Yes answers


@dataclass(frozen=True, kw_only=True)
class GetPortfolio(UserCommand):
    """Balances valued in IDR, with what the coins cost and made; `cost_method` chosen here
    is kept for the next time (None: the one chosen last)."""

    cost_method: CostMethod | None = None


PnlPeriod = Literal["today", "7d", "30d", "all"]


@dataclass(frozen=True, kw_only=True)
class GetPnl(UserCommand):
    """/pnl [today | 7d | 30d | all]: what the user's strategies realised in that time."""

    period: PnlPeriod = "all"


@dataclass(frozen=True, kw_only=True)
class GetPriceChart(UserCommand):
    """/chart PAIR [timeframe], the 📈 under /price: the pair's candles with the user's open
    orders on it and the fills of the user's orders there, as a picture."""

    pair_text: str
    timeframe: ChartTimeframe = DEFAULT_TIMEFRAME


@dataclass(frozen=True, kw_only=True)
class GetAllocationChart(UserCommand):
    """/chart portfolio, the 📈 under /portfolio: what each asset is worth in IDR."""


@dataclass(frozen=True, kw_only=True)
class GetPnlChart(UserCommand):
    """/chart pnl, the 📈 under /pnl: what the strategies realised, added up day by day."""


@dataclass(frozen=True, kw_only=True)
class GetStrategyChart(UserCommand):
    """The 📈 under a strategy's details: its pair's candles with its levels, exits, resting
    orders and fills."""

    strategy_id: int


@dataclass(frozen=True, kw_only=True)
class CreateAlert(UserCommand):
    """Nothing is stored yet: the actor states the direction it inferred and asks."""

    pair_text: str
    price: str
    recurring: bool = False


@dataclass(frozen=True, kw_only=True)
class ConfirmAlert(UserCommand):
    """A tap on a pending alert's question; a second tap stores nothing more."""

    pending_id: str
    choice: Literal["once", "recurring", "cancel"]


@dataclass(frozen=True, kw_only=True)
class ListAlerts(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class DeleteAlert(UserCommand):
    alert_id: int


@dataclass(frozen=True, kw_only=True)
class SetLanguage(UserCommand):
    new_language: Literal["id", "en"]
    from_settings: bool = False  # tapped on the settings screen: answer with that screen


@dataclass(frozen=True, kw_only=True)
class SetLossLimit(UserCommand):
    """The most a day's strategy results may lose before the user's strategies pause, as
    typed (rupiah); None switches the limit off."""

    amount_text: str | None


@dataclass(frozen=True, kw_only=True)
class ShowSettings(UserCommand):
    """Language, trading mode and the notification level of each kind, with buttons."""


@dataclass(frozen=True, kw_only=True)
class ChangeNotification(UserCommand):
    """Move one notification kind to its next level (on -> silent -> off -> on)."""

    kind: NotificationKind


@dataclass(frozen=True, kw_only=True)
class SetMode(UserCommand):
    """A switch to live asks first (`confirmed=False`); only the tap on its Yes switches."""

    mode: TradingMode
    confirmed: bool = False
    pending_id: str | None = None  # the question its Yes answers


@dataclass(frozen=True, kw_only=True)
class ShowMarket(UserCommand):
    """The most traded IDR markets of the last 24 hours."""


@dataclass(frozen=True, kw_only=True)
class ListStrategies(UserCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ChangeStrategy(UserCommand):
    """`leave` says how a stop ends the strategy; a stop without it is asked first."""

    strategy_id: int
    action: StrategyAction
    leave: StopHow | None = None


@dataclass(frozen=True, kw_only=True)
class PreviewDca(UserCommand):
    """The guided DCA set-up's answers, as typed: shown as a preview to confirm; nothing is
    stored yet."""

    pair_text: str
    quote_amount: str  # rupiah per run
    schedule: str  # every 6h | daily 08:00 | weekly mon 08:00 | cron …
    order_type: OrderType
    max_buys: str
    budget: str | None = None  # rupiah for all the buys, safety orders too
    offset_pct: str | None = None  # a limit's distance under the last price
    safety_count: str | None = None  # safety orders per cycle
    safety_deviation_pct: str | None = None  # the first one's distance under the first buy
    safety_step_scale: str | None = None  # each next one's distance, times the one before
    safety_volume_scale: str | None = None  # each next one's amount, times the one before
    take_profit_pct: str | None = None  # above the cycle's average cost
    missed: Literal["skip", "catch_up"] = "skip"  # a run the bot missed while it was down
    unfilled: Literal["cancel", "move"] = "cancel"  # a limit still open at the next run


@dataclass(frozen=True, kw_only=True)
class PreviewTpsl(UserCommand):
    """The guided TP/SL set-up's answers, as typed: a position held (coins, entry price; none
    means the last price) and how to leave it; shown as a preview to confirm."""

    pair_text: str
    quantity: str
    entry_price: str | None
    targets: str  # "5:50,10:50": +5 % for half, +10 % for the rest; "" for none
    stop_loss_pct: str | None = None
    trailing_stop_pct: str | None = None
    breakeven: bool = False


@dataclass(frozen=True, kw_only=True)
class PreviewGrid(UserCommand):
    """The guided grid set-up's answers, as typed: the range, its levels, what each level
    trades (rupiah or coin), where the sells' coin comes from, and the optional exits
    outside the range; shown as a preview to confirm."""

    pair_text: str
    lower: str
    upper: str
    levels: str
    spacing: Literal["arithmetic", "geometric"]
    amount_idr: str | None  # rupiah per level, or
    amount_coin: str | None  # coin per level
    coin_source: Literal["buy", "held"]
    stop_loss: str | None = None
    take_profit: str | None = None
    sell_at_exit: bool = False


@dataclass(frozen=True, kw_only=True)
class ConfirmStrategy(UserCommand):
    """The user tapped Confirm on strategy preview `preview_id`: it is created once."""

    preview_id: str


BacktestDays = Literal[7, 30, 90]


@dataclass(frozen=True, kw_only=True)
class BacktestStrategy(UserCommand):
    """How strategy preview `preview_id` would have done over the last `days`; the preview
    stays to be confirmed or cancelled."""

    preview_id: str
    days: BacktestDays


@dataclass(frozen=True, kw_only=True)
class ChangeAllStrategies(UserCommand):
    """/strategy pause or /strategy resume without an id: every strategy of the user."""

    action: Literal["pause", "resume"]


@dataclass(frozen=True, kw_only=True)
class ShowStrategy(UserCommand):
    strategy_id: int


@dataclass(frozen=True, kw_only=True)
class PreviewEdit(UserCommand):
    """A new value for one safe field of a strategy, as typed ("" clears the field): shown
    as a preview of the change to confirm; nothing is saved yet."""

    strategy_id: int
    field: EditableField
    value: str


@dataclass(frozen=True, kw_only=True)
class ConfirmEdit(UserCommand):
    """The user tapped Confirm on edit preview `preview_id`: the change is saved once."""

    preview_id: str
