"""gate_consumer: the read side of fusionAIze metadata, imported by Gate.

Standard library only. Nothing here touches the network at import time.
"""

from gate_consumer.freshness import Freshness, FreshnessPolicy, compute_freshness
from gate_consumer.ids import normalize_model_slug
from gate_consumer.provenance import FactProvenance, decode_provenance, encode_provenance

__all__ = [
    "FactProvenance",
    "Freshness",
    "FreshnessPolicy",
    "compute_freshness",
    "decode_provenance",
    "encode_provenance",
    "normalize_model_slug",
]
