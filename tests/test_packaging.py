"""Issue 30: the root wheel asked for ``gate-consumer``, a name nobody here registered — anyone
could, and every install of ours would run their code. Both distributions carry the project's
prefix, and the root depends on ours by that name."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _project(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("[project]", 1)[1].split("\n[", 1)[0]


def test_both_distributions_carry_the_projects_prefix() -> None:
    names = [re.search(r'^name = "([^"]+)"$', _project(p), re.M).group(1)  # type: ignore[union-attr]
             for p in (REPO / "pyproject.toml", REPO / "consumer" / "pyproject.toml")]
    assert names == ["fusionaize-metadata", "fusionaize-gate-consumer"]


def test_the_root_depends_on_the_consumer_by_our_name_only() -> None:
    dependencies = re.findall(r'^\s+"([A-Za-z0-9_.-]+)', _project(REPO / "pyproject.toml").split("dependencies = [", 1)[1]
                              .split("]", 1)[0], re.M)
    assert "fusionaize-gate-consumer" in dependencies and "gate-consumer" not in dependencies
