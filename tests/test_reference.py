"""docs/reference.md is written from the code (scripts/reference.py), so it cannot drift: a new
option, a changed --help or a public name's docstring shows here until the page is rewritten."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("reference_script", REPO / "scripts" / "reference.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_reference_is_what_the_code_says() -> None:
    assert (REPO / "docs" / "reference.md").read_text(encoding="utf-8") == _script().reference(), (
        "docs/reference.md is out of date: run python scripts/reference.py")


def test_freshness_has_its_own_docstring_in_the_reference() -> None:
    """The reference showed Python's ``str`` docstring for ``Freshness``."""
    row = next(line for line in _script().api().splitlines() if line.startswith("| `Freshness` |"))
    assert "str(object=" not in row and "fresh" in row
