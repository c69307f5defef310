"""gate_consumer: the read side of fusionAIze metadata, imported by Gate.

Standard library only. Nothing here touches the network at import time::

    import gate_consumer
    catalog = gate_consumer.Catalog.load()            # the bundled snapshot, offline
    quote = catalog.price("claude-sonnet-4-5", input_tokens=12_000, output_tokens=800)
    quote.total_usd, quote.breakdown, catalog.freshness(catalog.pick_offering("claude-sonnet-4-5"))
"""

from gate_consumer._version import CATALOG_VERSION, __version__
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
from gate_consumer.pricing import Quote, Usage
from gate_consumer.provenance import FactProvenance, decode_provenance, encode_provenance

__all__ = [
    "CATALOG_VERSION",
    "AmbiguousModelError",
    "BilledCheck",
    "Candidate",
    "Catalog",
    "CatalogError",
    "CatalogLoadError",
    "ComponentSource",
    "FactFreshness",
    "FactProvenance",
    "Freshness",
    "FreshnessPolicy",
    "Headline",
    "LiveCatalog",
    "Model",
    "Offering",
    "ProviderFreshness",
    "Quote",
    "Requirement",
    "Resolution",
    "ResponseUsage",
    "UnknownModelError",
    "UnpricedError",
    "Usage",
    "__version__",
    "candidates",
    "compute_freshness",
    "decode_provenance",
    "encode_provenance",
    "intent_for_model",
    "normalize_model_slug",
    "route",
    "usage_from_response",
]

# Loading from a URL and routing pull in more of the standard library (urllib, fnmatch…);
# they are imported on first use, so ``import gate_consumer`` stays cheap.
_LAZY = {
    "LiveCatalog": "gate_consumer.loading",
    "Candidate": "gate_consumer.routing",
    "Requirement": "gate_consumer.routing",
    "candidates": "gate_consumer.routing",
    "intent_for_model": "gate_consumer.routing",
    "route": "gate_consumer.routing",
    "BilledCheck": "gate_consumer.observed",
    "ResponseUsage": "gate_consumer.observed",
    "usage_from_response": "gate_consumer.observed",
    "Headline": "gate_consumer.headline",
    "ComponentSource": "gate_consumer.attribution",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gate_consumer' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
