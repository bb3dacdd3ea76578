"""Every text a user can receive exists in Indonesian and English, with money the local way."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from adapters.i18n.catalog import LANGUAGES, catalog, render
from adapters.i18n.money import idr, number, percent
from adapters.indodax.order_rules import Reason

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(
    r'"((?:menu|user|link|unlink|language|price|pair|alert|order|orders|portfolio|'
    r'strategy|error|command|admin|button|auth|settings|market|help|trade)\.[a-z_.]+)"'
)
# Keys the chat side says itself: usage texts of the command grammar, admin replies.
CHAT_SOURCES = ("adapters/chat/commands.py", "adapters/chat/admin_text.py")
PAUSE_REASONS = ("user", "admin", "deadman_user", "deadman_global")


def emitted_keys() -> set[str]:
    keys = set()
    for path in [*(ROOT / "actors").rglob("*.py"), *(ROOT / name for name in CHAT_SOURCES)]:
        keys.update(KEY.findall(path.read_text()))
    keys.update(reason.value for reason in Reason)
    keys.update(f"strategy.paused.{reason}" for reason in PAUSE_REASONS)
    keys.update(
        f"order.preview.{kind}_{side}" for kind in ("limit", "market") for side in ("buy", "sell")
    )
    keys.discard("strategy.paused.")
    keys.discard("order.preview.")
    return keys


def test_both_languages_have_exactly_the_same_keys():
    assert set(catalog("id")) == set(catalog("en"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_actors_send_has_a_text(language):
    missing = emitted_keys() - set(catalog(language))
    assert not missing, sorted(missing)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders(language):
    formatter = string.Formatter()
    for key, template in catalog(language).items():
        fields = {name for _, name, _, _ in formatter.parse(template) if name}
        params = {name: "1" for name in fields}
        assert render(key, params, language), key


def test_rupiah_and_coins_are_written_the_indonesian_way():
    assert idr("1234567", "id") == "Rp 1.234.567"
    assert idr("1234567.9", "id") == "Rp 1.234.567"
    assert number("0.00123", "id") == "0,00123"
    assert number("1550000000", "id") == "1.550.000.000"
    assert idr("1234567", "en") == "Rp 1,234,567"
    assert number("0.00123", "en") == "0.00123"


def test_a_price_reply_in_indonesian():
    text = render(
        "price.show",
        {
            "pair": "BTC/IDR",
            "last": "1550000000",
            "bid": "1549000000",
            "ask": "1551000000",
            "high": "1600000000",
            "low": "1500000000",
            "change": "-1.25",
            "volume": "228421331218",
            "quote": "IDR",
        },
        "id",
    )
    assert "Terakhir: 1.550.000.000 IDR" in text
    assert "perubahan -1,25%" in text
    assert text.startswith("<b>BTC/IDR</b>")


def test_list_parameters_render_one_line_per_row():
    text = render(
        "portfolio.show",
        {
            "rows": (("idr", "5000000", "5000000"), ("btc", "0.0015", "2325000")),
            "total_idr": "7325000",
            "method": "fifo",
            "gains": (("btc", "2000000", "2325000", "325000"),),
            "unrealised": "325000",
            "realised": "-1500",
            "unknown": (),
            "history": (("history_imported", "10-06-2026"),),
        },
        "id",
        as_html=False,
    )
    assert text.splitlines() == [
        "Portofolio",
        "idr: 5.000.000 ≈ Rp 5.000.000",
        "btc: 0,0015 ≈ Rp 2.325.000",
        "Total: Rp 7.325.000",
        "Untung dan rugi (FIFO: koin terlama dijual lebih dulu; biaya dan pajak dihitung)",
        "btc: modal Rp 2.000.000, nilai sekarang Rp 2.325.000: Rp 325.000",
        "Atas yang Anda pegang: Rp 325.000; dari yang sudah dijual: Rp -1.500",
        "",
        "Riwayat transaksi diimpor dari Indodax sejak 10-06-2026",
    ]


def test_list_rows_render_for_telegram_with_each_cell_formatted_as_its_template_says():
    params = {"total_idr": "7325000"}
    rows = (("idr", "5000000", "5000000"), ("btc", "0.0015", "2325000"))
    text = render("portfolio.show", {**params, "rows": rows}, "id")
    assert "idr: 5.000.000 ≈ Rp 5.000.000\nbtc: 0,0015 ≈ Rp 2.325.000" in text


def test_a_cell_holding_a_separator_is_shown_whole_and_escaped():
    rows = (("7", "A;B|C<script>", "open"),)
    text = render("strategy.list", {"count": "1", "rows": rows}, "en")
    assert "A;B|C&lt;script&gt;" in text


def test_a_parameter_the_sender_forgot_renders_empty_and_is_logged(caplog):
    text = render("price.show", {}, "en", as_html=False)
    assert text
    assert any(r.getMessage() == "message parameter missing" for r in caplog.records)


def test_values_are_escaped_for_telegram_and_tags_dropped_for_the_console():
    hostile = {"pair": "<script>x</script>", "suggestions": "BTC/IDR"}
    assert "&lt;script&gt;" in render("pair.unknown", hostile, "en")
    plain = render("link.withdraw_key_refused", {}, "en", as_html=False)
    assert "<b>" not in plain
    assert "trade" in plain


def test_an_unknown_key_or_language_still_says_something():
    assert render("no.such.key", {}, "id") == catalog("id")["error.no_text"]
    assert render("link.done", {}, "fr") == catalog("id")["link.done"]


def test_a_24_hour_change_is_a_signed_percentage_the_local_way():
    assert percent("2.5", "id") == "+2,50%"
    assert percent("-0.75", "en") == "-0.75%"
    assert percent("0", "id") == "0,00%"
    rows = render(
        "market.show", {"rows": (("BTC/IDR", "1550000000", "-1.25"),)}, "id", as_html=False
    )
    assert "BTC/IDR: 1.550.000.000 IDR -1,25%" in rows


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("mode", ["demo", "paper", "live"])
def test_the_settings_screen_says_every_value_in_words(language, mode):
    note = "mode_choice" if mode == "live" else f"mode_fixed_{mode}"
    params = {
        "language": "id",
        "mode": mode,
        "mode_note": note,
        "alert": "on",
        "fill": "silent",
        "strategy": "off",
        "system": "silent",
    }
    text = render("settings.show", params, language, as_html=False)
    assert "mode_" not in text
    assert catalog(language)["term.silent"] in text
    assert catalog(language)[f"term.{note}"] in text


@pytest.mark.parametrize(
    ("reason", "language", "said"),
    [
        ("order.min_value", "id", "di bawah nilai order minimum pasangan ini"),
        ("order.min_quantity", "en", "under the pair's minimum quantity"),
        ("InsufficientBalance", "id", "saldo tidak cukup"),
        ("Insufficient balance.", "en", "Insufficient balance."),  # the exchange's own words
    ],
)
def test_a_refused_dca_buy_says_why_in_words_whether_a_rule_or_the_exchange_refused(
    reason, language, said
):
    params = {"strategy_id": "3", "pair": "BTC/IDR", "reason": reason}
    text = render("strategy.dca.refused", params, language, as_html=False)
    assert f"({said})" in text
    assert reason not in text or reason == said
