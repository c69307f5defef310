"""OpenAI (``GET https://api.openai.com/v1/models``): which models the API serves.

The listing has no prices, limits or capabilities: only ids, so it confirms availability
(and, by absence, retirement). A key's own fine-tunes (``ft:…``, owned by ``user-…``) are
private to that account and are skipped.
"""

from __future__ import annotations

from gate_consumer.ids import check_upstream_id
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    OfferingObservation,
    ProviderObservation,
    Snapshot,
    Upstream,
    parse_listing,
)

SOURCE_ID = "openai"
PROVIDER = "openai"
URL = "https://api.openai.com/v1/models"
KEY_ENV = "OPENAI_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "OpenAI", "base_url": "https://api.openai.com/v1", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True


class OpenAIModel(Upstream):
    id: str
    owned_by: str | None = None


def _offering(m: OpenAIModel) -> OfferingObservation:
    upstream_id = check_upstream_id(m.id)
    if upstream_id.startswith("ft:") or (m.owned_by or "").startswith("user-"):
        raise ValueError("a fine-tune private to the key's account, not a public model")
    return OfferingObservation(PROVIDER, upstream_id, {"status": "active"})


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/v1/models`` body. Raises :class:`SourceError` if it is not one."""
    return parse_listing(
        payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS), "@ai-sdk/openai"),
        model=OpenAIModel, convert=_offering,
    )

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
