from __future__ import annotations

import pytest

from adapters.indodax.pairs import Pair, UnknownPair, parse_pair
from adapters.indodax.signing import sign, signature_matches

# Vectors from ../shared/docs/indodax-api.md §2.1 (official docs, verified byte for byte).
DOC_SECRET = "f60617a68fcce028f0a90bc9eb765d17379eb548cc935c01a7ee3186eecf870e9b68f27a31bcfe8d"
DEADMAN_SECRET = "da78a39e9dda31c399bcc293d997a347dc7fd0408cb5151931243a302b273ec3238510ea61e11f7c"
BTC = Pair("btc", "idr")
KNOWN = [BTC, Pair("eth", "idr"), Pair("btc", "usdt"), Pair("usdt", "idr"), Pair("doge", "idr")]


@pytest.mark.parametrize(
    ("secret", "payload", "algorithm", "expected"),
    [
        (
            DOC_SECRET,
            "method=getInfo&timestamp=1578304294000&recvWindow=1578303937000",
            "sha512",
            "bab004e5a518740d7a33b38b44dbebecd3fb39f40b42391af39fcce06edabff5"
            "233b3e8064a07c528d1c751a6923d5116026c7786e01b22e2d35277a098cae99",
        ),
        (
            DOC_SECRET,
            "symbol=btcidr&limit=100&timestamp=1578304294000&recvWindow=1578303937000",
            "sha512",
            "9f8c7120bd79b4d7d64145c926fab31e131e40c24e539b399d98955a24538721"
            "ef3192607d3a39469db82c8f9b91c93a081998cd25d647fd04ef012768229932",
        ),
        (
            DOC_SECRET,
            "symbol=btcidr&limit=100&timestamp=1578304294000&recvWindow=1578303937000",
            "sha256",
            "eeb688c782ef4cad36908b54ab4ff8fa259a44c40f7e573529f9d88c1070ae66",
        ),
        (
            DEADMAN_SECRET,
            "pair=btc_idr%2Ceth_idr&countdownTime=10000&timestamp=1578304294001"
            "&recvWindow=1578303937000",
            "sha512",
            "29ff89378b9f33954b0f5319488190078f091c7723d886c5c2a4a0b06ef793d7"
            "d3b99155d63410203a21355e5e2757cb4e566adbd67ec37b8257a68d8c72877c",
        ),
        (
            DEADMAN_SECRET,
            "pair=btc_idr,eth_idr&countdownTime=10000&timestamp=1578304294001"
            "&recvWindow=1578303937000",
            "sha512",
            "b4f03574d264ffbaa37eadd8460f50dbb9ae6f12d4852a46d8654d472838aaa1"
            "de99248e958c904333e61738a00462d49f32bcd3258d8a3defca8c73b8d60d09",
        ),
        (
            DOC_SECRET,
            "method=getInfo&nonce=1000",
            "sha512",
            "fb3c6726ca923e55de14e15de3e808b55db35d4c26b7bfb109bc7b6a7f492594"
            "09f31e3fee482534d83a10b1695b33d59f903c608d710474d217da883d7071bd",
        ),
    ],
)
def test_signatures_match_the_documented_vectors_byte_for_byte(
    secret, payload, algorithm, expected
):
    assert sign(secret, payload, algorithm) == expected
    assert signature_matches(secret, payload.encode(), expected.upper(), algorithm)


def test_a_signature_over_other_bytes_does_not_match():
    good = sign(DOC_SECRET, "method=getInfo&nonce=1000")
    assert not signature_matches(DOC_SECRET, "method=getInfo&nonce=1001", good)


@pytest.mark.parametrize(
    "spelling", ["BTCIDR", "btcidr", "btc_idr", "BTC/IDR", "btc-idr", "btc", " Btc / Idr "]
)
def test_every_user_spelling_of_btc_idr_is_the_same_pair(spelling):
    assert parse_pair(spelling, KNOWN) == BTC


def test_each_surface_gets_its_own_format():
    assert (BTC.id, BTC.ticker_id, BTC.symbol, BTC.display) == (
        "btcidr",
        "btc_idr",
        "BTCIDR",
        "BTC/IDR",
    )
    assert BTC.ws_channel("market:order-book-") == "market:order-book-btcidr"


def test_usdt_markets_and_usdt_as_a_coin_are_told_apart():
    assert parse_pair("btcusdt", KNOWN) == Pair("btc", "usdt")
    assert parse_pair("usdtidr", KNOWN) == Pair("usdt", "idr")
    assert parse_pair("usdt", KNOWN) == Pair("usdt", "idr")


@pytest.mark.parametrize("typed", ["btcidrr", "bitcoin", "etc_idr", "", "💰", "btc idr usdt"])
def test_unknown_pair_is_refused_with_suggestions(typed):
    with pytest.raises(UnknownPair) as error:
        parse_pair(typed, KNOWN)
    assert error.value.text == typed
    assert all(pair in KNOWN for pair in error.value.suggestions)


def test_a_near_miss_suggests_the_pair_meant():
    with pytest.raises(UnknownPair) as error:
        parse_pair("btcidrr", KNOWN)
    assert error.value.suggestions[0] == BTC
