"""Every message key the code sends has a text in both languages, and every `{param}` that
text uses is one the sender provides: a typo in a key or a forgotten parameter fails here,
instead of reaching a user as the "no text" apology or as a blank where a number belongs.

The senders are found in the source (actors/ and the chat adapters): any string shaped
like a key in one of the catalogs' namespaces, and, where the call says both, the key with
the parameters given beside it (`self.reply(message, "alert.list", alerts=…, count=…)`).
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.i18n.catalog import LANGUAGES, catalog
from messages.statuses import OrderOutcome

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    path
    for folder in ("actors", "adapters")
    for path in (ROOT / folder).rglob("*.py")
    if "simulator" not in path.parts  # the simulator speaks Indodax's API, not the chat
)
KEY = re.compile(r"[a-z_]+(\.[a-z0-9_]+)+")
NAMESPACES = {key.split(".")[0] for key in catalog("en")}

# Calls that send a key with no parameters at all: the adapters render these with {}, or
# with the literal dict that follows the key (the console's `_print(key, {"path": …})`).
BARE = {"Usage", "Ended", "_say", "_print", "answer"}
# Calls whose keyword arguments are the parameters; their position of the key.
KEYWORD_PARAMS = {"reply": 1, "notify": 0, "_tell_admins": 0}
NOT_PARAMS = {"kind", "correlation_id", "buttons"}
# A strategy's `self.context.notify(...)`: its host adds the strategy's id, pair and coin.
STRATEGY_PARAMS = frozenset({"strategy_id", "pair", "coin"})
# Calls whose parameters are a literal tuple of (name, value) pairs: (key position, params).
PAIR_PARAMS = {
    "Button": (0, 2),
    "Prompt": (0, 2),
    "Notification": ("key", "params"),
    "_draw": ("caption_key", "caption_params"),  # a chart's caption (actors/user/charts.py)
}


@dataclass(frozen=True)
class Sent:
    where: str
    keys: tuple[str, ...]
    params: frozenset[str]


def _is_key(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and KEY.fullmatch(node.value) is not None
        and node.value.split(".")[0] in NAMESPACES
    )


def _keys(node: ast.AST | None) -> tuple[str, ...]:
    """A key, or each branch of `"a" if … else "b"`; () when it is computed."""
    if node is not None and _is_key(node):
        return (node.value,)  # type: ignore[attr-defined]
    if isinstance(node, ast.IfExp):
        return _keys(node.body) + _keys(node.orelse)
    return ()


def _argument(call: ast.Call, where: int | str) -> ast.AST | None:
    if isinstance(where, int):
        return call.args[where] if len(call.args) > where else None
    return next((k.value for k in call.keywords if k.arg == where), None)


def _pair_names(node: ast.AST | None) -> frozenset[str] | None:
    """The names of a literal `(("name", value), …)`; None when it is computed."""
    if node is None:
        return frozenset()
    if not isinstance(node, ast.Tuple):
        return None
    names = set()
    for pair in node.elts:
        if not (isinstance(pair, ast.Tuple) and isinstance(pair.elts[0], ast.Constant)):
            return None
        names.add(pair.elts[0].value)
    return frozenset(names)


def _sent(call: ast.Call, where: str) -> Sent | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in BARE:
        at, keys = next(((n, k) for n, a in enumerate(call.args) if (k := _keys(a))), (0, ()))
        following = call.args[at + 1] if len(call.args) > at + 1 else None
        params = frozenset(
            key.value
            for key in (following.keys if isinstance(following, ast.Dict) else ())
            if isinstance(key, ast.Constant)
        )
        return Sent(where, keys, params) if keys else None
    if name in KEYWORD_PARAMS:
        if any(k.arg is None for k in call.keywords):  # **params: not known here
            return None
        keys = _keys(_argument(call, KEYWORD_PARAMS[name]))
        params = frozenset(k.arg for k in call.keywords if k.arg not in NOT_PARAMS)
        if isinstance(func, ast.Attribute) and getattr(func.value, "attr", "") == "context":
            params |= STRATEGY_PARAMS
        return Sent(where, keys, params) if keys else None  # type: ignore[arg-type]
    if name in PAIR_PARAMS:
        key_at, params_at = PAIR_PARAMS[name]
        keys = _keys(_argument(call, key_at))
        params = _pair_names(_argument(call, params_at))
        return Sent(where, keys, params) if keys and params is not None else None
    return None


def _senders() -> Iterator[Sent]:
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                sent = _sent(node, f"{path.relative_to(ROOT)}:{node.lineno}")
                if sent is not None:
                    yield sent


def _every_key() -> set[str]:
    return {
        node.value
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if _is_key(node)
    }


def _fields(template: str) -> set[str]:
    """The named parameters a template uses (a row template's {0}, {1} are its cells)."""
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name and not name.isdigit()
    }


SENT = list(_senders())


def test_the_scan_finds_the_senders_it_is_meant_to_check():
    assert len(_every_key()) > 150
    assert len(SENT) > 100
    assert any(s.keys == ("alert.list",) and "alerts" in s.params for s in SENT)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_code_sends_has_a_text(language):
    missing = sorted(_every_key() - set(catalog(language)))
    assert missing == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_parameter_a_text_uses_is_one_its_sender_provides(language):
    texts = catalog(language)
    unprovided = [
        f"{sent.where} {key}: {sorted(_fields(texts[key]) - sent.params)}"
        for sent in SENT
        for key in sent.keys
        if key in texts and not _fields(texts[key]) <= sent.params
    ]
    assert unprovided == []


def test_both_languages_use_the_same_parameters_in_each_text():
    indonesian, english = catalog("id"), catalog("en")
    differ = [key for key in english if _fields(english[key]) != _fields(indonesian[key])]
    assert differ == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_outcome_of_an_order_followed_up_has_its_text(language):
    texts = catalog(language)
    assert [o for o in OrderOutcome if f"order.outcome.{o}" not in texts] == []
