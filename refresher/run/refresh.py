"""``faimeta refresh``: pull sources, reconcile, validate, write — all or nothing per run.

Payloads come from the network (httpx) or, with ``--replay DIR``, from recorded responses
described by ``DIR/recordings.json`` (``{"<file>": {"source": ..., "recorded_at": ...}}``), in
which case the recording time is the observation time. The run works on a copy of the tree;
the files are written only if the result validates, so a failing run leaves the tree intact,
and as one transaction under a lock (:mod:`refresher.tree.transaction`), so a killed run or a
concurrent one cannot leave a half-written tree or lose another run's work.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gate_consumer.instants import format_instant, parse_instant, utc_now
from refresher.run.fetch import Fetcher, redact_url
from refresher.run.linking import run_links
from refresher.run.reconcile import Summary, reconcile, run_listings
from refresher.sources.base import Skipped, Snapshot, SourceError, record_label
from refresher.sources.registry import ADAPTERS, home_host, key_may_go_to
from refresher.tree.bulk import gc_paused
from refresher.tree.store import Tree, load_tree, render_changed
from refresher.tree.transaction import TreeLock, commit_tree, recover
from refresher.tree.validate import Problem, tree_problems

__all__ = [
    "Payload",
    "RefreshResult",
    "fetch_payloads",
    "newest_recordings",
    "parse_payload",
    "reject_duplicates",
    "replay_payloads",
    "run_refresh",
    "select_sources",
    "source_url",
    "url_variable",
    "write_if_valid",
]


@dataclass(frozen=True)
class Payload:
    """One source's response: its pages, when it was observed, and where it came from."""

    source: str
    bodies: tuple[bytes, ...]
    observed_at: str
    origin: str  # file or URL (redacted), for messages
    complete: bool = True
    #: the name of each body, for a source published as several files (an adapter with
    #: ``PARTS``): Portkey's ``anthropic``, ``openai``… Empty for a listing and its pages.
    parts: tuple[str, ...] = ()


@dataclass
class RefreshResult:
    summaries: list[Summary] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # source → why it failed
    not_run: dict[str, str] = field(default_factory=dict)  # source → why it was skipped (no key…)
    problems: list[Problem] = field(default_factory=list)  # validation of the result
    written: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.invalid

    @property
    def invalid(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        by_source = {s.source: {"status": "ok", **s.to_json()} for s in self.summaries}
        by_source |= {name: {"source": name, "status": "failed", "error": why} for name, why in self.errors.items()}
        by_source |= {name: {"source": name, "status": "skipped", "reason": why} for name, why in self.not_run.items()}
        return {
            "ok": self.ok,
            "sources": [by_source[name] for name in sorted(by_source)],
            "validation": [str(p) for p in self.problems if p.severity == "error"],
            "written": self.written,
        }


def select_sources(
    tree: Tree, requested: Iterable[str] | None, providers: set[str] | None
) -> tuple[list[str], dict[str, str]]:
    """The sources a run uses, and those it leaves out with the reason.

    Default: every source registered in ``sources.json`` that has an adapter. With
    ``providers``, a provider's own API that describes none of them is left out (Models.dev,
    which describes everyone, stays). Raises ``KeyError`` for an unknown source.
    """
    registry = tree.sources.get("sources", {})
    names = list(requested) if requested else sorted(set(ADAPTERS) & set(registry))
    unknown = sorted({n for n in names if n not in ADAPTERS or n not in registry})
    if unknown:
        raise KeyError(
            f"unknown source(s): {', '.join(unknown)}; known: {', '.join(sorted(set(ADAPTERS) & set(registry)))}"
        )
    chosen, left_out = [], {}
    for name in dict.fromkeys(names):
        own = registry[name].get("provider")
        if providers and own is not None and own not in providers:
            left_out[name] = f"describes only {own}"
        else:
            chosen.append(name)
    return chosen, left_out


def _recordings_index(directory: Path) -> dict[str, dict[str, Any]]:
    index_path = directory / "recordings.json"
    try:
        return json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"{index_path}: cannot read the recordings index ({exc})") from None


def newest_recordings(directory: Path, index: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, tuple[bool, str, str]]:
    """Per source in ``directory/recordings.json`` (or ``index``, that file already read):
    ``(complete, recorded_at, file)`` of the recording a replay uses — the newest complete one,
    else the newest partial one."""
    best: dict[str, tuple[bool, str, str]] = {}
    for name, meta in (index if index is not None else _recordings_index(directory)).items():
        candidate = (meta.get("complete", True), meta["recorded_at"], name)
        if meta.get("source") and (meta["source"] not in best or candidate > best[meta["source"]]):
            best[meta["source"]] = candidate
    return best


