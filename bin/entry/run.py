"""bin/run: validate settings, migrate the database, then run the actor system with the
console chat (no token) until its input ends, Ctrl-C, SIGTERM or `bin/admin shutdown`.
In demo mode a local Indodax simulator runs in this process and the console user is linked
to its demo account, so nothing leaves the machine."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from actors.runtime import run_until_stopped
from adapters.chat.commands import Who
from adapters.console.chat import ConsoleChat
from adapters.i18n.catalog import render
from config import Settings, load
from config.cli import describe, run_cli
from config.logs import setup_logging
from messages.base import Sensitive
from messages.commands import LinkAccount
from persistence.database import connect
from persistence.migrate import apply_migrations
from persistence.vault import Vault

log = logging.getLogger("bin.run")

TELEGRAM_NOT_BUILT = (
    "Not built yet: the Telegram chat. The actor system, price feed and trigger book run, "
    "but no Telegram user can reach them; use the console chat (CHAT_ADAPTER=console). "
    "Ctrl-C stops."
)
DEMO_USER = 1


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
        if settings.chat_adapter == "telegram":
            print(TELEGRAM_NOT_BUILT, flush=True)

    def console(system: Any, supervisor: Any, reboot: Any) -> None:
        chat = ConsoleChat(
            system,
            supervisor,
            Who(DEMO_USER, DEMO_USER),
            sys.stdout,
            language=settings.chat.default_language,
            reboot=reboot,
            vault=Vault(settings.security.app_secret_key),
        )
        if simulator is not None:
            chat.handle_line("/start")
            chat.send(
                LinkAccount(
                    telegram_id=DEMO_USER,
                    chat_id=DEMO_USER,
                    api_key=Sensitive(simulator.demo_key),
                    api_secret=Sensitive(simulator.demo_secret),
                )
            )
            chat.pump(2.0)
            chat.say(render("console.demo_linked", {}, chat.language, as_html=False))
        chat.run(sys.stdin)

    try:
        run_until_stopped(
            settings,
            before_boot=before_boot,
            chat=console if settings.chat_adapter == "console" else None,
        )
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
