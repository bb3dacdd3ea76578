"""The dead-man switch on the running system: one user's errors pause that user; errors
across users (an outage) pause everyone and tell the admins; nothing resumes by itself."""

from __future__ import annotations

from stack import ACCOUNTS, ADMIN_ID

from config.secret import Secret
from messages.admin import RestartUser, ResumeAll, Status
from messages.commands import GetPortfolio
from persistence.credentials import ApiKeyPair, store_credentials
from persistence.models import Strategy, User
from persistence.vault import Vault

C, D = 1003, 1004


def strategy_status(strategy_id: int) -> str:
    return Strategy.get_by_id(strategy_id).status


def give_strategy(stack, telegram_id: int) -> int:
    return stack.run_buy_once_below(telegram_id, level="100000000").id


def portfolio(stack, telegram_id: int) -> None:
    stack.say(GetPortfolio(telegram_id=telegram_id, chat_id=telegram_id))


def test_errors_pause_one_user_then_everyone_and_only_an_operator_resumes(stack):
    stack.link(C)
    stack.link(D)
    c_strategy, d_strategy = give_strategy(stack, C), give_strategy(stack, D)

    # C's stored key stops working: three failed calls in a row pause C, and only C.
    vault = Vault(stack.settings.security.app_secret_key)
    c_user = User.get(User.telegram_id == C)
    store_credentials(vault, c_user, ApiKeyPair(Secret("REVOKED-KEY"), Secret("revoked-secret")))
    assert stack.admin(RestartUser(telegram_id=C)).ok  # keys are loaded when the actor starts
    for _ in range(3):
        portfolio(stack, C)
        stack.reply_to(C, "error.invalid_credentials")
    stack.reply_to(C, "strategy.paused.deadman_user")
    assert strategy_status(c_strategy) == "paused"
    assert strategy_status(d_strategy) == "running"

    # The exchange goes down for everyone: errors across users pause every strategy.
    stack.simulator.set_faults(
        http_errors={"next": 50, "status": 502, "html": True, "surfaces": ["tapi"]}
    )
    for _ in range(5):
        portfolio(stack, D)
        stack.reply_to(D, "error.exchange")
    stack.reply_to(D, "strategy.paused.deadman_global")
    alarm = stack.reply_to(ADMIN_ID, "admin.deadman_global")
    assert int(alarm.param("errors")) >= 8
    assert strategy_status(d_strategy) == "paused"
    assert stack.admin(Status()).data["paused_globally"] is True

    # Nothing comes back by itself; an operator's ResumeAll does.
    stack.simulator.set_faults(http_errors=None)
    spec = ACCOUNTS[C]
    store_credentials(vault, c_user, ApiKeyPair(Secret(spec.key), Secret(spec.secret)))
    assert strategy_status(d_strategy) == "paused"
    reply = stack.admin(ResumeAll())
    assert reply.ok and reply.data["users"] == 2
    stack.reply_to(C, "strategy.resumed")
    stack.reply_to(D, "strategy.resumed")
    assert strategy_status(c_strategy) == "running"
    assert strategy_status(d_strategy) == "running"
    assert stack.admin(Status()).data["paused_globally"] is False
