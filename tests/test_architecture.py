"""The house rules of the code, read from its imports (docs/architecture.md draws them):

* a private name (``_x``) stays in its module, and a private module in its package;
* each floor imports only the floors below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

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
