"""bin/admin: operator messages to the running bot's Supervisor.

bin/admin status | users | restart ID | pause ID | resume ID | pause-all | resume-all
          | revoke ID | shutdown      [--json]
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from actors.core.supervisor import SUPERVISOR_NAME, Supervisor
from actors.runtime.system import join_actor_system
from config import load_settings
from config.cli import run_cli
from config.errors import StartupError
from messages import admin as admin_messages

COMMANDS: dict[str, tuple[type[admin_messages.AdminCommand], bool]] = {
    "status": (admin_messages.Status, False),
    "users": (admin_messages.ListUsers, False),
    "restart": (admin_messages.RestartUser, True),
    "pause": (admin_messages.PauseUser, True),
    "resume": (admin_messages.ResumeUser, True),
    "pause-all": (admin_messages.PauseAll, False),
    "resume-all": (admin_messages.ResumeAll, False),
    "revoke": (admin_messages.RevokeToken, True),
    "shutdown": (admin_messages.Shutdown, False),
}


def build_message(command: str, telegram_id: int | None) -> admin_messages.AdminCommand:
    cls, needs_user = COMMANDS[command]
    if needs_user:
        if telegram_id is None:
            raise StartupError(f"bin/admin {command} needs a Telegram user id")
        return cls(telegram_id=telegram_id)  # type: ignore[call-arg]
    return cls()


def render(reply: admin_messages.AdminReply) -> str:
    lines = [f"{'ok' if reply.ok else 'refused'}: {reply.key}"]
    for key, value in reply.data.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines.extend(_table(value))
        else:
            lines.append(f"  {key:<20} {value}")
    return "\n".join(lines)


def _table(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    header = "  " + "  ".join(c.ljust(widths[c]) for c in columns)
    return [header] + ["  " + "  ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="bin/admin", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("telegram_id", nargs="?", type=int)
    parser.add_argument("--json", action="store_true", help="print the reply as JSON")
    parser.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args()

    message = build_message(args.command, args.telegram_id)
    settings = load_settings()
    system = join_actor_system(settings.actors, settings.storage.data_dir)
    supervisor = system.createActor(Supervisor, globalName=SUPERVISOR_NAME)
    reply = system.ask(supervisor, message, args.timeout)
    if not isinstance(reply, admin_messages.AdminReply):
        raise StartupError(f"no answer from the Supervisor within {args.timeout:g} s")
    if args.json:
        print(json.dumps({"ok": reply.ok, "key": reply.key, "data": reply.data}, indent=2))
    else:
        print(render(reply))
    return 0 if reply.ok else 1


if __name__ == "__main__":
    run_cli(main)
