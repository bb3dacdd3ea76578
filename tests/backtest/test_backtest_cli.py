"""bin/backtest as an operator meets it: candles fetched from an exchange (the simulator,
with three days of invented history) and the pair's rules from it, a report ending with the
warning that the past promises nothing; a file that is no candle history is one line and
status 2."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.simulator.server import SimulatorServer

ROOT = Path(__file__).resolve().parents[2]
ENTRY = [sys.executable, str(ROOT / "bin" / "entry" / "backtest.py")]


def backtest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ENTRY, *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.slow
def test_bin_backtest_replays_a_grid_over_candles_fetched_from_the_exchange():
    with SimulatorServer(port=0, seed=5, tick_interval=0, history_minutes=3 * 24 * 60) as sim:
        done = backtest(
            "grid",
            "btc_idr",
            "--lower", "1300000000",
            "--upper", "1800000000",
            "--levels", "20",
            "--spacing", "geometric",
            "--amount-idr", "300000",
            "--days", "2",
            "--timeframe", "15",
            "--base-url", f"http://127.0.0.1:{sim.port}",
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.match(r"Backtest: grid on BTC/IDR, 19\d candles of 15 minutes", lines[0]), lines[0]
    assert re.search(r"trades\s+\d+\s+\d+ buys, \d+ sells", done.stdout)
    assert re.search(r"buy and hold\s+[\d,]+ IDR\s+[-+]\d+\.\d\d %", done.stdout)
    assert lines[-1].startswith("Past results do not promise future ones.")


def test_a_file_that_is_no_candle_history_is_refused_in_one_line(tmp_path):
    recorded = tmp_path / "ticker.json"
    recorded.write_text('{"ticker": {"last": "1"}}')
    done = backtest(
        "tpsl", "btc_idr", "--quantity", "0.01", "--targets", "5:100", "--candles", str(recorded)
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"{recorded}: not a /tradingview/history_v2 reply")
    assert len(done.stderr.splitlines()) == 1
