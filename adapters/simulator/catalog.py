"""The simulator's market list: the exchange's own `/api/pairs` and `/api/price_increments`
replies (served back byte-for-byte in shape) plus the simulator's parameters per pair.

This reads the wire rows independently of the client's market parser on purpose: a test
double that shared the client's interpretation would hide the client's mistakes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.indodax.pairs import Pair
from adapters.simulator.formats import to_decimal

DATA_DIR = Path(__file__).resolve().parent / "data"
PERCENT = Decimal(100)


@dataclass(frozen=True)
class Market:
    pair: Pair
    tick: Decimal
    quote_step: Decimal  # 1 IDR; 0.00000001 USDT (`volume_precision` decimals)
    base_step: Decimal  # `quantity_increment`
    min_value: Decimal  # `trade_min_base_currency`, in the quote currency
    min_quantity: Decimal  # `trade_min_traded_currency`, in the base coin
    maker_fee: Decimal  # fraction, 0.001 = 0.1 %
    taker_fee: Decimal
    name: str  # the coin's name, shown in /api/summaries
    start_price: Decimal
    volatility: Decimal  # standard deviation of the relative price move per minute
    trade_qty: Decimal  # typical size of one synthetic market trade, base coin

    @property
    def id(self) -> str:
        return self.pair.id

    @property
    def base(self) -> str:
        return self.pair.base

    @property
    def quote(self) -> str:
        return self.pair.quote

    def fee_rate(self, is_maker: bool) -> Decimal:
        return self.maker_fee if is_maker else self.taker_fee

    @property
    def min_price(self) -> Decimal:
        """1 IDR on IDR pairs ("Minimum price 1 IDR"), one tick where the tick is smaller."""
        return min(self.tick, Decimal(1))


@dataclass(frozen=True)
class Asset:
    code: str
    name: str
    withdraw_fee: Decimal | None
    address: str | None
    network: str | list[str] | None


class Catalog:
    """Lookups by every spelling a surface uses: `btcidr` (any case) in public paths,
    `btc_idr` on TAPI v1, `BTCIDR` in OHLC history."""

    def __init__(
        self,
        pairs_rows: list[dict[str, Any]],
        increments: dict[str, Any],
        parameters: dict[str, Any],
    ) -> None:
        self.pairs_rows = pairs_rows
        self.increments = increments
        ticks = increments["increments"]
        assets = parameters["assets"]
        self.assets = {
            code: Asset(
                code=code,
                name=row["name"],
                withdraw_fee=to_decimal(row["withdraw_fee"]) if "withdraw_fee" in row else None,
                address=row.get("address"),
                network=row.get("network"),
            )
            for code, row in assets.items()
        }
        self.markets: dict[str, Market] = {}
        for row in pairs_rows:
            pair = Pair(row["traded_currency"], row["base_currency"])
            tuning = parameters["pairs"][pair.id]
            self.markets[pair.id] = Market(
                pair=pair,
                tick=to_decimal(ticks[pair.ticker_id]),
                quote_step=Decimal(1).scaleb(-int(row["volume_precision"])),
                base_step=to_decimal(row["quantity_increment"]),
                min_value=to_decimal(row["trade_min_base_currency"]),
                min_quantity=to_decimal(row["trade_min_traded_currency"]),
                maker_fee=to_decimal(row["trade_fee_percent_maker"]) / PERCENT,
                taker_fee=to_decimal(row["trade_fee_percent_taker"]) / PERCENT,
                name=self.assets[pair.base].name,
                start_price=to_decimal(tuning["price"]),
                volatility=to_decimal(tuning["volatility"]),
                trade_qty=to_decimal(tuning["trade_qty"]),
            )
        self._by_ticker_id = {market.pair.ticker_id: market for market in self.markets.values()}
        self._by_symbol = {market.pair.symbol: market for market in self.markets.values()}

    @classmethod
    def load(cls, directory: Path = DATA_DIR) -> Catalog:
        def read(name: str) -> Any:
            return json.loads((directory / name).read_text(encoding="utf-8"))

        return cls(read("pairs.json"), read("price_increments.json"), read("markets.json"))

    def __iter__(self) -> Iterator[Market]:
        return iter(self.markets.values())

    def by_path_id(self, text: str) -> Market | None:
        """Public paths accept `BTCIDR` too, but `btc_idr` is an unknown pair there."""
        return self.markets.get(text.lower())

    def by_ticker_id(self, text: str) -> Market | None:
        return self._by_ticker_id.get(text)

    def by_symbol(self, text: str) -> Market | None:
        return self._by_symbol.get(text)

    def currencies(self) -> list[str]:
        """Every balance key getInfo shows, in the data file's order (idr first)."""
        return list(self.assets)
