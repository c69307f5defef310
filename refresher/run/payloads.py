"""Payloads: what each source said, before anything is reconciled.

A run chooses its sources (:func:`select_sources`), gets their responses from the network
(:func:`fetch_payloads`) or from recordings (:func:`replay_payloads`, described by
``DIR/recordings.json``: ``{"<file>": {"source": ..., "recorded_at": ...}}``, in which case the
recording time is the observation time), and parses each within bounds (:func:`parse_payload`:
no listing past :data:`MAX_OBJECTS` JSON objects or :data:`MAX_RECORDS` records, no record twice).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gate_consumer.instants import format_instant, parse_instant, utc_now
from refresher.rules.risks import RiskKind
from refresher.rules.text import clean_name
from refresher.run.fetch import Fetcher, redact_url
from refresher.sources.base import OfferingObservation, Skipped, Snapshot, SourceError, record_label
from refresher.sources.registry import ADAPTERS, home_host, key_may_go_to
from refresher.tree.store import Tree

__all__ = [
    "MAX_OBJECTS",
    "MAX_RECORDS",
    "Payload",
    "agreeing",
    "fetch_payloads",
    "newest_recordings",
    "parse_payload",
    "reject_duplicates",
    "replay_payloads",
    "select_sources",
    "source_url",
    "url_variable",
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


def replay_payloads(directory: Path, sources: Iterable[str], *, every: bool = False) -> tuple[list[Payload], dict[str, str]]:
    """The newest complete recording of each source in ``directory`` (the newest partial one if
    there is no complete one), observed at its recording time (see the module docstring). A
    source published as several files (an adapter with ``PARTS`` or ``follow``) replays every
    file recorded at the chosen one's time, each part named by its file name without ``.json``.

    With ``every``: each source's every recording, oldest first — what a tree seeded from them
    carries is the history they hold (prices over time, what a source stopped listing)."""
    index = _recordings_index(directory)
    chosen = newest_recordings(directory, index)
    payloads, errors = [], {}
    for source in sources:
        if source not in chosen:
            errors[source] = f"no recording of {source!r} in {directory / 'recordings.json'}"
            continue
        _, recorded_at, name = chosen[source]
        several = ADAPTERS[source].published_as_files
        mine = sorted((meta["recorded_at"], n) for n, meta in index.items() if meta.get("source") == source)
        if several:  # one payload per recording time: its files together
            times = sorted({t for t, _ in mine}) if every else [recorded_at]
            groups = [[n for t, n in mine if t == time] for time in times]
        else:
            groups = [[n] for _, n in mine] if every else [[name]]
        for names in groups:
            try:
                payloads.append(_recorded(directory, source, names, index, several))
            except OSError as exc:
                errors[source] = f"{exc.filename}: {exc.strerror or exc}"
                break
    return payloads, errors


def _recorded(directory: Path, source: str, names: list[str], index: Mapping[str, Mapping[str, Any]],
              several: bool) -> Payload:
    """The payload of the recording ``names`` (one file, or a multi-file source's files of one time)."""
    bodies = tuple((directory / file).read_bytes() for file in names)
    parts = tuple(Path(n).stem for n in names) if several else ()
    origin = str(directory / names[0]) if not parts else f"{(directory / names[0]).parent} ({len(parts)} files)"
    meta = index[names[0]]
    complete = all(index[n].get("complete", True) for n in names)
    return Payload(source, bodies, format_instant(parse_instant(meta["recorded_at"])), origin, complete, parts)


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
    _clean_names(snapshot)
    reject_duplicates(snapshot)
    snapshot.complete = snapshot.complete and payload.complete
    next_page = adapter.next_page
    if next_page is not None and len(payload.bodies) == 1 and next_page(_json_or_none(payload.bodies[-1])):
        snapshot.complete = False
    return snapshot


def _clean_names(snapshot: Snapshot) -> None:
    """Every name the snapshot states with its whitespace runs one space (``"DeepSeek R1 (Turbo)\\t"``
    is ``"DeepSeek R1 (Turbo)"``): a listing's formatting is not a different name."""
    for facts in [*(p.facts for p in snapshot.providers), *(o.facts for o in snapshot.offerings),
                  *(o.model_facts for o in snapshot.offerings)]:
        if isinstance(facts.get("name"), str):
            facts["name"] = clean_name(facts["name"])


def _json_or_none(body: bytes) -> Any:
    """A page's JSON, or None for a body that is not one JSON document (a recording of items
    one per line, which has no next page)."""
    try:
        return json.loads(body)
    except ValueError:
        return None


def reject_duplicates(snapshot: Snapshot) -> None:
    """An id listed twice is one statement when its entries agree (:func:`agreeing`: the same
    values, or an optional price one entry states as 0 and the other leaves out — a source's way
    of saying "unset", dropped); with different values it is rejected — both entries, each named —
    so the tree keeps its value."""
    seen: dict[tuple[str, str], list[int]] = {}
    for i, obs in enumerate(snapshot.offerings):
        seen.setdefault((obs.provider, obs.upstream_id), []).append(i)
    drop: set[int] = set()
    for (provider, upstream_id), where in seen.items():
        if len(where) == 1:
            continue
        first = snapshot.offerings[where[0]]
        merged: OfferingObservation | None = first
        for i in where[1:]:
            merged = agreeing(merged, snapshot.offerings[i]) if merged is not None else None
        if merged is not None:
            snapshot.offerings[where[0]] = merged
            drop.update(where[1:])
            continue
        other = next(snapshot.offerings[i] for i in where[1:] if agreeing(first, snapshot.offerings[i]) is None)
        changes = sorted(k for k in {**first.facts, **other.facts} if first.facts.get(k) != other.facts.get(k))
        detail = "; ".join(f"{k}: {first.facts.get(k)!r} ≠ {other.facts.get(k)!r}" for k in changes[:3]) or "other fields"
        snapshot.skipped.append(Skipped(
            record_label(provider, {"id": upstream_id}, where[0]), f"listed {len(where)} times with different values ({detail}); every entry rejected, "
                   "the tree keeps its value",
            provider, upstream_id, RiskKind.DUPLICATE_ID))
        drop.update(where)
    if drop:
        snapshot.offerings = [obs for i, obs in enumerate(snapshot.offerings) if i not in drop]


#: the prices every token-priced entry states: never "unset" when 0
_ALWAYS_STATED = frozenset({"price.input", "price.output"})


def agreeing(a: OfferingObservation, b: OfferingObservation) -> OfferingObservation | None:
    """``a`` and ``b`` (two entries of one id) as one statement, or None if they disagree. They
    agree when every fact both state has the same value and every fact only one states is an
    optional price of 0 (LiteLLM writes ``cache_creation_input_token_cost: 0.0`` for "not
    known" beside a twin that leaves it out): such a price is left out, unknown rather than free."""
    if (a.model_facts, a.aliases, a.alias_of) != (b.model_facts, b.aliases, b.alias_of):
        return None
    facts = {}
    for key in {**a.facts, **b.facts}:
        if key in a.facts and key in b.facts:
            if a.facts[key] != b.facts[key]:
                return None
            facts[key] = a.facts[key]
        elif not (key.startswith("price.") and key not in _ALWAYS_STATED and a.facts.get(key, b.facts.get(key)) == 0):
            return None
    return a if facts == a.facts else dataclasses.replace(a, facts=facts)
