"""One pair, many spellings: users type `BTC/IDR`, `btc-idr` or just `btc`; each Indodax
surface wants its own format (path `btcidr`, TAPI `btc_idr`, OHLC `BTCIDR`, WS suffix)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

QUOTES = ("usdt", "idr")  # the quote currencies Indodax lists (IDR and USDT markets)
DEFAULT_QUOTE = "idr"
_SEPARATORS = re.compile(r"[\s_/\-:]+")
_VALID = re.compile(r"^[a-z0-9]{1,20}$")


class UnknownPair(ValueError):
    """The text is not a pair we know; `suggestions` holds the closest known ones."""

    def __init__(self, text: str, suggestions: tuple[Pair, ...] = ()) -> None:
        self.text = text
        self.suggestions = suggestions
        super().__init__(f"unknown pair {text!r}")


@dataclass(frozen=True, order=True)
class Pair:
    base: str  # the traded coin: "btc" (Indodax calls it traded_currency)
    quote: str  # "idr" or "usdt" (Indodax calls it base_currency)

    @property
    def id(self) -> str:
        """Public REST paths, /api/pairs `id`, WebSocket channel suffixes: `btcidr`."""
        return f"{self.base}{self.quote}"

    @property
    def ticker_id(self) -> str:
        """TAPI `pair`, ticker_all / summaries / price_increments keys: `btc_idr`."""
        return f"{self.base}_{self.quote}"

    @property
    def symbol(self) -> str:
        """OHLC history and TAPI v2: `BTCIDR`."""
        return self.id.upper()

    @property
    def display(self) -> str:
        return f"{self.base.upper()}/{self.quote.upper()}"

    def ws_channel(self, prefix: str) -> str:
        """`chart:tick-` → `chart:tick-btcidr` (other spellings subscribe but stay silent)."""
        return f"{prefix}{self.id}"

    def __str__(self) -> str:
        return self.ticker_id


def parse_pair(text: str, known: Iterable[Pair] | None = None) -> Pair:
    """Any user spelling to a pair; checked against `known` (the exchange's list) when given."""
    cleaned = text.strip().lower()
    parts = [part for part in _SEPARATORS.split(cleaned) if part]
    pair = _from_parts(parts)
    if pair is None or (known is not None and pair not in set(known)):
        raise UnknownPair(text, suggest(text, known or ()))
    return pair


def _from_parts(parts: list[str]) -> Pair | None:
    if not parts or not all(_VALID.match(part) for part in parts):
        return None
    if len(parts) == 2:
        return Pair(parts[0], parts[1])
    if len(parts) != 1:
        return None
    word = parts[0]
    for quote in QUOTES:
        if word.endswith(quote) and len(word) > len(quote):
            return Pair(word[: -len(quote)], quote)
    return Pair(word, DEFAULT_QUOTE)


def suggest(text: str, known: Iterable[Pair], limit: int = 3) -> tuple[Pair, ...]:
    """The known pairs closest to what was typed, for "did you mean …?"."""
    by_id = {pair.id: pair for pair in known}
    typed = "".join(_SEPARATORS.split(text.strip().lower()))
    candidates = [typed, typed + DEFAULT_QUOTE]
    found: list[Pair] = []
    for candidate in candidates:
        for match in difflib.get_close_matches(candidate, list(by_id), n=limit, cutoff=0.6):
            if by_id[match] not in found:
                found.append(by_id[match])
    return tuple(found[:limit])
