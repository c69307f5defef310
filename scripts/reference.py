"""Write docs/reference.md from the code: every ``faimeta`` command with its options (from the
Typer app) and every public name of ``gate_consumer`` (from its docstrings), so the reference
cannot drift from what is installed — ``tests/test_reference.py`` fails when it is not this
script's output.

Usage: ``python scripts/reference.py`` (writes the file); ``--check`` exits 1 when it differs.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "docs" / "reference.md"

HEAD = """# Reference: the `faimeta` command line and the `gate_consumer` API

<!-- Written by scripts/reference.py from the code; edit the docstrings and --help texts, then run it. -->

Every command has `--help` with examples; this page lists them all. Exit codes are the same for
every command: **0** done; **1** the work failed (a source, a validation, a lock); **2** the caller
named something that does not exist or cannot be used (an unknown id, provider or option value).
`faimeta --version` names the installed versions and the bundled catalog.

The read commands (`status`, `show`, `agreement`, `price`, `resolve`, `models`, `observe`) read one
catalog: the working tree inside a checkout (`--root`, default `metadata`), else the snapshot
bundled in the package, or `--catalog DIR|URL`.

## Commands
"""

API_HEAD = """
## The `gate_consumer` API

Standard library only; `import gate_consumer` touches no network. The guide is
[Gate's guide to gate_consumer](consumer.md); the Gate plugin is [gate_consumer inside Gate](gate.md).

| name | what it is |
|---|---|
"""

TAIL = """
Modules with more: `gate_consumer.pricing` (the token convention, how the price dimensions stack),
`gate_consumer.id_forms` (the id forms clients send), `gate_consumer.observed` (usage from responses, bills),
`gate_consumer.gate_plugin` and `gate_consumer.gate_entries` (Gate), `gate_consumer.routing` (intents).
"""

#: names whose value is data, not a documented object
_DATA = {
    "__version__": "the distribution's version: the bundled snapshot's newest source check (`YYYY.M.D.HHMM`)",
    "CATALOG_VERSION": "the bundled snapshot's `catalog_version`",
}


def first_paragraph(text: str | None) -> str:
    """The first paragraph of a docstring or help text, on one line."""
    paragraph = (text or "").strip().split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines()).replace("|", "\\|")


def description(help_text: str | None) -> str:
    """A command's help up to its examples (a paragraph starting with ``\\b`` or ``Example``),
    each paragraph on one line."""
    kept = []
    for paragraph in (help_text or "").strip().split("\n\n"):
        if paragraph.lstrip().startswith(("\b", "Example")):
            break
        kept.append(first_paragraph(paragraph))
    return "\n\n".join(kept)


def commands() -> str:
    from typer.main import get_command

    from refresher.cli import app

    out = []
    for name, command in get_command(app).commands.items():  # type: ignore[attr-defined]
        out.append(f"\n### `faimeta {name}`\n\n{description(command.help)}\n\n")
        rows = []
        for param in command.params:
            if param.param_type_name == "argument":
                shown = f"`{(param.metavar or param.name or '').upper()}`"
            elif param.hidden or "--help" in param.opts:
                continue
            else:
                shown = " / ".join(f"`{o}`" for o in param.opts)
            rows.append(f"| {shown} | {first_paragraph(getattr(param, 'help', ''))} |")
        if rows:
            out.append("| argument or option | meaning |\n|---|---|\n" + "\n".join(rows) + "\n")
        else:
            out[-1] = out[-1][:-1]
    return "".join(out)


def api() -> str:
    import gate_consumer

    names = sorted(gate_consumer.__all__, key=lambda n: (n not in _DATA, n != "__version__", n.lower()))
    rows = []
    for name in names:
        what = _DATA.get(name) or first_paragraph(inspect.getdoc(getattr(gate_consumer, name)))
        rows.append(f"| `{name}` | {what} |")
    return "\n".join(rows) + "\n"


def reference() -> str:
    return HEAD + commands() + API_HEAD + api() + TAIL


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/reference.md is not up to date")
    args = parser.parse_args()
    text = reference()
    if args.check:
        if REFERENCE.read_text(encoding="utf-8") != text:
            print("docs/reference.md is out of date: run python scripts/reference.py", file=sys.stderr)
            return 1
        return 0
    REFERENCE.write_text(text, encoding="utf-8")
    print(f"wrote {REFERENCE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
