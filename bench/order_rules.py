"""Order-rule validation throughput over the fixture pairs, with random intents.

Run: .venv/bin/python bench/order_rules.py [--orders N] [--seed S]
Prints one line: order-rule validation: N orders/s
"""

from __future__ import annotations

import argparse
import json
import random
import time
from decimal import Decimal
from pathlib import Path

from adapters.indodax.markets import PairInfo, parse_pairs
from adapters.indodax.order_rules import OrderIntent, validate_order

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "indodax"
REFERENCE_PRICE = {"idr": Decimal("1550000000"), "usdt": Decimal("65000")}


def load_markets() -> list[PairInfo]:
    pairs = json.loads((FIXTURES / "pairs.json").read_text())
    increments = json.loads((FIXTURES / "price_increments.json").read_text())
    return list(parse_pairs(pairs, increments).values())


def scaled(rng: random.Random, center: Decimal) -> Decimal:
    """`center` times 0.1 … 10, with 12 significant digits: unrounded, like typed amounts."""
    return (center * Decimal(rng.randint(10**11, 10**13)) / Decimal(10**12)).quantize(
        Decimal(1).scaleb(center.adjusted() - 12)
    )


def random_intent(rng: random.Random, info: PairInfo) -> OrderIntent:
    side = rng.choice(("buy", "sell"))
    order_type = rng.choice(("limit", "market"))
    reference = REFERENCE_PRICE[info.pair.quote]
    price = scaled(rng, reference)
    if side == "buy" and (order_type == "market" or rng.random() < 0.5):
        return OrderIntent(
            info.pair, side, order_type, price, quote_amount=scaled(rng, info.min_value * 5)
        )
    return OrderIntent(info.pair, side, order_type, price, quantity=scaled(rng, Decimal("0.001")))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    markets = load_markets()
    work = []
    for _ in range(args.orders):
        info = rng.choice(markets)
        work.append((random_intent(rng, info), info))
    began = time.perf_counter()
    for intent, info in work:
        validate_order(intent, info)
    elapsed = time.perf_counter() - began
    print(f"order-rule validation: {args.orders / elapsed:,.0f} orders/s")


if __name__ == "__main__":
    main()
