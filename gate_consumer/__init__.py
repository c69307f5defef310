"""gate_consumer: the read side of fusionAIze metadata, imported by Gate.

Standard library only. Nothing here touches the network at import time::

    import gate_consumer
    catalog = gate_consumer.Catalog.load()            # the bundled snapshot, offline
    quote = catalog.price("claude-sonnet-4-5", input_tokens=12_000, output_tokens=800)
    quote.total_usd, quote.breakdown, catalog.freshness(catalog.pick_offering("claude-sonnet-4-5"))
"""

from gate_consumer.catalog import (
    Catalog,
    FactFreshness,
    Model,
    Offering,
    ProviderFreshness,
    Resolution,
)
from gate_consumer.errors import (
    AmbiguousModelError,
    CatalogError,
    CatalogLoadError,
    UnknownModelError,
    UnpricedError,
)
from gate_consumer.freshness import Freshness, FreshnessPolicy, compute_freshness
from gate_consumer.ids import normalize_model_slug
from gate_consumer.loading import LiveCatalog
from gate_consumer.pricing import Quote, Usage
from gate_consumer.provenance import FactProvenance, decode_provenance, encode_provenance
from gate_consumer.routing import Candidate, Requirement, candidates, intent_for_model, route

__all__ = [
    "AmbiguousModelError",
    "Candidate",
    "Catalog",
    "CatalogError",
    "CatalogLoadError",
    "FactFreshness",
    "FactProvenance",
    "Freshness",
    "FreshnessPolicy",
    "LiveCatalog",
    "Model",
    "Offering",
    "ProviderFreshness",
    "Quote",
    "Requirement",
    "Resolution",
    "UnknownModelError",
    "UnpricedError",
    "Usage",
    "candidates",
    "compute_freshness",
    "decode_provenance",
    "encode_provenance",
    "intent_for_model",
    "normalize_model_slug",
    "route",
]
