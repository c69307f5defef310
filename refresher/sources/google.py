"""Google Gemini API (``GET https://generativelanguage.googleapis.com/v1beta/models``).

Names come as ``models/<id>``; the offering id is what follows the prefix (what a request's
``model`` names). ``inputTokenLimit`` is the context window as Google counts it, and
``outputTokenLimit`` the output cap. No prices. Paginated with ``nextPageToken`` →
``pageToken``; the key goes in the ``x-goog-api-key`` header, never in the URL, so URLs in
logs carry no secret.
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

SOURCE_ID = "google"
PROVIDER = "google"
URL = "https://generativelanguage.googleapis.com/v1beta/models"
KEY_ENV = "GEMINI_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "Google", "base_url": "https://generativelanguage.googleapis.com/v1beta", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True
FIRST_PAGE = {"pageSize": "1000"}
PREFIX = "models/"


def auth_headers(key: str) -> dict[str, str]:
    return {"x-goog-api-key": key}


def next_page(data: Any) -> dict[str, str] | None:
    token = data.get("nextPageToken") if isinstance(data, dict) else None
    return {**FIRST_PAGE, "pageToken": token} if isinstance(token, str) and token else None


class GeminiModel(Upstream):
    name: str
    displayName: str | None = None
    inputTokenLimit: int | None = None
    outputTokenLimit: int | None = None
    supportedGenerationMethods: list[str] | None = None
    thinking: bool | None = None


def _offering(m: GeminiModel) -> OfferingObservation:
    if not m.name.startswith(PREFIX):
        raise ValueError(f"name: {m.name[:80]!r} does not start with {PREFIX!r}")
    upstream_id = check_upstream_id(m.name[len(PREFIX):])
    facts: dict[str, Any] = {
        "name": m.displayName,
        "status": "active",
        "limits.context": m.inputTokenLimit or None,
        "limits.output": m.outputTokenLimit or None,
        "capabilities.reasoning": m.thinking,
    }
    methods = set(m.supportedGenerationMethods or ())
    if methods and methods <= {"embedContent", "batchEmbedContents", "asyncBatchEmbedContent", "countTokens", "countTextTokens"}:
        facts["modalities.output"] = ["embeddings"]
    return OfferingObservation(PROVIDER, upstream_id, drop_none(facts), drop_none({"name": m.displayName}))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse one page of ``/v1beta/models``. Raises :class:`SourceError` if it is not one."""
    return parse_listing(
        payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS), "@ai-sdk/google"),
        model=GeminiModel, convert=_offering, key="models",
    )

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY, auth_headers=auth_headers, first_page=FIRST_PAGE, next_page=next_page)
