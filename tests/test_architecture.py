"""The house rules of the code, read from its imports (docs/architecture.md draws them):

* a private name (``_x``) stays in its module, and a private module in its package;
* each floor imports only the floors below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = {"gate_consumer": REPO / "consumer" / "gate_consumer", "refresher": REPO / "refresher"}


def _modules(*roots: tuple[str, Path]) -> dict[str, Path]:
    found = {}
    for name, root in roots:
        for path in sorted(root.rglob("*.py")):
            parts = [name, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules(*PACKAGES.items())
CODE = {**MODULES, **_modules(("tests", REPO / "tests"), ("bench", REPO / "bench"))}


def _package(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _imports(module: str, path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module imported, name imported from it or None) for every import of ``module``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = _package(module, path).split(".")
                base = ".".join(anchor[: len(anchor) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:  # from package import module
                    found.append((node.lineno, f"{base}.{alias.name}", None))
                else:
                    found.append((node.lineno, base, alias.name))
    return found


def _private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def test_no_module_imports_a_private_name_of_another_or_a_private_module_of_another_package() -> None:
    broken = []
    for module, path in CODE.items():
        for line, imported, name in _imports(module, path):
            if imported not in MODULES or imported == module:
                continue
            where = f"{path.relative_to(REPO)}:{line}"
            if name is not None and _private(name):
                broken.append(f"{where} imports {imported}.{name}")
            parts = imported.split(".")
            for depth, part in enumerate(parts):
                owner = ".".join(parts[:depth])
                if _private(part) and not (module == owner or module.startswith(owner + ".")):
                    broken.append(f"{where} imports the private module {imported} from outside {owner}")
                    break
    assert broken == []


#: The floors, lowest first: a package imports only those below it (docs/architecture.md).
FLOORS = (
    "gate_consumer",
    "refresher.rules",
    "refresher.sources",
    "refresher.tree",
    "refresher.run",
    "refresher.publish",
    "refresher.review",
    "refresher.cli",
)


def _floor(module: str) -> str:
    return next(f for f in reversed(FLOORS) if module == f or module.startswith(f + "."))


def test_every_module_of_the_two_packages_sits_on_a_floor() -> None:
    assert [m for m in MODULES if m != "refresher" and not any(m == f or m.startswith(f + ".") for f in FLOORS)] == []


def test_each_floor_imports_only_the_floors_below_it() -> None:
    upward = []
    for module, path in MODULES.items():
        if module == "refresher":
            continue
        mine = FLOORS.index(_floor(module))
        for line, imported, _ in _imports(module, path):
            if imported.split(".")[0] not in PACKAGES or imported == "refresher":
                continue
            theirs = FLOORS.index(_floor(imported))
            if theirs > mine:
                upward.append(f"{path.relative_to(REPO)}:{line} ({FLOORS[mine]}) imports {imported} ({FLOORS[theirs]})")
    assert upward == []


@pytest.mark.parametrize("call", ["datetime.now", "datetime.utcnow", "date.today"])
def test_only_the_kernel_reads_the_wall_clock(call: str) -> None:
    """Everything that depends on now takes ``at=``/``now=`` and falls back to
    :func:`gate_consumer.instants.utc_now`: the one place a test's frozen clock must reach."""
    readers = []
    owner, _, attribute = call.partition(".")
    for module, path in MODULES.items():
        if module == "gate_consumer.instants":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr == attribute and isinstance(node.value, ast.Name)
                    and node.value.id == owner):
                readers.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert readers == []


def test_the_gate_consumer_never_imports_the_refresher() -> None:
    assert [f"{path}:{line}" for module, path in MODULES.items() if module.startswith("gate_consumer")
            for line, imported, _ in _imports(module, path) if imported.startswith("refresher")] == []
