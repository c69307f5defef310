"""What every provider file holds, in brief, without reading them all (issue 17).

Resolving an id needs to know, for every offering, the model it serves; listing a model's
offerings cheapest first needs each one's standard price and status; the catalog's index
needs each provider's summary. That is all :func:`refresher.publish.build.index_documents` takes from
the provider files. This module keeps it in ``metadata/.faimeta-index.json``, one entry per
provider file with the file's size, modification time and inode as they were when it was read:
an entry is read again only when its file changed (every write of the tree replaces files by
rename, which gives a new inode), so ``faimeta status --provider X`` and ``faimeta show ID``
read the index, the models, the ledger and the providers they answer about — not every
provider. The file is a cache: it is rebuilt when missing or unreadable, and never needed
(a tree on a read-only disk is indexed in memory each time).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from refresher.tree.bulk import gc_paused
from refresher.tree.jsonio import dumps_canonical, write_atomic
from refresher.tree.store import LazyProviders, Tree

__all__ = ["INDEX_NAME", "PROVIDER_SUMMARY", "offering_record", "provider_extract", "provider_extracts"]

INDEX_NAME = ".faimeta-index.json"
_FORMAT = 2  # bumped when an extract's shape changes: an index of another format is rebuilt
PROVIDER_SUMMARY = ("name", "route_type", "api_style", "billing_mode", "base_url", "docs_url")


def provider_extract(record: Mapping[str, Any]) -> dict[str, Any]:
    """A provider's summary and, per offering, ``[model, input price, output price, status]``
    (None where absent; arrays, not objects, because reading the index is what a command waits
    for): enough to resolve ids and order offerings (:func:`offering_record`)."""
    offerings = {}
    for upstream_id, offering in record["offerings"].items():
        price = offering.get("price") or {}
        offerings[upstream_id] = [offering["model"], price.get("input"), price.get("output"), offering.get("status")]
    return {"summary": {k: record[k] for k in PROVIDER_SUMMARY if k in record}, "offerings": offerings}


def offering_record(entry: list[Any]) -> dict[str, Any]:
    """An offering as far as the index knows it — its model, standard price and status — in
    the shape of the record, for :func:`gate_consumer.records.cheapest_first`."""
    model, price_in, price_out, status = entry
    price = {k: v for k, v in (("input", price_in), ("output", price_out)) if v is not None}
    return {"model": model, **({"price": price} if price else {}), **({"status": status} if status else {})}


@gc_paused()
def provider_extracts(tree: Tree) -> dict[str, dict[str, Any]]:
    """:func:`provider_extract` of every provider, by slug. For a tree read lazily from disk
    (``load_tree(root, lazy=True)``) from the index file, reading only the providers whose
    file changed since (and saving the index when one did); otherwise from the records."""
    providers = tree.providers
    if not isinstance(providers, LazyProviders):
        return {slug: provider_extract(record) for slug, record in sorted(providers.items())}
    if providers.extracts is not None:
        return providers.extracts
    path = providers.root / INDEX_NAME
    try:
        stored = json.loads(path.read_bytes())
        entries = stored["providers"] if stored.get("format") == _FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        entries = {}
    if not isinstance(entries, dict):
        entries = {}
    extracts, stale = {}, False
    for slug, stamp in providers.stamps.items():
        entry = entries.get(slug)
        if not _usable(entry, stamp):
            entry, stale = {"stamp": list(stamp), **provider_extract(providers[slug])}, True
        extracts[slug] = entry
    if stale or len(entries) != len(extracts):
        with contextlib.suppress(OSError):  # a cache: a read-only tree is indexed in memory each time
            write_atomic(path, dumps_canonical({"format": _FORMAT, "providers": extracts}), durable=False)
    providers.extracts = extracts  # a lazy tree is read-only: asked again, the same answer
    return extracts


def _usable(entry: Any, stamp: tuple[int, int, int]) -> bool:
    """Whether an index entry is of the file as it is now, and whole."""
    return (isinstance(entry, dict) and entry.get("stamp") == list(stamp)
            and isinstance(entry.get("summary"), dict) and isinstance(entry.get("offerings"), dict)
            and all(type(o) is list and len(o) == 4 and type(o[0]) is str for o in entry["offerings"].values()))
