"""The README's run command as a newcomer uses it: the console demo, driven by a script."""

from __future__ import annotations

import re
from pathlib import Path

from bot_process import bot_env, run_bot

from tests.charts.chart_images import SIZE, png_size

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
/trade
1
2
2
0.0001
1600000000
/trade sell btc -1 market
/lang en
/portfolio
"""


def test_the_console_demo_trades_fills_and_fires_an_alert_offline(tmp_path):
    result = run_bot(bot_env(tmp_path), input=SCRIPT, timeout=180)
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
    assert "Anda menjual 0,0001 BTC di BTC/IDR, harga pasar (≈ " in out  # ... ends in a preview
    # a typed number is a price, not a choice
    assert "Anda menjual 0,0001 BTC di BTC/IDR dengan harga limit 1.600.000.000 IDR" in out
    assert "Tulis angka tanpa tanda + atau - (Anda menulis -1)" in out  # said plainly
    assert "Portfolio" in out  # after /lang en
    assert "Traceback" not in result.stderr


LOG_LINE = re.compile(r'^\d\d:\d\d:\d\d (DEBUG|INFO)|"level": "(DEBUG|INFO)"')


def test_the_console_shows_the_chat_and_names_the_log_file_instead_of_log_lines(tmp_path):
    result = run_bot(bot_env(tmp_path), input="/price btcidr\n", timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    terminal = result.stdout.splitlines() + result.stderr.splitlines()
    assert [line for line in terminal if LOG_LINE.search(line)] == []
    assert result.stdout.splitlines()[0] == (
        "indodax-bot: demo mode (bin/run --check shows the effective settings)"
    )
    assert "storage.data_dir" not in result.stdout  # the settings table is for --check
    assert "Terakhir: " in result.stdout  # the chat itself is there
    [named] = [line.removeprefix("logs: ") for line in terminal if line.startswith("logs: ")]
    written = Path(named).read_text()
    assert "actor system started" in written  # bin/run's own records
    assert "supervisor ready" in written  # actors' records, through Thespian's logger process
    assert Path(named).parent == tmp_path / "data" / "logs"


DCA_SCRIPT = """/dca
1
2
3
1
1
2500000
1
2
1
3
1
/strategy
3
3
150000
1
"""


def test_a_dca_set_up_in_the_console_demo_previews_is_created_buys_at_once_and_changes(
    tmp_path,
):
    result = run_bot(bot_env(tmp_path), input=DCA_SCRIPT, timeout=180)
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert "DCA baru" in out
    assert "Konfirmasi DCA" in out
    assert "modal yang dibutuhkan: Rp 1.000.000, anggaran total: Rp 2.500.000" in out
    assert (
        "Safety order: -2 %, -4 %, -6 % (tiap siklus hingga Rp 300.000), ambil untung: +5 %" in out
    )
    assert "DCA #1 di BTC/IDR berjalan" in out
    bought = r"DCA #1 \(BTC/IDR\) membeli senilai Rp 100\.000\. Sejauh ini 0,\d+ BTC seharga"
    assert re.search(bought, out)  # every 12h: the first run is at once
    assert "#1 DCA" in out  # listed by /strategy
    # Then its details, the ✏️ of its rupiah per run, 150000, Confirm.
    assert "Rupiah per pembelian: Rp 100.000 → Rp 150.000" in out
    assert "Strategi #1 diubah" in out and "• quote_amount: 150000" in out


GRID_SCRIPT = """/grid
1
1500000000
1600000000
1
1
0,001 btc
1
-
1
/sim btcidr 1540000000
/orders
/sim btcidr 1560000000
/orders
/strategy
"""


def test_a_grid_in_the_console_demo_trades_a_pair_when_sim_moves_the_market(tmp_path):
    """Ten levels from 1.5 to 1.6 billion around the demo's BTC/IDR (about 1.55 billion),
    0,001 BTC each: /sim down through the buy at 1,544,444,000, then up through the sell it
    placed one level higher, completes a pair."""
    result = run_bot(bot_env(tmp_path), input=GRID_SCRIPT, timeout=180)
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Konfirmasi grid" in out and "sekali bolak-balik" in out
    assert "(0,41 % sekali bolak-balik)" in out  # Indonesian decimals
    assert "🧱 Grid #1 (BTC/IDR) membeli" in out
    # Sold one level up from where the demo's price started (its walk decides whether the
    # level at 1,544,444,000 was the empty one, so which coins - bought at market or at
    # that buy - are sold there): at 1,555,556,000 either way.
    assert re.search(r"💹 Grid #1 \(BTC/IDR\) menjual 0,00\d+ BTC di Rp 1\.555\.556\.000", out)
    assert "#1 Grid BTC/IDR — berjalan" in out


def test_the_console_demo_draws_a_chart_and_says_where_its_png_is(tmp_path):
    result = run_bot(bot_env(tmp_path), input="/chart btcidr 4h\n", timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    [saved] = [
        line.split("Grafik disimpan: ", 1)[1]
        for line in result.stdout.splitlines()
        if "Grafik disimpan: " in line
    ]
    png = Path(saved)
    assert png.parent == (tmp_path / "data" / "charts").resolve()
    assert png_size(png.read_bytes()) == SIZE
    assert "BTC/IDR · lilin 4 jam, WIB" in result.stdout  # its caption
    assert "1. 15 menit" in result.stdout  # the other timeframes, as numbered choices
