"""`SimulatorServer`: the simulator in a background thread with its own event loop, so tests
and the demo need no subprocess. The helpers run on that loop and wait for the result, so a
test's `set_price` is applied (fills included) by the time it returns.

    with SimulatorServer(port=0, seed=7, tick_interval=0) as sim:
        requests go to sim.base_url, signed with sim.demo_key / sim.demo_secret
        sim.set_price("btcidr", "1500000000")
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any, TypeVar

from aiohttp import web

from adapters.simulator.accounts import DEFAULT_PERMISSIONS, AccountSpec
from adapters.simulator.app import build_app
from adapters.simulator.control import account_view, fill_view, order_view, set_price, state_view
from adapters.simulator.faults import updated
from adapters.simulator.simulator import Simulator, SimulatorConfig
from config.schema import IndodaxSettings

T = TypeVar("T")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
SHUTDOWN_GRACE = 2.0  # seconds open requests get to finish at stop


LISTEN_BACKLOG = 4096  # the kernel's cap (net.core.somaxconn)


class SimulatorServer:
    def __init__(self, config: SimulatorConfig | None = None, **overrides: Any) -> None:
        """Keyword overrides of the config: `SimulatorServer(port=0, seed=1, tick_interval=0)`."""
        self.config = replace(config or SimulatorConfig(), **overrides)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._simulator: Simulator | None = None
        self.port = self.config.port

    def start(self) -> SimulatorServer:
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        self._thread = threading.Thread(target=self._run, name="indodax-simulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise TimeoutError("the simulator did not start")
        if self._error is not None:
            self._thread.join(STOP_TIMEOUT)
            raise self._error
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None or self._stopping is None:
            return
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(STOP_TIMEOUT)
        self._thread = self._loop = self._stopping = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()

    async def _serve(self) -> None:
        runner: web.AppRunner | None = None
        try:
            self._simulator = Simulator(self.config)
            runner = web.AppRunner(build_app(self._simulator), shutdown_timeout=SHUTDOWN_GRACE)
            await runner.setup()
            # aiohttp listens with a backlog of 128: a thousand bots opening their order
            # streams at once would have their SYNs dropped and retried seconds later.
            site = web.TCPSite(runner, self.config.host, self.config.port, backlog=LISTEN_BACKLOG)
            await site.start()
        except BaseException as error:  # handed to the thread that called start()
            if runner is not None:
                await runner.cleanup()
            self._error = error
            self._ready.set()
            return
        self.port = runner.addresses[0][1]  # the real one when port 0 asked for any free port
        self._stopping = asyncio.Event()
        self._ready.set()
        await self._stopping.wait()
        await runner.cleanup()

    @property
    def simulator(self) -> Simulator:
        if self._simulator is None:
            raise RuntimeError("the simulator is not running")
        return self._simulator

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def tapi_url(self) -> str:
        return f"{self.base_url}/tapi"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/ws/"

    @property
    def pws_url(self) -> str:
        """The private order stream, with the query flag the exchange's docs add."""
        return f"ws://{self.config.host}:{self.port}/pws/ws/?cf_ws_frame_ping_pong=true"

    def indodax_settings(self, **overrides: Any) -> IndodaxSettings:
        """Exchange settings that point every client at this simulator."""
        return IndodaxSettings(
            rest_base_url=self.base_url,
            tapi_url=self.tapi_url,
            tapi_v2_base_url=self.base_url,
            price_feed_ws_url=self.ws_url,
            order_stream_ws_url=self.pws_url,
            **overrides,
        )

    @property
    def demo_key(self) -> str:
        return self.simulator.demo.key

    @property
    def demo_secret(self) -> str:
        return self.simulator.demo.secret

    def call(self, action: Callable[[Simulator], T]) -> T:
        """Run `action(simulator)` on the server's loop and return its result."""
        if self._loop is None:
            raise RuntimeError("the simulator is not running")

        async def run() -> T:
            return action(self.simulator)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(STOP_TIMEOUT)

    def set_price(self, pair: str, price: Decimal | str | int) -> list[dict[str, Any]]:
        """A trade at exactly `price` on `pair` (`btcidr`); returns the fills it caused."""
        return [fill_view(fill) for fill in self.call(lambda sim: set_price(sim, pair, price))]

    def step(self, seconds: float = 1.0) -> list[dict[str, Any]]:
        """One move of the price process, as the tick loop would make it."""
        return [fill_view(fill) for fill in self.call(lambda sim: sim.step(seconds))]

    def trade_log(self, key: str | None = None) -> list[dict[str, Any]]:
        return self.call(
            lambda sim: [order_view(order) for order in sim.engine.log if key in (None, order.key)]
        )

    def calls(self, key: str) -> dict[str, int]:
        """The signed calls the account's key made, by TAPI method or v2 path."""

        def read(sim: Simulator) -> dict[str, int]:
            account = sim.accounts.get(key)
            return dict(account.calls) if account is not None else {}

        return self.call(read)

    def state(self) -> dict[str, Any]:
        return self.call(state_view)

    def balances(self, key: str | None = None) -> dict[str, Any]:
        """Free balances and holds of a key (the demo account by default), as Decimal."""

        def read(sim: Simulator) -> dict[str, Any]:
            account = sim.accounts.get(key or sim.demo.key)
            if account is None:
                raise KeyError(key)
            return {"balance": dict(account.balance), "hold": dict(account.hold)}

        return self.call(read)

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Same settings as `POST /_sim/faults`, e.g. `set_faults(hang={"methods": ["trade"]})`."""

        def apply(sim: Simulator) -> dict[str, Any]:
            sim.set_faults(updated(sim.faults.plan, changes))
            return sim.faults.plan.describe()

        return self.call(apply)

    def drop_sockets(self) -> None:
        if self._loop is None:
            raise RuntimeError("the simulator is not running")
        asyncio.run_coroutine_threadsafe(self.simulator.drop_sockets(), self._loop).result(
            STOP_TIMEOUT
        )

    def reset(self) -> None:
        self.call(lambda sim: sim.reset())

    def add_account(
        self,
        key: str,
        secret: str,
        idr: Decimal | int = 0,
        permissions: frozenset[str] = DEFAULT_PERMISSIONS,
        **coins: Decimal,
    ) -> dict[str, Any]:
        spec = AccountSpec(key, secret, {"idr": Decimal(idr), **coins}, frozenset(permissions))
        return self.call(lambda sim: account_view(sim.add_account(spec)))
