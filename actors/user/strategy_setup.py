"""Setting a strategy up from the chat: a preview of everything it will do, then Confirm
creates it and its user's actor starts hosting it.

The preview says what a user needs before money moves: the next three runs (in WIB), the
amount of each order as the exchange's rules leave it, the fee per run, the capital the
plan needs and the IDR the account has now. Nothing is stored until Confirm, and a
confirmation after the trading mode or the API key changed creates nothing (as with
orders). DCA, TP/SL and Grid each have theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from actors.strategies.dca_plan import BadPlan, DcaPlan
from actors.strategies.grid_plan import BadGrid, GridPlan, ThinGrid
from actors.strategies.money import whole_rupiah
from actors.strategies.schedule import WIB, BadSchedule
from actors.strategies.tpsl import BadExit, ExitPlan
from actors.user.answers import Answers, Keyboard
from actors.user.exchange_calls import ExchangeCalls
from actors.user.grid_preview import grid_figures
from actors.user.pending_questions import PendingQuestions
from actors.user.readings import Readings
from actors.user.session import UserSession
from actors.user.strategy_checks import taken_preview, tell_refusal
from adapters.indodax.errors import IndodaxError
from adapters.indodax.markets import PairInfo
from adapters.indodax.order_rules import OrderIntent, Refusal, floor_to_step, validate_order
from adapters.indodax.pairs import Pair
from adapters.indodax.wire import Ticker
from messages import callbacks as cb
from messages.commands import (
    BacktestDays,
    ConfirmStrategy,
    PreviewDca,
    PreviewGrid,
    PreviewTpsl,
    UserCommand,
)
from messages.replies import Button, Row
from persistence.models.base import utcnow
from persistence.models.strategies import create_strategy

# The reply for a plan refused by the field it names; any other: the plan as a whole.
BAD_FIELDS = {
    "quote_amount": "strategy.dca.bad_amount",
    "offset_pct": "strategy.dca.bad_offset",
    "max_buys": "strategy.dca.bad_max_buys",
    "budget": "strategy.dca.bad_budget",
    "safety_step_scale": "strategy.dca.bad_scale",
    "safety_volume_scale": "strategy.dca.bad_scale",
}
RUNS_SHOWN = 3
# What a confirmed strategy of each kind is told with.
CREATED = {
    "dca": "strategy.dca.created",
    "tpsl": "strategy.tpsl.created",
    "grid": "strategy.grid.created",
}
# The set-up's answers read as numbers; the rest are words (schedule, order type).
TPSL_NUMBERS = ("quantity", "entry_price", "stop_loss_pct", "trailing_stop_pct")
GRID_NUMBERS = ("lower", "upper", "levels", "amount_idr", "amount_coin", "stop_loss", "take_profit")
NUMBERS = (
    "quote_amount",
    "offset_pct",
    "max_buys",
    "budget",
    "safety_count",
    "safety_deviation_pct",
    "safety_step_scale",
    "safety_volume_scale",
    "take_profit_pct",
)


# "How would this have done?" under every preview: the last 7, 30 or 90 days.
BACKTEST_BUTTONS: tuple[tuple[str, BacktestDays], ...] = (
    ("button.backtest_7", 7),
    ("button.backtest_30", 30),
    ("button.backtest_90", 90),
)


@dataclass(frozen=True)
class PreviewedStrategy:
    kind: str
    pair: Pair
    params: dict[str, str]
    mode: str
    key_fingerprint: str | None


class StrategySetup:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        readings: Readings,
        calls: ExchangeCalls,
        *,
        started: Callable[[], None],
    ) -> None:
        """`started()` hosts the strategies created since (StrategyHost.start_running)."""
        self.session, self.answers, self.readings, self.calls = session, answers, readings, calls
        self.started = started
        self.previews: PendingQuestions[PreviewedStrategy] = PendingQuestions(
            gone_key="strategy.preview_gone", expired_key="strategy.preview_expired"
        )

    def preview_dca(self, message: PreviewDca) -> None:
        chosen = self._chosen(message)
        if chosen is None:
            return
        pair, plan, params = chosen
        try:
            info = self.session.catalog.info(pair)
            ticker = self.session.public.ticker(pair)
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        refusal = dca_run_refusal(plan, pair, info, ticker)
        if refusal is not None:
            tell_refusal(self.answers, message, refusal)
            return
        price = plan.limit_price(ticker.last) if plan.order_type == "limit" else ticker.ask
        amount = Decimal(plan.quote_amount)
        found = self._free(message, "idr")
        if found is None:
            return
        [free] = found
        runs = plan.schedule.upcoming(utcnow(), RUNS_SHOWN)
        fee_rate = info.maker_fee if plan.order_type == "limit" else info.taker_fee
        self.answers.reply(
            message,
            "strategy.dca.preview_limit" if plan.order_type == "limit" else "strategy.dca.preview",
            buttons=self._to_confirm("dca", pair, params),
            mode=self.session.trading_mode,
            pair=pair.display,
            schedule=plan.schedule.text,
            runs=", ".join(run.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB") for run in runs),
            amount=plan.quote_amount,
            offset_pct=_plain(plan.offset_pct),
            price=price,
            fee=whole_rupiah(amount * fee_rate),
            capital=plan.quote_amount * (plan.max_buys or 0),
            safety_levels=_safety_levels(plan),
            safety_capital=sum(plan.safety.amount_of(k) for k in range(1, plan.safety.count + 1)),
            take_profit=f"+{_plain(plan.safety.take_profit_pct)} %"
            if plan.safety.take_profit_pct
            else "-",
            max_buys=plan.max_buys or 0,
            budget="-" if plan.budget is None else plan.budget,
            missed=f"dca_missed_{plan.missed}",
            unfilled=f"dca_unfilled_{plan.unfilled}",
            idr_free=free.quantize(Decimal(1), ROUND_DOWN),
            runs_covered=int(free // amount),
            expires_in=self.previews.answerable_for,
        )

    def _chosen(self, message: PreviewDca) -> tuple[Pair, DcaPlan, dict[str, str]] | None:
        """The pair, the plan and its parameters as they will be stored; None once the user
        has been told what is wrong (the wizard always asks for the number of buys, so the
        capital the plan needs is known)."""
        if self.answers.refuse_unlinked(message):
            return None
        pair = self.readings.pair(message, message.pair_text)
        if pair is None:
            return None
        numbers = self.readings.numbers(message, *NUMBERS)
        if numbers is None:
            return None
        params = {name: _plain(value) for name in NUMBERS if (value := numbers[name]) is not None}
        params.update(
            schedule=message.schedule,
            order_type=message.order_type,
            missed=message.missed,
            unfilled=message.unfilled,
        )
        plan = self._plan(message, params)
        if plan is not None and plan.max_buys is None:
            self.answers.reply(message, "strategy.dca.bad_max_buys")
            return None
        return None if plan is None else (pair, plan, params)

    def _plan(self, message: PreviewDca, params: dict[str, str]) -> DcaPlan | None:
        try:
            return DcaPlan.from_params(params)
        except BadSchedule:
            self.answers.reply(message, "strategy.dca.bad_schedule")
        except BadPlan as error:
            self.answers.reply(message, BAD_FIELDS.get(error.field, "strategy.dca.bad_plan"))
        return None

    def _free(self, message: UserCommand, *currencies: str) -> tuple[Decimal, ...] | None:
        """What the account can use of each currency now (the paper account's for a paper
        user), from one balance read; None once the user has been told the exchange did
        not answer."""
        paper = self.session.paper
        if paper is not None:
            rows = paper.balances()
            return tuple(rows[c].free if c in rows else Decimal(0) for c in currencies)
        balances = self.calls.answered(message, self.session.private.get_info)
        if balances is None:
            return None
        return tuple(balances.free.get(currency, Decimal(0)) for currency in currencies)

    def preview_tpsl(self, message: PreviewTpsl) -> None:
        """Each target as the exchange's rules leave it, with its profit at the entry; the
        stop and its loss; the coins the account holds."""
        if self.answers.refuse_unlinked(message):
            return
        pair = self.readings.pair(message, message.pair_text)
        numbers = None if pair is None else self.readings.numbers(message, *TPSL_NUMBERS)
        if pair is None or numbers is None:
            return
        try:
            info = self.session.catalog.info(pair)
            entry = numbers["entry_price"] or self.session.public.ticker(pair).last
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        params = {name: _plain(value) for name in TPSL_NUMBERS if (value := numbers[name])}
        params.update(
            entry_price=_plain(entry),
            targets=message.targets,
            breakeven="yes" if message.breakeven else "no",
        )
        try:
            plan = ExitPlan.from_params(params)
        except BadExit:
            self.answers.reply(message, "strategy.tpsl.bad_plan")
            return
        rows: list[Row] = []
        for target in plan.targets:
            price, quantity = plan.target_price(target), plan.target_quantity(target)
            checked = validate_order(
                OrderIntent(pair, "sell", "limit", quantity=quantity, price=price), info
            )
            if isinstance(checked, Refusal):
                tell_refusal(self.answers, message, checked)
                return
            profit = (price - plan.entry) * quantity - price * quantity * info.maker_fee
            rows.append((f"+{_plain(target.pct)} %", str(price), _plain(quantity), _rupiah(profit)))
        found = self._free(message, pair.base)
        if found is None:
            return
        [held] = found
        stop = plan.stop_level(breakeven_reached=False)
        self.answers.reply(
            message,
            "strategy.tpsl.preview",
            buttons=self._to_confirm("tpsl", pair, params),
            mode=self.session.trading_mode,
            pair=pair.display,
            coin=info.base_unit,
            quantity=plan.quantity,
            entry=plan.entry,
            targets=tuple(rows),
            stop=_stop_text(plan, stop),
            stop_loss=_rupiah((stop - plan.entry) * plan.quantity) if stop else "0",
            breakeven="yes" if plan.breakeven else "no",
            held=held,
            expires_in=self.previews.answerable_for,
        )

    def preview_grid(self, message: PreviewGrid) -> None:
        """Every number a grid user checks before money moves: the levels nearest the
        price, the rupiah its buys tie up, the coin its sells need and its cost, a pair's
        profit after fees and tax, and what the account has. A grid whose step cannot pay
        a round trip, or whose level orders break the pair's rules, is refused here."""
        if self.answers.refuse_unlinked(message):
            return
        pair = self.readings.pair(message, message.pair_text)
        numbers = None if pair is None else self.readings.numbers(message, *GRID_NUMBERS)
        if pair is None or numbers is None:
            return
        try:
            info = self.session.catalog.info(pair)
            ticker = self.session.public.ticker(pair)
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        params = {name: _plain(value) for name in GRID_NUMBERS if (value := numbers[name])}
        params.update(
            spacing=message.spacing,
            coin_source=message.coin_source,
            sell_at_exit="yes" if message.sell_at_exit else "no",
            tick=_plain(info.tick),
            step=_plain(info.quantity_step),
            taker_fee=_plain(info.taker_fee),
        )
        balances = self._free(message, "idr", pair.base)
        if balances is None:
            return
        idr_free, coin_held = balances
        if message.coin_source == "held":
            params["held"] = _plain(coin_held)
        plan = self._grid(message, params, info.maker_fee)
        if plan is None or self._breaks_rules(message, plan, pair, info):
            return
        figures = grid_figures(
            plan,
            price=ticker.last,
            ask=ticker.ask,
            maker_fee=info.maker_fee,
            idr_free=idr_free,
            coin_held=coin_held,
        )
        self.answers.reply(
            message,
            "strategy.grid.preview",
            buttons=self._to_confirm("grid", pair, params),
            mode=self.session.trading_mode,
            pair=pair.display,
            coin=info.base_unit,
            lower=plan.lower,
            upper=plan.upper,
            count=plan.count,
            spacing=plan.spacing,
            price=ticker.last,
            levels=figures.rows,
            buys=figures.buys,
            sells=figures.sells,
            idr_for_buys=figures.idr_for_buys,
            coin_for_sells=_plain(figures.coin_for_sells),
            coin_cost=figures.coin_cost,
            coin_source=f"grid_coin_{plan.coin_source}",
            profit_low=figures.profit_low,
            profit_high=figures.profit_high,
            profit_pct_low=figures.profit_pct_low,
            profit_pct_high=figures.profit_pct_high,
            round_trip=figures.round_trip_pct,
            exits=_exits_text(plan),
            idr_free=idr_free.quantize(Decimal(1), ROUND_DOWN),
            held=_plain(coin_held),
            warnings=figures.warnings,
            expires_in=self.previews.answerable_for,
        )

    def _grid(
        self, message: PreviewGrid, params: dict[str, str], maker: Decimal
    ) -> GridPlan | None:
        try:
            plan = GridPlan.from_params(params)
            plan.refuse_thin(maker)
        except ThinGrid as thin:
            self.answers.reply(
                message, "strategy.grid.too_thin", step_pct=thin.step_pct, cost_pct=thin.cost_pct
            )
            return None
        except BadGrid as error:
            self.answers.reply(message, "strategy.grid.bad_plan", field=error.field)
            return None
        return plan

    def _breaks_rules(
        self, message: UserCommand, plan: GridPlan, pair: Pair, info: PairInfo
    ) -> bool:
        refusal = first_broken_rule(plan, pair, info)
        if refusal is not None:
            tell_refusal(self.answers, message, refusal)
        return refusal is not None

    def _to_confirm(self, kind: str, pair: Pair, params: dict[str, str]) -> Keyboard:
        """The preview filed (nothing is stored yet) and the buttons that answer it."""
        preview_id = self.previews.ask(
            PreviewedStrategy(
                kind, pair, params, self.session.trading_mode, self.session.key_fingerprint
            )
        )
        return (
            (
                Button("button.confirm", cb.ConfirmStrategy(preview_id).pack()),
                Button("button.cancel", cb.DropStrategy(preview_id).pack()),
            ),
            tuple(
                Button(label, cb.BacktestPreview(preview_id, days).pack())
                for label, days in BACKTEST_BUTTONS
            ),
        )

    def confirm(self, message: ConfirmStrategy) -> None:
        if self.answers.refuse_unlinked(message):
            return
        previewed = taken_preview(
            self.answers, self.session, self.previews, message, message.preview_id
        )
        if previewed is None:
            return
        user = self.session.user
        assert user is not None  # refuse_unlinked answered otherwise
        row = create_strategy(user, previewed.kind, previewed.pair.ticker_id, previewed.params)
        self.answers.audit(message, "strategy_created", strategy_id=row.id, kind=row.kind)
        self.started()
        self.answers.reply(
            message, CREATED[row.kind], strategy_id=row.id, pair=previewed.pair.display
        )


