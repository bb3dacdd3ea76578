"""What every strategy command checks before it acts, answered the same way wherever it is
asked: the strategy is the user's own (another user's is answered as a missing one), a
Confirm answers a preview still open, made under the trading mode and API key in use, and
an order the pair's rules refuse is told with the refusal's reason."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from actors.user.answers import Answers
from actors.user.pending_questions import PendingQuestions, Unanswerable
from actors.user.session import UserSession
from adapters.indodax.order_rules import Refusal
from messages.commands import UserCommand
from persistence.models.strategies import Strategy, strategy_of


class Previewed(Protocol):
    @property
    def mode(self) -> str: ...

    @property
    def key_fingerprint(self) -> str | None: ...


Item = TypeVar("Item", bound=Previewed)


def tell_refusal(answers: Answers, message: UserCommand, refusal: Refusal) -> None:
    """An order the pair's rules refuse, told with the refusal's own parameters."""
    reason: dict[str, Any] = dict(refusal.params)  # the reason's own, never `buttons`
    answers.reply(message, str(refusal.reason), **reason)


def owned_strategy(answers: Answers, message: UserCommand, strategy_id: int) -> Strategy | None:
    """The user's strategy; None once told to /start or that there is no such strategy."""
    user = answers.started(message)
    if user is None:
        return None
    strategy = strategy_of(user, strategy_id)
    if strategy is None:
        answers.reply(message, "strategy.not_found", strategy_id=strategy_id)
    return strategy


def taken_preview(
    answers: Answers,
    session: UserSession,
    previews: PendingQuestions[Item],
    message: UserCommand,
    preview_id: str,
) -> Item | None:
    """The preview a Confirm answers, taken once; None once the user has been told it is
    gone or late, or that the trading mode or the API key changed since."""
    previewed = previews.take(preview_id)
    if isinstance(previewed, Unanswerable):
        answers.reply(message, previewed.key)
        return None
    if previewed.mode != session.trading_mode:
        answers.reply(message, "strategy.mode_changed")
        return None
    if previewed.key_fingerprint != session.key_fingerprint:
        answers.reply(message, "strategy.key_changed")
        return None
    return previewed
