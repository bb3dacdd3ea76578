"""What each Indodax market allows (tick, quantity step, minimums, fees, open or not), read
from `/api/pairs` plus `/api/price_increments` and kept fresh for every order check.

Wire traps handled here (field guide §1.2, §1.3): `base_currency` is the QUOTE and
`traded_currency` the BASE; fees come as percent; `pricescale` is a TradingView display
scale that disagrees with the real tick on USDT pairs; the coin id `idx` is the asset IDRX.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from adapters.indodax.pairs import Pair, UnknownPair, parse_pair, suggest

log = logging.getLogger(__name__)

# Coin balances and order quantities are 8-decimal strings on every TAPI surface, and CCXT
# uses the same default; `volume_precision` is NOT a fallback, it counts the QUOTE's
# decimals (0 on IDR pairs), which would forbid fractional coins.
DEFAULT_QUANTITY_STEP = Decimal("0.00000001")
# `price_precision` equals the tick on both documented rows (1000, 0.000001), `pricescale`
# only on IDR rows, so it is the last resort.
_TICK_FALLBACKS = ("price_precision", "pricescale")
_FLAG_VALUES: Mapping[Any, bool] = {0: False, 1: True, "0": False, "1": True}

FetchMarkets = Callable[[], tuple[Any, Any]]


class MarketDataError(ValueError):
    """The market list as a whole is unusable (wrong shape, or not one usable row)."""


class _MalformedRow(ValueError):
    pass


@dataclass(frozen=True)
class PairInfo:
    pair: Pair
    tick: Decimal  # price increment, in the quote currency
    quantity_step: Decimal  # base coin
    min_value: Decimal  # minimum order value, in the quote currency
    min_quantity: Decimal  # base coin
    quote_decimals: int  # 0 on IDR pairs: IDR amounts sent to the exchange are integers
    maker_fee: Decimal  # fraction: 0.001 is 0.1 %
    taker_fee: Decimal
    maintenance: bool
    suspended: bool
    base_unit: str  # `traded_currency_unit`, what users call the coin: IDRX for the id `idx`

    @property
    def tradable(self) -> bool:
        return not (self.maintenance or self.suspended)

    @property
    def quote_unit(self) -> str:
        return self.pair.quote.upper()

    @property
    def quote_step(self) -> Decimal:
        """The smallest quote amount the exchange accepts: 1 IDR, 0.00000001 USDT."""
        return Decimal(1).scaleb(-self.quote_decimals)

    @property
    def display(self) -> str:
        """`IDRX/IDR` rather than `IDX/IDR`: the coin id is a wire name, not the asset's."""
        return f"{self.base_unit}/{self.quote_unit}"


def parse_pairs(pairs_json: Any, increments_json: Any) -> dict[Pair, PairInfo]:
    """One bad row must not hide the other markets, so it is logged and skipped."""
    if not isinstance(pairs_json, list):
        raise MarketDataError(f"/api/pairs is a {type(pairs_json).__name__}, not a list")
    increments = _increments(increments_json)
    infos: dict[Pair, PairInfo] = {}
    for row in pairs_json:
        try:
            info = _info_of(row, increments)
        except _MalformedRow as problem:
            row_id = row.get("id") if isinstance(row, dict) else None
            log.warning(
                "skipping malformed /api/pairs row",
                extra={"pair_id": str(row_id), "problem": str(problem)},
            )
            continue
        infos[info.pair] = info
    return infos


def _info_of(row: Any, increments: Mapping[str, Any]) -> PairInfo:
    if not isinstance(row, dict):
        raise _MalformedRow(f"row is a {type(row).__name__}, not an object")
    pair = _pair_of(row)
    return PairInfo(
        pair=pair,
        tick=_tick(row, increments.get(pair.ticker_id)),
        quantity_step=(
            _positive(row["quantity_increment"], "quantity_increment")
            if row.get("quantity_increment") is not None
            else DEFAULT_QUANTITY_STEP
        ),
        min_value=_non_negative(row.get("trade_min_base_currency"), "trade_min_base_currency"),
        min_quantity=_non_negative(
            row.get("trade_min_traded_currency"), "trade_min_traded_currency"
        ),
        quote_decimals=_decimals(row.get("volume_precision")),
        maker_fee=_fee(row, "trade_fee_percent_maker"),
        taker_fee=_fee(row, "trade_fee_percent_taker"),
        maintenance=_flag(row, "is_maintenance"),
        suspended=_flag(row, "is_market_suspended"),
        base_unit=_unit(row, pair),
    )


def _increments(increments_json: Any) -> Mapping[str, Any]:
    increments = increments_json.get("increments") if isinstance(increments_json, dict) else None
    if isinstance(increments, dict):
        return increments
    log.warning(
        "/api/price_increments unusable, ticks fall back to price_precision",
        extra={"body_type": type(increments_json).__name__},
    )
    return {}


