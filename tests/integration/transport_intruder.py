"""A process on the same host that speaks Thespian's TCP wire format to actor ports: run by
test_actor_transport.py as the neighbour who does not hold the transport key (frames are
plain pickles) and, for contrast, as one who does (frames sealed with the key file).

It listens on a port of its own, names that port as the sender of every frame, and reports
which answers came back. Input (argv[1], JSON): targets [[port, message name], ...], the
telegram id for Locate, the strategy an OrderRequest names, the marker file the
booby-trapped pickle would create, the key file (or null), the seconds to wait for
answers. Output: one JSON line.
"""

from __future__ import annotations

import json
import pickle
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from thespian.actors import ActorAddress
from thespian.system.transport.IPBase import TCPv4ActorAddress

from actors.runtime.transport_seal import SealedPickle, TransportSeal, read_key_file
from messages.admin import Status
from messages.events import Locate, OrderRequest


class WritesAFile:
    """Unpickling this creates `path`: code of the sender's choosing, run by the receiver."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"open({self.path!r}, 'w').write('owned')",))


class PlainPickle:
    """What any process can produce without the key."""

    dumps = staticmethod(pickle.dumps)
    loads = staticmethod(pickle.loads)

    @staticmethod
    def control_frame(packet: str) -> bytes:
        return pickle.dumps(packet)


def message(name: str, spec: dict[str, Any]) -> Any:
    return {
        "Status": Status,
        "Locate": lambda: Locate(telegram_id=spec["telegram_id"]),
        "OrderRequest": lambda: OrderRequest(
            strategy_id=spec["strategy_id"],
            client_order_id=f"s{spec['strategy_id']}-intrdr-buy-1",
            leg="buy",
            pair="btcidr",
            side="buy",
            order_type="limit",
            quantity="0.001",
            price="1000000000",
        ),
        "WritesAFile": lambda: WritesAFile(spec["marker"]),
    }[name]()


def framed(payload: bytes) -> bytes:
    return f"{len(payload)}>".encode() + payload


def read_frame(conn: socket.socket) -> bytes | None:
    head = b""
    while not head.endswith(b">"):
        chunk = conn.recv(1)
        if not chunk:
            return None
        head += chunk
    size = int(head[:-1])
    body = b""
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def serve(conn: socket.socket, serializer: Any, answers: list[str], until: float) -> None:
    """Reads frames until the peer closes or time is up: an actor's answer (a (sender,
    message) pair) is recorded and acknowledged; a control packet or a frame this side
    cannot open (the target's sealed NAK, to a keyless sender) is not an answer."""
    with conn:
        while time.monotonic() < until:
            conn.settimeout(max(0.1, until - time.monotonic()))
            try:
                body = read_frame(conn)
            except OSError:
                return
            if body is None:
                return
            try:
                decoded = serializer.loads(body)
            except Exception:  # what this side cannot open is no answer
                return
            if isinstance(decoded, tuple):
                answers.append(type(decoded[1]).__name__)
                conn.sendall(framed(serializer.control_frame("ACK")))


def accept_answers(
    listener: socket.socket, serializer: Any, answers: list[str], until: float
) -> None:
    listener.settimeout(0.2)
    while time.monotonic() < until:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        threading.Thread(target=serve, args=(conn, serializer, answers, until)).start()


def main() -> None:
    spec = json.loads(sys.argv[1])
    serializer: Any = (
        SealedPickle(TransportSeal(read_key_file(Path(spec["key_file"])), encrypt=False))
        if spec["key_file"]
        else PlainPickle()
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    me = ActorAddress(TCPv4ActorAddress("127.0.0.1", listener.getsockname()[1], external=True))
    answers: list[str] = []
    until = time.monotonic() + spec["wait"]
    threads = [threading.Thread(target=accept_answers, args=(listener, serializer, answers, until))]
    for port, name in spec["targets"]:
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn.sendall(framed(serializer.dumps((me, message(name, spec)))))
        # Thespian may answer on this connection as well as on the listener.
        threads.append(threading.Thread(target=serve, args=(conn, serializer, answers, until)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.3)  # a connection accepted at the last moment finishes its frame
    listener.close()
    print(json.dumps({"sent": len(spec["targets"]), "answers": sorted(answers)}), flush=True)


if __name__ == "__main__":
    main()