def dca_run_refusal(plan: DcaPlan, pair: Pair, info: PairInfo, ticker: Ticker) -> Refusal | None:
    """A run's buy against the pair's rules, at the price it would have now: a limit's
    offset under the last price, a market buy's ask."""
    price = plan.limit_price(ticker.last) if plan.order_type == "limit" else ticker.ask
    amount = Decimal(plan.quote_amount)
    checked = validate_order(
        OrderIntent(pair, "buy", plan.order_type, quote_amount=amount, price=price), info
    )
    return checked if isinstance(checked, Refusal) else None


def first_broken_rule(plan: GridPlan, pair: Pair, info: PairInfo) -> Refusal | None:
    """Each level's buy, and the sell one level up of what that buy brings after its fee,
    against the pair's minimums: a level at exactly the minimum buys less than it can
    sell."""
    for level in range(plan.count - 1):
        quantity = plan.quantity_at(level)
        after_fee = floor_to_step(quantity * (1 - info.maker_fee), info.quantity_step)
        buy = OrderIntent(pair, "buy", "limit", quantity=quantity, price=plan.levels[level])
        up = plan.levels[level + 1]
        sell = OrderIntent(pair, "sell", "limit", quantity=after_fee, price=up)
        checked = validate_order(buy, info)
        if not isinstance(checked, Refusal):
            checked = validate_order(sell, info)
        if isinstance(checked, Refusal):
            return checked
    return None


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _safety_levels(plan: DcaPlan) -> str:
    """Where each safety order buys, under the cycle's first price: `-2 %, -6 %`."""
    levels = range(1, plan.safety.count + 1)
    return ", ".join(f"-{_plain(plan.safety.deviation(k))} %" for k in levels) or "-"


def _rupiah(value: Decimal) -> str:
    return str(whole_rupiah(value))


def _exits_text(plan: GridPlan) -> str:
    """The stop-loss and take-profit outside the range as the preview shows them."""
    stop = "-" if plan.stop_loss is None else str(plan.stop_loss)
    take = "-" if plan.take_profit is None else str(plan.take_profit)
    return f"{stop} / {take}"


def _stop_text(plan: ExitPlan, level: Decimal | None) -> str:
    """The stop as the preview shows it: its level, a trailing distance, or `-`."""
    if plan.trailing_stop_pct is not None:
        return f"trailing -{_plain(plan.trailing_stop_pct)} %"
    return "-" if level is None else str(level)
