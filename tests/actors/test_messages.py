from __future__ import annotations

import ast
import dataclasses
import inspect
import pickle
from pathlib import Path

import pytest

import messages.admin
import messages.charts
import messages.commands
import messages.events
import messages.replies
from messages.base import Message, Sensitive
from messages.commands import GetPrice, LinkAccount

MODULES = [messages.admin, messages.charts, messages.commands, messages.events, messages.replies]
ROOT = Path(__file__).resolve().parents[2]


def message_classes() -> list[type]:
    found = []
    for module in MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Message) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_messages_import_nothing_of_the_project():
    project = {"actors", "adapters", "persistence", "config", "bin"}
    for path in (ROOT / "messages").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in project, path
            if isinstance(node, ast.Import):
                assert all(alias.name.split(".")[0] not in project for alias in node.names)


@pytest.mark.parametrize("cls", message_classes(), ids=lambda cls: cls.__name__)
def test_every_message_is_frozen_and_carries_a_correlation_id(cls):
    params = cls.__dataclass_params__
    assert params.frozen
    assert "correlation_id" in {field.name for field in dataclasses.fields(cls)}


def test_an_api_secret_in_a_message_survives_pickling_but_never_shows():
    message = LinkAccount(
        telegram_id=1, chat_id=1, api_key=Sensitive("KEY-abc"), api_secret=Sensitive("SECRET-xyz")
    )
    copy = pickle.loads(pickle.dumps(message))
    assert copy.api_secret.reveal() == "SECRET-xyz"
    assert "SECRET-xyz" not in repr(copy)
    assert "SECRET-xyz" not in f"{copy.api_secret}"
    assert copy.correlation_id == message.correlation_id


def test_a_commands_access_token_never_shows_in_its_repr():
    command = GetPrice(telegram_id=1, chat_id=1, token="tok-live-secret", pair_text="btcidr")
    assert "tok-live-secret" not in repr(command)
    assert command.token == "tok-live-secret"
