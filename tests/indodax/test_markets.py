from __future__ import annotations

import json
import logging
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.indodax.markets import (
    MarketCatalog,
    MarketDataError,
    parse_pairs,
)
from adapters.indodax.pairs import Pair, UnknownPair

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indodax"
PAIRS = json.loads((FIXTURES / "pairs.json").read_text())
INCREMENTS = json.loads((FIXTURES / "price_increments.json").read_text())
BTC_IDR, BTC_USDT = Pair("btc", "idr"), Pair("btc", "usdt")


def btc_row(**changes):
    """The fixture's btcidr row with some fields changed (None removes the field)."""
    row = {**PAIRS[0], **changes}
    return {key: value for key, value in row.items() if value is not None}


def coin_row(base: str, quote: str = "idr", **changes):
    names = {
        "id": f"{base}{quote}",
        "ticker_id": f"{base}_{quote}",
        "traded_currency": base,
        "base_currency": quote,
        "traded_currency_unit": base.upper(),
    }
    return btc_row(**{**names, **changes})


def test_btc_idr_row_reads_as_documented():
    info = parse_pairs(PAIRS, INCREMENTS)[BTC_IDR]
    assert (info.tick, info.quantity_step, info.min_value, info.min_quantity) == (
        Decimal("1000"),
        Decimal("0.00000001"),
        Decimal("10000"),
        Decimal("0.0001"),
    )
    assert info.quote_decimals == 0
    assert info.quote_step == Decimal("1")
    assert (info.maker_fee, info.taker_fee) == (Decimal("0.001"), Decimal("0.002"))
    assert info.tradable
    assert info.display == "BTC/IDR"


def test_usdt_pair_takes_its_tick_from_price_increments_not_pricescale():
    info = parse_pairs(PAIRS, INCREMENTS)[BTC_USDT]
    assert info.tick == Decimal("0.000001")
    assert info.quote_decimals == 8
    assert info.quote_step == Decimal("0.00000001")
    assert info.min_value == Decimal("1")
    assert (info.maker_fee, info.taker_fee) == (Decimal("0.0003"), Decimal("0.0006"))


def test_base_currency_is_read_as_the_quote():
    assert set(parse_pairs(PAIRS, INCREMENTS)) == {BTC_IDR, BTC_USDT}


def test_price_increment_wins_when_it_disagrees_with_price_precision():
    rows = [btc_row(price_precision=500, pricescale=500)]
    assert parse_pairs(rows, INCREMENTS)[BTC_IDR].tick == Decimal("1000")


@pytest.mark.parametrize(
    ("changes", "tick"),
    [
        ({"price_precision": 0.000001, "pricescale": 1}, Decimal("0.000001")),
        ({"price_precision": None, "pricescale": 100}, Decimal("100")),
    ],
)
def test_a_pair_without_an_increment_falls_back_to_price_precision_then_pricescale(changes, tick):
    rows = [coin_row("new", **changes)]
    assert parse_pairs(rows, INCREMENTS)[Pair("new", "idr")].tick == tick


def test_an_unusable_increments_body_falls_back_for_every_pair(caplog):
    with caplog.at_level(logging.WARNING, logger="adapters.indodax.markets"):
        infos = parse_pairs(PAIRS, {"error": "down"})
    assert infos[BTC_IDR].tick == Decimal("1000")
    assert infos[BTC_USDT].tick == Decimal("0.000001")
    assert "price_increments" in caplog.text


def test_missing_quantity_increment_falls_back_to_eight_decimals():
    rows = [btc_row(quantity_increment=None)]
    assert parse_pairs(rows, INCREMENTS)[BTC_IDR].quantity_step == Decimal("0.00000001")


def test_legacy_fee_percent_stands_in_for_missing_maker_and_taker_rates():
    rows = [btc_row(trade_fee_percent_maker=None, trade_fee_percent_taker=None)]
    info = parse_pairs(rows, INCREMENTS)[BTC_IDR]
    assert (info.maker_fee, info.taker_fee) == (Decimal("0.002"), Decimal("0.002"))


