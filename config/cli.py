"""The shared shell of every command in bin/: known start-up problems print one clear
line each and exit non-zero; Ctrl-C and SIGTERM end quietly."""

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


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_cli(main: Callable[[], int]) -> NoReturn:
    os.umask(PRIVATE_UMASK)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = main()
    except StartupError as error:
        print(error, file=sys.stderr)
        code = EXIT_STARTUP_ERROR
    except KeyboardInterrupt:
        print("stopped.", file=sys.stderr)
        code = EXIT_INTERRUPTED
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
