"""Changing a running or paused strategy's safe fields from the chat (which fields, and
why they are safe: actors/strategies/safe_edits.py): a preview of the change (the value
now and the new one, what it makes of the plan, when it takes effect), then Confirm saves
the new parameters and the strategy is built again from its saved state with them, after
whatever it is handling now.

The new value is checked as a new strategy's would be: the plan must still make sense, an
amount must still meet the pair's minimums at every level, and an exit must not already
be crossed by the price (it would fire at once). A confirmation after the trading mode or
the API key changed, or after the field changed meanwhile, saves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from actors.strategies.dca_plan import BadPlan, DcaPlan
from actors.strategies.grid_plan import BadGrid, GridPlan
from actors.strategies.safe_edits import (
    RUPIAH_FIELDS,
    editable_fields,
    effect_of,
    leaving,
)
from actors.user.answers import Answers
from actors.user.pending_questions import PendingQuestions
from actors.user.readings import Readings
from actors.user.session import UserSession
from actors.user.strategy_checks import owned_strategy, taken_preview, tell_refusal
from actors.user.strategy_setup import BAD_FIELDS, dca_run_refusal, first_broken_rule
from adapters.indodax.errors import IndodaxError
from adapters.indodax.markets import PairInfo
from adapters.indodax.order_rules import Refusal
from adapters.indodax.pairs import Pair, UnknownPair
from adapters.indodax.wire import Ticker
from messages import callbacks as cb
from messages.commands import (
    CLEARABLE_FIELDS,
    ConfirmEdit,
    EditableField,
    PreviewEdit,
    UserCommand,
)
from messages.replies import Button
from messages.statuses import StrategyStatus
from persistence.models.strategies import Strategy, save_params

EDITABLE_STATUSES = (StrategyStatus.RUNNING, StrategyStatus.PAUSED)


@dataclass(frozen=True)
class PreviewedEdit:
    strategy_id: int
    field: EditableField
    old: str | None
    new: str | None
    mode: str
    key_fingerprint: str | None


class StrategyEdits:
    def __init__(
        self,
        session: UserSession,
        answers: Answers,
        readings: Readings,
        *,
        edited: Callable[[UserCommand, int], None],
    ) -> None:
        self.session, self.answers, self.readings = session, answers, readings
        self.edited = edited  # the host builds the strategy again and shows it
        self.previews: PendingQuestions[PreviewedEdit] = PendingQuestions(
            gone_key="strategy.edit.gone", expired_key="strategy.edit.expired"
        )

    def preview(self, message: PreviewEdit) -> None:
        strategy = self._editable(message, message.strategy_id, message.field)
        if strategy is None:
            return
        new = self._new_value(message)
        if isinstance(new, Unanswered):
            return
        params = changed(strategy.params, message.field, new)
        try:
            pair = self.session.catalog.parse(strategy.pair)
            info = self.session.catalog.info(pair)
            ticker = self.session.public.ticker(pair)
        except UnknownPair:  # delisted since the strategy was set up
            self.answers.reply(message, "pair.unknown_no_match", pair=strategy.pair)
            return
        except IndodaxError:
            self.answers.reply(message, "error.exchange_unavailable")
            return
        if self._refused(message, strategy, params, pair=pair, info=info, ticker=ticker):
            return
        old = strategy.params.get(message.field)
        preview_id = self.previews.ask(
            PreviewedEdit(
                strategy.id,
                message.field,
                None if old is None else str(old),
                new,
                self.session.trading_mode,
                self.session.key_fingerprint,
            )
        )
        rupiah = message.field in RUPIAH_FIELDS
        self.answers.reply(
            message,
            "strategy.edit.preview_idr" if rupiah else "strategy.edit.preview",
            buttons=(
                (
                    Button("button.confirm", cb.ConfirmEdit(preview_id).pack()),
                    Button("button.cancel", cb.DropEdit(preview_id).pack()),
                ),
            ),
            strategy_id=strategy.id,
            strategy_kind=strategy.kind,
            pair=pair.display,
            field=f"field_{message.field}",
            old="-" if old is None else old,
            new="-" if new is None else new,
            effect=effect_of(strategy.kind, message.field),
            price=ticker.last,
            expires_in=self.previews.answerable_for,
        )

    def confirm(self, message: ConfirmEdit) -> None:
        previewed = taken_preview(
            self.answers, self.session, self.previews, message, message.preview_id
        )
        if previewed is None:
            return
        strategy = self._editable(message, previewed.strategy_id, previewed.field)
        if strategy is None:
            return
        now = strategy.params.get(previewed.field)
        if (None if now is None else str(now)) != previewed.old:
            self.answers.reply(message, "strategy.edit.changed_meanwhile", strategy_id=strategy.id)
            return
        save_params(strategy.id, changed(strategy.params, previewed.field, previewed.new))
        self.answers.audit(
            message,
            "strategy_edited",
            strategy_id=strategy.id,
            field=previewed.field,
            old=previewed.old,
            new=previewed.new,
        )
        self.edited(message, strategy.id)

    # Checks

    def _editable(
        self, message: UserCommand, strategy_id: int, field: EditableField
    ) -> Strategy | None:
        """The user's strategy, when this field of it may change now; None once told why
        not (another user's strategy is answered as a missing one)."""
        strategy = owned_strategy(self.answers, message, strategy_id)
        if strategy is None:
            return None
        if field not in editable_fields(strategy.kind, strategy.params):
            self.answers.reply(
                message,
                "strategy.edit.not_editable",
                strategy_id=strategy.id,
                strategy_kind=strategy.kind,
                field=f"field_{field}",
            )
            return None
        if strategy.status not in EDITABLE_STATUSES or leaving(strategy.state):
            self.answers.reply(
                message, "strategy.edit.not_now", strategy_id=strategy.id, status=strategy.status
            )
            return None
        return strategy

    def _new_value(self, message: PreviewEdit) -> str | Unanswered | None:
        """The typed value as stored (plain digits), None to clear the field."""
        if not message.value:
            if message.field in CLEARABLE_FIELDS:
                return None
            self.answers.reply(message, "strategy.edit.needs_value", field=f"field_{message.field}")
            return UNANSWERED
        numbers = self.readings.numbers(message, "value")
        if numbers is None:
            return UNANSWERED
        value = numbers["value"]
        assert value is not None
        return format(value.normalize(), "f")

    def _refused(
        self,
        message: PreviewEdit,
        strategy: Strategy,
        params: dict[str, Any],
        *,
        pair: Pair,
        info: PairInfo,
        ticker: Ticker,
    ) -> bool:
        """The plan the new value makes, checked as a new one's would be; True once the user
        has been told what is wrong."""
        refusal: Refusal | None = None
        if strategy.kind == "dca":
            try:
                plan = DcaPlan.from_params(params)
            except BadPlan as error:
                self.answers.reply(message, BAD_FIELDS.get(error.field, "strategy.dca.bad_plan"))
                return True
            refusal = dca_run_refusal(plan, pair, info, ticker)
        else:
            try:
                grid = GridPlan.from_params(params)
            except BadGrid as error:
                self.answers.reply(message, "strategy.grid.bad_plan", field=error.field)
                return True
            refusal = first_broken_rule(grid, pair, info)
            last = ticker.last
            crossed = (grid.stop_loss is not None and last <= grid.stop_loss) or (
                grid.take_profit is not None and last >= grid.take_profit
            )
            if refusal is None and crossed:
                self.answers.reply(message, "strategy.edit.exit_crossed", price=last)
                return True
        if refusal is not None:
            tell_refusal(self.answers, message, refusal)
            return True
        return False


def changed(params: dict[str, Any], field: str, value: str | None) -> dict[str, Any]:
    """The parameters with `field` set to `value`, or without it (None)."""
    kept = {name: old for name, old in params.items() if name != field}
    return kept if value is None else {**kept, field: value}


class Unanswered:
    """The user has been answered instead (a refused or two-way number)."""


UNANSWERED = Unanswered()
