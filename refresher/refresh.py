"""``faimeta refresh``: pull sources, reconcile, validate, write — all or nothing per run.

Payloads come from the network (httpx) or, with ``--replay DIR``, from recorded responses
described by ``DIR/recordings.json`` (``{"<file>": {"source": ..., "recorded_at": ...}}``), in
which case the recording time is the observation time. The run works on a copy of the tree;
the files are written only if the result validates, so a failing run leaves the tree intact.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from gate_consumer._time import format_instant, parse_instant, utc_now
from refresher.jsonio import dumps
from refresher.reconcile import Summary, reconcile
from refresher.sources.base import SourceError
from refresher.sources.registry import ADAPTERS, parser
from refresher.store import Tree, load_tree, write_tree
from refresher.validate import Problem, validate_tree

__all__ = ["Payload", "RefreshResult", "fetch_payloads", "replay_payloads", "run_refresh"]

USER_AGENT = "fusionaize-metadata-refresher/0.1 (+https://github.com/fusionAIze/metadata)"


@dataclass(frozen=True)
class Payload:
    source: str
    body: bytes
    observed_at: str
    origin: str  # file or URL, for messages


@dataclass
class RefreshResult:
    summaries: list[Summary] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # source → why it failed
    problems: list[Problem] = field(default_factory=list)  # validation of the result
    written: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not any(p.severity == "error" for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "sources": [s.to_json() for s in self.summaries],
            "errors": self.errors,
            "validation": [str(p) for p in self.problems if p.severity == "error"],
            "written": self.written,
        }


def replay_payloads(directory: Path, sources: Iterable[str]) -> tuple[list[Payload], dict[str, str]]:
    """The newest recording of each source in ``directory`` (see the module docstring)."""
    index_path = directory / "recordings.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(f"{index_path}: cannot read the recordings index ({exc})") from None
    payloads, errors = [], {}
    for source in sources:
        recordings = sorted(
            ((meta["recorded_at"], name) for name, meta in index.items() if meta.get("source") == source),
            reverse=True,
        )
        if not recordings:
            errors[source] = f"no recording of {source!r} in {index_path}"
            continue
        recorded_at, name = recordings[0]
        path = directory / name
        try:
            body = path.read_bytes()
        except OSError as exc:
            errors[source] = f"{path}: {exc.strerror or exc}"
            continue
        payloads.append(Payload(source, body, format_instant(parse_instant(recorded_at)), str(path)))
    return payloads, errors


def fetch_payloads(
    tree: Tree, sources: Iterable[str], *, client: httpx.Client | None = None, say: Callable[[str], None] = print
) -> tuple[list[Payload], dict[str, str]]:
    """GET each source's URL (``FAIMETA_<SOURCE>_URL`` overrides it). A source whose key is
    missing is skipped with one line; errors name the source and never include a key."""
    registry = tree.sources["sources"]
    payloads, errors = [], {}
    owns_client = client is None
    client = client or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=True)
    try:
        for source in sources:
            info = registry[source]
            url = os.environ.get(f"FAIMETA_{source.upper().replace('-', '_')}_URL", info["url"])
            headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
            key_env = info.get("api_key_env")
            if key_env and os.environ.get(key_env):
                headers["Authorization"] = f"Bearer {os.environ[key_env]}"
            say(f"{source}: GET {url}")
            try:
                response = client.get(url, headers=headers)
                response.raise_for_status()
            except httpx.HTTPStatusError as exc:
                errors[source] = f"{url} answered HTTP {exc.response.status_code}"
                continue
            except httpx.HTTPError as exc:
                errors[source] = f"{url}: {type(exc).__name__}: {exc}"
                continue
            payloads.append(Payload(source, response.content, format_instant(utc_now()), url))
    finally:
        if owns_client:
            client.close()
    return payloads, errors


def run_refresh(
    root: Path,
    payloads: list[Payload],
    *,
    errors: dict[str, str] | None = None,
    providers: set[str] | None = None,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> RefreshResult:
    """Reconcile ``payloads`` into the tree at ``root``; write only a result that validates."""
    result = RefreshResult(errors=dict(errors or {}))
    tree = load_tree(root)
    work = copy.deepcopy(tree)
    for payload in sorted(payloads, key=lambda p: (p.observed_at, p.source)):
        say(f"{payload.source}: parsing {payload.origin}")
        try:
            snapshot = parser(payload.source)(payload.body, payload.observed_at)
        except SourceError as exc:
            result.errors[payload.source] = str(exc)
            continue
        if providers:
            snapshot.providers = [p for p in snapshot.providers if p.provider in providers]
            snapshot.offerings = [o for o in snapshot.offerings if o.provider in providers]
        summary = reconcile(work, snapshot, only_providers=providers or None)
        result.summaries.append(summary)
        say(
            f"{payload.source}: {summary.fetched} listed, {summary.added} added, {summary.changed} changed, "
            f"{summary.unchanged} unchanged, {summary.retired} retired, {len(summary.skipped)} skipped"
        )
    # Validate the result in a scratch copy before touching the real tree.
    with tempfile.TemporaryDirectory(prefix="faimeta-") as scratch:
        scratch_root = Path(scratch) / "metadata"
        scratch_root.mkdir(parents=True)
        (scratch_root / "sources.json").write_text(dumps(work.sources))
        (scratch_root / "vendors.json").write_text(dumps(work.vendor_rules))
        write_tree(work, scratch_root)
        result.problems = validate_tree(scratch_root)
    if any(p.severity == "error" for p in result.problems):
        say("the refreshed tree does not validate; nothing was written")
        return result
    if not dry_run:
        result.written = write_tree(work, root)
    return result


def known_sources() -> list[str]:
    return sorted(ADAPTERS)
