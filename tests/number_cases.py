"""Numbers as people type them into the chat, each with the value it means, to fuzz the
chat adapters with: decimal commas and dot groups in both conventions, other scripts'
digits, exponents huge and tiny, signs, NaN, separators out of place, 5,000-digit lines.

The generator knows what each text means without asking the parser: it writes a value it
chose, and says a text reads two ways exactly when it has the shape `1.500` / `1,500` (one
to three digits, one separator, three digits). A `Script` is what a user does around the
number (a one-line /trade, an /alert, the guided /trade, a command that takes no number)
and which preview figure must show the value meant, rounded as the pair's rules round.
"""

from __future__ import annotations

import collections
import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from messages.replies import Outbound

Meant = Decimal | tuple[Decimal, Decimal] | None  # a value, (Indonesian, English), refused

_TWO_WAYS = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")
# Zero of a decimal-digit block: Arabic-Indic, extended Arabic-Indic, Devanagari, Bengali,
# Thai, fullwidth.
_SCRIPTS = (0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10)
_NOT_DIGITS = "²³¹½¼⁰₁\u066b"  # the last: the Arabic decimal separator
TICK = Decimal(1000)  # btcidr on the simulator
STEP = Decimal("0.00000001")


@dataclass(frozen=True)
class Case:
    family: str
    text: str
    meant: Meant


def _whole(rng: random.Random) -> int:
    digits = rng.choice((1, 1, 2, 3, 3, 4, 6, 7, 10, 15))
    return 0 if rng.random() < 0.15 else rng.randint(10 ** (digits - 1), 10**digits - 1)


def _written(rng: random.Random, group: str, mark: str) -> Case:
    """A value written under one convention, grouped or not."""
    whole = _whole(rng)
    decimals = "".join(rng.choices(string.digits, k=rng.choice((0, 0, 1, 2, 3, 3, 4, 8))))
    grouped = f"{whole:,}".replace(",", group) if rng.random() < 0.6 else str(whole)
    text = grouped + (mark + decimals if decimals else "")
    return Case(f"written {group}{mark}", text, _meaning(text, Decimal(f"{whole}.{decimals}0")))


def _meaning(text: str, value: Decimal) -> Meant:
    if not _TWO_WAYS.fullmatch(text):
        return value
    left, right = re.split(r"[.,]", text)
    grouped, decimal = Decimal(left + right), Decimal(f"{left}.{right}")
    return (grouped, decimal) if "." in text else (decimal, grouped)


def _indonesian(rng: random.Random) -> Case:
    return _written(rng, ".", ",")


def _english(rng: random.Random) -> Case:
    return _written(rng, ",", ".")


def _other_script(rng: random.Random) -> Case:
    case = _written(rng, *rng.choice(((".", ","), (",", "."))))
    zero = rng.choice(_SCRIPTS)
    text = "".join(chr(zero + int(c)) if c.isdigit() else c for c in case.text)
    return Case("other script digits", text, case.meant)


def _odd_digit(rng: random.Random) -> Case:
    text = _indonesian(rng).text
    at = rng.randint(0, len(text))
    return Case("digit-like symbol", text[:at] + rng.choice(_NOT_DIGITS) + text[at:], None)


def _exponent(rng: random.Random) -> Case:
    mantissa = rng.choice(("1", "9", "1.5", "2,5", "0.1"))
    power = rng.choice(("", "+", "-")) + str(rng.choice((1, 3, 18, 308, 309, 400, 99999)))
    return Case("exponent", f"{mantissa}{rng.choice('eE')}{power}", None)


def _not_a_number(rng: random.Random) -> Case:
    word = rng.choice(("NaN", "nan", "sNaN", "Infinity", "inf", "-Infinity", "+inf", "∞"))
    return Case("not a number", word, None)


def _signed(rng: random.Random) -> Case:
    return Case("signed", rng.choice("+-\u2212") + _english(rng).text, None)


def _long(rng: random.Random) -> Case:
    return Case("long line", "".join(rng.choices(string.digits, k=rng.randint(41, 5000))), None)


def _too_large(rng: random.Random) -> Case:
    digits = rng.randint(16, 40)
    return Case("too large", str(rng.randint(10 ** (digits - 1), 10**digits - 1)), None)


def _underflow(rng: random.Random) -> Case:
    zeros = "0" * rng.randint(18, 60)
    return Case("underflow", f"0{rng.choice('.,')}{zeros}{rng.randint(1, 9)}", None)


def _bad_separators(rng: random.Random) -> Case:
    a, b, c = (str(rng.randint(1, 999)) for _ in range(3))
    short = str(rng.randint(0, 99))
    text = rng.choice(
        (
            f"{a}.{short}.{c}",
            f"{a},{short},{c}",
            f"{a},{b}.{c},{short}",
            f"{a}.{b},{c}.{short}",
            f"{a}..{b}",
            f"{a},,{b}",
            f"{a}.,{b}",
            f"{a}.",
            f"{a},",
            ".",
            ",",
            f"{a}_{b}",
            f"{a}'{b}",
            f"Rp{a}",
            f"{a}k",
            f"{a}/{b}",
            f"0x{a}",
        )
    )
    return Case("separators", text, None)


def _zero(rng: random.Random) -> Case:
    return Case("zero", rng.choice(("0", "00", "0,0", "0.00", "0,000")), Decimal(0))