def replay_payloads(directory: Path, sources: Iterable[str]) -> tuple[list[Payload], dict[str, str]]:
    """The newest complete recording of each source in ``directory`` (the newest partial one if
    there is no complete one), observed at its recording time (see the module docstring). A
    source published as several files (an adapter with ``PARTS`` or ``follow``) replays every
    file recorded at the chosen one's time, each part named by its file name without ``.json``."""
    index = _recordings_index(directory)
    chosen = newest_recordings(directory, index)
    payloads, errors = [], {}
    for source in sources:
        if source not in chosen:
            errors[source] = f"no recording of {source!r} in {directory / 'recordings.json'}"
            continue
        complete, recorded_at, name = chosen[source]
        several = ADAPTERS[source].published_as_files
        names = sorted(n for n, meta in index.items()
                       if meta.get("source") == source and meta["recorded_at"] == recorded_at) if several else [name]
        try:
            bodies = tuple((directory / file).read_bytes() for file in names)
        except OSError as exc:
            errors[source] = f"{exc.filename}: {exc.strerror or exc}"
            continue
        parts = tuple(Path(n).stem for n in names) if several else ()
        origin = str(directory / name) if not parts else f"{(directory / name).parent} ({len(parts)} files)"
        payloads.append(Payload(source, bodies, format_instant(parse_instant(recorded_at)), origin, complete, parts))
    return payloads, errors


def url_variable(source: str) -> str:
    """The environment variable that overrides a source's URL: ``FAIMETA_GENAI_PRICES_URL``."""
    return f"FAIMETA_{source.upper().replace('-', '_')}_URL"


def source_url(tree: Tree, source: str, environ: Mapping[str, str]) -> str:
    """``FAIMETA_<SOURCE>_URL`` (:func:`url_variable`) if set, else the URL in ``sources.json``."""
    return environ.get(url_variable(source)) or tree.sources["sources"][source]["url"]


def fetch_payloads(
    tree: Tree,
    sources: Iterable[str],
    *,
    fetcher: Fetcher | None = None,
    environ: Mapping[str, str] = os.environ,
    say: Callable[[str], None] = print,
    providers: set[str] | None = None,
) -> tuple[list[Payload], dict[str, str], dict[str, str]]:
    """Fetch each source: ``(payloads, errors, not_run)``. A source whose key is required and
    missing is not run (one line says which variable to set); a failing source does not stop
    the others. No message contains a key. With ``providers``, a source published as one file
    per provider fetches only theirs."""
    registry = tree.sources["sources"]
    payloads, errors, not_run = [], {}, {}
    owned = fetcher is None
    fetcher = fetcher or Fetcher(say=say)
    try:
        for source in sources:
            adapter = ADAPTERS[source]
            key_env = registry[source].get("api_key_env")
            key = environ.get(key_env) if key_env and key_env == adapter.key_env else None
            if adapter.needs_key and not key:
                not_run[source] = f"{adapter.key_env or 'its API key'} is not set (set it to use this source)"
                continue
            url = source_url(tree, source, environ)
            if key and not key_may_go_to(source, url):
                errors[source] = (f"{source}: refusing to send {adapter.key_env} to {redact_url(url)}: "
                                  f"a key goes only to https://{home_host(source)} (or a local test server)")
                continue
            parts = adapter.parts_for(providers)
            if parts == ():
                not_run[source] = f"publishes no file for {', '.join(sorted(providers or ()))}"
                continue
            say(f"{source}: GET {redact_url(url)}" + (f" ({len(parts)} files)" if parts else ""))
            try:
                fetched = fetcher.listing(adapter, url, key, parts=parts)
            except SourceError as exc:
                errors[source] = str(exc)
                continue
            payloads.append(Payload(source, fetched.bodies, format_instant(utc_now()), fetched.url, fetched.complete,
                                    fetched.parts))
    finally:
        if owned:
            fetcher.close()
    return payloads, errors, not_run


#: No source lists anywhere near this many records (Models.dev: ~5,300; OpenRouter: ~350);
#: counted on the raw bytes as JSON objects, before anything is parsed.
MAX_OBJECTS = 2_000_000
MAX_RECORDS = 100_000


