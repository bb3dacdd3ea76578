"""Button actions as typed values: what the actors build is what the adapters read back."""

from __future__ import annotations

import ast
import re
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.chat.commands import ACTIONS
from messages import callbacks as cb
from persistence.models.orders import new_client_order_id

PENDING = uuid.uuid4().hex[:12]  # what actors/user/pending_questions.py hands out
ORDER = new_client_order_id(123456789)

# Every callback string the actors build today (actors/user), written the way they write
# it, with the ids they use: each must decode to the typed action that replaces it.
TODAY = [
    (f"ul:y:{PENDING}", cb.UnlinkYes(PENDING)),
    ("ul:n", cb.UnlinkNo()),
    ("mn:market", cb.MenuChoice("market")),
    ("mn:portfolio", cb.MenuChoice("portfolio")),
    ("mn:trade", cb.MenuChoice("trade")),
    ("mn:strategies", cb.MenuChoice("strategies")),
    ("mn:alerts", cb.MenuChoice("alerts")),
    ("mn:settings", cb.MenuChoice("settings")),
    ("pr:btcidr", cb.ShowPrice("btcidr")),
    ("sn:alert", cb.NextNotification("alert")),
    ("sn:system", cb.NextNotification("system")),
    ("sl:id", cb.ChooseLanguage("id")),
    ("sm:paper", cb.ChooseMode("paper")),
    ("sm:live", cb.ChooseMode("live")),
    ("sp:42", cb.PauseStrategy(42)),
    ("sr:42", cb.ResumeStrategy(42)),
    ("ss:42", cb.StopStrategy(42)),
    ("sd:42", cb.ShowStrategy(42)),
    ("se:42:quote_amount", cb.EditStrategy(42, "quote_amount")),
    ("se:42:take_profit", cb.EditStrategy(42, "take_profit")),
    (f"se:y:{PENDING}", cb.ConfirmEdit(PENDING)),
    (f"se:n:{PENDING}", cb.DropEdit(PENDING)),
    ("sq:42:cancel", cb.LeaveStrategy(42, "cancel")),
    ("sq:42:sell", cb.LeaveStrategy(42, "sell")),
    ("sq:42:keep", cb.LeaveStrategy(42, "keep")),
    ("tf:btcidr:0.000999:900000000", cb.TpslForFill("btcidr", "0.000999", "900000000")),
    ("sc:new", cb.NewStrategy()),
    (f"sc:y:{PENDING}", cb.ConfirmStrategy(PENDING)),
    (f"sc:n:{PENDING}", cb.DropStrategy(PENDING)),
    (f"nr:{PENDING}:0", cb.ChooseReading(PENDING, 0)),
    (f"nr:{PENDING}:1", cb.ChooseReading(PENDING, 1)),
    (f"cx:{ORDER}", cb.CancelOrder(ORDER)),
    ("ca:ask", cb.AskCancelAll()),
    (f"ca:y:{PENDING}", cb.CancelAllYes(PENDING)),
    ("ca:n", cb.CancelAllNo()),
    (f"oc:{PENDING}", cb.ConfirmOrder(PENDING)),
    (f"ox:{PENDING}", cb.DropOrder(PENDING)),
    (f"ao:{PENDING}", cb.AlertOnce(PENDING)),
    (f"ar:{PENDING}", cb.AlertRecurring(PENDING)),
    (f"ax:{PENDING}", cb.AlertDrop(PENDING)),
    ("ad:9", cb.DeleteAlert(9)),
    (f"lv:y:{PENDING}", cb.LiveYes(PENDING)),
    ("lv:n", cb.LiveNo()),
    ("pm:fifo", cb.PortfolioCost("fifo")),
    (f"sb:{PENDING}:30", cb.BacktestPreview(PENDING, 30)),
    ("ch:p:btcidr:1h", cb.PriceChart("btcidr", "1h")),
    ("ch:p:pepeidr:1w", cb.PriceChart("pepeidr", "1w")),
    ("ch:a", cb.AllocationChart()),
    ("ch:r", cb.PnlChart()),
    ("ch:s:42", cb.StrategyChart(42)),
    ("tw:btcidr", cb.WizardAnswer("btcidr")),
    ("tw:x", cb.WizardCancel()),
    ("tw:b", cb.WizardBack()),
]


