"""A fresh simulator per test (no price ticks, a short invented history, a fixed seed) and
a small signed TAPI client built on `adapters.indodax.signing.sign` only."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from adapters.indodax.signing import sign
from adapters.simulator.server import SimulatorServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "indodax"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """The JSON types of a body, recursively; lists are described by their first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


class Trader:
    """Signs exactly the body it sends, with a strictly increasing nonce."""

    def __init__(
        self,
        base_url: str,
        key: str,
        secret: str,
        timeout: float = 5.0,
        nonces: Iterator[int] | None = None,
    ) -> None:
        self.key = key
        self.secret = secret
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self.nonces = nonces or itertools.count(1)  # share it between clients of one key

    def post(self, path: str, body: str, sign_with: str | None = None) -> httpx.Response:
        signature = sign(sign_with or self.secret, body)
        headers = {"Key": self.key, "Sign": signature}
        return self.http.post(
            path,
            content=body,
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        )

    def next_nonce(self) -> int:
        return next(self.nonces)

    def call(self, method: str, **params: Any) -> Any:
        return self.raw(method, **params).json()

    def raw(self, method: str, **params: Any) -> httpx.Response:
        fields = {"method": method, "nonce": self.next_nonce(), **params}
        return self.post("/tapi", urlencode(fields))

    def ok(self, method: str, **params: Any) -> Any:
        reply = self.call(method, **params)
        assert reply.get("success") == 1, reply
        return reply.get("return")

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(port=0, seed=11, tick_interval=0, history_minutes=90) as running:
        yield running


@pytest.fixture
def trader(server: SimulatorServer) -> Iterator[Trader]:
    client = Trader(server.base_url, server.demo_key, server.demo_secret)
    yield client
    client.close()


@pytest.fixture
def public(server: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=5.0) as client:
        yield client
