"""xAI (``GET https://api.x.ai/v1/models``): an OpenAI-style list of the model ids a key may
use (``owned_by: "xai"``), without prices or limits. xAI's prices are in its
``/v1/language-models`` listing (:mod:`refresher.sources.xai_language_models`)."""

from __future__ import annotations

from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import ProviderObservation, Snapshot, parse_ids

SOURCE_ID = "xai"
PROVIDER = "xai"
URL = "https://api.x.ai/v1/models"
KEY_ENV = "XAI_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "xAI", "base_url": "https://api.x.ai/v1", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v1/models`` body. Raises :class:`SourceError` if it is not one."""
    return parse_ids(payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)))


ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
