"""bin/run: validate settings, migrate the database, then run the actor system until
Ctrl-C (or SIGTERM, or `bin/admin shutdown`). In demo mode a local Indodax simulator runs
in this process, so nothing leaves the machine."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from actors.runtime import run_until_stopped
from config import Settings, load
from config.cli import describe, run_cli
from config.logs import setup_logging
from persistence.database import connect
from persistence.migrate import apply_migrations

log = logging.getLogger("bin.run")

NOT_BUILT_YET = (
    "Not built yet: the chat adapters (Telegram and console). The actor system, the price "
    "feed and the trigger book are running; there is no chat to talk to them. Ctrl-C stops."
)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bin/run", description=__doc__)
    parser.add_argument("--check", action="store_true", help="validate settings and exit")
    args = parser.parse_args()

    loaded = load()
    settings = loaded.settings
    setup_logging(settings.log_format, settings.logging.level, settings.secrets())
    print(f"indodax-bot: {settings.mode} mode, effective settings:")
    print("\n".join(describe(loaded)))
    if args.check:
        return 0
    database = connect(settings.database.url)
    applied = apply_migrations(database)
    print(
        f"database {settings.database.url.redacted()}: "
        f"{'applied ' + ', '.join(applied) if applied else 'schema up to date'}",
        flush=True,
    )
    database.close()
    simulator = None

    def before_boot() -> None:
        nonlocal simulator
        if settings.mode == "demo":
            simulator = _start_simulator(settings)
        print(f"actor system running (admin port {settings.actors.admin_port}).", flush=True)
        print(NOT_BUILT_YET, flush=True)

    try:
        run_until_stopped(settings, before_boot=before_boot)
    finally:
        if simulator is not None:
            simulator.stop()
    return 0


def _start_simulator(settings: Settings) -> Any:
    """Started after the actor system forked its admin, so no actor inherits its thread."""
    from adapters.simulator.server import SimulatorServer  # noqa: PLC0415 (demo mode only)

    server = SimulatorServer(host=settings.simulator.host, port=settings.simulator.port).start()
    print(f"demo exchange (simulator) at {server.base_url}", flush=True)
    return server


if __name__ == "__main__":
    run_cli(main)
