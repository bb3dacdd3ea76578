"""bin/backtest: how a strategy would have done over the last days, its own code replayed
over Indodax candles with the pair's order rules, fees and the tax on sales.

  bin/backtest grid btc_idr --lower 1400000000 --upper 1700000000 --levels 50 \\
      --amount-idr 500000 --days 30 [--candles FILE.json]
  bin/backtest dca btc_idr --amount-idr 100000 --schedule "daily 08:00" --max-buys 30
  bin/backtest tpsl btc_idr --quantity 0.01 --targets 5:50,10:50 --stop-loss-pct 3

Candles come from a recorded /tradingview/history_v2 reply (--candles) or from the exchange
at --base-url. The pair's rules come from --base-url's /api/pairs, or, with --candles and
no --base-url, from the exchange's market list bundled with the simulator (no network).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import get_args

from actors.backtest.candles import recent_candles
from actors.backtest.capital import capital_needed
from actors.backtest.inputs import BacktestSetup, BadBacktest
from actors.backtest.replay import run_backtest
from actors.backtest.results import BacktestResult, Trade
from adapters.indodax.errors import IndodaxError
from adapters.indodax.markets import MarketCatalog, PairInfo
from adapters.indodax.pairs import UnknownPair
from adapters.indodax.public_client import TIMEFRAME_LENGTHS, PublicClient, Timeframe
from adapters.indodax.wire import Candle, parse_candles
from adapters.simulator.catalog import DATA_DIR
from config.cli import run_cli
from config.errors import StartupError

EXCHANGE = "https://indodax.com"
TRADES_SHOWN = 10
CAVEAT = (
    "Past results do not promise future ones. This replays candles, not the order book: "
    "resting orders fill only when a candle trades through them, market orders at the "
    "candle's worst price, and real fills, timing and slippage will differ."
)


def _number(text: str) -> str:
    """A plain positive number, kept as the text a strategy's parameters store."""
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0")
    return format(value.normalize(), "f")


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 366:
        raise argparse.ArgumentTypeError("days from 1 to 366")
    return int(text)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("pair", help="btc_idr, btcidr or btc")
    common.add_argument("--days", type=_days, default=30, help="the last N days (30)")
    common.add_argument(
        "--timeframe",
        choices=get_args(Timeframe),
        help="candle length: minutes, 1D, 3D or 1W (60; a file's is read from its candles)",
    )
    common.add_argument("--candles", type=Path, help="a recorded /tradingview/history_v2 reply")
    common.add_argument("--base-url", help=f"the exchange to read from ({EXCHANGE})")
    common.add_argument(
        "--capital-idr",
        type=_number,
        help="rupiah the account starts with (what the strategy's preview says it ties up)",
    )
    common.add_argument(
        "--trades", type=int, default=TRADES_SHOWN, help=f"last trades listed ({TRADES_SHOWN})"
    )
    parser = argparse.ArgumentParser(prog="bin/backtest", description=__doc__.split("\n\n")[0])
    kinds = parser.add_subparsers(dest="kind", required=True)
    grid = kinds.add_parser("grid", parents=[common], help="limit buys and sells on levels")
    grid.add_argument("--lower", type=_number, required=True)
    grid.add_argument("--upper", type=_number, required=True)
    grid.add_argument("--levels", type=_number, required=True)
    grid.add_argument("--spacing", choices=("arithmetic", "geometric"), default="arithmetic")
    amount = grid.add_mutually_exclusive_group(required=True)
    amount.add_argument("--amount-idr", type=_number, help="rupiah each level buys for")
    amount.add_argument("--amount-coin", type=_number, help="coins each level buys")
    grid.add_argument(
        "--held", type=_number, help="coins held for the sells (else bought at market first)"
    )
    grid.add_argument("--stop-loss", type=_number, help="a price under the range")
    grid.add_argument("--take-profit", type=_number, help="a price over the range")
    grid.add_argument("--sell-at-exit", action="store_true", help="sell the coins at an exit")
    dca = kinds.add_parser("dca", parents=[common], help="buy on a schedule")
    dca.add_argument("--amount-idr", type=_number, required=True, help="rupiah per buy")
    dca.add_argument("--schedule", required=True, help='"every 6h", "daily 08:00", "cron …"')
    dca.add_argument("--order-type", choices=("market", "limit"), default="market")
    dca.add_argument("--offset-pct", type=_number, help="a limit's distance under the price")
    dca.add_argument("--max-buys", type=_number)
    dca.add_argument("--budget", type=_number, help="rupiah in all, fees included")
    dca.add_argument("--safety-count", type=_number)
    dca.add_argument("--safety-deviation-pct", type=_number)
    dca.add_argument("--safety-step-scale", type=_number)
    dca.add_argument("--safety-volume-scale", type=_number)
    dca.add_argument("--safety-amount", type=_number)
    dca.add_argument("--take-profit-pct", type=_number)
    tpsl = kinds.add_parser("tpsl", parents=[common], help="exits for coins held")
    tpsl.add_argument("--quantity", type=_number, required=True, help="coins held")
    tpsl.add_argument("--entry", type=_number, help="their price (the first candle's open)")
    tpsl.add_argument("--targets", default="", help='"5:50,10:50": +5 %% for half, …')
    tpsl.add_argument("--stop-loss-pct", type=_number)
    tpsl.add_argument("--trailing-stop-pct", type=_number)
    tpsl.add_argument("--breakeven", action="store_true")
    tpsl.add_argument("--trailing-activation-pct", type=_number)
    tpsl.add_argument("--trailing-callback-pct", type=_number)
    return parser.parse_args(argv)


