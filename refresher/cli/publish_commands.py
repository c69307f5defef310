"""``faimeta build``: the static catalog, its Gate files, the site, and (``--bundle``) the bundled snapshot."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from refresher.cli.support import (
    DEFAULT_ROOT,
    RootOption,
    app,
    echo,
    fail,
    load_tree_or_fail,
)


@app.command()
def build(
    root: RootOption = DEFAULT_ROOT,
    out: Annotated[Path, typer.Option(help="Output folder for v1/ and compat/.")] = Path("dist"),
    gate_routes: Annotated[
        Path | None,
        typer.Option(help="Operator route mapping (JSON: {\"routes\": {key: {provider, model}}}) for the Gate files."),
    ] = None,
    strict: bool = typer.Option(False, help="Fail if a Gate route cannot be resolved or priced."),
    with_bundle: bool = typer.Option(False, "--bundle/--no-bundle",
                                     help="Also rewrite the snapshot bundled in gate_consumer (consumer/gate_consumer/"
                                          "_data/v1, tracked files: commit them with the metadata change)."),
    clean: bool = typer.Option(False, "--clean", help="Make every output again, even what the last build into "
                               "--out made from inputs that did not change since."),
):
    """Publish the catalog as static JSON: v1/ (manifest, index, providers, catalog, schemas), the
    Gate compatibility files and the site; with --bundle, the snapshot bundled in gate_consumer too.

    Deterministic apart from the build time (set SOURCE_DATE_EPOCH to fix it). A build into a
    folder it built before makes again only what depends on what changed (its memory is kept
    under ~/.cache/fusionaize-metadata/builds/); the result is the same bytes as --clean.

    \b
    Examples:
      faimeta build --out dist
      faimeta build --out dist --clean
      faimeta build --out dist --bundle   # and the snapshot the package ships (commit it)
      faimeta build --gate-routes my-routes.json --strict
    """
    from refresher.publish import build as builder
    from refresher.publish import bundle, gate_compat
    from refresher.tree.validate import tree_problems

    tree = load_tree_or_fail(root)
    errors = [p for p in tree_problems(tree) if p.severity == "error"]
    if errors:
        fail("the metadata does not validate; nothing built:\n" + "\n".join(f"  {p}" for p in errors))
    repo = root.resolve().parent
    from refresher.publish.memory import default_memory_path

    result = builder.build(tree, out, schema_dir=repo / "schema", repo=repo,
                           memory=None if clean else default_memory_path(out))
    manifest = result.manifest
    kept = f", {len(result.kept):,} kept from the last build" if result.kept else ""
    echo(f"v1: catalog {manifest['catalog_version']}, {len(manifest['files'])} files, "
               f"{sum(f['size'] for f in manifest['files'].values()):,} bytes, {len(result.written)} changed{kept}")
    bundle_dir = repo / bundle.BUNDLE_PATH
    if with_bundle:
        if not bundle_dir.is_dir():
            fail(f"--bundle: no {bundle.BUNDLE_PATH.as_posix()} beside {root} (it is rewritten in a checkout only)", 2)
        changed = bundle.write_bundle(out, bundle_dir)
        echo(f"{bundle.BUNDLE_PATH.as_posix()}: {len(changed)} file(s) changed")
    try:
        routes = dict(gate_compat.load_routes(root / "gate_routes.json"))
        if gate_routes is not None:
            routes.update(gate_compat.load_routes(gate_routes))
    except ValueError as exc:
        fail(str(exc))
    export = gate_compat.write_gate_files(out, routes, manifest)
    echo(f"compat/gate: {len(export.providers)} route(s), {export.size:,} bytes")
    for key, why in sorted(export.unresolved.items()):
        echo(f"  route {key}: not exported: {why}", err=True)
    for key in export.unpriced:
        echo(f"  route {key}: no price (Gate would fill one in from its built-in list)", err=True)
    if strict and (export.unresolved or export.unpriced):
        raise typer.Exit(1)