def _pair_of(row: dict[str, Any]) -> Pair:
    base, quote = row.get("traded_currency"), row.get("base_currency")
    if not isinstance(base, str) or not isinstance(quote, str):
        raise _MalformedRow("traded_currency or base_currency missing")
    try:
        pair = parse_pair(f"{base}/{quote}")
    except UnknownPair as error:
        raise _MalformedRow(f"unusable currencies {base!r}/{quote!r}") from error
    # A mismatch would mean our reading of which side is the quote is wrong for this row.
    if row.get("id", pair.id) != pair.id or row.get("ticker_id", pair.ticker_id) != pair.ticker_id:
        raise _MalformedRow(f"id {row.get('id')!r} does not match {pair.ticker_id}")
    return pair


def _tick(row: dict[str, Any], increment: Any) -> Decimal:
    if increment is not None:
        return _positive(increment, "price increment")
    for key in _TICK_FALLBACKS:
        if row.get(key) is not None:
            return _positive(row[key], key)
    raise _MalformedRow("no price increment, price_precision or pricescale")


def _fee(row: dict[str, Any], key: str) -> Decimal:
    """Percent on the wire; the legacy single `trade_fee_percent` (the taker rate) stands
    in for a missing maker or taker rate, which can only overstate a fee estimate."""
    for candidate in (key, "trade_fee_percent"):
        if row.get(candidate) is not None:
            return _non_negative(row[candidate], candidate) / 100
    raise _MalformedRow(f"{key} missing")


def _flag(row: dict[str, Any], key: str) -> bool:
    value = row.get(key, 0)
    if isinstance(value, bool):
        return value
    if not isinstance(value, int | str) or value not in _FLAG_VALUES:
        raise _MalformedRow(f"{key} is {value!r}, expected 0 or 1")
    return _FLAG_VALUES[value]


def _unit(row: dict[str, Any], pair: Pair) -> str:
    unit = row.get("traded_currency_unit")
    return unit.strip().upper() if isinstance(unit, str) and unit.strip() else pair.base.upper()


def _decimals(value: Any) -> int:
    number = _non_negative(value, "volume_precision")
    if number != number.to_integral_value():
        raise _MalformedRow(f"volume_precision {value!r} is not a whole number")
    return int(number)


def _positive(value: Any, name: str) -> Decimal:
    number = _non_negative(value, name)
    if number == 0:
        raise _MalformedRow(f"{name} is zero")
    return number


def _non_negative(value: Any, name: str) -> Decimal:
    if value is None or isinstance(value, bool):
        raise _MalformedRow(f"{name} is {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation as error:
        raise _MalformedRow(f"{name} {value!r} is not a number") from error
    if not number.is_finite() or number < 0:
        raise _MalformedRow(f"{name} {value!r} is not a finite, non-negative number")
    return number


@dataclass(frozen=True)
class _Snapshot:
    infos: Mapping[Pair, PairInfo]
    pairs: tuple[Pair, ...]
    due: float  # clock value from which the next fetch is attempted


class MarketCatalog:
    """The market list for the whole process, fetched lazily and at most once per
    `refresh_seconds`. A failed refresh keeps serving the last good list (markets change
    rarely; refusing every order during an exchange hiccup would be worse) and is retried
    after `retry_seconds`. While one thread refreshes, others keep reading the old list."""

    def __init__(
        self,
        fetch: FetchMarkets,
        refresh_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        retry_seconds: float = 30.0,
    ) -> None:
        self._fetch = fetch
        self._refresh_seconds = refresh_seconds
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._fetching = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def info(self, pair: Pair) -> PairInfo:
        infos = self._current().infos
        if pair not in infos:
            raise UnknownPair(pair.display, suggest(pair.id, infos))
        return infos[pair]

    def pairs(self) -> list[Pair]:
        return list(self._current().pairs)

    def parse(self, text: str) -> Pair:
        """Any user spelling (`btc`, `BTC/USDT`, `eth-idr`) to a pair the exchange lists."""
        return parse_pair(text, self._current().pairs)

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is None:
            with self._fetching:
                snapshot = self._snapshot
                if snapshot is None:
                    snapshot = self._snapshot = self._load()
                return snapshot
        if self._clock() >= snapshot.due and self._fetching.acquire(blocking=False):
            try:
                if self._snapshot is snapshot:
                    self._snapshot = self._refreshed(snapshot)
                snapshot = self._snapshot
            finally:
                self._fetching.release()
        return snapshot

    def _load(self) -> _Snapshot:
        pairs_json, increments_json = self._fetch()
        infos = parse_pairs(pairs_json, increments_json)
        if not infos:
            raise MarketDataError("/api/pairs has no usable row")
        log.info("market list loaded", extra={"pairs": len(infos)})
        return _Snapshot(
            MappingProxyType(infos), tuple(sorted(infos)), self._clock() + self._refresh_seconds
        )

    def _refreshed(self, old: _Snapshot) -> _Snapshot:
        try:
            return self._load()
        except Exception:  # any failure of the injected fetch: keep trading on the old list
            log.warning(
                "market list refresh failed, keeping the last good list",
                exc_info=True,
                extra={"pairs": len(old.pairs), "retry_in_seconds": self._retry_seconds},
            )
            return replace(old, due=self._clock() + self._retry_seconds)
