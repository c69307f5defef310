"""Which catalog a read command reads: one rule for ``status``, ``show``, ``agreement``,
``price``, ``resolve`` and ``models`` (issue 30).

* ``--catalog DIR|URL``: that published catalog (a ``faimeta build`` output, its ``v1/``, or a URL).
* Else, where ``--root`` (default ``metadata``, or ``FAIMETA_ROOT``) is a metadata folder — inside
  a checkout — the working tree: ``price`` quotes what ``show`` shows, a review included, with
  no build in between.
* Else the snapshot bundled in fusionaize-gate-consumer: the commands work wherever the package
  is installed.

The commands that read facts with their provenance (``status``, ``show``, ``agreement``) read a
published catalog as a read-only :class:`~refresher.tree.store.Tree` (:func:`tree_of_catalog`):
its provider files are the tree's, with the confirmations a build adds; its sources and their
last complete listings come from ``index.json``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate_consumer import Catalog
from refresher.cli.support import (
    DEFAULT_ROOT,
    EXIT_USAGE,
    echo,
    fail,
    load_tree_or_fail,
    tree_read_or_fail,
)
from refresher.tree.store import Tree

__all__ = ["Reading", "published_catalog", "read_catalog", "read_tree", "tree_of_catalog"]


@dataclass
class Reading:
    """What a read command reads: the catalog, and said in one phrase (``what``)."""

    catalog: Catalog
    what: str
    #: the working tree's folder, when that is what is read (None: a published catalog)
    root: Path | None = None


def _in_checkout(root: Path, location: str | None) -> bool:
    """Whether the working tree is read: no ``--catalog``, and a tree at ``root`` — or a
    ``--root`` (or ``FAIMETA_ROOT``) named on purpose, whose error is the one to see if it holds
    no tree, not another catalog's answers."""
    return location is None and ((root / "providers").is_dir() or root != DEFAULT_ROOT)


def read_tree(root: Path, location: str | None, *, lazy: bool = True) -> tuple[Tree, Reading]:
    """The tree a fact-reading command reads (see the module docstring) and where it is from."""
    if _in_checkout(root, location):
        return _working_tree(root, lazy)
    reading = published_catalog(location)
    return tree_of_catalog(reading.catalog), reading


def read_catalog(root: Path, location: str | None, *, quiet: bool = False) -> Reading:
    """The catalog a pricing command reads (see the module docstring)."""
    if _in_checkout(root, location):
        return _working_tree(root, lazy=True)[1]
    return published_catalog(location, quiet=quiet)


def _working_tree(root: Path, lazy: bool) -> tuple[Tree, Reading]:
    from refresher.publish.build import catalog_of

    tree = load_tree_or_fail(root, lazy=lazy)
    with tree_read_or_fail(root):  # the index reads every provider file (or its extract)
        return tree, Reading(catalog_of(tree, str(root)), f"the working tree {root}", root)


def published_catalog(location: str | None, *, quiet: bool = False) -> Reading:
    """The catalog at ``location``: the bundled snapshot (None), a URL, or a ``faimeta build``
    output (its ``v1/`` folder, or the folder holding it). A location that holds no catalog is
    an error (exit 2) naming it; a URL that fell back to the cache or the bundled snapshot says
    so — the one note a read command prints about where its data is from."""
    import gate_consumer
    from gate_consumer.loading import load_directory

    if location is None:
        catalog = gate_consumer.Catalog.load(warm=False)  # one command, one thread: built as it asks
        return Reading(catalog, f"the bundled snapshot {catalog.version}")
    try:
        if location.startswith(("http://", "https://")):
            catalog = gate_consumer.Catalog.load(location, warm=False)
            if catalog.fallback_reason and not quiet:
                echo(f"note: {location} was not used ({catalog.fallback_reason}); "
                     f"read the {catalog.origin} catalog {catalog.version}", err=True)
            return Reading(catalog, f"the catalog {catalog.version} at {location}")
        folder = Path(location)
        if not (folder / "manifest.json").is_file() and (folder / "v1" / "manifest.json").is_file():
            folder = folder / "v1"  # the build's output folder, not its v1/
        if not (folder / "manifest.json").is_file():
            fail(f"--catalog {location}: no catalog there (a `faimeta build` output folder, its v1/, or a URL)",
                 EXIT_USAGE)
        catalog = load_directory(folder, warm=False)
        return Reading(catalog, f"the catalog {catalog.version} in {folder}")
    except gate_consumer.CatalogError as exc:
        fail(f"--catalog {location}: {exc}", EXIT_USAGE)
        raise  # unreachable: fail exits


class _PublishedProviders(Mapping[str, dict[str, Any]]):
    """A published catalog's provider files, each read the first time it is asked for."""

    def __init__(self, catalog: Catalog):
        self._catalog = catalog
        self._slugs = sorted(catalog.document("index.json")["providers"])
        self._read: dict[str, dict[str, Any]] = {}

    def __getitem__(self, slug: str) -> dict[str, Any]:
        record = self._read.get(slug)
        if record is None:
            if slug not in self._slugs:
                raise KeyError(slug)
            record = self._read[slug] = self._catalog.document(f"providers/{slug}.json")
        return record

    def __iter__(self) -> Iterator[str]:
        return iter(self._slugs)

    def __len__(self) -> int:
        return len(self._slugs)


def tree_of_catalog(catalog: Catalog) -> Tree:
    """A published catalog as a read-only tree: its providers (read on demand), its sources
    with their freshness policy, each source's last complete listing (the ledger's
    ``succeeded_at``) and the vendors' own APIs — what ``status``, ``show`` and ``agreement``
    read. No models: what they show of a model comes from the catalog itself. Not for writing
    back: a catalog holds no ledger of listings."""
    index = catalog.document("index.json")
    tree = Tree()
    tree.providers = _PublishedProviders(catalog)  # type: ignore[assignment]  # read-only, on demand
    sources = {name: {k: v for k, v in info.items() if k != "succeeded_at"} for name, info in index["sources"].items()}
    tree.sources = {"freshness_policy": index["freshness_policy"], "sources": sources}
    tree.ledger = {"sources": {name: {"succeeded_at": info["succeeded_at"]}
                               for name, info in index["sources"].items() if info.get("succeeded_at")}}
    tree.vendor_rules = {"vendors": {vendor: {"first_party_providers": list(providers), "catalog_prefixes": [],
                                              "name_prefixes": []}
                                     for vendor, providers in index.get("first_party", {}).items()}}
    return tree
