"""``faimeta build``: publish the catalog as static JSON.

Layout of the output folder (``dist/``)::

    v1/manifest.json          schema and catalog version, build time, git commit,
                              sha256 and size of every other v1 file
    v1/index.json             sources, freshness policy, providers, model ids with aliases and offerings,
                              and when prices were confirmed (oldest and newest)
    v1/models.json            the canonical models' facts (name, dates, limits, modalities…)
    v1/providers/<slug>.json  one provider with all its offerings (what the consumer loads lazily)
    v1/catalog.json           index and every provider in one file
    v1/consumer.pack          the files the consumer reads, byte for byte, in one (a cold load in one request)
    v1/schema/*.schema.json   the JSON Schemas of the metadata files
    v1/changes.json, .atom    the change feed (JSON Feed 1.1, Atom), and v1/changes/<provider>.*
                              per provider (see :mod:`refresher.publish.feeds`)
    compat/gate/...           the two files today's Gate reads (see :mod:`refresher.publish.gate_compat`)
    index.html, models/, providers/, compare.html, assets/   the static site (:mod:`refresher.publish.site`)

Everything is deterministic except ``built_at`` (and ``git_commit``) in the manifest:
``catalog_version`` is derived from the content. The ledger is folded into each offering as
``confirmed`` (source → when that source last listed it), so a consumer computes freshness
without the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gate_consumer.catalog import Catalog
from gate_consumer.instants import format_instant, utc_now
from gate_consumer.pack import CONSUMER_FILES, PACK, pack
from gate_consumer.records import price_confirmations
from refresher.publish.feeds import Change, changes, feed_files
from refresher.publish.memory import (
    BuildMemory,
    SitePages,
    code_version,
    offering_fingerprints,
    provider_fingerprints,
    site_context,
    tree_fingerprint,
    vendor_fingerprints,
)
from refresher.publish.output import replace_dir, write_files
from refresher.tree.bulk import gc_paused
from refresher.tree.index import provider_extracts
from refresher.tree.jsonio import dumps, dumps_canonical, write_atomic
from refresher.tree.store import Tree

__all__ = ["SCHEMA_VERSION", "BuildResult", "build", "build_files", "catalog_of", "confirmations", "last_checked"]

SCHEMA_VERSION = "1.0"

_MODEL_KEYS = ("name", "aliases", "family", "release_date", "knowledge_cutoff", "open_weights", "status", "limits",
               "modalities", "capabilities", "provenance")


@dataclass
class BuildResult:
    """What a build made: ``written``, the files whose bytes changed; ``kept``, the outputs taken
    from the last build into the same folder without being made again (see :func:`build`)."""

    out: Path
    manifest: dict[str, Any]
    written: list[str]
    kept: list[str] = field(default_factory=list)


def confirmations(tree: Tree, providers: Iterable[str] | None = None) -> dict[tuple[str, str], dict[str, str]]:
    """(provider, upstream id) → {source: when it last listed it}, from the ledger; of
    ``providers`` only, when given."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    wanted = sorted(set(providers)) if providers is not None else None

    def chosen(by_provider: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
        return by_provider.items() if wanted is None else ((p, by_provider[p]) for p in wanted if p in by_provider)

    for source, entry in sorted(tree.ledger.get("sources", {}).items()):
        for provider, ids in chosen(entry.get("listed", {})):
            absent = entry.get("absences", {}).get(provider, {})
            at = max(entry.get("succeeded_at") or "", entry.get("confirmed_at", {}).get(provider) or "")
            if not at:
                continue
            for upstream_id in ids:
                if upstream_id not in absent:
                    out.setdefault((provider, upstream_id), {})[source] = at
        for provider, ids in chosen(entry.get("observed", {})):  # bills that agreed with a price
            for upstream_id, at in ids.items():
                out.setdefault((provider, upstream_id), {})[source] = at
    return out


def provider_document(tree: Tree, slug: str, confirmed: Mapping[tuple[str, str], dict[str, str]]) -> dict[str, Any]:
    """``providers/<slug>.json``: the provider with its offerings, each with ``confirmed``."""
    record = tree.providers[slug]
    offerings = {}
    for upstream_id, offering in record["offerings"].items():
        seen = confirmed.get((slug, upstream_id))
        offerings[upstream_id] = {**offering, **({"confirmed": seen} if seen else {})}
    return {**record, "offerings": offerings}


def _succeeded(tree: Tree, source: str) -> dict[str, str]:
    """The source's last complete listing: it confirms the model facts the source stated."""
    at = tree.ledger.get("sources", {}).get(source, {}).get("succeeded_at")
    return {"succeeded_at": at} if at else {}


def index_documents(tree: Tree) -> tuple[dict[str, Any], dict[str, Any]]:
    """``index.json`` (what resolving ids needs: small, read at load) and ``models.json`` (the
    models' facts, read on first use)."""
    models: dict[str, Any] = {}
    details: dict[str, Any] = {}
    # vendor → its own APIs, the primary first (alibaba before alibaba-cn)
    first_party = {vendor: list(rules["first_party_providers"])
                   for vendor, rules in sorted(tree.vendor_rules.get("vendors", {}).items())
                   if rules.get("first_party_providers")}
    for vendor, vendor_file in sorted(tree.vendors.items()):
        for slug, model in vendor_file["models"].items():
            model_id = f"{vendor}/{slug}"
            models[model_id] = {"offerings": [], **({"aliases": model["aliases"]} if model.get("aliases") else {})}
            details[model_id] = {k: model[k] for k in _MODEL_KEYS if k in model}
    extracts = provider_extracts(tree)  # the part of every provider file the index needs
    for slug, extract in extracts.items():
        for upstream_id, (model, *_) in sorted(extract["offerings"].items()):
            models[model]["offerings"].append(f"{slug}/{upstream_id}")
    index = {
        "schema_version": SCHEMA_VERSION,
        "sources": {
            name: {k: info[k] for k in ("name", "type", "provider", "url") if k in info}
            | _succeeded(tree, name)
            for name, info in sorted(tree.sources.get("sources", {}).items())
        },
        "freshness_policy": tree.sources.get("freshness_policy", {}),
        "providers": {slug: extract["summary"] | {"offerings": len(extract["offerings"])}
                      for slug, extract in extracts.items()},
        "first_party": first_party,
        "models": models,
    }
    return index, {"models": details}


def build_files(tree: Tree, schema_dir: Path, every: list[Change], *,
                confirmed: Mapping[tuple[str, str], dict[str, str]] | None = None,
                known: Mapping[str, str] | None = None,
                ranges: dict[str, list[str] | None] | None = None) -> dict[str, str]:
    """Every v1 file but the manifest: relative path → text. ``tree`` was read by
    :func:`~refresher.tree.store.load_tree`, so its values are canonical (:func:`dumps_canonical`);
    ``every`` is what :func:`refresher.publish.feeds.changes` found in it; ``confirmed`` its
    :func:`confirmations`. ``known``: files of a provider whose inputs did not change since the
    last build (its document and feeds, path → text), taken as they are. ``ranges``: per
    provider, when its prices were least and most recently confirmed (filled in here for the
    providers it lacks)."""
    confirmed = confirmations(tree) if confirmed is None else confirmed
    known = known or {}
    providers = {slug: provider_document(tree, slug, confirmed) for slug in sorted(tree.providers)}
    index, details = index_documents(tree)
    ranges = {} if ranges is None else ranges
    for slug, doc in providers.items():
        if slug not in ranges:
            found = price_confirmations(doc["offerings"].values())
            ranges[slug] = list(found) if found is not None else None
    known_ranges = [r for r in ranges.values() if r is not None]
    if known_ranges:  # how old the data is, for describe() without reading every provider
        index["prices_confirmed"] = {"oldest": min(r[0] for r in known_ranges), "newest": max(r[1] for r in known_ranges)}
    files = {f"providers/{slug}.json": known.get(f"providers/{slug}.json") or dumps_canonical(doc)
             for slug, doc in providers.items()}
    files.update(feed_files(every, known))
    files["index.json"] = dumps_canonical(index)
    files["models.json"] = dumps_canonical(details)
    full_models = {m: {**details["models"][m], **entry} for m, entry in index["models"].items()}
    # every provider once more, spliced in as written above rather than encoded again
    provider_texts = {slug: files[f"providers/{slug}.json"] for slug in providers}
    files["catalog.json"] = _object_text({**{k: dumps_canonical(v) for k, v in index.items()},
                                          "models": dumps_canonical(full_models),
                                          "providers": _object_text(provider_texts)})
    # the consumer's files once more, in one file: a cold load in one request (gate_consumer.pack)
    files[PACK] = pack({rel: text.encode() for rel, text in files.items() if rel.startswith(CONSUMER_FILES)}).decode()
    for path in sorted(schema_dir.glob("*.schema.json")):
        files[f"schema/{path.name}"] = path.read_text(encoding="utf-8")
    return files


def _object_text(members: Mapping[str, str]) -> str:
    """The :func:`dumps_canonical` text of an object whose members' values are given as their
    own canonical texts (each ending in a newline): keys sorted, as the encoder sorts them."""
    encoded = ",".join(f"{json.dumps(key, ensure_ascii=False)}:{text[:-1]}" for key, text in sorted(members.items()))
    return "{" + encoded + "}\n"


@gc_paused()
def catalog_of(tree: Tree, location: str) -> Catalog:
    """The tree as gate_consumer sees it, made in memory (a provider's document only when read,
    with that provider's confirmations): the one way ``faimeta show`` and the consumer resolve
    ids and judge freshness."""
    index, details = index_documents(tree)

    def document(rel: str) -> Any:
        if rel == "index.json":
            return index
        if rel == "models.json":
            return details
        slug = rel.removeprefix("providers/").removesuffix(".json")
        return provider_document(tree, slug, confirmations(tree, [slug]))

    manifest = {"schema_version": SCHEMA_VERSION, "catalog_version": "working-tree", "built_at": build_time(),
                "files": {}}
    return Catalog(None, manifest, origin="directory", location=location, documents=document)


def last_checked(tree: Tree) -> str:
    """When a source was last checked ("" if never): the catalog's own date."""
    return max((e.get("checked_at", "") for e in tree.ledger.get("sources", {}).values()), default="")


def catalog_version(entries: Mapping[str, Mapping[str, Any]], tree: Tree) -> str:
    """``YYYY.MM.DD-<hash>``: the newest ledger check, and a hash of the content — of each
    file's path and sha256 in the manifest's ``entries``, the schemas (the format, not the
    data) left out."""
    digest = hashlib.sha256()
    for rel in sorted(entries):
        if not rel.startswith("schema/"):
            digest.update(f"{rel}\0{entries[rel]['sha256']}\0".encode())
    return f"{last_checked(tree)[:10].replace('-', '.') or '0000.00.00'}-{digest.hexdigest()[:12]}"


def git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def build_time() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return format_instant(datetime.fromtimestamp(int(epoch), tz=timezone.utc))
    return format_instant(utc_now())


def manifest_for(files: Mapping[str, str], tree: Tree, *, built_at: str, commit: str | None) -> dict[str, Any]:
    entries = {}
    for rel, text in sorted(files.items()):
        data = text.encode()  # once per file: at 10× the catalog the output is 160 MB
        entries[rel] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    return {
        "schema_version": SCHEMA_VERSION,
        "catalog_version": catalog_version(entries, tree),
        "built_at": built_at,
        **({"git_commit": commit} if commit else {}),
        "files": entries,
    }


@gc_paused()
def build(tree: Tree, out: Path, *, schema_dir: Path, built_at: str | None = None, repo: Path | None = None,
          site: bool = True, memory: Path | None = None) -> BuildResult:
    """Write ``out/v1`` and the site beside it (see the module docstring); return the manifest
    and what changed. ``memory``: where the last build into ``out`` left what it saw and made
    (:mod:`refresher.publish.memory`): what depends only on inputs that did not change since is
    taken from there, not made again — for a tree read from disk and not changed since."""
    recalled = BuildMemory.recall(memory, code_version()) if memory is not None else None
    whole = tree_fingerprint(tree, schema_dir, site) if recalled is not None else None
    if recalled is not None and whole is not None and recalled.whole == whole and recalled.all_intact(out):
        current = _up_to_date(out, built_at=built_at or build_time(), commit=git_commit(repo or Path.cwd()))
        if current is not None:
            current.kept = sorted(recalled.outputs)
            return current
    confirmed = confirmations(tree)
    fingerprints = provider_fingerprints(tree, confirmed) if recalled is not None else {}
    same = {slug for slug, print_ in fingerprints.items() if recalled and recalled.providers.get(slug) == print_}
    known_changes = {slug: [Change(*entry) for entry in json.loads(recalled.changes[slug])]  # type: ignore[union-attr]
                     for slug in same if slug in recalled.changes}  # type: ignore[union-attr]
    every = changes(tree, known_changes)  # the feeds and the site's "what changed" both tell it
    offering_prints = {} if recalled is None else {  # the pages show offerings: each its own fingerprint
        slug: recalled.offerings[slug] if slug in same and slug in recalled.offerings
        else offering_fingerprints(provider_document(tree, slug, confirmed)) for slug in fingerprints}
    known = _known_files(out / "v1", recalled, same)
    ranges = {slug: recalled.ranges[slug] for slug in same if slug in recalled.ranges} if recalled else {}
    files = build_files(tree, schema_dir, every, confirmed=confirmed, known=known, ranges=ranges)
    manifest = manifest_for(files, tree, built_at=built_at or build_time(), commit=git_commit(repo or Path.cwd()))
    written = [f"v1/{rel}" for rel in replace_dir(out / "v1", {**files, "manifest.json": dumps(manifest)}, known)]
    remembered = BuildMemory(recalled.code) if recalled is not None else None
    kept = [f"v1/{rel}" for rel in known]
    if site:
        site_written, site_kept = write_site(tree, out, every, recalled=recalled, remembered=remembered,
                                             same=same, fingerprints=fingerprints, offering_prints=offering_prints)
        written += site_written
        kept += site_kept
    if remembered is not None and memory is not None:
        by_provider: dict[str, list[list[str]]] = {slug: [] for slug in fingerprints}
        for change in every:
            if change.provider in by_provider:
                by_provider[change.provider].append([change.at, change.kind, change.offering, change.model,
                                                     change.title, change.summary, change.source])
        remembered.providers, remembered.offerings = fingerprints, offering_prints
        remembered.changes = {slug: json.dumps(entries, ensure_ascii=False) for slug, entries in by_provider.items()}
        remembered.ranges = {slug: ranges[slug] for slug in fingerprints}
        remembered.whole = whole or ""
        remembered.stamp(out, [f"v1/{rel}" for rel in files] + list(remembered.outputs))
        remembered.save(memory)
    return BuildResult(out, manifest, written, sorted(kept))


def _up_to_date(out: Path, *, built_at: str, commit: str | None) -> BuildResult | None:
    """A build whose every input and output is as the last one left it: only the manifest's
    build time and commit are new (None if the manifest cannot be read: build it all)."""
    path = out / "v1" / "manifest.json"
    try:
        manifest = json.loads(path.read_bytes())
        manifest["built_at"] = built_at
    except (OSError, ValueError, TypeError):
        return None
    manifest.pop("git_commit", None)
    manifest = {**manifest, **({"git_commit": commit} if commit else {})}
    written = ["v1/manifest.json"] if write_atomic(path, dumps(manifest), durable=False) else []
    return BuildResult(out, manifest, written)


def _known_files(v1: Path, recalled: BuildMemory | None, same: set[str]) -> dict[str, str]:
    """The files of ``v1`` that depend only on a provider in ``same`` (its document and its
    feeds) and are still as the last build wrote them: path → text."""
    known = {}
    if recalled is None:
        return known
    for slug in sorted(same):
        for rel in (f"providers/{slug}.json", f"changes/{slug}.json", f"changes/{slug}.atom"):
            if recalled.intact(v1.parent, f"v1/{rel}"):
                known[rel] = (v1 / rel).read_text(encoding="utf-8")
    return known


@gc_paused()
def write_site(tree: Tree, out: Path, every: list[Change], *, recalled: BuildMemory | None = None,
               remembered: BuildMemory | None = None, same: set[str] = frozenset(),  # type: ignore[assignment]
               fingerprints: Mapping[str, str] | None = None,
               offering_prints: Mapping[str, Mapping[str, str]] | None = None) -> tuple[list[str], list[str]]:
    """The static site beside ``out/v1`` (:mod:`refresher.publish.site`), read through the consumer
    from the tree (:func:`catalog_of`: the records the files just written hold, not parsed again
    — a third of a clean build's time; ``tests/test_incremental_build.py`` holds the two sites
    equal); stale pages of models that went away are removed. With a memory
    (``recalled``, see :func:`build`), a page whose inputs are those of the last build and whose
    file is still the one written is not made again; ``remembered`` is filled for the next.
    Returns the files written and the pages kept."""
    from refresher.publish.site import site_files

    catalog = catalog_of(tree, str(out / "v1"))  # what v1/ holds, without parsing it again
    judged_at = last_checked(tree) or build_time()
    code = (recalled or remembered).code if (recalled or remembered) is not None else ""  # type: ignore[union-attr]
    by_key = {f"{slug}/{upstream_id}": print_ for slug, prints in (offering_prints or {}).items()
              for upstream_id, print_ in prints.items()}
    pages = SitePages(site_context(tree, judged_at, code), recalled, remembered, set(same), by_key,
                      vendor_fingerprints(tree) if fingerprints else {},
                      intact=lambda rel: recalled is not None and recalled.intact(out, rel))
    files = site_files(catalog, every, judged_at, pages)
    written = write_files(out, files)
    for folder in ("models", "providers"):
        for path in sorted((out / folder).rglob("*.html")):
            rel = path.relative_to(out).as_posix()
            if rel not in files and rel not in pages.kept:
                path.unlink()
    if remembered is not None:
        remembered.outputs = dict.fromkeys([*files, *pages.kept])  # type: ignore[arg-type]  # stamped by build()
    return written, sorted(pages.kept)
