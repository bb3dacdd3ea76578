"""/link, the guided /trade and the guided /dca gather answers step by step and end in one
command."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from adapters.chat.commands import WIZARDS, Usage, Who, from_callback
from adapters.chat.conversations import (
    DcaWizard,
    Desk,
    Ended,
    Finished,
    GridWizard,
    LinkConversation,
    Prompt,
    TpslWizard,
    TradeWizard,
    Transcript,
)
from adapters.chat.rate_limit import CommandBudget, Verdict
from messages.commands import (
    LinkAccount,
    PreviewDca,
    PreviewEdit,
    PreviewGrid,
    PreviewOrder,
    PreviewTpsl,
)

WHO = Who(11, 11)


def test_link_asks_for_the_key_then_the_secret_and_keeps_both_sensitive():
    talk = LinkConversation(WHO, timeout=60)
    assert talk.opening().key == "link.ask_key"
    assert talk.answer("KEY-1").key == "link.ask_secret"  # type: ignore[union-attr]
    done = talk.answer("s3cret")
    assert isinstance(done, Finished)
    assert isinstance(done.command, LinkAccount)
    assert done.command.api_secret.reveal() == "s3cret"
    assert "s3cret" not in repr(done.command)


def test_link_refuses_something_that_is_not_a_key():
    assert LinkConversation(WHO, timeout=60).answer("my key is abc").key == "link.bad_value"  # type: ignore[union-attr]


def test_the_guided_market_buy_is_sized_in_idr():
    wizard = TradeWizard(WHO, timeout=60)
    assert wizard.opening().key == "trade.ask_pair"
    steps = [wizard.answer(a) for a in ("tw:btcidr", "tw:buy", "tw:market", "100000")]
    assert [s.key for s in steps[:3] if isinstance(s, Prompt)] == [
        "trade.ask_side",
        "trade.ask_type",
        "trade.ask_amount_idr",
    ]
    done = steps[-1]
    assert isinstance(done, Finished) and isinstance(done.command, PreviewOrder)
    assert (done.command.quote_amount, done.command.quantity) == ("100000", None)


def test_the_guided_limit_sell_asks_for_a_price_too():
    wizard = TradeWizard(WHO, timeout=60)
    for answer in ("eth", "sell", "limit", "0.5"):
        step = wizard.answer(answer)
    assert isinstance(step, Prompt) and step.key == "trade.ask_price"
    done = wizard.answer("65000000")
    assert isinstance(done, Finished) and isinstance(done.command, PreviewOrder)
    assert (done.command.side, done.command.quantity, done.command.price) == (
        "sell",
        "0.5",
        "65000000",
    )


def test_the_guided_dca_asks_pair_amount_schedule_type_and_buys_then_asks_for_a_preview():
    wizard = DcaWizard(WHO, timeout=60)
    assert wizard.opening().key == "strategy.dca.ask_pair"
    answers = ("tw:btcidr", "tw:100000", "Daily   07:30", "tw:market", "tw:30", "tw:none",
               "tw:catch_up", "tw:3 2", "tw:1 1.5", "5")  # fmt: skip
    steps = [wizard.answer(a) for a in answers]
    assert [s.key for s in steps if isinstance(s, Prompt)] == [
        "strategy.dca.ask_amount",
        "strategy.dca.ask_schedule",
        "strategy.dca.ask_type",
        "strategy.dca.ask_max_buys",
        "strategy.dca.ask_budget",
        "strategy.dca.ask_missed",  # a market buy has no unfilled order to ask about
        "strategy.dca.ask_safety",
        "strategy.dca.ask_safety_scales",
        "strategy.dca.ask_take_profit",
    ]
    done = steps[-1]
    assert isinstance(done, Finished)
    assert done.command == PreviewDca(
        telegram_id=11,
        chat_id=11,
        pair_text="btcidr",
        quote_amount="100000",
        schedule="daily 07:30",
        order_type="market",
        max_buys="30",
        safety_count="3",
        safety_deviation_pct="2",
        safety_step_scale="1",
        safety_volume_scale="1.5",
        take_profit_pct="5",
        missed="catch_up",
        correlation_id=done.command.correlation_id,
    )


def test_the_guided_dca_limit_reads_an_indonesian_percent_and_asks_about_a_two_way_number():
    wizard = DcaWizard(WHO, timeout=60)
    for answer in ("eth", "1.000.000", "every 12h", "limit"):
        step = wizard.answer(answer)
    assert isinstance(step, Prompt) and step.key == "strategy.dca.ask_offset"
    unfilled = wizard.answer("0,5")
    assert isinstance(unfilled, Prompt) and unfilled.key == "strategy.dca.ask_unfilled"
    assert wizard.answer("later").key == "strategy.dca.ask_unfilled"  # type: ignore[union-attr]
    wizard.answer("tw:move")
    asked = wizard.answer("1.000")
    assert isinstance(asked, Prompt) and asked.key == "number.ambiguous"
    wizard.answer("10")
    assert wizard.answer("budget").key == "number.unreadable"  # type: ignore[union-attr]
    wizard.answer("Rp 3.000.000")
    wizard.answer("tw:skip")
    assert isinstance(wizard.answer("three"), Prompt)  # asked again: how many, how far
    wizard.answer("5 x 1,5 %")
    assert wizard.answer("twice").key == "trade.choose_again"  # type: ignore[union-attr]
    wizard.answer("1,2 / 2")
    done = wizard.answer("0")
    assert isinstance(done, Finished) and isinstance(done.command, PreviewDca)
    command = done.command
    assert (command.quote_amount, command.offset_pct, command.max_buys) == ("1000000", "0.5", "10")
    assert command.budget == "3000000"
    assert (command.safety_count, command.safety_deviation_pct) == ("5", "1.5")
    assert (command.safety_step_scale, command.safety_volume_scale) == ("1.2", "2")
    assert command.take_profit_pct == "0"
    assert (command.unfilled, command.missed) == ("move", "skip")


def test_the_guided_tpsl_asks_the_position_and_its_exits_and_takes_a_trailing_stop():
    wizard = TpslWizard(WHO, timeout=60)
    assert wizard.opening().key == "strategy.tpsl.ask_pair"
    answers = ("tw:btcidr", "0,002", "tw:last", "5:50, 10:50", "trail 3", "tw:yes")
    steps = [wizard.answer(a) for a in answers]
    assert [s.key for s in steps if isinstance(s, Prompt)] == [
        "strategy.tpsl.ask_quantity",
        "strategy.tpsl.ask_entry",
        "strategy.tpsl.ask_targets",
        "strategy.tpsl.ask_stop",
        "strategy.tpsl.ask_breakeven",
    ]
    done = steps[-1]
    assert isinstance(done, Finished)
    assert done.command == PreviewTpsl(
        telegram_id=11,
        chat_id=11,
        pair_text="btcidr",
        quantity=done.command.quantity,
        entry_price=None,
        targets="5:50,10:50",
        trailing_stop_pct="3",
        breakeven=True,
        correlation_id=done.command.correlation_id,
    )
    assert Decimal(done.command.quantity) == Decimal("0.002")  # 0,002 as typed


def test_the_guided_tpsl_takes_a_typed_entry_and_a_fixed_stop():
    wizard = TpslWizard(WHO, timeout=60)
    for answer in ("eth", "1", "65.000.000", "tw:-", "5"):
        wizard.answer(answer)
    done = wizard.answer("tw:no")
    assert isinstance(done, Finished) and isinstance(done.command, PreviewTpsl)
    command = done.command
    assert (command.entry_price, command.targets, command.stop_loss_pct) == ("65000000", "", "5")
    assert (command.trailing_stop_pct, command.breakeven) == (None, False)


def test_the_guided_grid_asks_range_levels_amount_and_exits_with_indonesian_numbers():
    wizard = GridWizard(WHO, timeout=60)
    assert wizard.opening().key == "strategy.grid.ask_pair"
    answers = ("tw:btcidr", "950.000.000", "1.050.000.000", "tw:20", "geometri", "0,001 btc",
               "tw:held", "900.000.000 0", "tw:yes")  # fmt: skip
    steps = [wizard.answer(a) for a in answers]
    assert [s.key for s in steps if isinstance(s, Prompt)] == [
        "strategy.grid.ask_lower",
        "strategy.grid.ask_upper",
        "strategy.grid.ask_levels",
        "strategy.grid.ask_spacing",
        "strategy.grid.ask_amount",
        "strategy.grid.ask_source",
        "strategy.grid.ask_exits",
        "strategy.grid.ask_sell",
    ]
    done = steps[-1]
    assert isinstance(done, Finished) and isinstance(done.command, PreviewGrid)
    command = done.command
    assert (command.lower, command.upper, command.levels) == ("950000000", "1050000000", "20")
    assert (command.spacing, command.amount_idr, command.coin_source) == ("geometric", None, "held")
    assert Decimal(command.amount_coin or "") == Decimal("0.001")
    assert (command.stop_loss, command.take_profit, command.sell_at_exit) == (
        "900000000",
        None,
        True,
    )


def test_the_guided_grid_with_rupiah_per_level_and_no_exits_ends_at_the_exits():
    wizard = GridWizard(WHO, timeout=60)
    for answer in ("eth", "60.000.000", "70.000.000", "10", "tw:arithmetic", "rp 250000"):
        wizard.answer(answer)
    assert wizard.answer("tw:nothing").key == "trade.choose_again"  # type: ignore[union-attr]
    wizard.answer("tw:buy")
    done = wizard.answer("-")
    assert isinstance(done, Finished) and isinstance(done.command, PreviewGrid)
    assert (done.command.amount_idr, done.command.amount_coin) == ("250000", None)
    assert (done.command.stop_loss, done.command.take_profit) == (None, None)


def test_tpsl_under_a_filled_buy_opens_at_the_targets_with_what_it_bought():
    desk = Desk(60)
    parsed = from_callback("tf:btcidr:0.000999:900000000", WHO)
    assert isinstance(parsed, Usage) and parsed.key in WIZARDS
    step = desk.start(WHO, WIZARDS[parsed.key], parsed.answers)
    assert isinstance(step, Prompt) and step.key == "strategy.tpsl.ask_targets"
    desk.answer(WHO.telegram_id, "5:100")
    desk.answer(WHO.telegram_id, "3")
    done = desk.answer(WHO.telegram_id, "tw:no")
    assert isinstance(done, Finished) and isinstance(done.command, PreviewTpsl)
    assert (done.command.pair_text, done.command.entry_price) == ("btcidr", "900000000")
    assert Decimal(done.command.quantity) == Decimal("0.000999")


def test_an_edit_button_asks_only_the_new_value_and_reads_it_as_every_number():
    desk = Desk(60)
    parsed = from_callback("se:12:stop_loss", WHO)
    assert isinstance(parsed, Usage) and parsed.key in WIZARDS
    step = desk.start(WHO, WIZARDS[parsed.key], parsed.answers)
    assert isinstance(step, Prompt) and step.key == "strategy.edit.ask_clearable"
    assert step.params == (("field", "field_stop_loss"),)
    assert [b.label_key for row in step.buttons for b in row] == ["button.cancel"]  # no Back
    done = desk.answer(WHO.telegram_id, "1.400.000.000")
    assert isinstance(done, Finished)
    assert done.command == PreviewEdit(
        telegram_id=11,
        chat_id=11,
        strategy_id=12,
        field="stop_loss",
        value="1400000000",
        correlation_id=done.command.correlation_id,
    )


def test_an_edit_clears_a_field_that_may_go_and_asks_again_for_one_that_may_not():
    desk = Desk(60)
    desk.start(WHO, "/edit", ("12", "budget"))
    done = desk.answer(WHO.telegram_id, "-")
    assert isinstance(done, Finished) and isinstance(done.command, PreviewEdit)
    assert done.command.value == ""
    step = desk.start(WHO, "/edit", ("12", "quote_amount"))
    assert isinstance(step, Prompt) and step.key == "strategy.edit.ask"
    refused = desk.answer(WHO.telegram_id, "-")
    assert isinstance(refused, Prompt) and refused.key.startswith("number.")
    asked = desk.answer(WHO.telegram_id, "150.000")
    assert isinstance(asked, Prompt) and asked.key == "number.ambiguous"
    done = desk.answer(WHO.telegram_id, "tw:150000")
    assert isinstance(done, Finished) and isinstance(done.command, PreviewEdit)
    assert (done.command.field, done.command.value) == ("quote_amount", "150000")


def test_back_takes_the_last_answer_back_and_asks_its_question_again():
    wizard = GridWizard(WHO, timeout=60)
    first = wizard.answer("tw:btcidr")
    assert isinstance(first, Prompt) and first.key == "strategy.grid.ask_lower"
    assert [b.label_key for b in first.buttons[-1]] == ["button.back", "button.cancel"]
    wizard.answer("950.000.000")
    wizard.answer("1.050.000.000")
    again = wizard.answer("tw:b")  # the upper price was a typo
    assert isinstance(again, Prompt) and again.key == "strategy.grid.ask_upper"
    assert wizard.upper is None and wizard.lower == "950000000"
    wizard.answer("1.100.000.000")
    for answer in ("tw:10", "tw:arithmetic", "rp 250000", "tw:buy"):
        wizard.answer(answer)
    done = wizard.answer("-")
    assert isinstance(done, Finished) and isinstance(done.command, PreviewGrid)
    assert (done.command.lower, done.command.upper) == ("950000000", "1100000000")
    # Back as far as the first question, and no further.
    wizard = GridWizard(WHO, timeout=60)
    wizard.answer("tw:ethidr")
    assert wizard.answer("tw:b").key == "strategy.grid.ask_pair"  # type: ignore[union-attr]
    assert wizard.answer("tw:b").key == "strategy.grid.ask_pair"  # type: ignore[union-attr]
    assert wizard.pair is None


def test_an_answer_that_is_not_a_choice_asks_again():
    wizard = TradeWizard(WHO, timeout=60)
    wizard.answer("btcidr")
    again = wizard.answer("maybe")
    assert isinstance(again, Prompt) and again.key == "trade.choose_again"
    assert not isinstance(again, Ended)


def test_a_flood_of_commands_is_told_once_and_another_user_is_not_affected():
    budget = CommandBudget(per_minute=3)
    verdicts = [budget.check(1) for _ in range(6)]
    assert verdicts[:3] == [Verdict.ALLOW] * 3
    assert verdicts[3:] == [Verdict.REFUSE_AND_TELL, Verdict.REFUSE_QUIETLY, Verdict.REFUSE_QUIETLY]
    assert budget.check(2) is Verdict.ALLOW


def test_a_confirmation_shown_passes_once_over_budget_and_only_once():
    budget = CommandBudget(per_minute=3)
    budget.shown(1, ["oc:abc", "ox:abc"])
    for _ in range(3):
        budget.check(1, tapped="ox:abc")  # taps count like messages
    assert budget.check(1, tapped="ox:abc") is Verdict.REFUSE_AND_TELL
    assert budget.check(1, tapped="oc:abc") is Verdict.ALLOW  # the user already decided
    assert budget.check(1, tapped="oc:abc") is Verdict.REFUSE_QUIETLY  # not twice
    assert budget.check(1, tapped="oc:never-shown") is Verdict.REFUSE_QUIETLY


def test_a_confirmation_passed_over_budget_still_counts():
    budget = CommandBudget(per_minute=60)  # one a second
    budget.shown(1, ["ca:y:q1"])
    for _ in range(60):
        budget.check(1)
    assert budget.check(1, tapped="ca:y:q1") is Verdict.ALLOW
    assert budget.buckets[1].tokens < 0  # owed: the next message waits for the refill


class MemoryKeeper:
    """A keeper as the Telegram adapter's store holds transcripts, in memory."""

    def __init__(self) -> None:
        self.held: dict[int, Transcript] = {}

    def keep(self, transcript: Transcript) -> None:
        self.held[transcript.who.telegram_id] = transcript

    def forget(self, telegram_id: int) -> None:
        self.held.pop(telegram_id, None)

    def kept(self) -> list[Transcript]:
        return list(self.held.values())


