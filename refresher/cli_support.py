"""What every ``faimeta`` command shares: the Typer app, the common options, failing clearly,
reading the tree. The commands live in :mod:`refresher.cli` (the metadata tree) and
:mod:`refresher.cli_consumer` (the published catalog, as Gate reads it)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from gate_consumer._time import parse_instant, utc_now

app = typer.Typer(
    help="fusionAIze metadata: LLM provider and model facts with their source and age.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

RootOption = Annotated[
    Path,
    typer.Option("--root", envvar="FAIMETA_ROOT", help="The metadata/ folder.", show_default=True),
]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="Evaluate freshness at this instant or date instead of now (e.g. 2026-07-20)."),
]


def now_at(at: str | None) -> datetime:
    if at is None:
        return utc_now()
    try:
        return parse_instant(at)
    except ValueError:
        raise typer.BadParameter(f"{at!r} is not a date (YYYY-MM-DD) or instant (YYYY-MM-DDTHH:MM:SSZ)") from None


def fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def ready_tree(root: Path) -> None:
    """Recover the tree if a write was interrupted (every command does this first)."""
    from refresher.transaction import LockBusy, ready

    try:
        ready(root, say=lambda line: typer.echo(line, err=True))
    except LockBusy as exc:
        fail(str(exc))


def load_tree_or_fail(root: Path):
    from refresher.store import TreeProblem, load_tree

    ready_tree(root)
    try:
        return load_tree(root)
    except TreeProblem as exc:
        fail("cannot read the metadata:\n" + "\n".join(f"  {p}" for p in exc.problems))


@contextlib.contextmanager
def locked(root: Path, wait: float) -> Iterator[None]:
    """Hold the tree's write lock, or refuse clearly (exit 1) when another run keeps it past ``wait``."""
    from refresher.transaction import LockBusy, TreeLock

    lock = TreeLock(root, wait=wait, say=lambda line: typer.echo(line, err=True))
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