def strategy_params(
    args: argparse.Namespace, rules: PairInfo, first_open: Decimal
) -> tuple[dict[str, str], Decimal]:
    """The parameters as the strategy's set-up stores them, and the coins the account
    starts with."""
    if args.kind == "grid":
        params = _given(
            args, "lower", "upper", "levels", "spacing", "amount_idr", "amount_coin", "held"
        )
        params.update(_given(args, "stop_loss", "take_profit"))
        params.update(
            coin_source="held" if args.held else "buy",
            sell_at_exit="yes" if args.sell_at_exit else "no",
            tick=_plain(rules.tick),
            step=_plain(rules.quantity_step),
            taker_fee=_plain(rules.taker_fee),
        )
        return params, Decimal(args.held or 0)
    if args.kind == "dca":
        params = _given(
            args,
            "schedule",
            "order_type",
            "offset_pct",
            "max_buys",
            "budget",
            "safety_count",
            "safety_deviation_pct",
            "safety_step_scale",
            "safety_volume_scale",
            "safety_amount",
            "take_profit_pct",
        )
        return {**params, "quote_amount": args.amount_idr}, Decimal(0)
    params = _given(
        args,
        "quantity",
        "targets",
        "stop_loss_pct",
        "trailing_stop_pct",
        "trailing_activation_pct",
        "trailing_callback_pct",
    )
    params.update(
        entry_price=args.entry or _plain(first_open),
        breakeven="yes" if args.breakeven else "no",
    )
    return params, Decimal(args.quantity)


def _reasons(result: BacktestResult) -> str:
    """Each reason once, with how often: `Insufficient balance. (2)`."""
    counted = Counter(refused.reason for refused in result.refused)
    return ", ".join(f"{reason} ({count})" for reason, count in counted.items())


def _given(args: argparse.Namespace, *names: str) -> dict[str, str]:
    return {name: str(value) for name in names if (value := getattr(args, name))}


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def market_rules(args: argparse.Namespace, public: PublicClient | None) -> PairInfo:
    if public is not None:
        catalog = MarketCatalog(lambda: (public.pairs(), public.price_increments()))
    else:
        pairs = json.loads((DATA_DIR / "pairs.json").read_text(encoding="utf-8"))
        increments = json.loads((DATA_DIR / "price_increments.json").read_text(encoding="utf-8"))
        catalog = MarketCatalog(lambda: (pairs, increments))
    try:
        pair = catalog.parse(args.pair)
        return catalog.info(pair)
    except UnknownPair as error:
        where = "the bundled market list (give --base-url)" if public is None else "the exchange"
        raise StartupError(f"{args.pair!r} is not a pair of {where}: {error}") from None


def recorded_candles(path: Path) -> tuple[Candle, ...]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        return tuple(sorted(parse_candles(payload), key=lambda candle: candle.time))
    except (OSError, ValueError, IndodaxError) as error:
        raise StartupError(f"{path}: not a /tradingview/history_v2 reply ({error})") from None


def candle_length(candles: Sequence[Candle], given: Timeframe | None) -> timedelta:
    """The timeframe given, or the shortest step between the recorded candles."""
    if given is not None:
        return TIMEFRAME_LENGTHS[given]
    steps = [later.time - earlier.time for earlier, later in pairwise(candles)]
    return min(steps, default=TIMEFRAME_LENGTHS["60"])