def test_idx_pair_keeps_the_coin_id_for_the_wire_and_idrx_for_people():
    rows = [coin_row("idx", traded_currency_unit="IDRX", description="IDRX/IDR")]
    info = parse_pairs(rows, {"increments": {"idx_idr": "1"}})[Pair("idx", "idr")]
    assert info.pair.ticker_id == "idx_idr"
    assert info.base_unit == "IDRX"
    assert info.display == "IDRX/IDR"
    assert info.tick == Decimal("1")


@pytest.mark.parametrize(
    ("changes", "maintenance", "suspended"),
    [
        ({"is_maintenance": 1}, True, False),
        ({"is_market_suspended": "1"}, False, True),
        ({"is_maintenance": None, "is_market_suspended": None}, False, False),
    ],
)
def test_maintenance_and_suspension_make_a_market_untradable(changes, maintenance, suspended):
    info = parse_pairs([btc_row(**changes)], INCREMENTS)[BTC_IDR]
    assert (info.maintenance, info.suspended) == (maintenance, suspended)
    assert info.tradable is not (maintenance or suspended)


@pytest.mark.parametrize(
    "bad_row",
    [
        "btcidr",
        coin_row("bad", traded_currency=None),
        coin_row("bad", id="badusdt"),
        coin_row("bad", traded_currency="b@d", id="b@didr", ticker_id="b@d_idr"),
        coin_row("bad", trade_min_base_currency=-1),
        coin_row("bad", trade_min_traded_currency="lots"),
        coin_row("bad", trade_min_base_currency=None),
        coin_row("bad", quantity_increment="0"),
        coin_row("bad", volume_precision=0.5),
        coin_row("bad", is_maintenance="maybe"),
        coin_row("bad", is_maintenance=[1]),
        coin_row("bad", price_precision=None, pricescale=None),
        coin_row("bad", price_precision="NaN"),
        coin_row("bad", trade_fee_percent_taker=None, trade_fee_percent=None),
    ],
)
def test_a_malformed_row_is_skipped_and_logged_without_losing_the_others(bad_row, caplog):
    with caplog.at_level(logging.WARNING, logger="adapters.indodax.markets"):
        infos = parse_pairs([PAIRS[0], bad_row, PAIRS[1]], INCREMENTS)
    assert set(infos) == {BTC_IDR, BTC_USDT}
    assert "skipping malformed /api/pairs row" in caplog.text


def test_a_malformed_increment_skips_only_its_pair():
    infos = parse_pairs(PAIRS, {"increments": {"btc_idr": "-1000", "btc_usdt": "0.000001"}})
    assert set(infos) == {BTC_USDT}


