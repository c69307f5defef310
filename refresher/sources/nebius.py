"""Nebius AI Studio / Token Factory (``GET https://api.tokenfactory.nebius.com/v1/models``): an
OpenAI-style list of model ids (``owned_by: "system"``); the plain listing states no prices
(``?verbose=true`` would, and has not been recorded). It says which models Nebius serves, the
``-fast`` variants among them; prices come from the catalogs."""

from __future__ import annotations

from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import ProviderObservation, Snapshot, parse_ids

SOURCE_ID = "nebius"
PROVIDER = "nebius"
URL = "https://api.tokenfactory.nebius.com/v1/models"
KEY_ENV = "NEBIUS_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "Nebius Token Factory", "base_url": "https://api.tokenfactory.nebius.com/v1",
                  "api_key_env": [KEY_ENV]}
NEEDS_KEY = True


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v1/models`` body. Raises :class:`SourceError` if it is not one."""
    return parse_ids(payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)))


ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
