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
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gate_consumer.catalog import Catalog
from gate_consumer.files import naming
from gate_consumer.instants import format_instant, utc_now
from gate_consumer.pack import CONSUMER_FILES, PACK, pack
from gate_consumer.records import price_confirmations
from refresher.publish.feeds import Change, changes, feed_files
from refresher.tree.bulk import gc_paused
from refresher.tree.index import provider_extracts
from refresher.tree.jsonio import dumps, dumps_canonical, write_atomic
from refresher.tree.store import Tree

__all__ = [
    "SCHEMA_VERSION", "BuildResult", "build", "build_files", "catalog_of", "confirmations", "refresh_bundle",
    "write_bundle",
]

SCHEMA_VERSION = "1.0"
#: The files of v1/ the consumer needs, and so what is bundled inside gate_consumer.
BUNDLED = ("manifest.json", *CONSUMER_FILES)
#: where the snapshot bundled in the gate-consumer distribution lives, relative to the repository
BUNDLE_PATH = Path("consumer") / "gate_consumer" / "_data" / "v1"
BUNDLE_DIR = Path(__file__).resolve().parents[2] / BUNDLE_PATH

_MODEL_KEYS = ("name", "aliases", "family", "release_date", "knowledge_cutoff", "open_weights", "status", "limits",
               "modalities", "capabilities", "provenance")


@dataclass
class BuildResult:
    out: Path
    manifest: dict[str, Any]
    written: list[str]


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


def build_files(tree: Tree, schema_dir: Path, every: list[Change]) -> dict[str, str]:
    """Every v1 file but the manifest: relative path → text. ``tree`` was read by
    :func:`~refresher.tree.store.load_tree`, so its values are canonical (:func:`dumps_canonical`);
    ``every`` is what :func:`refresher.publish.feeds.changes` found in it."""
    confirmed = confirmations(tree)
    providers = {slug: provider_document(tree, slug, confirmed) for slug in sorted(tree.providers)}
    index, details = index_documents(tree)
    confirmed_range = price_confirmations(offering for doc in providers.values() for offering in doc["offerings"].values())
    if confirmed_range is not None:  # how old the data is, for describe() without reading every provider
        index["prices_confirmed"] = dict(zip(("oldest", "newest"), confirmed_range, strict=True))
    files = {f"providers/{slug}.json": dumps_canonical(doc) for slug, doc in providers.items()}
    files.update(feed_files(every))
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


#: threads that write a build's files: a file creation waits on the disk (~0.1–0.7 ms each
#: here, thousands per build), so several in flight at once take a fraction of the time
_WRITERS = 8


def write_files(root: Path, files: Mapping[str, str]) -> list[str]:
    """Write ``files`` (path under ``root`` → text); return those that changed, sorted.

    A build is regenerated from the tree, so nothing is fsynced (a power cut costs a rebuild,
    not data) and no reader ever sees half a file: a top-level folder that does not exist yet
    (``v1/`` of a clean build, the site's ``models/``) is written whole beside its place and
    renamed into it — one file creation per file, where replacing each one atomically costs two
    directory operations, which on a busy disk was most of a build; in a folder that exists,
    each file that changed is replaced atomically. Files are written by :data:`_WRITERS`
    threads; the result does not depend on their order."""
    groups: dict[str, dict[str, str]] = {}
    for rel, text in files.items():
        top, _, rest = rel.partition("/")
        if rest and not (root / top).exists():
            groups.setdefault(top, {})[rest] = text
    in_place = sorted(rel for rel in files if rel.partition("/")[0] not in groups)
    with ThreadPoolExecutor(_WRITERS) as pool:  # creating a file waits on the disk, not on Python
        changed = pool.map(lambda rel: write_atomic(root / rel, files[rel], durable=False), in_place)
        written = [rel for rel, wrote in zip(in_place, changed, strict=True) if wrote]
        for top, members in groups.items():
            staging = Path(tempfile.mkdtemp(prefix=f".{top}.", suffix=".tmp", dir=root))
            try:
                _write_new(pool, staging, members)
                os.rename(staging, root / top)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            written += [f"{top}/{rel}" for rel in members]
    return sorted(written)


def _write_new(pool: ThreadPoolExecutor, folder: Path, files: Mapping[str, str]) -> None:
    """Create ``files`` (path under ``folder`` → text) in a new ``folder``, readable by all."""
    made = {folder}
    for rel in files:
        parent = (folder / rel).parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
    for directory in made:
        directory.chmod(0o755)

    def create(rel: str) -> None:
        path = folder / rel
        with naming(path):
            path.write_bytes(files[rel].encode("utf-8"))
        path.chmod(0o644)  # published: readable by all, whatever the umask

    for _ in pool.map(create, files):  # every file written, or the first error raised
        pass


