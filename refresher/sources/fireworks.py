"""Fireworks AI (``GET https://api.fireworks.ai/inference/v1/models``): an OpenAI-style list
whose ids are full resource names (``accounts/fireworks/models/<slug>``, which is also what a
request names). Flags say whether a model takes tools and images; no prices.
"""

from __future__ import annotations

from typing import Any

from gate_consumer.ids import check_upstream_id
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    OfferingObservation,
    ProviderObservation,
    Snapshot,
    Upstream,
    drop_none,
    parse_listing,
)

SOURCE_ID = "fireworks"
PROVIDER = "fireworks-ai"
URL = "https://api.fireworks.ai/inference/v1/models"
KEY_ENV = "FIREWORKS_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "Fireworks AI", "base_url": "https://api.fireworks.ai/inference/v1", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True


class FireworksModel(Upstream):
    id: str
    kind: str | None = None
    supports_chat: bool | None = None
    supports_image_input: bool | None = None
    supports_tools: bool | None = None
    context_length: int | None = None


def _offering(m: FireworksModel) -> OfferingObservation:
    upstream_id = check_upstream_id(m.id)
    facts: dict[str, Any] = {
        "status": "active",
        "limits.context": m.context_length or None,
        "capabilities.tools": m.supports_tools,
    }
    if m.supports_image_input is not None:
        facts["modalities.input"] = ["image", "text"] if m.supports_image_input else ["text"]
    if m.kind == "EMBEDDING_MODEL":
        facts["modalities.output"] = ["embeddings"]
    return OfferingObservation(PROVIDER, upstream_id, drop_none(facts))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``/inference/v1/models`` body. Raises :class:`SourceError` if it is not one."""
    return parse_listing(
        payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)),
        model=FireworksModel, convert=_offering,
    )

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
