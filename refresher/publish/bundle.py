"""The snapshot of the catalog bundled in the fusionaize-gate-consumer distribution (``gate_consumer/_data/v1``)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gate_consumer.pack import CONSUMER_FILES
from refresher.publish.build import build, last_checked
from refresher.publish.output import replace_dir
from refresher.tree.jsonio import write_atomic
from refresher.tree.store import Tree

__all__ = ["BUNDLED", "BUNDLE_DIR", "BUNDLE_PATH", "package_version", "refresh_bundle", "write_bundle"]

#: The files of v1/ the consumer needs, and so what is bundled inside gate_consumer.
BUNDLED = ("manifest.json", *CONSUMER_FILES)
#: where the snapshot bundled in the fusionaize-gate-consumer distribution lives, relative to the repository
BUNDLE_PATH = Path("consumer") / "gate_consumer" / "_data" / "v1"
BUNDLE_DIR = Path(__file__).resolve().parents[2] / BUNDLE_PATH


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
    written = replace_dir(bundle_dir, files)
    if write_atomic(bundle_dir.parent.parent / "_version.py", _version_module(new, json.loads(files["index.json"]))):
        written.append("_version.py")
    return written


def package_version(checked_at: str) -> str:
    """The fusionaize-gate-consumer version of a snapshot whose newest source check was at ``checked_at``:
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
    """Rebuild the snapshot bundled in ``repo_dir``'s fusionaize-gate-consumer distribution from ``tree``."""

    # Built "at" the newest check of a source, not the wall clock: the same refresh gives the
    # same bundle, so a re-run that learns nothing new finds the refresh branch unchanged.
    with tempfile.TemporaryDirectory(prefix="faimeta-bundle-") as scratch:
        build(tree, Path(scratch), schema_dir=repo_dir / "schema", built_at=last_checked(tree) or None, repo=repo_dir,
              site=False)
        return write_bundle(Path(scratch), repo_dir / BUNDLE_PATH)