def last_days(candles: Sequence[Candle], length: timedelta, days: int) -> tuple[Candle, ...]:
    if not candles:
        return ()
    since = candles[-1].time + length - timedelta(days=days)
    return tuple(candle for candle in candles if candle.time >= since)


def report(result: BacktestResult, setup: BacktestSetup, trades_shown: int) -> list[str]:
    coin = setup.rules.base_unit
    minutes = int(setup.timeframe.total_seconds() // 60)
    buys = sum(1 for trade in result.trades if trade.side == "buy")
    sells = len(result.trades) - buys

    def idr(value: Decimal, pct: Decimal | None = None) -> str:
        text = f"{value:>15,.0f} IDR"
        return text if pct is None else f"{text}   {pct:+.2f} %"

    rows = [
        ("trades", f"{len(result.trades):>15,}       {buys:,} buys, {sells:,} sells"),
        ("orders refused", f"{len(result.refused):>15,}       {_reasons(result)}".rstrip()),
        ("realised profit", idr(result.realised)),
        ("fees paid", idr(result.fees)),
        ("tax paid (0.21 %)", idr(result.tax)),
        ("start equity", idr(result.start_equity)),
        ("final equity", idr(result.final_equity, result.return_pct)),
        ("max drawdown", idr(result.max_drawdown.idr, -result.max_drawdown.pct)),
        ("buy and hold", idr(result.hold_final_equity, result.hold_return_pct)),
        ("held at the end", f"{idr(result.final_idr)} and {result.final_coins:f} {coin}"),
        ("strategy ended", f"{result.status:>15}"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [
        f"Backtest: {setup.kind} on {setup.rules.display}, {result.candles:,} candles of "
        f"{minutes} minutes, {result.start:%Y-%m-%d %H:%M} to {result.end:%Y-%m-%d %H:%M} UTC",
        f"  capital {setup.capital_idr:,.0f} IDR and {_plain(setup.coins)} {coin}; "
        f"parameters: {', '.join(f'{k}={v}' for k, v in sorted(setup.params.items()))}",
        "",
        *(f"  {label:<{width}}  {value}" for label, value in rows),
    ]
    shown = result.trades[-trades_shown:] if trades_shown > 0 else ()
    if shown:
        lines += ["", f"Last {len(shown)} of {len(result.trades):,} trades:", _trade_header()]
        lines += [_trade_row(trade) for trade in shown]
    return [*lines, "", CAVEAT]


_TRADE_COLUMNS = "  {:<16}  {:<4}  {:>16}  {:>12}  {:>8}  {:>8}  {:<5}  {}"


def _trade_header() -> str:
    return _TRADE_COLUMNS.format(
        "time (UTC)", "side", "price", "quantity", "fee", "tax", "leg", "fill"
    )


def _trade_row(trade: Trade) -> str:
    return _TRADE_COLUMNS.format(
        f"{trade.time:%Y-%m-%d %H:%M}",
        trade.side,
        f"{trade.price:,.0f}",
        str(trade.quantity),
        f"{trade.fee:,.0f}",
        f"{trade.tax:,.0f}",
        trade.leg,
        trade.liquidity,
    )


def main() -> int:
    args = parse_args()
    base_url = args.base_url or (None if args.candles else EXCHANGE)
    public = PublicClient(base_url) if base_url else None
    try:
        rules = market_rules(args, public)
        if args.candles is not None:
            recorded = recorded_candles(args.candles)
            length = candle_length(recorded, args.timeframe)
            candles = last_days(recorded, length, args.days)
        else:
            assert public is not None
            timeframe: Timeframe = args.timeframe or "60"
            now = datetime.now(UTC)
            since = now - timedelta(days=args.days)
            candles = recent_candles(public, rules.pair, timeframe, since, now)
            length = TIMEFRAME_LENGTHS[timeframe]
    except IndodaxError as error:
        raise StartupError(f"the exchange at {base_url} did not answer: {error}") from None
    finally:
        if public is not None:
            public.close()
    if not candles:
        raise StartupError("no candles in that time")
    params, coins = strategy_params(args, rules, candles[0].open)
    try:
        capital = (
            Decimal(args.capital_idr)
            if args.capital_idr
            else capital_needed(args.kind, params, rules, candles[0].open)
        )
        setup = BacktestSetup(args.kind, params, rules, candles, length, capital, coins)
        result = run_backtest(setup)
    except BadBacktest as error:
        raise StartupError(f"cannot backtest: {error}") from None
    for line in report(result, setup, args.trades):
        print(line)
    return 0


if __name__ == "__main__":
    run_cli(main)
