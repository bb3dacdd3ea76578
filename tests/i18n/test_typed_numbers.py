"""Numbers as Indonesians and English speakers write them: one reading taken, two readings
asked about (each written the reader's way), anything else refused with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.i18n.catalog import LANGUAGES, catalog, render
from adapters.i18n.money import number
from adapters.i18n.typed_numbers import (
    TwoReadings,
    Unreadable,
    as_typed,
    read_number,
    reading_button,
)
from adapters.i18n.words import spell

# The forms of the issue: what the bot shows (`0,05`, `1.549.908.000`) it reads back so.
ONE_READING = [
    ("0,5", "0.5"),
    ("0.5", "0.5"),
    ("0,05", "0.05"),
    ("0,001", "0.001"),
    ("0.001", "0.001"),
    ("1,6", "1.6"),
    ("1.549.908.000", "1549908000"),
    ("1,549,908,000", "1549908000"),
    ("1.549.908.000,25", "1549908000.25"),
    ("1,549,908,000.25", "1549908000.25"),
    ("100000", "100000"),
    ("0,500", "0.5"),  # a leading zero is never a thousands group
    (",5", "0.5"),
    (".5", "0.5"),
    ("١٢٣", "123"),  # Arabic-Indic digits are decimal digits
    ("\uff11\uff12\uff13", "123"),  # so are fullwidth ones
    ("999.999.999.999.999", "999999999999999"),
]

# (typed, Indonesian reading, English reading, labels in id, labels in en)
TWO_READINGS = [
    (
        "1.500",
        "1500",
        "1.5",
        ["1.500 (seribu lima ratus)", "1,5"],
        ["1,500 (one thousand five hundred)", "1.5"],
    ),
    (
        "1,500",
        "1.5",
        "1500",
        ["1,5", "1.500 (seribu lima ratus)"],
        ["1.5", "1,500 (one thousand five hundred)"],
    ),
    ("1.000", "1000", "1", ["1.000 (seribu)", "1 (satu)"], ["1,000 (one thousand)", "1 (one)"]),
    (
        "100.000",
        "100000",
        "100",
        ["100.000 (seratus ribu)", "100 (seratus)"],
        ["100,000 (one hundred thousand)", "100 (one hundred)"],
    ),
    (
        "12,345",
        "12.345",
        "12345",
        ["12,345", "12.345 (dua belas ribu tiga ratus empat puluh lima)"],
        ["12.345", "12,345 (twelve thousand three hundred forty-five)"],
    ),
]

AMOUNTS = st.decimals(min_value=0, max_value=Decimal("1e15") - 1, places=8)

REFUSED = [
    ("", "number.empty"),
    ("²", "number.unreadable"),
    ("1²", "number.unreadable"),
    ("½", "number.unreadable"),
    ("1e309", "number.exponent"),
    ("1e-400", "number.exponent"),
    ("5E3", "number.exponent"),
    ("NaN", "number.not_a_number"),
    ("Infinity", "number.not_a_number"),
    ("-inf", "number.not_a_number"),
    ("-0,5", "number.sign"),
    ("+5", "number.sign"),
    ("\u22125", "number.sign"),
    ("9" * 5000, "number.too_long"),
    ("1" * 16, "number.too_large"),
    ("1.000.000.000.000.000", "number.too_large"),
    ("0," + "0" * 20 + "1", "number.too_precise"),
    ("1.5,5", "number.separators"),
    ("1,5.5", "number.separators"),
    ("1.50.000", "number.separators"),
    ("1,,5", "number.separators"),
    ("5.", "number.separators"),
    (".", "number.separators"),
    ("1_000", "number.unreadable"),
    ("1 000", "number.unreadable"),
    ("Rp100", "number.unreadable"),
]


@pytest.mark.parametrize(("typed", "meant"), ONE_READING)
def test_a_number_with_one_reading_is_taken_as_written(typed, meant):
    assert read_number(typed) == Decimal(meant)


@pytest.mark.parametrize(("typed", "indonesian", "english", "in_id", "in_en"), TWO_READINGS)
def test_a_number_that_reads_two_ways_is_never_guessed(typed, indonesian, english, in_id, in_en):
    reading = read_number(typed)
    assert isinstance(reading, TwoReadings)
    assert reading.values == (Decimal(indonesian), Decimal(english))


@pytest.mark.parametrize(("typed", "indonesian", "english", "in_id", "in_en"), TWO_READINGS)
def test_both_readings_are_offered_as_buttons_written_the_readers_way(
    typed, indonesian, english, in_id, in_en
):
    reading = read_number(typed)
    assert isinstance(reading, TwoReadings)
    buttons = [reading_button(value, f"nr:abc:{n}") for n, value in enumerate(reading.values)]
    for language, labels in (("id", in_id), ("en", in_en)):
        assert [render(b.label_key, dict(b.params), language) for b in buttons] == labels


@pytest.mark.parametrize(("typed", "key"), REFUSED)
def test_anything_else_is_refused_with_a_reason_in_both_languages(typed, key):
    reading = read_number(typed)
    assert isinstance(reading, Unreadable)
    assert reading.key == key
    assert len(reading.value) <= 24  # a 5,000-digit line is not echoed back whole
    for language in LANGUAGES:
        assert key in catalog(language)
        text = render(key, {"value": reading.value}, language)
        assert reading.value in text


@given(AMOUNTS)
def test_a_chosen_reading_travels_as_a_text_that_reads_back_as_exactly_it(value):
    assert read_number(as_typed(value)) == value


@given(AMOUNTS, st.sampled_from(LANGUAGES))
def test_every_number_the_bot_shows_reads_back_to_its_value_or_asks(value, language):
    reading = read_number(number(str(value), language))
    assert reading == value or (isinstance(reading, TwoReadings) and value in reading.values)


@given(st.text(max_size=60))
def test_no_text_makes_the_parser_raise(text):
    assert isinstance(read_number(text), Decimal | TwoReadings | Unreadable)


@pytest.mark.parametrize(
    ("value", "indonesian", "english"),
    [
        (0, "nol", "zero"),
        (11, "sebelas", "eleven"),
        (1500, "seribu lima ratus", "one thousand five hundred"),
        (1_001_000, "satu juta seribu", "one million one thousand"),
        (
            1_549_908_000,
            "satu miliar lima ratus empat puluh sembilan juta sembilan ratus delapan ribu",
            "one billion five hundred forty-nine million nine hundred eight thousand",
        ),
    ],
)
def test_whole_numbers_are_spelled_in_both_languages(value, indonesian, english):
    assert (spell(value, "id"), spell(value, "en")) == (indonesian, english)


@pytest.mark.parametrize("value", ["1E+999999", "1E-400", "-1E+5000"])
def test_a_value_no_check_let_through_still_renders_short_and_at_once(value):
    for language in LANGUAGES:
        text = render("order.min_value", {"minimum": value, "value": value}, language)
        assert len(text) < 200
        assert render("number.reading_whole", {"value": value}, language) == f"{value} ({value})"
