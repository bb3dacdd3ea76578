"""A neighbour on the same host reaches the actor ports: without the transport key nothing it
sends is unpickled or answered; with the key (the operator's bin/admin) the same messages are
answered, so the refusal is the seal's doing. An order request from outside the user's own
strategies places nothing even with the key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from stack import ACCOUNTS

from actors.runtime.processes import listener_pid, listening_addresses, session_members, session_of
from actors.runtime.transport_seal import key_file
from messages.admin import Status
from persistence.models import User
from persistence.models.strategies import Strategy

ROOT = Path(__file__).resolve().parents[2]
INTRUDER = Path(__file__).with_name("transport_intruder.py")
USER = 1003
ATTACKS = ("Status", "Locate", "OrderRequest", "WritesAFile")

pytestmark = pytest.mark.slow


def intrude(stack, targets: list[tuple[int, str]], marker: Path, key: Path | None) -> dict:
    spec = {
        "targets": targets,
        "telegram_id": USER,
        "strategy_id": stack.paused_strategy_id,
        "marker": str(marker),
        "key_file": str(key) if key else None,
        "wait": 6,
    }
    result = subprocess.run(
        [sys.executable, str(INTRUDER), json.dumps(spec)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def port_of(address) -> int:
    return address.addressDetails.sockname[1]


def orders_on_the_exchange(stack) -> list[dict]:
    key = ACCOUNTS[USER].key
    return httpx.get(f"{stack.simulator.base_url}/_sim/orders", params={"key": key}).json()


@pytest.fixture(scope="module")
def ports(stack) -> dict[str, int]:
    """The user is linked and has a strategy: an order request naming it would pass every
    rule, but a UserActor takes none from another actor (its strategies run inside it)."""
    stack.link(USER)
    owner = User.get(User.telegram_id == USER)
    stack.paused_strategy_id = Strategy.create(
        user=owner, kind="dca", pair="btcidr", status="paused"
    ).id
    return {
        "supervisor": port_of(stack.supervisor),
        "user": port_of(stack.ask_user_actor(USER)),
        "admin": stack.settings.actors.admin_port,
    }


def test_a_process_without_the_key_gets_no_answer_no_order_and_no_code_run(stack, ports, tmp_path):
    marker = tmp_path / "owned"
    before = stack.admin(Status()).data["rejected_transport_frames"]
    targets = [(ports[actor], attack) for actor in ("supervisor", "user") for attack in ATTACKS]
    targets.append((ports["admin"], "WritesAFile"))

    report = intrude(stack, targets, marker, key=None)

    assert report["sent"] == 9
    assert report["answers"] == []
    assert not marker.exists()
    assert orders_on_the_exchange(stack) == []
    rejected = stack.admin(Status()).data["rejected_transport_frames"]
    assert rejected - before >= 9


def test_the_same_messages_sealed_with_the_key_are_answered_but_order_only_from_own_strategy(
    stack, ports, tmp_path
):
    key = key_file(stack.settings.storage.data_dir, stack.settings.actors.admin_port)
    targets = [(ports["supervisor"], "Status"), (ports["supervisor"], "Locate")]
    targets.append((ports["user"], "OrderRequest"))
    before = stack.admin(Status()).data["rejected_transport_frames"]

    report = intrude(stack, targets, tmp_path / "unused", key=key)

    assert report["answers"] == ["AdminReply", "Located"]
    assert stack.admin(Status()).data["rejected_transport_frames"] == before
    assert orders_on_the_exchange(stack) == []
    stack.admin(Status())  # the user's actor is still serving after the refusal
    assert stack.ask_user_actor(USER) is not None


def test_the_key_file_is_the_owners_alone_and_bin_admin_reports_the_rejections(stack):
    key = key_file(stack.settings.storage.data_dir, stack.settings.actors.admin_port)
    assert key.stat().st_mode & 0o777 == 0o600
    result = subprocess.run(
        [sys.executable, str(ROOT / "bin" / "entry" / "admin.py"), "status", "--json"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DATA_DIR": str(stack.settings.storage.data_dir),
            "ACTOR_ADMIN_PORT": str(stack.settings.actors.admin_port),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    reported = json.loads(result.stdout)["data"]["rejected_transport_frames"]
    assert reported == stack.admin(Status()).data["rejected_transport_frames"]


def test_every_listener_of_the_system_the_logger_included_refuses_the_booby_trapped_pickle(
    stack, ports, tmp_path
):
    marker = tmp_path / "owned"
    session = session_of(listener_pid(stack.settings.actors.admin_port))
    found = listening_addresses(session_members(session))
    every = {int(address.rsplit(":", 1)[1]) for address in found}
    listeners = sorted(every - {stack.simulator.port})  # the exchange is no actor
    assert len(listeners) >= 7  # admin, logger, Supervisor, 3 core actors, the user's actor
    before = stack.admin(Status()).data["rejected_transport_frames"]

    report = intrude(stack, [(port, "WritesAFile") for port in listeners], marker, key=None)

    assert report["answers"] == []
    assert not marker.exists()
    after = stack.admin(Status()).data["rejected_transport_frames"]
    assert after - before >= len(listeners)
