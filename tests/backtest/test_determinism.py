"""The same inputs give the same result, field for field and byte for byte: in one process,
and from bin/backtest in two processes with different hash seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from replay_fixtures import history_reply, month_of_grid, random_walk

from actors.backtest.replay import run_backtest

ROOT = Path(__file__).resolve().parents[2]
ENTRY = [sys.executable, str(ROOT / "bin" / "entry" / "backtest.py")]


def test_a_backtest_run_twice_gives_the_same_result_byte_for_byte():
    first, second = run_backtest(month_of_grid()), run_backtest(month_of_grid())
    assert first == second
    assert repr(first) == repr(second)


def test_bin_backtest_prints_the_same_report_in_processes_with_different_hash_seeds(tmp_path):
    recorded = tmp_path / "btcidr.json"
    recorded.write_text(
        json.dumps(history_reply(random_walk(days=3, minutes=60, price=1_500_000_000, seed=3)))
    )
    command = [
        *ENTRY,
        "grid",
        "btcidr",
        "--lower", "1400000000",
        "--upper", "1600000000",
        "--levels", "20",
        "--amount-idr", "200000",
        "--days", "3",
        "--candles", str(recorded),
        "--trades", "1000",
    ]  # fmt: skip
    outputs = []
    for seed in ("1", "2"):
        environment = {"PATH": os.environ["PATH"], "PYTHONHASHSEED": seed}
        done = subprocess.run(
            command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert "Past results do not promise future ones" in outputs[0]