@pytest.mark.parametrize(("data", "action"), TODAY)
def test_every_button_the_bot_shows_today_reads_back_as_its_typed_action(data, action):
    assert cb.unpack(data) == action
    assert action.pack() == data


def test_every_action_is_covered_by_the_list_of_todays_buttons():
    assert {type(action) for _, action in TODAY} == set(cb.actions())


def test_every_action_but_the_guided_trades_own_is_taken_by_the_chat_adapters():
    wizard = {cb.WizardAnswer, cb.WizardCancel, cb.WizardBack}
    assert set(ACTIONS) == set(cb.actions()) - wizard


def test_the_strategy_buttons_follow_the_action_their_status_allows():
    assert cb.STRATEGY_ACTIONS["pause"](3).pack() == "sp:3"
    assert cb.STRATEGY_ACTIONS["stop"](3) == cb.unpack("ss:3")


@pytest.mark.parametrize(
    "data",
    [
        "",
        "oc",  # the prefix without its preview id
        "oc:",
        "ca:y",
        "ca:n:extra",
        "ad:nine",
        "ad:-1",
        "ad:1234567890123456789",  # more than any database id
        "nr:abc:2",
        "nr:abc",
        "mn:casino",
        "sm:demo",
        "se:42:levels",  # not a field that may change in place
        "se:42",
        "ch:p:btcidr:2h",  # not a timeframe the charts know
        "ch:p:btcidr",
        "ch:a:btc",
        "ch:s:x",
        "zz:1",
        "oc:" + "a" * 62,
    ],
)
def test_anything_the_bot_did_not_pack_is_refused(data):
    with pytest.raises(cb.MalformedCallback):
        cb.unpack(data)
    assert cb.read(data) is None


@pytest.mark.parametrize(
    "action",
    [
        cb.ConfirmOrder(""),  # would read back as a bare prefix
        cb.ConfirmOrder("x" * 62),  # over Telegram's 64 bytes
        cb.ChooseReading("a:b", 0),  # the separator inside a field that is not the last
        cb.DeleteAlert(-3),
        cb.MenuChoice("casino"),  # type: ignore[arg-type]  # what a typo in an actor would do
    ],
)
def test_a_button_that_could_not_be_read_back_is_refused_where_it_is_built(action):
    with pytest.raises(cb.MalformedCallback):
        action.pack()


def test_questions_the_bot_asked_are_the_answers_that_pass_the_budget_once():
    answers = {t.prefix for t in cb.actions() if t.answers}
    assert answers == {"oc", "ao", "ar", "ca:y", "ul:y", "lv:y", "nr", "sc:y", "sq", "se:y"}


def test_answered_questions_lose_their_buttons_the_others_keep_them():
    one_shot = {t.prefix for t in cb.actions() if t.one_shot}
    assert one_shot == {"oc", "ox", "ao", "ar", "ax", "ca:ask", "ca:y", "ca:n"} | {
        "ul:y",
        "ul:n",
        "nr",
        "lv:y",
        "lv:n",
        "sc:y",
        "sc:n",
        "sq",
        "se:y",
        "se:n",
    }


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=70))
def test_unpack_refuses_or_reads_back_whatever_it_is_given(data):
    action = cb.read(data)
    assert action is None or action.pack() == data


def _hand_written_callbacks() -> list[tuple[str, str]]:
    """Callback data spelled out in actors/ (`"ca:ask"`, `f"oc:{preview_id}"`) instead of
    packed from messages/callbacks: the literal, or an f-string's text before its first
    field, where it is written."""
    root = Path(__file__).resolve().parents[2]
    found = []
    for path in sorted((root / "actors").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
        for node in ast.walk(tree):
            if id(node) in parts:
                continue
            if isinstance(node, ast.JoinedStr) and node.values:
                head = node.values[0]
                text = head.value if isinstance(head, ast.Constant) else ""
                text += "{}" if len(node.values) > 1 else ""
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            else:
                continue
            if CALLBACK_SHAPE.match(text):
                found.append((f"{path.relative_to(root)}:{node.lineno}", text))
    return found


CALLBACK_SHAPE = re.compile(r"[a-z]{2}:")


def test_no_actor_writes_a_callback_by_hand_every_button_packs_a_typed_action():
    assert _hand_written_callbacks() == []
