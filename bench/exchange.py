"""The exchange of a benchmark: the simulator in a process of its own at the lowest CPU
priority (in production the exchange is another host; on two cores its work on one user's
order would otherwise take the CPU from the actors being measured), with the moments a
benchmark measures between, all on CLOCK_MONOTONIC (time.perf_counter), which every process
of the host shares:

  tick     the simulator published a trade (`Exchange.move`, `Exchange.play`): the price
           leaves for the PriceFeedActor over the market WebSocket;
  left     a user's actor handed a signed request to its HTTP transport: the transport writes
           that moment into a header (`stamp_departures()`, called in the benchmark's process
           before the actors are forked from it);
  arrived  the simulator's server took the request, before any of its own work.

BENCH_SIMULATOR_NICE=0 runs the simulator at normal priority, for comparison.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

import httpx
from aiohttp import web

import adapters.simulator.server as simulator_server
from adapters.indodax.http_transport import KeepAliveTransport
from adapters.simulator.accounts import AccountSpec
from adapters.simulator.catalog import DATA_DIR
from adapters.simulator.control import set_price
from adapters.simulator.server import SimulatorServer
from adapters.simulator.simulator import Simulator
from config.schema import IndodaxSettings

LEFT_HEADER = "X-Bench-Left"
NICE = int(os.environ.get("BENCH_SIMULATOR_NICE", "19"))


@dataclass(frozen=True)
class Stamp:
    """One private request: when it left its user's actor and reached the simulator."""

    left: float
    arrived: float
    key: str
    method: str
    client_order_id: str


@dataclass(frozen=True)
class Tick:
    at: float
    pair: str  # `btcidr`
    price: Decimal  # the last price after the move (snapped to the pair's tick)


def stamp_departures() -> None:
    """Every request an actor forked after this call sends carries the moment it left."""
    send = KeepAliveTransport.handle_request

    def stamped(transport: KeepAliveTransport, request: httpx.Request) -> httpx.Response:
        request.headers[LEFT_HEADER] = repr(time.perf_counter())
        return send(transport, request)

    KeepAliveTransport.handle_request = stamped  # type: ignore[method-assign]


def markets(count: int, directory: Path) -> list[str]:
    """A market list of `count` IDR pairs shaped like btcidr (`c00idr`, `c01idr`, ...) in
    `directory`, for a simulator with as many pairs as a benchmark needs; their path ids."""
    pairs = json.loads((DATA_DIR / "pairs.json").read_text())
    increments = json.loads((DATA_DIR / "price_increments.json").read_text())
    parameters = json.loads((DATA_DIR / "markets.json").read_text())
    template = next(row for row in pairs if row["id"] == "btcidr")
    names = [f"c{n:02d}" for n in range(count)]
    rows = [
        {
            **template,
            "id": f"{name}idr",
            "symbol": f"{name.upper()}IDR",
            "traded_currency": name,
            "traded_currency_unit": name.upper(),
            "description": f"{name.upper()}/IDR",
            "ticker_id": f"{name}_idr",
        }
        for name in names
    ]
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "pairs.json": rows,
        "price_increments.json": {
            "increments": {f"{name}_idr": increments["increments"]["btc_idr"] for name in names}
        },
        "markets.json": {
            "assets": parameters["assets"] | {name: {"name": name} for name in names},
            "pairs": {f"{name}idr": parameters["pairs"]["btcidr"] for name in names},
        },
    }
    for name, content in files.items():
        (directory / name).write_text(json.dumps(content))
    return [row["id"] for row in rows]


