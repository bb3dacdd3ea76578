"""The shared shell of every command in bin/: known start-up problems print one clear
line each and exit non-zero; Ctrl-C and SIGTERM end quietly (SIGTERM, the stop a service
manager asks for, with status 0; Ctrl-C with 130, as shells expect)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

from config.errors import StartupError
from config.files import PRIVATE_UMASK
from config.loader import Loaded
from config.schema import iter_values
from config.secret import Secret

EXIT_STARTUP_ERROR = 2
EXIT_INTERRUPTED = 130


class Terminated(KeyboardInterrupt):
    """SIGTERM unwinds the command exactly as Ctrl-C does (every `finally` runs, every actor
    process is stopped), then ends it with status 0."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    # A second SIGTERM must not cut the clean stop the first one started.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


def run_cli(main: Callable[[], int]) -> NoReturn:
    os.umask(PRIVATE_UMASK)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = main()
    except StartupError as error:
        print(error, file=sys.stderr)
        code = EXIT_STARTUP_ERROR
    except KeyboardInterrupt as stop:
        print("stopped.", file=sys.stderr)
        code = 0 if isinstance(stop, Terminated) else EXIT_INTERRUPTED
    sys.exit(code)


def describe(loaded: Loaded) -> list[str]:
    """The effective settings, secrets masked, each with where its value came from."""
    rows = []
    for key, value in iter_values(loaded.settings):
        shown = value.redacted() if isinstance(value, Secret) else value
        if isinstance(shown, tuple):
            shown = ",".join(str(item) for item in shown)
        rows.append((key, str(shown) if shown != "" else "(empty)", loaded.origins[key]))
    width = max(len(key) for key, _, _ in rows)
    return [f"  {key:<{width}}  {shown}   [{origin}]" for key, shown, origin in rows]
