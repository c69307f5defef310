"""What a build remembers of the last one into the same folder, so the next does only what changed.

A build's outputs are functions of parts of the tree. A provider's file in ``v1/``, its change
feed and its page depend on the provider's file and its slice of the ledger (``confirmed``); a
model's page, its row on the home page and its calculator entry on the model's vendor file, the
published records of its offerings and the site's context (the instant freshness is judged at,
the sources, the freshness policy). Each of these inputs gets a fingerprint (sha256); the memory
keeps, per provider, offering and model, the fingerprint the last build saw, the changes and page
parts it made, and every output file's size and modification time as written — an output is
reused only while its inputs are the same *and* the file is still the one written (a file
deleted or edited since is made again). When every input is the same and every output intact,
only the manifest's build time is written.

Files made from everything (the index, ``catalog.json``, the pack, the manifest, the home page,
the search and calculator data, the catalog's feed) are made every time, from the parts kept.

The memory is a cache: missing, unreadable, of another format or written by other code, it is
ignored and the build is a clean one. It lives outside the output folder (the folder is
published as it is), under the user's cache directory by default.

A fingerprint reads a provider's file as it was loaded (:attr:`Tree.texts`), not its records
encoded again — a build that reuses is given a tree read from disk and not changed since (the
``faimeta build`` command's); one from a refresh in memory builds clean.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refresher.tree.jsonio import write_atomic
from refresher.tree.store import Tree

__all__ = ["BuildMemory", "SitePages", "code_version", "default_memory_path", "fingerprint", "offering_fingerprints",
           "provider_fingerprints", "site_context", "tree_fingerprint", "vendor_fingerprints"]

_FORMAT = 2  # 2: a provider's changes and a model's calculator entry kept as their JSON text
#: the code whose change changes outputs: the publishing code, its assets, and the consumer's
#: (a page judges freshness and orders offerings through it)
_CODE = (Path(__file__).parent, Path(__file__).parent / "site_assets",
         Path(__file__).resolve().parents[2] / "consumer" / "gate_consumer")


def code_version() -> str:
    """A fingerprint of the code that makes a build's outputs."""
    digest = hashlib.sha256()
    for folder in _CODE:
        for path in sorted(folder.glob("*")):
            if path.is_file() and path.suffix in (".py", ".css", ".js", ".html"):
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def fingerprint(*parts: str) -> str:
    """sha256 of ``parts``, each delimited."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def provider_fingerprints(tree: Tree, confirmed: Mapping[tuple[str, str], Mapping[str, str]]) -> dict[str, str]:
    """Per provider: its file as loaded and its ledger slice; None for a provider whose text the
    tree does not hold (never matches: made again)."""
    slices: dict[str, list[Any]] = {}
    for (provider, upstream_id), seen in sorted(confirmed.items()):
        slices.setdefault(provider, []).append([upstream_id, sorted(seen.items())])
    out = {}
    for slug in sorted(tree.providers):
        text = tree.texts.get(f"providers/{slug}.json")
        if text is not None:
            out[slug] = fingerprint(text, json.dumps(slices.get(slug, []), ensure_ascii=False))
    return out


def offering_fingerprints(document: Mapping[str, Any]) -> dict[str, str]:
    """Per offering of a provider's published document (with ``confirmed``): its record."""
    return {upstream_id: fingerprint(json.dumps(record, sort_keys=True, ensure_ascii=False))
            for upstream_id, record in document["offerings"].items()}


def vendor_fingerprints(tree: Tree) -> dict[str, str]:
    """Per vendor: its models file as loaded (a model's facts and aliases are there)."""
    return {vendor: fingerprint(text) for vendor in sorted(tree.vendors)
            if (text := tree.texts.get(f"models/{vendor}.json")) is not None}


def tree_fingerprint(tree: Tree, schema_dir: Path, site: bool) -> str | None:
    """Everything a build reads — every file of the tree as loaded, the schemas, whether the
    site is built — or None when the tree does not hold every file's text (then nothing is
    known to be the same)."""
    rels = ["sources.json", "vendors.json", "ledger.json", *(f"providers/{slug}.json" for slug in sorted(tree.providers)),
            *(f"models/{vendor}.json" for vendor in sorted(tree.vendors))]
    if any(rel not in tree.texts for rel in rels[3:]):
        return None
    schemas = [f"{path.name}\0{path.read_text(encoding='utf-8')}" for path in sorted(schema_dir.glob("*.schema.json"))]
    return fingerprint(f"site={site}", *(f"{rel}\0{tree.texts.get(rel, '')}" for rel in rels), *schemas)