def parse_payload(payload: Payload) -> Snapshot:
    """All pages of a payload as one snapshot. A single recorded page that points to a next
    one (a replayed first page) is marked incomplete. Raises :class:`SourceError`, also for a
    listing past the bounds (:data:`MAX_OBJECTS` JSON objects, :data:`MAX_RECORDS` records)."""
    adapter = ADAPTERS[payload.source]
    objects = sum(body.count(b"{") for body in payload.bodies)
    if objects > MAX_OBJECTS:
        raise SourceError(f"{payload.source}: {payload.origin} holds {objects:,} JSON objects, more than the "
                          f"{MAX_OBJECTS:,} a listing may have; refusing it before parsing")
    snapshot: Snapshot | None = None
    for index, body in enumerate(payload.bodies):
        if payload.parts:
            page = adapter.parse(body, payload.observed_at, part=payload.parts[index])
        else:
            page = adapter.parse(body, payload.observed_at)
        if snapshot is None:
            snapshot = page
        else:
            snapshot.extend(page)
    if snapshot is None:
        raise SourceError(f"{payload.source}: no response")
    if snapshot.records > MAX_RECORDS:
        raise SourceError(f"{payload.source}: {payload.origin} lists {snapshot.records:,} records, more than the "
                          f"{MAX_RECORDS:,} a source may have")
    reject_duplicates(snapshot)
    snapshot.complete = snapshot.complete and payload.complete
    next_page = adapter.next_page
    if next_page is not None and len(payload.bodies) == 1 and next_page(_json_or_none(payload.bodies[-1])):
        snapshot.complete = False
    return snapshot


def _json_or_none(body: bytes) -> Any:
    """A page's JSON, or None for a body that is not one JSON document (a recording of items
    one per line, which has no next page)."""
    try:
        return json.loads(body)
    except ValueError:
        return None


def reject_duplicates(snapshot: Snapshot) -> None:
    """An id listed twice with different values is rejected — both entries, each named — so the
    tree keeps its value; listed twice the same, it counts once."""
    seen: dict[tuple[str, str], list[int]] = {}
    for i, obs in enumerate(snapshot.offerings):
        seen.setdefault((obs.provider, obs.upstream_id), []).append(i)
    drop: set[int] = set()
    for (provider, upstream_id), where in seen.items():
        if len(where) == 1:
            continue
        first = snapshot.offerings[where[0]]
        differing = [i for i in where[1:] if snapshot.offerings[i] != first]
        if not differing:
            drop.update(where[1:])
            continue
        other = snapshot.offerings[differing[0]]
        changes = sorted(k for k in {**first.facts, **other.facts} if first.facts.get(k) != other.facts.get(k))
        detail = "; ".join(f"{k}: {first.facts.get(k)!r} ≠ {other.facts.get(k)!r}" for k in changes[:3]) or "other fields"
        snapshot.skipped.append(Skipped(
            record_label(provider, {"id": upstream_id}, where[0]), f"listed {len(where)} times with different values ({detail}); every entry rejected, "
                   "the tree keeps its value",
            provider, upstream_id))
        drop.update(where)
    if drop:
        snapshot.offerings = [obs for i, obs in enumerate(snapshot.offerings) if i not in drop]


@gc_paused()
def run_refresh(
    root: Path,
    payloads: list[Payload],
    *,
    errors: Mapping[str, str] | None = None,
    not_run: Mapping[str, str] | None = None,
    providers: set[str] | None = None,
    dry_run: bool = False,
    allow_shrink: bool = False,
    lock_wait: float = 0.0,
    say: Callable[[str], None] = print,
) -> RefreshResult:
    """Reconcile ``payloads`` into the tree at ``root``; write only a result that validates.

    ``errors`` and ``not_run`` carry what happened while fetching into the result. Sources are
    applied oldest observation first, so a newer observation wins over an older one. The tree
    is locked from reading to writing (another run: wait up to ``lock_wait`` seconds, then
    :class:`~refresher.tree.transaction.LockBusy`); the write is one transaction.
    """
    result = RefreshResult(errors=dict(errors or {}), not_run=dict(not_run or {}))
    with TreeLock(root, wait=lock_wait, say=say):  # from reading the tree to writing it: one run at a time
        for line in recover(root):
            say(line)
        _reconcile_and_write(root, payloads, result, providers=providers, dry_run=dry_run,
                             allow_shrink=allow_shrink, say=say)
    return result


