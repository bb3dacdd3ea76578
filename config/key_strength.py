"""Why a master key is too weak to guard every user's API keys, or None if it is not.

The vault derives every encryption key from APP_SECRET_KEY, so a guessable one opens them
all. Length alone (checked by the loader) lets `aaaa…`, `abcabc…` or `0123456789…` through;
these rules catch what a person types instead of generating. A key from `secrets` (the demo's
`token_urlsafe(48)`, or `token_hex(16)`) passes them all with a wide margin. The reasons
describe the key's shape and never quote it.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

MIN_DISTINCT_CHARACTERS = 8
MIN_BITS_PER_CHARACTER = 2.5
# Above this share of characters inside runs of at least RUN_LENGTH neighbours that are equal
# or one code point apart (`aaaabbbb`, `abcd`, `4321`), the key is a run, whatever its length.
# Counting lone neighbouring pairs instead refused a real token_hex(16) now and then (a
# clean-clone run met `c432776789a01a455434eff670eeaadc`: 19 of its 31 pairs, none a run).
MAX_RUN_SHARE = 0.6
RUN_LENGTH = 4
# Below this share of distinct three-character pieces, the key repeats itself with variations
# (`qwerty12qwerty34`, `Name2024!Name2024!`).
MIN_DISTINCT_PIECES = 0.6
PIECE = 3


def weakness(key: str) -> str | None:
    if not key:
        return None
    distinct = len(set(key))
    bits = bits_per_character(key)
    rules = (
        (_shortest_period(key) <= len(key) // 2, "it is one short pattern repeated"),
        (
            _run_share(key) > MAX_RUN_SHARE,
            "it is mostly runs of equal or neighbouring characters (like aaaa, abcd or 4321)",
        ),
        (
            _distinct_piece_share(key) < MIN_DISTINCT_PIECES,
            "it repeats the same pieces over and over",
        ),
        (
            distinct < MIN_DISTINCT_CHARACTERS,
            f"it uses only {distinct} different characters "
            f"(at least {MIN_DISTINCT_CHARACTERS} needed)",
        ),
        (
            bits < MIN_BITS_PER_CHARACTER,
            f"it has {bits:.1f} bits of entropy per character "
            f"(at least {MIN_BITS_PER_CHARACTER:.1f} needed)",
        ),
    )
    return next((reason for failed, reason in rules if failed), None)


def bits_per_character(key: str) -> float:
    """Shannon entropy of the key's own character frequencies."""
    counts = Counter(key).values()
    return -sum(n / len(key) * math.log2(n / len(key)) for n in counts)


def _shortest_period(key: str) -> int:
    """The length of the shortest unit the key repeats (its own length if none)."""
    return next(
        (period for period in range(1, len(key)) if key[period:] == key[:-period]), len(key)
    )


def _run_share(key: str) -> float:
    """The share of the key's characters that sit in a run of RUN_LENGTH or more."""
    in_runs, run = 0, 1
    for a, b in itertools.pairwise(key):
        if abs(ord(b) - ord(a)) <= 1:
            run += 1
            continue
        in_runs += run if run >= RUN_LENGTH else 0
        run = 1
    in_runs += run if run >= RUN_LENGTH else 0
    return in_runs / len(key) if key else 0.0


def _distinct_piece_share(key: str) -> float:
    pieces = [key[start : start + PIECE] for start in range(len(key) - PIECE + 1)]
    return len(set(pieces)) / len(pieces) if pieces else 1.0