def default_memory_path(out: Path) -> Path:
    """Where a build into ``out`` keeps its memory: the user's cache directory, one file per
    output folder."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return Path(base) / "fusionaize-metadata" / "builds" / f"{key}.json"


@dataclass
class BuildMemory:
    """What the last build into a folder saw and made (see the module docstring).

    ``providers``: slug → fingerprint; ``changes``: slug → its feed entries (lists, as JSON
    text: the memory is read and written whole on every build, and a text costs little);
    ``ranges``: slug → when its prices were least and most recently confirmed (or None);
    ``context``: the site's context fingerprint; ``models``: model id → [fingerprint, home
    page row, calculator entry (JSON text)]; ``outputs``: path under the output folder → [size, mtime_ns];
    ``whole``: every input's fingerprint (:func:`tree_fingerprint`); ``offerings``: slug →
    upstream id → the offering's fingerprint (:func:`offering_fingerprints`)."""

    code: str
    providers: dict[str, str] = field(default_factory=dict)
    changes: dict[str, str] = field(default_factory=dict)
    context: str = ""
    models: dict[str, list[Any]] = field(default_factory=dict)
    outputs: dict[str, list[int]] = field(default_factory=dict)
    ranges: dict[str, list[str] | None] = field(default_factory=dict)
    whole: str = ""
    offerings: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def recall(cls, path: Path, code: str) -> BuildMemory:
        """The memory at ``path`` if it was written by this code, else an empty one."""
        try:
            data = json.loads(path.read_bytes())
            if data.get("format") == _FORMAT and data.get("code") == code:
                return cls(code, data["providers"], data["changes"], data["context"], data["models"], data["outputs"],
                           data["ranges"], data["whole"], data["offerings"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        return cls(code)

    def intact(self, out: Path, rel: str) -> bool:
        """Whether the output ``rel`` is still the file the last build wrote (its size and
        modification time)."""
        stamp = self.outputs.get(rel)
        if stamp is None:
            return False
        try:
            info = os.stat(os.path.join(out, rel))  # a str: thousands of outputs, and a Path each costs more
        except OSError:
            return False
        return [info.st_size, info.st_mtime_ns] == stamp

    def all_intact(self, out: Path) -> bool:
        """Whether every output the last build wrote is still as it wrote it."""
        return bool(self.outputs) and all(self.intact(out, rel) for rel in self.outputs)

    def stamp(self, out: Path, rels: Iterable[str]) -> None:
        """Note each output of ``rels`` as it is now (after the build wrote it)."""
        stamps = {}
        for rel in rels:
            with contextlib.suppress(OSError):
                info = os.stat(os.path.join(out, rel))
                stamps[rel] = [info.st_size, info.st_mtime_ns]
        self.outputs = stamps

    def save(self, path: Path) -> None:
        data = {"format": _FORMAT, "code": self.code, "providers": self.providers, "changes": self.changes,
                "context": self.context, "models": self.models, "outputs": self.outputs, "ranges": self.ranges,
                "whole": self.whole, "offerings": self.offerings}
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":"), check_circular=False),
                     durable=False)


def site_context(tree: Tree, judged_at: str, code: str) -> str:
    """What every page shows beside its own records: the instant freshness is judged at, the
    sources (their registry and last complete listings), the freshness policy, the vendors'
    first-party providers — and the code."""
    succeeded = {name: entry.get("succeeded_at") for name, entry in sorted(tree.ledger.get("sources", {}).items())}
    return fingerprint(code, judged_at, json.dumps(tree.sources, sort_keys=True, ensure_ascii=False),
                       json.dumps(tree.vendor_rules, sort_keys=True, ensure_ascii=False), json.dumps(succeeded))


@dataclass
class SitePages:
    """The pages of the site a build may take from the last one (see the module docstring): a
    model's page (with its home-page row and calculator entry) while the model, its offerings'
    records and the context are the same; a provider's page while the provider and the
    context are. ``kept``: the pages taken, whose files stay as they are."""

    context: str
    recalled: BuildMemory | None = None
    remembered: BuildMemory | None = None
    same: set[str] = field(default_factory=set)
    offerings: Mapping[str, str] = field(default_factory=dict)  # offering key → its fingerprint
    vendors: Mapping[str, str] = field(default_factory=dict)
    intact: Any = None  # (path under the output folder) -> whether the last build's file is still there
    kept: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.remembered is not None:
            self.remembered.context = self.context

    @property
    def _usable(self) -> bool:
        return self.recalled is not None and self.recalled.context == self.context

    def _model_print(self, model: Any) -> str | None:
        """The model's vendor file, the records of its offerings, and the context."""
        vendor = self.vendors.get(model.id.partition("/")[0])
        if vendor is None or any(key not in self.offerings for key in model.offering_keys):
            return None
        return fingerprint(self.context, model.id, vendor, *(f"{key}={self.offerings[key]}" for key in model.offering_keys))

    def reused_model(self, model: Any) -> tuple[str, Any] | None:
        """The home-page row and calculator entry of ``model`` as the last build made them, when
        its page can be kept (then noted in :attr:`kept`); else None."""
        print_ = self._model_print(model)
        if print_ is None:
            return None
        if self._usable:
            entry = self.recalled.models.get(model.id)  # type: ignore[union-attr]
            page = f"models/{model.id}.html"
            if entry is not None and entry[0] == print_ and self.intact(page):
                self.kept.add(page)
                self._remember(model.id, print_, entry[1], entry[2])
                return entry[1], entry[2]
        return None

    def made_model(self, model: Any, row: str, entry: Any) -> None:
        """Note a model's page made now, with its row and calculator entry, for the next build."""
        print_ = self._model_print(model)
        if print_ is not None:
            self._remember(model.id, print_, row, entry)

    def reused_provider(self, provider: str) -> bool:
        """Whether the provider's page can be kept (then noted in :attr:`kept`)."""
        page = f"providers/{provider}.html"
        if self._usable and provider in self.same and self.intact(page):
            self.kept.add(page)
            return True
        return False

    def _remember(self, model_id: str, print_: str, row: str, entry: Any) -> None:
        if self.remembered is not None:
            self.remembered.models[model_id] = [print_, row, entry]
