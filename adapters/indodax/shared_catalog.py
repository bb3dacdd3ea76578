"""One market list per process and exchange, loaded before the actors are forked.

Every user's actor checks orders against the whole market list (hundreds of pairs with
their ticks, steps and minimums). Fetched and parsed in each actor it cost ~3.5 MiB of
private memory per user; loaded once in the Supervisor before it forks the users' actors,
they read the parent's copy (pages stay shared until written) and only a refresh, every
few minutes in a long-lived actor, builds a private one.
"""

from __future__ import annotations

import logging
from functools import cache

from adapters.indodax.errors import IndodaxError
from adapters.indodax.markets import MarketCatalog
from adapters.indodax.public_client import PublicClient

log = logging.getLogger(__name__)


@cache
def shared_catalog(rest_base_url: str) -> MarketCatalog:
    public = PublicClient(rest_base_url)
    return MarketCatalog(lambda: (public.pairs(), public.price_increments()))


def preload_catalog(rest_base_url: str) -> None:
    """Load it now; an exchange that does not answer leaves each actor to load its own."""
    try:
        shared_catalog(rest_base_url).pairs()
    except (IndodaxError, ValueError) as error:
        log.warning("market list not preloaded", extra={"error": type(error).__name__})
