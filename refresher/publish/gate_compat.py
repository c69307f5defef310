"""The two files today's Gate reads (``shared/contracts/GATE_COMPAT.md``), built from a catalog.

``compat/gate/providers/catalog.v1.json`` has one entry per route (route key → one provider
serving one model); ``compat/gate/offerings/catalog.v1.json`` the same routes keyed for Gate's
``(model_id, provider_id)`` lookup. The route set is small on purpose (Gate re-reads the whole
file on every lookup): the defaults in ``metadata/gate_routes.json`` plus an operator's mapping.

Gate's hard rules, which every entry here keeps: ``recommended_model`` and ``last_reviewed``
(exactly ``YYYY-MM-DD``) are always present; numbers are JSON numbers; an unknown value is left
out, never ``null``; a missing price is absent, never 0, and each entry carries its own complete
``pricing``; every entry states its context window and input cap; freshness values are the ones
Gate knows. Freshness is computed against the build time. A route's optional ``lane`` (Gate's
canonical lane model, ``anthropic/sonnet-4.6``) adds an offering keyed the way Gate's router
looks prices up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gate_consumer import Catalog, CatalogError
from gate_consumer.gate_entries import gate_entry
from gate_consumer.instants import parse_instant
from gate_consumer.loading import load_directory

__all__ = ["GateExport", "documents", "export", "load_routes", "write_gate_files"]

PROVIDERS_SCHEMA = "fusionaize-provider-catalog/v1.4"
OFFERINGS_SCHEMA = "fusionaize-offering-catalog/v1"

@dataclass
class GateExport:
    providers: dict[str, Any]
    offerings: dict[str, Any]
    unpriced: list[str] = field(default_factory=list)  # route keys without a token price
    unresolved: dict[str, str] = field(default_factory=dict)  # route key → why it was left out
    size: int = 0  # bytes written, once written


def write_gate_files(out: Path, routes: Mapping[str, Mapping[str, str]], manifest: Mapping[str, Any]) -> GateExport:
    """Export ``routes`` from the catalog built in ``out/v1`` (``manifest`` is its manifest) into
    ``out/compat/gate/``; freshness is judged at the build time."""
    from refresher.tree.jsonio import dumps, write_atomic

    result = export(load_directory(out / "v1", warm=False), routes, parse_instant(manifest["built_at"]))
    docs = documents(result, generated_at=manifest["built_at"],
                     source_repo=f"fusionAIze/metadata@{manifest.get('git_commit', 'unknown')}")
    for rel, doc in docs.items():
        text = dumps(doc)
        result.size += len(text.encode())
        write_atomic(out / "compat" / "gate" / rel, text)
    return result


def export(catalog: Catalog, routes: Mapping[str, Mapping[str, str]], now: datetime) -> GateExport:
    """Entries for ``routes`` (route key → ``{"provider", "model", "lane"?}``; ``model`` is any id
    the catalog resolves on that provider, ``lane`` Gate's canonical lane model for the route
    (``anthropic/sonnet-4.6``): the name Gate's router looks an offering up by)."""
    result = GateExport({}, {})
    for key, route in sorted(routes.items()):
        try:
            offering = catalog.pick_offering(route["model"], route["provider"])
        except (CatalogError, KeyError) as exc:
            result.unresolved[key] = str(exc)
            continue
        entry = gate_entry(catalog, offering, now)
        result.providers[key] = entry
        if "pricing" not in entry:
            result.unpriced.append(key)
        # Gate looks an offering up by exact (model_id, provider_id): the router by the route's
        # lane model, the CLI and analytics by the configured model — one entry for each name
        for offering_id, model_id in ((key, offering.upstream_id), (f"{key}@lane", route.get("lane"))):
            if model_id:
                result.offerings[offering_id] = {
                    "offering_id": offering_id,
                    "model_id": model_id,
                    "provider_id": key,
                    **({"pricing": entry["pricing"]} if "pricing" in entry else {}),
                }
    return result


def documents(result: GateExport, *, generated_at: str, source_repo: str) -> dict[str, dict[str, Any]]:
    """The two files, by their path under ``compat/gate/``."""
    return {
        "providers/catalog.v1.json": {
            "schema_version": PROVIDERS_SCHEMA,
            "generated_at": generated_at,
            "source_repo": source_repo,
            "providers": result.providers,
        },
        "offerings/catalog.v1.json": {"schema_version": OFFERINGS_SCHEMA, "offerings": result.offerings},
    }


def load_routes(path: Path) -> dict[str, dict[str, str]]:
    """A route mapping file: ``{"routes": {"<route key>": {"provider": …, "model": …, "lane"?: …}}}``.
    Raises ``ValueError`` naming the file and what is wrong."""
    from refresher.tree.jsonio import JsonProblem, loads_strict

    try:
        data = loads_strict(path.read_text(encoding="utf-8"), origin=str(path))
    except (OSError, JsonProblem) as exc:
        raise ValueError(f"cannot read the route mapping: {exc}") from None
    routes = data.get("routes") if isinstance(data, dict) else None
    if not isinstance(routes, dict) or not all(
        isinstance(r, dict) and isinstance(r.get("provider"), str) and isinstance(r.get("model"), str)
        and isinstance(r.get("lane", ""), str)
        for r in routes.values()
    ):
        raise ValueError(f'{path}: expected {{"routes": {{"<route key>": {{"provider": ..., "model": ...}}}}}}')
    return routes
