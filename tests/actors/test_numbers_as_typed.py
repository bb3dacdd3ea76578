"""From what a user types to the preview a UserActor shows, in Indonesian and in English:
the amount previewed is the amount the input meant, and the preview says it in coins and
in rupiah; a number that reads two ways is asked about and a tap goes on with the choice.

The commands are built by the real chat grammar and guided trade; the UserActor is real
(paper mode, prices from the simulator: btcidr bid 999,500,000, ask 1,000,500,000)."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

import pytest
from number_world import InProcessActors, paper_world

from adapters.chat.commands import Who, from_callback, parse
from adapters.chat.conversations import Finished, TradeWizard
from adapters.i18n.catalog import render
from messages.commands import SetLanguage, UserCommand
from messages.replies import Outbound

USERS = count(7000)


@pytest.fixture(scope="module")
def actors(tmp_path_factory: pytest.TempPathFactory):
    with paper_world(tmp_path_factory.mktemp("typed"), seed=23) as world:
        yield world


@pytest.fixture(params=["id", "en"])
def user(request, actors: InProcessActors) -> Who:
    """A new user speaking the language of the parameter."""
    telegram_id = next(USERS)
    tell(
        actors,
        SetLanguage(telegram_id=telegram_id, chat_id=telegram_id, new_language=request.param),
    )
    return Who(telegram_id, telegram_id)


def tell(actors: InProcessActors, command: UserCommand | None) -> list[Outbound]:
    assert isinstance(command, UserCommand), command
    said = actors.said[command.telegram_id]
    before = len(said)
    actors.tell("supervisor", command)
    return said[before:]


def typed(actors: InProcessActors, who: Who, text: str) -> Outbound:
    [answer] = tell(actors, parse(text, who))
    return answer


def shown(answer: Outbound) -> str:
    return render(answer.key, dict(answer.params), answer.language, as_html=False)


# (typed line, the reply parameter, the value meant, what the preview says in id, in en)
TABLE = [
    (
        "/trade sell btcidr 0,5 market",
        "quantity",
        "0.5",
        "Anda menjual 0,5 BTC di BTC/IDR, harga pasar (≈ 499.750.000 IDR",
        "You sell 0.5 BTC on BTC/IDR, at market (≈ 499,750,000 IDR",
    ),
    (
        "/trade sell btcidr 0.5 market",
        "quantity",
        "0.5",
        "Anda menjual 0,5 BTC",
        "You sell 0.5 BTC",
    ),
    (
        "/trade buy btcidr 0,001 limit 1.549.908.000",
        "price",
        "1549908000",
        "Anda membeli 0,001 BTC di BTC/IDR dengan harga limit 1.549.908.000 IDR per BTC\n"
        "Nilai ≈ 1.549.908 IDR",
        "You buy 0.001 BTC on BTC/IDR at a limit price of 1,549,908,000 IDR per BTC\n"
        "Value ≈ 1,549,908 IDR",
    ),
    (
        "/trade buy btcidr 0.001 limit 1,549,908,000",
        "price",
        "1549908000",
        "harga limit 1.549.908.000 IDR",
        "limit price of 1,549,908,000 IDR",
    ),
    (
        "/trade buy btcidr 100000 market",
        "quote_amount",
        "100000",
        "Anda membeli BTC senilai 100.000 IDR di BTC/IDR, harga pasar (≈ 0,00009995 BTC",
        "You buy BTC for 100,000 IDR on BTC/IDR, at market (≈ 0.00009995 BTC",
    ),
    (
        "/trade sell btcidr 0,001 market",
        "quantity",
        "0.001",
        "Anda menjual 0,001 BTC",
        "You sell 0.001 BTC",
    ),
    ("/alert btcidr 1,6", "level", "1.6", "turun ke 1,6 IDR", "goes below 1.6 IDR"),
    (
        "/alert btcidr 1.549.908.000",
        "level",
        "1549908000",
        "naik ke 1.549.908.000 IDR",
        "goes above 1,549,908,000 IDR",
    ),
]


@pytest.mark.parametrize("row", TABLE, ids=[row[0] for row in TABLE])
def test_the_preview_shows_the_amount_the_input_meant_in_the_users_language(actors, user, row):
    line, field, meant, in_id, in_en = row
    answer = typed(actors, user, line)
    assert Decimal(answer.param(field) or "NaN") == Decimal(meant), answer
    assert (in_id if answer.language == "id" else in_en) in shown(answer)


@pytest.mark.parametrize(("amount", "meant"), [("0,001", "0.001"), ("0.001", "0.001"), ("2", "2")])
def test_the_guided_trade_reads_the_amount_as_the_one_line_trade_does(actors, user, amount, meant):
    wizard = TradeWizard(user, timeout=60)
    for answer in ("tw:btcidr", "tw:sell", "tw:market"):
        wizard.answer(answer)
    done = wizard.answer(amount)
    assert isinstance(done, Finished)
    [preview] = tell(actors, done.command)
    assert preview.key == "order.preview.market_sell"
    assert Decimal(preview.param("quantity") or "NaN") == Decimal(meant)


@pytest.mark.parametrize(("choice", "meant"), [(0, "1500"), (1, "1.5")])
def test_a_tap_on_a_reading_goes_on_with_that_very_value(actors, user, choice, meant):
    question = typed(actors, user, "/trade sell btcidr 1.500 market")
    assert question.key == "number.ambiguous"
    taps = [from_callback(b.callback, user) for row in question.buttons for b in row]
    [preview] = tell(actors, taps[choice])
    assert preview.key == "order.preview.market_sell"
    assert Decimal(preview.param("quantity") or "NaN") == Decimal(meant)
    [again] = tell(actors, taps[1 - choice])  # the question is answered once
    assert again.key == "number.choice_gone"


def test_two_numbers_that_read_two_ways_are_asked_about_one_after_the_other(actors, user):
    question = typed(actors, user, "/trade buy btcidr 1,500 limit 2.000")
    assert question.param("typed") == "2.000"  # the price first
    first = [from_callback(b.callback, user) for row in question.buttons for b in row]
    [second_question] = tell(actors, first[0])  # 2.000 rupiah
    assert second_question.param("typed") == "1,500"
    second = [from_callback(b.callback, user) for row in second_question.buttons for b in row]
    [answer] = tell(actors, second[0])  # 1,5 BTC
    assert answer.key == "order.min_value"
    assert answer.param("value") == "3000"  # 1.5 BTC x 2,000 IDR


def test_the_guided_trade_asks_which_reading_and_takes_the_tapped_one(user):
    wizard = TradeWizard(user, timeout=60)
    for answer in ("tw:btcidr", "tw:buy", "tw:limit", "0,01"):
        wizard.answer(answer)
    question = wizard.answer("950.000")
    assert question.key == "number.ambiguous"
    [readings, _cancel] = question.buttons
    labels = [render(b.label_key, dict(b.params), "id") for b in readings]
    assert labels == ["950.000 (sembilan ratus lima puluh ribu)", "950 (sembilan ratus lima puluh)"]
    done = wizard.answer(readings[0].callback)
    assert isinstance(done, Finished)
    assert Decimal(done.command.price or "NaN") == Decimal(950_000)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/trade sell btcidr 0,0000000000000000000001 market", "number.too_precise"),
        ("/trade sell btcidr 1e-400 market", "number.exponent"),
        ("/trade sell btcidr ² market", "number.unreadable"),
        ("/trade sell btcidr " + "9" * 5000 + " market", "number.too_long"),
        ("/trade buy btcidr 1 limit NaN", "number.not_a_number"),
        ("/alert btcidr -5", "number.sign"),
        ("/alert btcidr 1e309", "number.exponent"),
        ("/alert btcidr 10000000000000000", "number.too_large"),
        ("/trade buy btcidr 999.999.999 limit 999.999.999.999", "order.value_out_of_range"),
        ("/cancel ../../etc/passwd", "orders.bad_id"),
        ("/cancel " + "x" * 5000, "orders.bad_id"),
        ("/cancel ib1-\u0663", "orders.bad_id"),
    ],
)
def test_an_underflow_an_odd_digit_or_a_malformed_id_gets_a_clear_answer(actors, user, line, key):
    answer = typed(actors, user, line)
    assert answer.key == key
    text = shown(answer)
    assert len(text) < 400  # a 5,000-character input is not echoed back
    assert "error" not in answer.key
