"""Cost of building and signing one private `trade` request, the client's own overhead.

Run: .venv/bin/python bench/signing_rate.py [--requests N]
Prints one line: signed-request build+sign: N requests/s. Each request draws a nonce from an
in-memory store, builds the urlencoded body, signs it with HMAC-SHA512 and wraps it in an
httpx.Request, exactly as PrivateClient.trade does before sending; nothing is sent.
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

import httpx

from adapters.indodax.pairs import Pair
from adapters.indodax.private_client import PrivateClient, trade_params
from config.secret import Secret
from persistence.nonce_store import NonceStore


class MemoryNonces(NonceStore):
    def __init__(self) -> None:
        self.last = time.time_ns() // 1_000_000

    def next(self, key_id: str) -> int:
        self.last += 1
        return self.last

    def advance_past(self, key_id: str, value: int) -> None:
        self.last = max(self.last, value)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args()
    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    client = PrivateClient(
        "https://indodax.com/tapi",
        "https://tapi.indodax.com",
        Secret("BENCHKEY-AAAAAAAA-BBBBBBBB-CCCCCCCC-DDDDDDDD"),
        Secret("f60617a68fcce028f0a90bc9eb765d17379eb548cc935c01a7ee3186eecf870e9b68f27a31bcfe8d"),
        MemoryNonces(),
        http=http,
    )
    pair = Pair("btc", "idr")
    began = time.perf_counter()
    for number in range(args.requests):
        params = trade_params(
            pair,
            "buy",
            "limit",
            client_order_id=f"bench-{number}",
            price=Decimal(1500000000),
            quantity=Decimal("0.0001"),
        )
        client.build_tapi_request("trade", params)
    elapsed = time.perf_counter() - began
    print(f"signed-request build+sign: {args.requests / elapsed:,.0f} requests/s")


if __name__ == "__main__":
    main()