def _stamping_app(stamps: multiprocessing.Queue[Stamp]) -> Callable[[Simulator], web.Application]:
    build = simulator_server.build_app

    @web.middleware
    async def stamp(
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        if request.path == "/tapi":
            arrived = time.perf_counter()
            form = parse_qs((await request.read()).decode())  # aiohttp keeps the body
            stamps.put(
                Stamp(
                    left=float(request.headers.get(LEFT_HEADER, "nan")),
                    arrived=arrived,
                    key=request.headers.get("Key", ""),
                    method=form.get("method", [""])[0],
                    client_order_id=form.get("client_order_id", [""])[0],
                )
            )
        return await handler(request)

    def app(sim: Simulator) -> web.Application:
        built = build(sim)
        built.middlewares.insert(0, stamp)
        return built

    return app


def _move(server: SimulatorServer, pair: str, price: Decimal) -> Tick:
    def apply(sim: Simulator) -> Tick:
        set_price(sim, pair, price)
        market = sim.catalog.by_path_id(pair)
        assert market is not None
        return Tick(time.perf_counter(), pair, sim.market[market.id].last)

    return server.call(apply)


def _play(server: SimulatorServer, path: list[tuple[float, str, Decimal]]) -> list[Tick]:
    began, ticks = time.perf_counter(), []
    for offset, pair, price in path:
        if (wait := began + offset - time.perf_counter()) > 0:
            time.sleep(wait)
        ticks.append(_move(server, pair, price))
    return ticks


def _serve(
    port: int,
    seed: int,
    accounts: tuple[AccountSpec, ...],
    markets_dir: Path,
    history_minutes: int,
    commands: Connection,
    stamps: multiprocessing.Queue[Stamp],
) -> None:
    os.nice(NICE)
    simulator_server.build_app = _stamping_app(stamps)
    with SimulatorServer(
        port=port,
        seed=seed,
        tick_interval=0,
        history_minutes=history_minutes,
        accounts=accounts,
        markets_dir=markets_dir,
    ) as server:
        commands.send(server.indodax_settings())
        while (command := commands.recv())[0] != "stop":
            name, *args = command
            if name == "move":
                commands.send([_move(server, pair, price) for pair, price in args[0]])
            elif name == "play":
                commands.send(_play(server, args[0]))
            elif name == "log":
                commands.send(server.trade_log())


class Exchange:
    """The parent's handle on the simulator's process."""

    def __init__(
        self,
        accounts: tuple[AccountSpec, ...],
        *,
        seed: int,
        markets_dir: Path = DATA_DIR,
        port: int = 0,
        history_minutes: int = 10,
    ) -> None:
        """`history_minutes`: the invented past the simulator starts with (its candles)."""
        self._commands, child = multiprocessing.Pipe()
        self._stamps: multiprocessing.Queue[Stamp] = multiprocessing.Queue()
        self._process = multiprocessing.Process(
            target=_serve,
            args=(port, seed, accounts, markets_dir, history_minutes, child, self._stamps),
            daemon=True,
        )
        self.settings: IndodaxSettings | None = None

    def __enter__(self) -> Exchange:
        self._process.start()
        if not self._commands.poll(60):
            raise TimeoutError("the simulator did not start")
        self.settings = self._commands.recv()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._commands.send(("stop",))
        self._process.join(15)
        if self._process.is_alive():
            self._process.kill()

    def _ask(self, *command: Any) -> Any:
        self._commands.send(command)
        return self._commands.recv()

    def move(self, *moves: tuple[str, Decimal]) -> list[Tick]:
        """Trades at these prices, at once."""
        return self._ask("move", list(moves))

    def play(self, path: list[tuple[float, str, Decimal]]) -> list[Tick]:
        """Trades at (seconds from now, pair, price), on time; returns when the last is out."""
        return self._ask("play", path)

    def trade_log(self) -> list[dict[str, Any]]:
        """Every order the simulator took, in the order it took them."""
        return self._ask("log")

    def stamps(self, quiet: float = 0.2) -> list[Stamp]:
        """The requests stamped since the last call, once none came for `quiet` seconds."""
        taken = []
        while True:
            try:
                taken.append(self._stamps.get(timeout=quiet))
            except queue.Empty:
                return taken