FAMILIES: tuple[Callable[[random.Random], Case], ...] = (
    _indonesian,
    _indonesian,
    _indonesian,
    _indonesian,
    _english,
    _english,
    _english,
    _other_script,
    _odd_digit,
    _exponent,
    _not_a_number,
    _signed,
    _long,
    _too_large,
    _underflow,
    _bad_separators,
    _zero,
)


def number_case(rng: random.Random) -> Case:
    return rng.choice(FAMILIES)(rng)


# What the user does with the number


def _floor(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_FLOOR) * step


@dataclass(frozen=True)
class Script:
    """Lines to type (`{n}` is the number); the reply parameter that must show the value
    meant, and how the pair's rules round it there; no parameter: no number is read."""

    lines: tuple[str, ...]
    shows: str | None = None
    rounded: Callable[[Decimal], Decimal] = field(default=lambda value: value)
    wizard: bool = False


SCRIPTS = (
    Script(("/trade sell btcidr {n} market",), "quantity", lambda v: _floor(v, STEP)),
    Script(("/TRADE Sell BTCIDR {n}",), "quantity", lambda v: _floor(v, STEP)),
    Script(("/trade buy btcidr {n} market",), "quote_amount", lambda v: _floor(v, Decimal(1))),
    Script(("/trade buy btcidr 0,001 limit {n}",), "price", lambda v: _floor(v, TICK)),
    Script(("/trade sell btcidr {n} limit 1.000.000.000",), "quantity", lambda v: _floor(v, STEP)),
    Script(("/alert btcidr {n}",), "level"),
    Script(("/alert BTCIDR {n} recurring",), "level"),
    Script(
        ("/trade", "tw:btcidr", "tw:sell", "tw:market", "{n}"),
        "quantity",
        lambda v: _floor(v, STEP),
        wizard=True,
    ),
    Script(
        ("/trade", "tw:btcidr", "tw:buy", "tw:limit", "0.001", "{n}"),
        "price",
        lambda v: _floor(v, TICK),
        wizard=True,
    ),
    Script(("/cancel {n}",)),
    Script(("/unalert {n}",)),
    Script(("/price {n}",)),
    Script(("/{word} {n}",)),
    Script(("{n}",)),
)


PREVIEWS = ("order.preview.", "alert.confirm")
WORDS = ("trade", "alert", "price", "cancel", "unalert", "strategy", "x", "tr4de", "ALERT", "")


def lines_of(script: Script, case: Case, rng: random.Random) -> list[str]:
    return [
        line.replace("{n}", case.text).replace("{word}", rng.choice(WORDS)) for line in script.lines
    ]


@dataclass
class Tally:
    """What a fuzz run saw; `problems` names each case that went wrong, and how."""

    cases: int = 0
    previews: int = 0
    asked: int = 0
    refused: int = 0
    internal_errors: int = 0
    mismatches: int = 0
    problems: list[str] = field(default_factory=list)
    kinds: collections.Counter[str] = field(default_factory=collections.Counter)

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.kinds.items()))
        return (
            f"{self.cases} cases ({kinds}): {self.previews} previews or alert questions, "
            f"{self.asked} asked which reading, {self.refused} with no preview; "
            f"{self.internal_errors} internal errors, {self.mismatches} mismatches"
        )

    def assert_clean(self, cases: int) -> None:
        """Every case run, none wrong, and every kind of outcome met."""
        assert self.cases == cases
        assert self.problems == []
        assert self.internal_errors == 0 and self.mismatches == 0
        assert min(self.previews, self.asked, self.refused) > cases // 50

    def check(
        self, case: Case, script: Script, said: list[Outbound], asked: bool, chosen: int
    ) -> None:
        """`said`: what the actors answered, the tap on a reading included; `asked`: the
        user was asked which reading was meant, and tapped reading `chosen`."""
        self.cases += 1
        self.kinds[_kind(case, script)] += 1
        keys = [m.key for m in said]
        if "error.internal" in keys:
            self.internal_errors += 1
            self.problems.append(f"internal error: {case} {script.lines}")
        wrong = _wrong(case, script, said, asked=asked, chosen=chosen)
        if wrong:
            self.mismatches += 1
            self.problems.append(f"{wrong}: {case} {script.lines} -> {keys}")
        self.asked += asked
        if any(m.key.startswith(PREVIEWS) for m in said):
            self.previews += 1
        else:
            self.refused += 1


def _kind(case: Case, script: Script) -> str:
    if script.shows is None:
        return "in commands that read no number"
    if case.meant is None:
        return "to refuse"
    return "read two ways" if isinstance(case.meant, tuple) else "with one reading"


def _wrong(
    case: Case, script: Script, said: list[Outbound], *, asked: bool, chosen: int
) -> str | None:
    previews = [m for m in said if m.key.startswith(PREVIEWS)]
    if script.shows is None or case.meant is None:
        return "a number taken from what is not one" if previews or asked else None
    if isinstance(case.meant, tuple) != asked:
        return "asked about one reading" if asked else "two readings not asked about"
    refused = [m for m in said if m.key.startswith("number.") and m.key != "number.ambiguous"]
    if refused or (script.wizard and not said):
        return "a readable number refused"
    meant = case.meant[chosen] if isinstance(case.meant, tuple) else case.meant
    figures = {Decimal(preview.param(script.shows) or "NaN") for preview in previews}
    wrong = [figure for figure in figures if figure != script.rounded(meant)]
    return f"previewed {wrong[0]} for {meant}" if wrong else None
