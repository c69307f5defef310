"""What every ``faimeta`` command shares: the Typer app, the common options, failing clearly,
reading the tree. The commands live in :mod:`refresher.cli` (the metadata tree) and
:mod:`refresher.cli.consumer` (the published catalog, as Gate reads it)."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from gate_consumer.instants import parse_instant, utc_now

#: The exit codes, the same for every command: 0 done; 1 the work failed (a source, a validation,
#: a lock, the machine); 2 the caller named something that does not exist or cannot be used (an
#: unknown id, provider or option value) — fix the command and run it again.
EXIT_FAILED, EXIT_USAGE = 1, 2

#: faults of the machine, not of the metadata, and what to do about each
_MACHINE_FAULTS = {
    errno.EFBIG: "a file size limit stops the write: raise it (ulimit -f unlimited) and run again",
    errno.ENOSPC: "the disk is full: free space there and run again",
    errno.EDQUOT: "the disk quota is used up: free space or raise the quota, and run again",
    errno.EACCES: "no permission: give this user write access there (chown, chmod), or use another folder",
    errno.EPERM: "not permitted: give this user write access there (chown, chmod), or use another folder",
    errno.EROFS: "the file system is read-only: remount it writable, or use another folder",
}


def machine_fault(exc: OSError) -> str | None:
    """One line for a fault of the machine — a full disk, a file size limit, no permission, a
    read-only file system — naming the path and what to do; None for any other error."""
    advice = _MACHINE_FAULTS.get(exc.errno or 0)
    if advice is None:
        return None
    where = f"{exc.filename}: " if exc.filename is not None else ""
    if exc.filename2 is not None:  # a rename: which folder refused is not said, so both are named
        where = f"moving {exc.filename} to {exc.filename2}: "
    return f"faimeta: {where}{exc.strerror} ({errno.errorcode[exc.errno]}): {advice}"  # type: ignore[index]


#: what people type for a command that has another name here
_OTHER_NAMES = {"list": "models", "ls": "models", "search": "models", "find": "models", "compare": "price",
                "cost": "price", "quote": "price", "lookup": "resolve", "info": "show", "get": "show",
                "check": "validate", "lint": "validate", "update": "refresh", "pull": "refresh", "fetch": "refresh",
                "publish": "build", "provider": "providers", "model": "models"}
#: how the command meant does what the other name says, where it is not obvious
_HOW = {"compare": " (several ids compare: faimeta price ID ID… --input N)",
        "search": " (faimeta models QUERY)", "find": " (faimeta models QUERY)"}


class _Commands(TyperGroup):
    """Every command ends a fault of the machine with :func:`machine_fault`'s one line and exit
    1, not a traceback: the tree is as it was (a write is one transaction), and the reader
    needs the path and the fix. An unknown command gets the one meant (exit 2)."""

    def resolve_command(self, ctx, args):  # type: ignore[no-untyped-def]
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in self.commands:
            import difflib

            meant = _OTHER_NAMES.get(name.lower()) or next(
                iter(difflib.get_close_matches(name.lower(), list(self.commands), n=1, cutoff=0.6)), None)
            if meant in self.commands:
                ctx.fail(f"No such command {name!r}. Did you mean {meant!r}?{_HOW.get(name.lower(), '')}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except OSError as exc:
            line = machine_fault(exc)
            if line is None:
                raise
            echo(line, err=True)
            raise typer.Exit(EXIT_FAILED) from None


app = typer.Typer(
    cls=_Commands,
    help="fusionAIze metadata: LLM provider and model facts with their source and age.",
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        import gate_consumer

        try:
            own = version("fusionaize-metadata")
        except PackageNotFoundError:
            own = "unknown"
        typer.echo(f"faimeta {own} (fusionaize-gate-consumer {gate_consumer.__version__}, bundled catalog "
                   f"{gate_consumer.CATALOG_VERSION})")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def _main(
    context: typer.Context,
    show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Print the versions and exit.")] = False,
) -> None:
    """fusionAIze metadata: LLM provider and model facts with their source and age."""
    if context.invoked_subcommand is None:  # bare `faimeta`: the help, and success
        typer.echo(context.get_help())
        raise typer.Exit()


def providers_named(values: list[str] | None, known: Iterable[str], root: Path | None = None) -> list[str] | None:
    """The providers ``--provider`` names (repeatable, or comma-separated; any case), each one
    the tree or catalog knows; an unknown one fails (exit 2) with the closest names."""
    if not values:
        return None
    import difflib

    by_lower = {name.lower(): name for name in known}
    named, unknown = [], []
    for value in (v.strip() for raw in values for v in raw.split(",")):
        if value:
            (named if value.lower() in by_lower else unknown).append(by_lower.get(value.lower(), value))
    if unknown:
        hints = [f"{u} (did you mean {', '.join(close)}?)" if (close := difflib.get_close_matches(
            u.lower(), list(by_lower), n=3, cutoff=0.6)) else u for u in unknown]
        where = f" in {root}" if root is not None else ""
        fail(f"unknown provider(s){where}: {'; '.join(hints)}", EXIT_USAGE)
    return named

CatalogOption = Annotated[
    str | None,
    typer.Option("--catalog", metavar="DIR|URL",
                 help="Read this published catalog: a `faimeta build` output folder, its v1/, or a URL "
                      "(default: the working tree inside a checkout, else the snapshot bundled in the package)."),
]
#: ``--root``'s default: where a checkout keeps its tree
DEFAULT_ROOT = Path("metadata")
RootOption = Annotated[
    Path,
    typer.Option("--root", envvar="FAIMETA_ROOT", help="The metadata/ folder.", show_default=True),
]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="Judge freshness at this instant or date instead of now (e.g. 2026-07-20)."),
]
#: ``price --at`` is another question: what a request made then cost
PriceAtOption = Annotated[
    str | None,
    typer.Option("--at", help="Price a request made at this instant or date: the price that held then (from the "
                              "price history), its off-peak hours, and freshness judged then (e.g. 2026-07-20)."),
]

#: ``resolve --at``: what an id named then
ResolveAtOption = Annotated[
    str | None,
    typer.Option("--at", help="Resolve the id as it resolved at this instant or date: a moving alias "
                              "(mistral-medium-latest) to the model it stood for then (e.g. 2026-07-20)."),
]


def now_at(at: str | None) -> datetime:
    if at is None:
        return utc_now()
    try:
        return parse_instant(at)
    except ValueError:
        raise typer.BadParameter(f"{at!r} is not a date (YYYY-MM-DD) or instant (YYYY-MM-DDTHH:MM:SSZ)") from None


def echo(text: str = "", *, err: bool = False) -> None:
    """Print ``text``, which may carry upstream strings (names, ids, a source's error), each line
    :func:`~refresher.rules.text.visible`: a U+202E in a name cannot reverse the terminal line."""
    from refresher.rules.text import visible

    typer.echo("\n".join(visible(line) for line in text.split("\n")), err=err)


def counted(n: int, noun: str) -> str:
    """``1 offering``, ``2 offerings``, ``1,204 offerings``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def echo_table(rows: list[list[str]], *, indent: str = "", numeric: bool = True,
               rules_after: tuple[int, ...] = ()) -> None:
    """Print ``rows`` in columns as wide as their widest cell: the first column left-aligned,
    the others right-aligned when ``numeric`` (else left); a rule of dashes after each row
    index in ``rules_after``."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    for n, row in enumerate(rows):
        cells = (cell.ljust(w) if i == 0 or not numeric else cell.rjust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
        echo(indent + "  ".join(cells).rstrip())
        if n in rules_after:
            echo(indent + "  ".join("-" * w for w in widths))


def fail(message: str, code: int = EXIT_FAILED) -> None:
    echo(message, err=True)
    raise typer.Exit(code)


def ready_tree(root: Path) -> None:
    """Recover the tree if a write was interrupted (every command does this first)."""
    from refresher.tree.transaction import LockBusy, ready

    try:
        ready(root, say=lambda line: echo(line, err=True))
    except LockBusy as exc:
        fail(str(exc))


def load_tree_or_fail(root: Path, *, lazy: bool = False):
    """The tree at ``root`` (see :func:`refresher.tree.store.load_tree`), or exit naming every file
    that cannot be read. A ``lazy`` tree reads a provider when asked: run what reads it inside
    :func:`tree_read_or_fail`."""
    from refresher.tree.store import load_tree

    ready_tree(root)
    with tree_read_or_fail(root):
        return load_tree(root, lazy=lazy)


@contextlib.contextmanager
def tree_read_or_fail(root: Path) -> Iterator[None]:
    """Exit (1; 2 for a folder that is not there) naming the files of the tree that cannot be read."""
    from refresher.tree.store import TreeProblem

    try:
        yield
    except TreeProblem as exc:
        code = EXIT_USAGE if not root.is_dir() else EXIT_FAILED  # a wrong folder is the caller's to fix
        fail("cannot read the metadata:\n" + "\n".join(f"  {p}" for p in exc.problems), code)


@contextlib.contextmanager
def locked(root: Path, wait: float) -> Iterator[None]:
    """Hold the tree's write lock, or refuse clearly (exit 1) when another run keeps it past ``wait``."""
    from refresher.tree.transaction import LockBusy, TreeLock

    lock = TreeLock(root, wait=wait, say=lambda line: echo(line, err=True))
    try:
        lock.__enter__()
    except LockBusy as exc:
        fail(str(exc))
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for another run writing the tree before giving up.")
]


