"""The /settings screen: notification levels per kind, language and trading mode."""

from __future__ import annotations

import pytest
from test_user_actor import (
    OTHER,
    TRADER,
    USER,
    callbacks,
    link,
    make_world,
    preview_limit_buy,
    say,
    simulator,
    tap,
)

from messages.commands import (
    CancelOrder,
    ChangeNotification,
    ConfirmOrder,
    SetMode,
    ShowSettings,
    Start,
)
from messages.replies import Reply
from persistence.models import AuditEntry, PaperOrder, Strategy, User

__all__ = ["simulator"]  # the module-scoped simulator fixture, shared with the actor tests


@pytest.fixture
def demo(actor_system, settings, simulator, tmp_path):
    return make_world(actor_system, settings, simulator, tmp_path, mode="demo")[:4]


@pytest.fixture
def live(actor_system, settings, simulator, tmp_path):
    return make_world(actor_system, settings, simulator, tmp_path, mode="live")[:4]


def stored() -> User:
    return User.get(User.telegram_id == USER["telegram_id"])


def switch_to_live(world) -> Reply:
    """/settings → live, then Yes to the question it asks: the settings screen after."""
    [question] = say(world, SetMode(**USER, mode="live"))
    assert question.key == "settings.live_confirm"
    [answer] = say(world, tap(question, "lv:y:"))
    return answer


def test_every_kind_starts_on_with_a_button_each(demo):
    say(demo, Start(**USER))
    [screen] = say(demo, ShowSettings(**USER))
    assert screen.key == "settings.show"
    assert [screen.param(kind) for kind in ("alert", "fill", "strategy", "system")] == ["on"] * 4
    assert callbacks(screen) == [
        "sn:alert",
        "sn:fill",
        "sn:strategy",
        "sn:system",
        "sl:id",
        "sl:en",
    ]


def test_a_tap_moves_a_kind_from_on_to_silent_to_off_and_back(demo):
    say(demo, Start(**USER))
    levels = []
    for _ in range(3):
        [screen] = say(demo, ChangeNotification(**USER, kind="fill"))
        levels.append((screen.param("fill"), stored().notify_fill))
    assert levels == [("silent", "silent"), ("off", "off"), ("on", "on")]


def test_system_messages_can_be_silenced_but_never_switched_off(demo):
    say(demo, Start(**USER))
    [silent] = say(demo, ChangeNotification(**USER, kind="system"))
    [again] = say(demo, ChangeNotification(**USER, kind="system"))
    assert (silent.param("system"), again.param("system")) == ("silent", "on")


def test_a_language_tapped_on_the_screen_answers_with_the_screen_in_that_language(demo):
    say(demo, Start(**USER))
    [screen] = say(demo, ShowSettings(**USER))
    [english] = say(demo, tap(screen, "sl:en"))
    assert (english.key, english.language, english.param("language")) == (
        "settings.show",
        "en",
        "en",
    )


def test_in_demo_mode_the_trading_mode_is_fixed_and_the_screen_says_so(demo):
    say(demo, Start(**USER))
    [screen] = say(demo, ShowSettings(**USER))
    assert (screen.param("mode"), screen.param("mode_note")) == ("demo", "mode_fixed_demo")
    [refused] = say(demo, SetMode(**USER, mode="live"))
    assert (refused.key, refused.param("mode")) == ("settings.mode_fixed", "demo")
    assert stored().mode == "demo"


def test_a_new_user_of_a_live_bot_starts_on_paper_and_live_needs_a_linked_key(live):
    say(live, Start(**USER))
    assert stored().mode == "paper"
    [paper] = say(live, ShowSettings(**USER))
    assert (paper.param("mode"), paper.param("mode_note")) == ("paper", "mode_choice")
    assert callbacks(paper)[-2:] == ["sm:paper", "sm:live"]
    [refused] = say(live, SetMode(**USER, mode="live"))
    assert refused.key == "settings.live_needs_key"
    assert stored().mode == "paper"
    link(live)
    screen = switch_to_live(live)
    assert (screen.key, screen.param("mode"), stored().mode) == ("settings.show", "live", "live")
    assert AuditEntry.select().where(AuditEntry.action == "mode").count() == 1


def test_a_paper_preview_confirmed_after_switching_to_live_sends_nothing(live, simulator):
    link(live)
    preview = preview_limit_buy(live, "800000000")
    assert (preview.key, preview.param("mode")) == ("order.preview.limit_buy", "paper")
    switch_to_live(live)
    before = len(simulator.trade_log(TRADER.key))
    [refused] = say(live, ConfirmOrder(**USER, preview_id=preview.param("preview_id")))
    assert refused.key == "order.mode_changed"
    assert len(simulator.trade_log(TRADER.key)) == before
    assert PaperOrder.select().count() == 0


def test_the_mode_stays_while_orders_are_open_on_the_current_account(live):
    link(live)
    preview = preview_limit_buy(live, "800000000")
    [resting] = say(live, ConfirmOrder(**USER, preview_id=preview.param("preview_id")))
    assert resting.key == "order.paper_open"
    [refused] = say(live, SetMode(**USER, mode="live"))
    assert (refused.key, refused.param("count"), stored().mode) == (
        "settings.mode_orders_open",
        "1",
        "paper",
    )
    say(live, CancelOrder(**USER, client_order_id=resting.param("client_order_id")))
    screen = switch_to_live(live)
    assert (screen.key, stored().mode) == ("settings.show", "live")


def test_switching_to_live_asks_first_and_says_what_will_trade_live(live):
    link(live)
    for status in ("running", "running", "paused", "stopped"):
        Strategy.create(user=stored(), kind="dca", pair="btcidr", status=status)
    [question] = say(live, SetMode(**USER, mode="live"))
    assert (question.key, question.param("running"), question.param("paused")) == (
        "settings.live_confirm",
        "2",
        "1",
    )
    assert callbacks(question)[1] == "lv:n"
    assert stored().mode == "paper"  # nothing switched by asking
    assert AuditEntry.select().where(AuditEntry.action == "mode").count() == 0

    [screen] = say(live, tap(question, "lv:y:"))
    assert (screen.key, stored().mode) == ("settings.show", "live")
    [again] = say(live, tap(question, "lv:y:"))
    assert again.key == "button.stale"


def test_a_yes_to_live_asked_with_a_key_since_replaced_switches_nothing(live):
    link(live)
    [question] = say(live, SetMode(**USER, mode="live"))
    link(live, OTHER)
    [stale] = say(live, tap(question, "lv:y:"))
    assert (stale.key, stored().mode) == ("button.stale", "paper")


def test_a_yes_to_live_after_a_paper_order_was_opened_meanwhile_switches_nothing(live):
    link(live)
    [question] = say(live, SetMode(**USER, mode="live"))
    preview = preview_limit_buy(live, "800000000")
    say(live, ConfirmOrder(**USER, preview_id=preview.param("preview_id")))
    [refused] = say(live, tap(question, "lv:y:"))
    assert (refused.key, stored().mode) == ("settings.mode_orders_open", "paper")


def test_back_to_paper_needs_no_question(live):
    link(live)
    switch_to_live(live)
    [screen] = say(live, SetMode(**USER, mode="paper"))
    assert (screen.key, stored().mode) == ("settings.show", "paper")
