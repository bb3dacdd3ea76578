"""bin/simulator: a local Indodax on one port — public REST, TAPI v1 with real HMAC checks,
the v2 history endpoints, the market-data WebSocket — with moving prices, a matching
engine, and test hooks under /_sim/ (loopback only). Runs until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path

from adapters.simulator.accounts import AccountSpec, AccountSpecError, parse_account_spec
from adapters.simulator.faults import FaultPlan, Hang, HttpErrors
from adapters.simulator.formats import plain
from adapters.simulator.market import TickFileError
from adapters.simulator.server import SimulatorServer
from adapters.simulator.simulator import SimulatorConfig
from config.cli import run_cli
from config.errors import StartupError
from config.logs import setup_logging
from config.schema import SimulatorSettings

MAX_PORT = 65535


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > MAX_PORT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-{MAX_PORT}, 0 = any)")
    return int(text)


def _account(text: str) -> AccountSpec:
    try:
        return parse_account_spec(text)
    except AccountSpecError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _fraction(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 0:
        raise argparse.ArgumentTypeError("seconds cannot be negative")
    return value


def _whole(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    return int(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = SimulatorSettings()
    parser = argparse.ArgumentParser(prog="bin/simulator", description=__doc__)
    parser.add_argument(
        "--host", default=os.environ.get("SIMULATOR_HOST", defaults.host), help="bind address"
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=os.environ.get("SIMULATOR_PORT", str(defaults.port)),
        help="port (0 = any free port)",
    )
    parser.add_argument("--seed", type=int, help="same seed, same market, same demo key")
    parser.add_argument(
        "--account",
        type=_account,
        action="append",
        default=[],
        metavar="KEY:SECRET[:IDR[:PERMISSIONS]]",
        help="an extra API key, e.g. K:S:5000000 or K:S:0:view,trade,withdraw (repeatable)",
    )
    parser.add_argument(
        "--ticks", type=Path, help="replay a tick file (CSV or JSON lines: ts,pair,price)"
    )
    parser.add_argument(
        "--tick-interval",
        type=_seconds,
        default=1.0,
        help="seconds between price moves (0 = prices move only through /_sim/price)",
    )
    parser.add_argument("--spread", type=_fraction, default=Decimal("0.001"))
    parser.add_argument(
        "--fill-fraction",
        type=_fraction,
        default=Decimal(1),
        help="share of a resting order filled per price move (1 = all at once)",
    )
    parser.add_argument("--history-minutes", type=_whole, default=7 * 24 * 60)
    faults = parser.add_argument_group("faults (also settable at run time: POST /_sim/faults)")
    faults.add_argument("--latency-ms", type=_whole, default=0)
    faults.add_argument("--error-rate", type=_fraction, default=Decimal(0), help="5xx share")
    faults.add_argument(
        "--json-errors", action="store_true", help="5xx with a JSON body, not Cloudflare HTML"
    )
    faults.add_argument(
        "--hang-methods",
        default="",
        metavar="METHOD[,METHOD]",
        help="TAPI methods executed but never answered, e.g. trade",
    )
    faults.add_argument(
        "--hang-delay-ms", type=_whole, help="answer hung methods this late instead of never"
    )
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> SimulatorConfig:
    methods = frozenset(name.strip() for name in args.hang_methods.split(",") if name.strip())
    return SimulatorConfig(
        host=args.host,
        port=args.port,
        seed=args.seed,
        tick_interval=args.tick_interval,
        ticks_file=args.ticks,
        accounts=tuple(args.account),
        spread=args.spread,
        fill_fraction=args.fill_fraction,
        history_minutes=args.history_minutes,
        faults=FaultPlan(
            latency_ms=args.latency_ms,
            http_errors=(
                HttpErrors(rate=float(args.error_rate), html=not args.json_errors)
                if args.error_rate
                else None
            ),
            hang=Hang(methods, delay_ms=args.hang_delay_ms) if methods else None,
        ),
    )


def banner(server: SimulatorServer) -> str:
    sim = server.simulator
    base = server.base_url
    balances = ", ".join(
        f"{code} {plain(amount)}" for code, amount in sim.demo.balance.items() if amount
    )
    lines = [
        f"Indodax simulator at {base} (seed {sim.seed})",
        f"  public REST  {base}/api/ticker/btcidr",
        f"  TAPI v1      {server.tapi_url}",
        f"  history v2   {base}/api/v2/order/histories",
        f"  WebSocket    {server.ws_url}",
        f"  test hooks   {base}/_sim/state (loopback only)",
        "demo account",
        f"  API key   {sim.demo.key}",
        f"  secret    {sim.demo.secret}",
        f"  balances  {balances}",
    ]
    lines += [
        f"account {account.key}: idr {plain(account.balance['idr'])}"
        for account in sim.accounts
        if account is not sim.demo
    ]
    return "\n".join([*lines, "Ctrl-C to stop."])


def main() -> int:
    args = parse_args()
    setup_logging("text", args.log_level)
    server = SimulatorServer(config_from(args))
    try:
        server.start()
    except (OSError, TickFileError, AccountSpecError) as error:
        raise StartupError(f"simulator: {error}") from None
    try:
        print(banner(server), flush=True)
        threading.Event().wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    run_cli(main)