@pytest.mark.parametrize("body", [{"pairs": []}, None, "maintenance"])
def test_a_pairs_body_that_is_not_a_list_is_refused_whole(body):
    with pytest.raises(MarketDataError):
        parse_pairs(body, INCREMENTS)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeFetch:
    """Serves the fixture lists; `fail` makes the next calls raise, `pairs` swaps the list."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail: Exception | None = None
        self.pairs = PAIRS

    def __call__(self):
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return self.pairs, INCREMENTS


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def fetch():
    return FakeFetch()


@pytest.fixture
def catalog(fetch, clock):
    return MarketCatalog(fetch, refresh_seconds=300, clock=clock, retry_seconds=30)


def test_catalog_loads_lazily_on_first_use(catalog, fetch):
    assert fetch.calls == 0
    assert catalog.info(BTC_IDR).tick == Decimal("1000")
    assert fetch.calls == 1


def test_catalog_does_not_refetch_while_fresh(catalog, fetch, clock):
    catalog.info(BTC_IDR)
    clock.now += 299
    catalog.pairs()
    catalog.parse("btc")
    assert fetch.calls == 1


def test_catalog_refetches_once_stale_and_serves_the_new_list(catalog, fetch, clock):
    assert catalog.pairs() == [BTC_IDR, BTC_USDT]
    fetch.pairs = [*PAIRS, coin_row("eth")]
    clock.now += 300
    assert catalog.pairs() == [BTC_IDR, BTC_USDT, Pair("eth", "idr")]
    assert fetch.calls == 2


def test_failed_refresh_keeps_the_last_good_list_and_logs(catalog, fetch, clock, caplog):
    catalog.info(BTC_IDR)
    fetch.fail = ConnectionError("indodax down")
    clock.now += 301
    with caplog.at_level(logging.WARNING, logger="adapters.indodax.markets"):
        assert catalog.info(BTC_USDT).tick == Decimal("0.000001")
    assert "refresh failed" in caplog.text
    assert fetch.calls == 2


def test_failed_refresh_is_retried_after_the_retry_delay_not_on_every_call(catalog, fetch, clock):
    catalog.info(BTC_IDR)
    fetch.fail = ConnectionError("indodax down")
    clock.now += 301
    catalog.info(BTC_IDR)
    clock.now += 29
    catalog.info(BTC_IDR)
    assert fetch.calls == 2
    fetch.fail = None
    fetch.pairs = [PAIRS[0]]
    clock.now += 1
    assert catalog.pairs() == [BTC_IDR]
    assert fetch.calls == 3


def test_refresh_returning_no_usable_row_keeps_the_last_good_list(catalog, fetch, clock):
    catalog.info(BTC_IDR)
    fetch.pairs = [{"id": "garbage"}]
    clock.now += 300
    assert catalog.pairs() == [BTC_IDR, BTC_USDT]


def test_first_load_failure_raises_and_the_next_call_tries_again(catalog, fetch):
    fetch.fail = ConnectionError("indodax down")
    with pytest.raises(ConnectionError):
        catalog.info(BTC_IDR)
    fetch.fail = None
    assert catalog.info(BTC_IDR).pair == BTC_IDR
    assert fetch.calls == 2


def test_first_load_of_an_empty_list_raises(catalog, fetch):
    fetch.pairs = []
    with pytest.raises(MarketDataError):
        catalog.pairs()


def test_unknown_pair_is_refused_with_suggestions(catalog):
    with pytest.raises(UnknownPair) as error:
        catalog.info(Pair("btc", "eur"))
    assert BTC_IDR in error.value.suggestions


@pytest.mark.parametrize(
    ("typed", "pair"), [("btc", BTC_IDR), ("BTC/USDT", BTC_USDT), ("btc_idr", BTC_IDR)]
)
def test_catalog_parses_any_user_spelling_of_a_listed_pair(catalog, typed, pair):
    assert catalog.parse(typed) == pair


def test_catalog_refuses_a_well_formed_but_unlisted_pair(catalog):
    with pytest.raises(UnknownPair):
        catalog.parse("eth")


def test_concurrent_first_use_fetches_once(clock):
    started = threading.Event()
    release = threading.Event()
    calls = []

    def slow_fetch():
        calls.append(1)
        started.set()
        release.wait(5)
        return PAIRS, INCREMENTS

    catalog = MarketCatalog(slow_fetch, clock=clock)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(catalog.info(BTC_IDR))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    assert started.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(calls) == 1
    assert len(results) == 8


def test_readers_get_the_old_list_while_another_thread_refreshes(clock):
    refreshing = threading.Event()
    release = threading.Event()
    served = [PAIRS, [PAIRS[0]]]

    def fetch():
        pairs = served.pop(0)
        if not served:
            refreshing.set()
            release.wait(5)
        return pairs, INCREMENTS

    catalog = MarketCatalog(fetch, refresh_seconds=300, clock=clock)
    catalog.pairs()
    clock.now += 300
    refresher = threading.Thread(target=catalog.pairs)
    refresher.start()
    assert refreshing.wait(5)
    assert catalog.pairs() == [BTC_IDR, BTC_USDT]
    release.set()
    refresher.join(5)
    assert catalog.pairs() == [BTC_IDR]
