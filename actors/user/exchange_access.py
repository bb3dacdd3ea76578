"""Building the exchange clients an actor needs from the settings and a user's key pair."""

from __future__ import annotations

from adapters.indodax.markets import MarketCatalog
from adapters.indodax.private_client import AuthMode, PrivateClient
from adapters.indodax.public_client import PublicClient
from adapters.indodax.shared_catalog import shared_catalog
from config.schema import Settings
from persistence.credentials import ApiKeyPair
from persistence.nonce_store import NonceStore


def public_client(settings: Settings) -> PublicClient:
    return PublicClient(settings.indodax.rest_base_url)


def market_catalog(settings: Settings) -> MarketCatalog:
    return shared_catalog(settings.indodax.rest_base_url)


def private_client(
    settings: Settings, keys: ApiKeyPair, nonces: NonceStore, public: PublicClient
) -> PrivateClient:
    indodax = settings.indodax
    # The setting is checked to be one of the two when it is read; here it gets its type.
    auth_mode: AuthMode = "timestamp" if indodax.auth_mode == "timestamp" else "nonce"
    return PrivateClient(
        indodax.tapi_url,
        indodax.tapi_v2_base_url,
        keys.api_key,
        keys.api_secret,
        nonces,
        auth_mode=auth_mode,
        recv_window_ms=indodax.recv_window_ms,
        clock_offset=lambda: public.offset_ms,
        http=public.http,
        rest_base_url=indodax.rest_base_url,
    )
