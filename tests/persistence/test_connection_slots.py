"""Actor processes keep a database connection between messages only while they hold one of a
bounded number of slots, and the others connect for a message only while they hold one of a
second bounded set (waiting for one otherwise), so the server's connection limit holds
however many actors run."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from config.secret import SecretUrl
from persistence.connection_slots import ConnectionSlots, KeptConnection
from persistence.database import db, open_database


def in_child(action: str, slots: ConnectionSlots) -> int:
    """Fork; the child runs `action` ("claim" or "claim-and-wait") and exits 0 if it got a
    slot; returns the child's pid."""
    pid = os.fork()
    if pid == 0:
        got = slots.claim()
        if action == "claim-and-wait" and got:
            time.sleep(60)
        os._exit(0 if got else 1)
    return pid


def exit_code(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_no_more_processes_keep_a_connection_than_there_are_slots(tmp_path: Path):
    slots = ConnectionSlots(tmp_path, 2)
    assert slots.claim() and slots.claim()  # a second claim by the holder changes nothing
    assert exit_code(in_child("claim", slots)) == 0  # the second slot
    holder = in_child("claim-and-wait", slots)
    time.sleep(0.3)
    try:
        assert exit_code(in_child("claim", slots)) == 1  # both taken
    finally:
        os.kill(holder, signal.SIGKILL)
        exit_code(holder)


def test_a_killed_holder_frees_its_slot(tmp_path: Path):
    slots = ConnectionSlots(tmp_path, 1)
    holder = in_child("claim-and-wait", slots)
    time.sleep(0.3)
    assert not slots.claim()
    os.kill(holder, signal.SIGKILL)
    exit_code(holder)
    assert slots.claim()


def test_a_forked_child_does_not_inherit_its_parents_slot(tmp_path: Path):
    slots = ConnectionSlots(tmp_path, 1)
    assert slots.claim()
    assert exit_code(in_child("claim", slots)) == 1  # the parent still holds the only one
    slots.release()
    assert exit_code(in_child("claim", slots)) == 0


def test_no_slots_means_every_message_connects_afresh(tmp_path: Path, database):
    wakeups: list[float] = []
    kept = KeptConnection(
        ConnectionSlots(tmp_path, 0), ConnectionSlots(tmp_path, 0, "brief"), 5, wakeups.append
    )
    db.execute_sql("SELECT 1")
    kept.after_message()
    assert db.is_closed() and wakeups == []


def test_a_kept_connection_is_closed_and_its_slot_freed_once_unused(tmp_path: Path, database):
    wakeups: list[float] = []
    slots = ConnectionSlots(tmp_path, 1)
    kept = KeptConnection(slots, ConnectionSlots(tmp_path, 1, "brief"), 0.2, wakeups.append)
    db.execute_sql("SELECT 1")
    kept.after_message()
    db.execute_sql("SELECT 1")
    kept.after_message()
    assert not db.is_closed() and slots.held
    assert wakeups == [0.2]  # one check for the busy spell, not one per message
    kept.check()  # rings early: used since, so it waits for the rest of the quiet time
    assert not db.is_closed() and len(wakeups) == 2 and wakeups[1] <= 0.2
    time.sleep(0.25)
    kept.check()
    assert db.is_closed() and not slots.held


def test_a_process_waiting_for_a_brief_slot_gets_it_the_moment_its_holder_lets_go(
    tmp_path: Path,
):
    brief = ConnectionSlots(tmp_path, 1, "brief")
    holder = in_child("claim-and-wait", brief)
    time.sleep(0.3)
    waited: list[float] = []

    def wait() -> None:
        started = time.monotonic()
        brief.wait_for_one()
        waited.append(time.monotonic() - started)

    waiter = threading.Thread(target=wait)
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive() and not brief.held  # nothing free: it waits
    os.kill(holder, signal.SIGKILL)
    exit_code(holder)
    waiter.join(5)
    assert brief.held and 0.5 <= waited[0] < 2


def test_a_brief_connection_holds_its_slot_from_connect_to_close(
    tmp_path: Path, postgres_server_url
):
    kept, brief = ConnectionSlots(tmp_path, 0), ConnectionSlots(tmp_path, 1, "brief")
    gate = KeptConnection(kept, brief, 5, lambda seconds: None)
    database = open_database(SecretUrl(postgres_server_url), gate)
    assert not brief.held
    database.execute_sql("SELECT 1")
    try:
        assert brief.held
        assert exit_code(in_child("claim", brief)) == 1  # another actor would wait
    finally:
        database.close()
    assert not brief.held
    assert exit_code(in_child("claim", brief)) == 0


def test_a_connection_on_a_kept_slot_takes_no_brief_one(tmp_path: Path, postgres_server_url):
    kept, brief = ConnectionSlots(tmp_path, 1), ConnectionSlots(tmp_path, 1, "brief")
    gate = KeptConnection(kept, brief, 5, lambda seconds: None)
    database = open_database(SecretUrl(postgres_server_url), gate)
    database.execute_sql("SELECT 1")
    try:
        assert kept.held and not brief.held
    finally:
        database.close()