def _replace_dir(target: Path, files: Mapping[str, str]) -> list[str]:
    """Write ``files`` under ``target`` (:func:`write_files`) and remove files there that are no
    longer part of it."""
    target.mkdir(parents=True, exist_ok=True)
    written = write_files(target, files)
    keep = {target / rel for rel in files}
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return written


@gc_paused()
def build(tree: Tree, out: Path, *, schema_dir: Path, built_at: str | None = None, repo: Path | None = None,
          site: bool = True) -> BuildResult:
    """Write ``out/v1`` and the site beside it (see the module docstring); return the manifest
    and what changed."""
    every = changes(tree)  # the feeds and the site's "what changed" both tell it
    files = build_files(tree, schema_dir, every)
    manifest = manifest_for(files, tree, built_at=built_at or build_time(), commit=git_commit(repo or Path.cwd()))
    written = [f"v1/{rel}" for rel in _replace_dir(out / "v1", {**files, "manifest.json": dumps(manifest)})]
    if site:
        written += write_site(tree, out, every)
    return BuildResult(out, manifest, written)


@gc_paused()
def write_site(tree: Tree, out: Path, every: list[Change]) -> list[str]:
    """The static site beside ``out/v1`` (:mod:`refresher.publish.site`), read through the consumer from
    the files just written; stale pages of models that went away are removed."""
    from gate_consumer.loading import load_directory
    from refresher.publish.site import site_files

    files = site_files(load_directory(out / "v1", warm=False), every, last_checked(tree) or build_time())
    written = write_files(out, files)
    for folder in ("models", "providers"):
        for path in sorted((out / folder).rglob("*.html")):
            if path.relative_to(out).as_posix() not in files:
                path.unlink()
    return written


def write_bundle(out: Path, bundle_dir: Path = BUNDLE_DIR) -> list[str]:
    """Copy the consumer's files of a build (:data:`BUNDLED`) into ``gate_consumer/_data/v1``, and
    write the distribution's version (:func:`package_version`) beside the package."""
    source = out / "v1"
    files = {
        path.relative_to(source).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(source.rglob("*.json"))
        if any(path.relative_to(source).as_posix().startswith(prefix) for prefix in BUNDLED)
    }
    bundle_dir.mkdir(parents=True, exist_ok=True)
    try:
        current = json.loads((bundle_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        current = None
    new = json.loads(files["manifest.json"])
    if current is not None and (current["catalog_version"], current["files"]) == (new["catalog_version"], new["files"]):
        files["manifest.json"] = (bundle_dir / "manifest.json").read_text(encoding="utf-8")  # same data: no churn
        new = current
    written = _replace_dir(bundle_dir, files)
    if write_atomic(bundle_dir.parent.parent / "_version.py", _version_module(new, json.loads(files["index.json"]))):
        written.append("_version.py")
    return written


def package_version(checked_at: str) -> str:
    """The gate-consumer version of a snapshot whose newest source check was at ``checked_at``:
    ``2026-11-20T04:05:34Z`` → ``2026.11.20.405`` (PEP 440: date, then hour and minute). The same
    data always gets the same version."""
    day, _, clock = checked_at.partition("T")
    year, month, date = (int(part) for part in day.split("-"))
    return f"{year}.{month}.{date}.{int(clock[:2] + clock[3:5] or 0)}"


def _version_module(manifest: Mapping[str, Any], index: Mapping[str, Any]) -> str:
    checked = max((s["succeeded_at"] for s in index.get("sources", {}).values() if s.get("succeeded_at")),
                  default=manifest["built_at"])
    return (
        '"""Written by ``faimeta build``: the version of the snapshot bundled in this package."""\n\n'
        f'__version__ = "{package_version(checked)}"\n'
        f'CATALOG_VERSION = "{manifest["catalog_version"]}"\n'
    )


def refresh_bundle(tree: Tree, repo_dir: Path) -> list[str]:
    """Rebuild the snapshot bundled in ``repo_dir``'s gate-consumer distribution from ``tree``."""

    # Built "at" the newest check of a source, not the wall clock: the same refresh gives the
    # same bundle, so a re-run that learns nothing new finds the refresh branch unchanged.
    with tempfile.TemporaryDirectory(prefix="faimeta-bundle-") as scratch:
        build(tree, Path(scratch), schema_dir=repo_dir / "schema", built_at=last_checked(tree) or None, repo=repo_dir,
              site=False)
        return write_bundle(Path(scratch), repo_dir / BUNDLE_PATH)
