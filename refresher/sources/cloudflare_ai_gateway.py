"""Cloudflare AI Gateway (``GET https://gateway.ai.cloudflare.com/v1/<account>/<gateway>/compat/models``):
every model the gateway's unified endpoint routes, ``<upstream>/<model>`` (``openai/gpt-4o``,
``workers-ai/@cf/meta/…``, ``aws-bedrock/…``), with ``cost_in`` / ``cost_out`` as **USD per
token, JSON numbers** — what the gateway bills. The URL names an account and a gateway: set
``FAIMETA_CLOUDFLARE_AI_GATEWAY_URL`` to yours."""

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
    per_million,
)

SOURCE_ID = "cloudflare-ai-gateway"
PROVIDER = "cloudflare-ai-gateway"
URL = "https://gateway.ai.cloudflare.com/v1/ACCOUNT_ID/GATEWAY_ID/compat/models"
KEY_ENV = "CLOUDFLARE_API_TOKEN"  # the only variable whose key this source receives
PROVIDER_FACTS = {"name": "Cloudflare AI Gateway", "api_key_env": [KEY_ENV, "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_GATEWAY_ID"]}
NEEDS_KEY = True


class GatewayModel(Upstream):
    id: str
    owned_by: str | None = None
    cost_in: float | str | None = None
    cost_out: float | str | None = None


#: upstreams that are gateways themselves: an entry routed through one (``openrouter/…``, 635 of
#: 1,498) is the other gateway's offering at the other gateway's price — and its id is spelled as
#: that gateway's own (``openrouter/minimax/minimax-m2:free``), which would name it instead
_GATEWAYS = frozenset({"openrouter"})


def _offering(m: GatewayModel) -> OfferingObservation:
    facts: dict[str, Any] = {
        "status": "active",
        "price.input": per_million(m.cost_in, per_token=True, field_name="cost_in"),
        "price.output": per_million(m.cost_out, per_token=True, field_name="cost_out"),
    }
    return OfferingObservation(PROVIDER, check_upstream_id(m.id), drop_none(facts))


def parse(payload: bytes, observed_at: str) -> Snapshot:
    """Parse a ``compat/models`` body. Raises :class:`SourceError` if it is not one."""
    snapshot = parse_listing(payload, observed_at, source=SOURCE_ID,
                             provider=ProviderObservation(PROVIDER, dict(PROVIDER_FACTS)), model=GatewayModel,
                             convert=_offering)
    kept = [o for o in snapshot.offerings if o.upstream_id.split("/", 1)[0] not in _GATEWAYS]
    if len(kept) < len(snapshot.offerings):
        snapshot.unmapped["routed through another gateway (its own listing prices it)"] += len(snapshot.offerings) - len(kept)
        snapshot.offerings = kept
    return snapshot


ADAPTER = SourceAdapter(SOURCE_ID, URL, parse, key_env=KEY_ENV, needs_key=NEEDS_KEY)
