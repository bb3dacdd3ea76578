"""bin/run: validate settings, migrate the database, then run the actor system with the
console chat (no token) until its input ends, Ctrl-C, SIGTERM or `bin/admin shutdown`.
In demo mode a local Indodax simulator runs in this process and the console user is linked
to its demo account, so nothing leaves the machine."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import Any

from actors.runtime.lifecycle import run_until_stopped
from adapters.chat.commands import Who
from adapters.chat.rate_limit import CommandBudget
from adapters.console.chat import ConsoleChat
from adapters.i18n.catalog import render
from config import Settings, load
from config.cli import describe, run_cli
from config.logs import new_log_file, setup_logging
from messages.base import Sensitive
from messages.commands import LinkAccount
from persistence.database import connect
from persistence.migrate import apply_migrations
from persistence.vault import Vault

log = logging.getLogger("bin.run")

DEMO_USER = 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="bin/run", description=__doc__)
    parser.add_argument("--check", action="store_true", help="validate settings and exit")
    args = parser.parse_args()

    loaded = load()
    settings = loaded.settings
    # The console chat owns the terminal: the bot's own records go to a file.
    log_file = (
        new_log_file(settings.storage.data_dir)
        if settings.chat_adapter == "console" and not args.check
        else None
    )
    setup_logging(
        settings.log_format, settings.logging.level, settings.secrets(), log_file=log_file
    )
    if args.check:
        print(f"indodax-bot: {settings.mode} mode, effective settings:")
        print("\n".join(describe(loaded)))
        return 0
    print(f"indodax-bot: {settings.mode} mode (bin/run --check shows the effective settings)")
    if log_file is not None:
        print(f"logs: {log_file}", flush=True)
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
            print(f"telegram chat ({settings.telegram.update_mode}); Ctrl-C stops.", flush=True)

    def console(system: Any, supervisor: Any, reboot: Any) -> None:
        chat = ConsoleChat(
            system,
            supervisor,
            Who(DEMO_USER, DEMO_USER),
            sys.stdout,
            budget=CommandBudget(settings.chat.commands_per_minute),
            language=settings.chat.default_language,
            reboot=reboot,
            vault=Vault(settings.security.app_secret_key),
            market=_market_control(simulator) if simulator is not None else None,
            conversation_seconds=settings.chat.conversation_seconds,
            data_dir=settings.storage.data_dir,
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

    def telegram(system: Any, supervisor: Any, reboot: Any) -> None:
        from adapters.telegram.runner import run_telegram  # noqa: PLC0415 (Telegram mode only)

        run_telegram(settings, system, supervisor, reboot)

    try:
        run_until_stopped(
            settings,
            before_boot=before_boot,
            chat=console if settings.chat_adapter == "console" else telegram,
        )
    finally:
        if simulator is not None:
            simulator.stop()
    return 0


def _market_control(simulator: Any) -> Callable[[list[str]], tuple[str, dict[str, Any]]]:
    """Demo only: `/sim btcidr 1200000000` trades the simulated market at that price, so a
    newcomer can watch an alert fire or a limit order fill without waiting for the market."""
    from adapters.simulator.control import ControlError  # noqa: PLC0415 (demo mode only)

    def move(words: list[str]) -> tuple[str, dict[str, Any]]:
        if len(words) != 2:
            return "console.sim_usage", {}
        try:
            simulator.set_price(words[0].lower(), words[1])
        except ControlError as error:
            return "console.sim_refused", {"reason": str(error)}
        return "console.sim_moved", {"pair": words[0].upper(), "price": words[1]}

    return move


def _start_simulator(settings: Settings) -> Any:
    """Started after the actor system forked its admin, so no actor inherits its thread."""
    from adapters.simulator.server import SimulatorServer  # noqa: PLC0415 (demo mode only)

    server = SimulatorServer(host=settings.simulator.host, port=settings.simulator.port).start()
    print(f"demo exchange (simulator) at {server.base_url}", flush=True)
    return server


if __name__ == "__main__":
    run_cli(main)
