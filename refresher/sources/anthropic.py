"""Anthropic (``GET https://api.anthropic.com/v1/models``): Claude models with display names,
release times and, since 2026, limits and capabilities. No prices.

Paginated: ``has_more`` with ``last_id``, passed back as ``after_id``. The key goes in
``x-api-key`` with an ``anthropic-version`` header, not as a bearer token.
"""

from __future__ import annotations

from typing import Any

from gate_consumer.ids import check_upstream_id
from gate_consumer.instants import parse_date
from refresher.sources.adapter import SourceAdapter
from refresher.sources.base import (
    OfferingObservation,
    ProviderObservation,
    Snapshot,
    Upstream,
    drop_none,
    parse_listing,
)

SOURCE_ID = "anthropic"
PROVIDER = "anthropic"
URL = "https://api.anthropic.com/v1/models"
KEY_ENV = "ANTHROPIC_API_KEY"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "Anthropic", "base_url": "https://api.anthropic.com/v1", "api_key_env": [KEY_ENV]}
NEEDS_KEY = True
FIRST_PAGE = {"limit": "1000"}
API_VERSION = "2023-06-01"


def auth_headers(key: str) -> dict[str, str]:
    return {"x-api-key": key, "anthropic-version": API_VERSION}


def next_page(data: Any) -> dict[str, str] | None:
    """Query parameters of the next page, or None on the last one."""
    if isinstance(data, dict) and data.get("has_more") and isinstance(data.get("last_id"), str):
        return {**FIRST_PAGE, "after_id": data["last_id"]}
    return None


class Supported(Upstream):
    supported: bool


class Capabilities(Upstream):
    image_input: Supported | None = None
    pdf_input: Supported | None = None
    structured_outputs: Supported | None = None
    thinking: Supported | None = None


class AnthropicModel(Upstream):
    id: str
    display_name: str
    created_at: str | None = None
    max_input_tokens: int | None = None
    max_tokens: int | None = None
    capabilities: Capabilities | None = None


def _supported(flag: Supported | None) -> bool | None:
    return None if flag is None else flag.supported


def _offering(m: AnthropicModel) -> OfferingObservation:
    upstream_id = check_upstream_id(m.id)
    facts: dict[str, Any] = {
        "name": m.display_name,
        "status": "active",
        # The 2026 reference example shows 0 as a placeholder: only a positive limit is a fact.
        "limits.context": m.max_input_tokens if m.max_input_tokens and m.max_input_tokens > 0 else None,
        "limits.output": m.max_tokens if m.max_tokens and m.max_tokens > 0 else None,
    }
    caps = m.capabilities
    if caps is not None:
        facts["capabilities.reasoning"] = _supported(caps.thinking)
        facts["capabilities.structured_output"] = _supported(caps.structured_outputs)
        if caps.image_input is not None and caps.pdf_input is not None:
            extra = {"image": caps.image_input.supported, "pdf": caps.pdf_input.supported}
            facts["modalities.input"] = sorted(["text", *(k for k, on in extra.items() if on)])
    released = (m.created_at or "")[:10] or None
    if released is not None:
        try:
            parse_date(released)
        except ValueError:
            raise ValueError(f"created_at: {m.created_at!r} is not a date") from None
    return OfferingObservation(
        PROVIDER, upstream_id, drop_none(facts), drop_none({"name": m.display_name, "release_date": released})
    )


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse one page of ``/v1/models``. Raises :class:`SourceError` if it is not one."""
    return parse_listing(
        payload, observed_at, source=SOURCE_ID, provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS), "@ai-sdk/anthropic"),
        model=AnthropicModel, convert=_offering,
    )

ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY, auth_headers=auth_headers, first_page=FIRST_PAGE, next_page=next_page)