def test_a_set_up_half_way_through_when_the_adapter_restarts_goes_on_at_the_same_question():
    keeper = MemoryKeeper()
    desk = Desk(300, keeper)
    desk.start(WHO, "/grid")
    for answer in ("tw:btcidr", "950.000.000", "1.050.000.000"):
        desk.answer(WHO.telegram_id, answer)
    assert keeper.held[WHO.telegram_id].answers == ("tw:btcidr", "950.000.000", "1.050.000.000")

    restarted = Desk(300, keeper)  # a new adapter process, the same store
    assert restarted.restore() == 1
    step = restarted.answer(WHO.telegram_id, "tw:10")
    assert isinstance(step, Prompt) and step.key == "strategy.grid.ask_spacing"
    for answer in ("tw:geometric", "0,001 btc", "tw:held"):
        restarted.answer(WHO.telegram_id, answer)
    done = restarted.answer(WHO.telegram_id, "-")
    assert isinstance(done, Finished) and isinstance(done.command, PreviewGrid)
    assert (done.command.lower, done.command.upper) == ("950000000", "1050000000")
    assert keeper.held == {}  # finished: nothing left to have again


def test_a_link_conversation_is_never_kept_and_a_cancelled_or_expired_one_is_forgotten():
    keeper = MemoryKeeper()
    desk = Desk(300, keeper)
    desk.start(WHO, "/link")
    desk.answer(WHO.telegram_id, "SOME-API-KEY")
    assert keeper.held == {}  # it carries a key: never written anywhere
    desk.start(WHO, "/dca")
    desk.answer(WHO.telegram_id, "tw:btcidr")
    desk.answer(WHO.telegram_id, "/cancel")
    assert keeper.held == {}
    desk.start(WHO, "/tpsl")
    keeper.held[WHO.telegram_id] = dataclasses.replace(
        keeper.held[WHO.telegram_id], seconds_left=-1
    )
    assert Desk(300, keeper).restore() == 0  # its time ran out while the adapter was down
    assert keeper.held == {}
