"""The metadata tree on disk: loading it strictly, writing it deterministically.

Layout (``metadata/``)::

    providers/<provider>.json   a provider and all its offerings
    models/<vendor>.json        the canonical models of one vendor
    sources.json                the source registry and freshness policy
    vendors.json                the vendor rules that link offerings to models
    ledger.json                 when each source was last checked and what it listed

Records are kept as plain dicts (the JSON shape); :mod:`refresher.tree.validate` checks them
against the pydantic models and the JSON Schema. Only slugs become file names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gate_consumer.ids import SLUG_RE, shown
from refresher.tree.bulk import gc_paused
from refresher.tree.jsonio import JsonProblem, dumps, loads_strict

__all__ = ["LazyProviders", "Tree", "TreeProblem", "load_tree", "render_changed", "render_tree"]


class TreeProblem(Exception):
    """The tree cannot be read; ``problems`` lists every file that failed, each named."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Tree:
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    vendors: dict[str, dict[str, Any]] = field(default_factory=dict)  # vendor → models file
    sources: dict[str, Any] = field(default_factory=dict)
    vendor_rules: dict[str, Any] = field(default_factory=dict)
    ledger: dict[str, Any] = field(default_factory=lambda: {"sources": {}})
    #: file path (relative to the root) → the record id it holds, for error messages
    files: dict[str, str] = field(default_factory=dict)
    #: file path (relative to the root) → its text as loaded: what :func:`render_changed`
    #: compares with, so a write renders and validates only what changed
    texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)


#: No metadata file comes near this (the largest provider file is ~1 MB); past it, a file is
#: refused rather than read into memory.
MAX_FILE_BYTES = 64 * 2**20


def _read(path: Path, root: Path, problems: list[str], texts: dict[str, str]) -> Any:
    rel = path.relative_to(root.parent).as_posix() if root.parent in path.parents else str(path)
    rel = shown(rel)  # a file name is printed: no control characters
    try:
        if path.is_symlink():
            problems.append(f"{rel}: is a symlink: refused (the tree holds its own files)")
            return None
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(f"{rel}: {size:,} bytes, more than the {MAX_FILE_BYTES:,} a metadata file may have")
            return None
        text = path.read_text(encoding="utf-8")
        data = loads_strict(text, origin=rel)
        texts[path.relative_to(root).as_posix()] = text
        return data
    except JsonProblem as exc:
        problems.append(str(exc))
    except RecursionError:
        problems.append(f"{rel}: invalid JSON: nested too deep to read")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{rel}: cannot read: {exc}")
    return None


class LazyProviders(Mapping[str, dict[str, Any]]):
    """The providers of a tree read on demand (``load_tree(root, lazy=True)``): the slugs come
    from the folder's listing, each file is read (strictly, as :func:`load_tree` reads it) the
    first time it is asked for; a file that cannot be read raises :class:`TreeProblem` then.
    ``stamps``: each file's size, modification time and inode at listing, which tell whether a
    file changed since an index of it was made (:mod:`refresher.tree.index`). Read-only."""

    def __init__(self, root: Path):
        self.root = root
        self.stamps: dict[str, tuple[int, int, int]] = {}
        with os.scandir(root / "providers") as entries:
            for entry in entries:
                if entry.name.endswith(".json") and not entry.name.startswith("."):
                    info = entry.stat(follow_symlinks=False)
                    self.stamps[entry.name[:-5]] = (info.st_size, info.st_mtime_ns, info.st_ino)
        self.stamps = dict(sorted(self.stamps.items()))
        self._loaded: dict[str, dict[str, Any]] = {}
        self._texts: dict[str, str] = {}
        #: :func:`refresher.tree.index.provider_extracts`, once computed
        self.extracts: dict[str, dict[str, Any]] | None = None

    def __getitem__(self, slug: str) -> dict[str, Any]:
        record = self._loaded.get(slug)
        if record is None:
            if slug not in self.stamps:
                raise KeyError(slug)
            problems: list[str] = []
            record = _read(self.root / "providers" / f"{slug}.json", self.root, problems, self._texts)
            if problems:
                raise TreeProblem(problems)
            self._loaded[slug] = record
        return record

    def __iter__(self) -> Iterator[str]:
        return iter(self.stamps)

    def __len__(self) -> int:
        return len(self.stamps)

    def __contains__(self, slug: object) -> bool:
        return slug in self.stamps


@gc_paused()
def load_tree(root: Path, *, lazy: bool = False) -> Tree:
    """Read every file under ``root``; raise :class:`TreeProblem` listing all that fail to parse.
    ``lazy``: read the providers only when asked for (:class:`LazyProviders`), for a command
    that answers about a few of them; such a tree is for reading, not for writing back."""
    problems: list[str] = []
    tree = Tree()
    if not root.is_dir():
        raise TreeProblem([f"{root}: no metadata folder here (run from a checkout of the catalog, or pass --root DIR "
                           "or set FAIMETA_ROOT)"])
    for name, attr in (("sources.json", "sources"), ("vendors.json", "vendor_rules"), ("ledger.json", "ledger")):
        path = root / name
        if path.exists():
            data = _read(path, root, problems, tree.texts)
            if data is not None:
                setattr(tree, attr, data)
        elif name != "ledger.json":
            problems.append(f"{root.name}/{name}: missing")
    for folder, target in (("providers", tree.providers), ("models", tree.vendors)):
        if folder == "providers" and lazy and (root / folder).is_dir() and not (root / folder).is_symlink():
            tree.providers = LazyProviders(root)  # type: ignore[assignment]  # read-only, on demand
            tree.files.update({f"providers/{slug}.json": slug for slug in tree.providers})
            continue
        if (root / folder).is_symlink():
            problems.append(f"{root.name}/{folder}: is a symlink: refused (the tree holds its own files)")
            continue
        for path in sorted((root / folder).glob("*.json")):
            data = _read(path, root, problems, tree.texts)
            if data is not None:
                target[path.stem] = data
                tree.files[f"{folder}/{path.name}"] = path.stem
    if problems:
        raise TreeProblem(problems)
    return tree


def _records(tree: Tree) -> Iterator[tuple[str, Any]]:
    """Every file a write produces — the records and the ledger — by path relative to the root."""
    yield "ledger.json", tree.ledger
    for folder, records in (("providers", tree.providers), ("models", tree.vendors)):
        for slug, record in records.items():
            if not SLUG_RE.match(slug):  # ids never become paths beyond a checked slug
                raise ValueError(f"refusing to write {folder}/{slug!r}.json: not a slug")
            yield f"{folder}/{slug}.json", record


def render_tree(tree: Tree) -> dict[str, str]:
    """Every record file and the ledger as text, by path relative to the root."""
    return {rel: dumps(record) for rel, record in _records(tree)}


def render_changed(tree: Tree) -> dict[str, str]:
    """The files whose content differs from what was loaded (:attr:`Tree.texts`), as text:
    new records and changed ones. Comparing parsed data costs about a parse of the tree,
    rendering all of it several times that; a file that holds the same data in other
    formatting is left as it is."""
    out = {}
    for rel, record in _records(tree):
        loaded = tree.texts.get(rel)
        if loaded is None or json.loads(loaded) != record:
            out[rel] = dumps(record)
    return out
