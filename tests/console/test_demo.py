"""The README's run command as a newcomer uses it: the console demo, driven by a script."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """/price btcidr
/trade buy btcidr 100000 market
1
/orders
/alert btcidr 5000000000
1
/alerts
/sim btcidr 5000000000
/trade
1
2
1
0.0001
/trade sell btc -1 market
/lang en
/portfolio
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_console_demo_trades_fills_and_fires_an_alert_offline(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite3",
        "ACTOR_ADMIN_PORT": str(free_port()),
        "SIMULATOR_PORT": str(free_port()),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "bin" / "entry" / "run.py")],
        input=SCRIPT,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Mode demo: Anda terhubung ke akun demo" in out
    assert "Terakhir: " in out  # the price, in Indonesian
    assert "1. ✅ Konfirmasi" in out
    assert "status: terisi" in out  # the market buy filled on the simulator
    assert "1. ✅ Sekali" in out  # the alert asks once or every time before it is stored
    assert "#1 aktif (sekali): saya akan memberi tahu saat BTC/IDR naik ke 5.000.000.000" in out
    assert "Simulator: BTCIDR sekarang diperdagangkan di 5.000.000.000" in out
    assert "🔔 Alert #1" in out  # fired by the simulated trade, through the price feed
    assert "Order baru." in out and "beli atau jual?" in out  # the guided /trade
    assert "jual market 0,0001" in out  # ... ends in a preview of what was chosen
    assert "Jumlah harus lebih dari nol" in out  # a negative amount, said plainly
    assert "Portfolio" in out  # after /lang en
    assert "Traceback" not in result.stderr