def _reconcile_and_write(root: Path, payloads: list[Payload], result: RefreshResult, *, providers: set[str] | None,
                         dry_run: bool, allow_shrink: bool, say: Callable[[str], None]) -> None:
    work = load_tree(root)  # loaded for this run only: reconciled in place, written only if valid
    snapshots = []
    for payload in sorted(payloads, key=lambda p: (p.observed_at, p.source)):
        checked = work.ledger.get("sources", {}).get(payload.source, {}).get("checked_at")
        if checked and payload.observed_at < checked:
            say(f"{payload.source}: skipped: {payload.origin} was observed at {payload.observed_at}, "
                f"before the tree's last check of this source ({checked})")
            result.not_run[payload.source] = f"older than the tree (observed {payload.observed_at}, checked {checked})"
            continue
        say(f"{payload.source}: parsing {payload.origin}")
        try:
            snapshot = parse_payload(payload)
        except SourceError as exc:
            result.errors[payload.source] = str(exc)
            continue
        except Exception as exc:  # an adapter's bug or a body it cannot survive fails that source only
            result.errors[payload.source] = f"{payload.source}: cannot parse {payload.origin}: {type(exc).__name__}: {exc}"
            continue
        if providers:
            snapshot.providers = [p for p in snapshot.providers if p.provider in providers]
            snapshot.offerings = [o for o in snapshot.offerings if o.provider in providers]
        snapshots.append(snapshot)
    # The sources that create offerings come before the catalogs that only confirm them, which
    # would otherwise miss what a later source of the same run adds (and find it only on the next
    # run); within each group, oldest first. The published value does not depend on this order
    # (docs/provenance.md): freshness is judged at the later of two observations.
    snapshots.sort(key=lambda s: (s.confirms_only, s.observed_at, s.source))
    work = _reconcile_each(root, work, snapshots, result, providers=providers, allow_shrink=allow_shrink, say=say)
    result.problems, result.written = write_if_valid(work, root, dry_run=dry_run, say=say)
    if result.invalid:
        say("the refreshed tree does not validate; nothing was written")


def _reconcile_each(root: Path, work: Tree, snapshots: list[Snapshot], result: RefreshResult, *,
                    providers: set[str] | None, allow_shrink: bool, say: Callable[[str], None]) -> Tree:
    """Reconcile every snapshot into ``work``; a source whose reconcile fails is reported and
    left out, and the others are applied to a fresh copy of the tree (a failure half-way
    through one source must not leave half of its changes)."""
    while True:
        links = run_links(work, snapshots)
        listings = run_listings(snapshots)
        summaries = []
        for snapshot in snapshots:
            try:
                summary = reconcile(
                    work, snapshot, only_providers=providers or None, links=links, allow_shrink=allow_shrink,
                    run_listings={k: v for k, v in listings.items() if k != snapshot.source},
                )
            except Exception as exc:
                result.errors[snapshot.source] = f"{snapshot.source}: cannot reconcile: {type(exc).__name__}: {exc}"
                say(f"{snapshot.source}: failed ({type(exc).__name__}); applying the other sources without it")
                snapshots = [s for s in snapshots if s is not snapshot]
                work = load_tree(root)
                break
            summaries.append(summary)
            say(f"{snapshot.source}: reconciled")  # the summary itself is printed once, at the end
        else:
            result.summaries.extend(summaries)
            return work


def write_if_valid(tree: Tree, root: Path, *, dry_run: bool = False, lock_wait: float = 0.0,
                   say: Callable[[str], None] = print) -> tuple[list[Problem], list[str]]:
    """Validate ``tree`` (in memory, whole); write the files that changed to ``root`` only if it
    has no error, as one transaction (:mod:`refresher.tree.transaction`). Returns the problems and
    the files written (none on error or ``dry_run``). A tree in which nothing changed is not
    validated again: it writes nothing (``faimeta validate``, in CI, checks the tree as it is)."""
    changed = render_changed(tree)  # rendered first: a record that cannot be written fails here
    if not changed:
        return [], []
    problems = tree_problems(tree, texts={**tree.texts, **changed})  # the unchanged ones hold what they held
    if dry_run or any(p.severity == "error" for p in problems):
        return problems, []
    with TreeLock(root, wait=lock_wait, say=say):
        return problems, commit_tree(root, changed, say=say)
