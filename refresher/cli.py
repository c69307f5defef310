"""``faimeta``: the command line of fusionAIze metadata — the commands on the metadata tree
(validate, status, show, refresh, build, diff, review, schema…). Those that read the published
catalog as Gate does (price, resolve, observe) are in :mod:`refresher.cli_consumer`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gate_consumer._time import format_instant, utc_now
from refresher.cli_support import (
    EXIT_USAGE,
    AtOption,
    RootOption,
    WaitOption,
    app,
    fail,
    load_tree_or_fail,
    locked,
    now_at,
    providers_named,
    ready_tree,
    tree_read_or_fail,
)


@app.command()
def validate(
    root: RootOption = Path("metadata"),
    strict: bool = typer.Option(False, help="Fail on warnings too."),
    schema: bool = typer.Option(False, "--schema", help="Also check every file against the published JSON "
                                                        "Schema (slower; CI does it)."),
):
    """Check schema, referential integrity and sanity of every file.

    Example: faimeta validate --root metadata
    """
    from refresher.validate import validate_tree

    ready_tree(root)
    problems = validate_tree(root, schema=schema)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    for problem in problems:
        typer.echo(str(problem), err=True)
    typer.echo(f"{len(errors)} error(s), {len(warnings)} warning(s) in {root}")
    if errors or (strict and warnings):
        raise typer.Exit(1)


@app.command()
def status(
    root: RootOption = Path("metadata"),
    provider: Annotated[list[str] | None, typer.Option("--provider", "-p", help="Only these providers.")] = None,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    at: AtOption = None,
):
    """The cost-truth view: per provider, how many prices are fresh, aging, stale or in conflict.

    Example: faimeta status --provider anthropic --provider openrouter --at 2026-07-20
    """
    from refresher.inspect import provider_status, source_ages

    tree = load_tree_or_fail(root, lazy=True)  # reads only the providers it reports on
    now = now_at(at)
    provider = providers_named(provider, tree.providers, root)
    first = min((e["succeeded_at"] for e in tree.ledger.get("sources", {}).values() if e.get("succeeded_at")),
                default=None)
    if first is not None and now < now_at(first):
        fail(f"--at {format_instant(now)} is before any source was checked (the first: {first}): "
             "there is nothing to judge yet", EXIT_USAGE)
    from refresher.review import expiring_reviews

    with tree_read_or_fail(root):
        rows = provider_status(tree, now, provider)
        reviews = expiring_reviews(tree, now, providers=provider)
    sources = source_ages(tree, now)
    if as_json:
        typer.echo(json.dumps({"evaluated_at": format_instant(now), "providers": rows, "sources": sources,
                               "reviews_expiring": reviews}, indent=2))
        return
    columns = ("provider", "offerings", "priced", "fresh", "aging", "stale", "conflict", "manual", "untracked")
    header = [*columns, "oldest price"]
    table = [header] + [
        [str(r[c]) for c in columns] + [f"{r['oldest_price_age_days']} days" if r["oldest_price_confirmed"] else "-"]
        for r in rows
    ]
    totals = ["total", *(str(sum(r[c] for r in rows)) for c in columns[1:]), ""]
    table.append(totals)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    typer.echo(f"prices evaluated at {format_instant(now)}")
    for n, row in enumerate(table):
        if n in (1, len(table) - 1):
            typer.echo("  ".join("-" * w for w in widths))
        typer.echo("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))))
    typer.echo("\nsources (last complete listing):")
    for src in sources:
        age = f"{src['age_days']} days ago" if src["age_days"] is not None else "never"
        typer.echo(f"  {src['source']:<12} {src['type']:<18} {src['succeeded_at'] or '-':<21} {age}")
    if reviews:
        typer.echo(f"\nmanual reviews expiring within 30 days ({len(reviews)}):")
        for r in reviews:
            state = "EXPIRED, automated sources apply again" if r["expired"] else "expires"
            typer.echo(f"  {r['offering']} {r['fact']}: {state} {r['expires']} (reviewed by {r['by'] or 'unknown'})")


@app.command()
def agreement(
    root: RootOption = Path("metadata"),
    provider: Annotated[list[str] | None, typer.Option("--provider", "-p", help="Only these providers.")] = None,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    top: Annotated[int, typer.Option(help="How many of the largest disagreements to list.")] = 20,
):
    """How far the price sources agree with the published prices, and the largest disagreements.

    \b
    Examples:
      faimeta agreement
      faimeta agreement --provider openrouter --json
    """
    from refresher.agreement import agreement_report

    tree = load_tree_or_fail(root)
    provider = providers_named(provider, tree.providers, root)
    report = agreement_report(tree, provider, top)
    if as_json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    width = max([len("source"), *map(len, report["sources"])])
    typer.echo(f"{'source':<{width}} {'publishes':>9} {'compared':>9} {'agree':>7} {'disagree':>9} {'agree %':>8}")
    for name, c in report["sources"].items():
        share = f"{100 * c['agree'] / c['compared']:.1f}" if c["compared"] else "-"
        typer.echo(f"{name:<{width}} {c['publishes']:>9,} {c['compared']:>9,} {c['agree']:>7,} {c['disagree']:>9,} "
                   f"{share:>8}")
    p = report["published"]
    typer.echo(f"\npriced offerings: {p['priced']:,}, input and output each stated by 2+ sources: "
               f"{p['confirmed_by_2_or_more']:,}")
    typer.echo(f"first-party: {p['first_party_priced']:,}, stated by 2+ sources: "
               f"{p['first_party_confirmed_by_2_or_more']:,}")
    if report["largest_disagreements"]:
        typer.echo("\nlargest disagreements:")
        for d in report["largest_disagreements"]:
            typer.echo(f"  ×{d['ratio']:<8g} {d['offering']} {d['fact']}: {d['published']} ({d['published_source']}, "
                       f"{d['published_as_of'][:10]}) vs {d['other']} ({d['other_source']}, {d['other_as_of'][:10]})")


@app.command()
def show(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="A model id, alias, provider/upstream_id or upstream id.")],
    root: RootOption = Path("metadata"),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    at: AtOption = None,
):
    """A model or offering with every fact: value, source, dates and freshness.

    Examples: faimeta show anthropic/claude-sonnet-4.5 ;
    faimeta show openrouter/anthropic/claude-sonnet-4.5 ;
    faimeta show anthropic/claude-sonnet-4-5-20250929
    """
    from refresher.build import catalog_of
    from refresher.inspect import NotFound, find, record_facts

    tree = load_tree_or_fail(root, lazy=True)  # reads the index and the providers it shows
    now = now_at(at)
    with tree_read_or_fail(root):
        catalog = catalog_of(tree, "metadata")
        try:
            hits = find(tree, record_id, catalog)
        except NotFound as exc:
            fail(str(exc), EXIT_USAGE)
        if len(hits) > 1:
            names = [f"{'model' if k == 'model' else 'offering'} {a}/{b}" for k, a, b in hits]
            fail(f"{record_id!r} names {len(hits)} records; name one:\n" + "\n".join(f"  {n}" for n in names), EXIT_USAGE)
        view = record_facts(tree, hits[0], now, catalog)
    if as_json:
        typer.echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    title = view["id"] if view["kind"] == "model" else f"{view['provider']}/{view['upstream_id']} → {view['model']}"
    typer.echo(f"{view['kind']} {title}  (freshness at {view['evaluated_at']})")
    if view["kind"] == "model":
        typer.echo(f"  aliases: {', '.join(view['aliases']) or '-'}")
        typer.echo(f"  offered by {len(view['offerings'])}, cheapest first (USD per 1M input / output; "
                   "`faimeta show <provider>/<id>` shows one):")
        for row in _priced_offerings(tree, view["offerings"]):
            typer.echo(f"    {row}")
    for path, fact in view["facts"].items():
        value = json.dumps(fact["value"], ensure_ascii=False) + _unit(path)
        origin = (f"{fact['freshness']:<9} {fact['source']} ({fact['source_type']}) "
                  f"as of {fact['as_of'][:10]}, confirmed {fact['confirmed_at'][:10]}")
        if len(value) <= 40:
            typer.echo(f"  {path:<30} {value:<40} {origin}")
        else:  # a structured value (tiers, a service tier) whole, on lines of its own
            typer.echo(f"  {path:<30} {origin}")
            typer.echo(f"  {'':<30} {value}")
        for other in fact.get("agreements", ()):
            typer.echo(f"  {'':<30} = {other['source']} says the same, since {other['as_of'][:10]}")
        for other in fact.get("disagreements", ()):
            typer.echo(f"  {'':<30} ≠ {json.dumps(other['value'])} says {other['source']} as of {other['as_of'][:10]}")
    for entry in view.get("price_history", ()):
        typer.echo(f"  history: {entry['as_of'][:10]} → {entry['until'][:10]} {json.dumps(entry['price'])} ({entry['source']})")


@app.command()
def refresh(
    root: RootOption = Path("metadata"),
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable; default: all).")
    ] = None,
    provider: Annotated[
        list[str] | None, typer.Option("--provider", "-p", help="Only this provider's offerings (repeatable).")
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(help="Read recorded responses from this folder (with recordings.json) instead of the network."),
    ] = None,
    dry_run: bool = typer.Option(False, "--dry-run", help="Reconcile, validate and report; write nothing."),
    report: Annotated[Path | None, typer.Option(help="Also write the run's summary as JSON to this file.")] = None,
    allow_shrink: bool = typer.Option(
        False, "--allow-shrink", help="Retire even if a source shrank past guards.max_shrink_share (after checking)."
    ),
    pr: bool = typer.Option(False, "--pr", help="Commit on refresh/<lane>, push, open or update its pull request."),
    lane: Annotated[
        str | None, typer.Option(help="The PR lane (default: 'all', or the sources and providers of this run).")
    ] = None,
    base: Annotated[str, typer.Option(help="The branch PRs target (the run must start on it).")] = "main",
    wait: WaitOption = 30.0,
):
    """Pull sources, reconcile them with the tree, validate, and write what changed.

    Progress goes to stderr, the per-source summary to stdout. One failing source does not stop
    the others; the exit code is 1 if any source failed or the result would not validate (then
    nothing is written). A source whose API key is not set is skipped with one line.
    Source URLs can be overridden with FAIMETA_<SOURCE>_URL (e.g. FAIMETA_OPENROUTER_URL).

    \b
    Examples:
      faimeta refresh --provider openrouter
      faimeta refresh --source modelsdev --dry-run --report /tmp/refresh.json
      faimeta refresh --replay ../shared/fixtures/upstream
      GITHUB_TOKEN=… faimeta refresh --source openrouter --pr
    """
    import os

    from refresher.pr import PullRequestError, default_lane, open_refresh_pr, preflight
    from refresher.refresh import fetch_payloads, replay_payloads, run_refresh, select_sources
    from refresher.sources.base import SourceError

    tree = load_tree_or_fail(root)
    providers = set(provider) if provider else None
    unknown_providers = sorted((providers or set()) - set(tree.providers))
    if unknown_providers and replay is None:
        typer.echo(f"note: no provider {', '.join(unknown_providers)} in {root} yet; it is added if a source lists it",
                   err=True)
    try:
        sources, left_out = select_sources(tree, source, providers)
    except KeyError as exc:
        fail(exc.args[0], 2)
    say = lambda line: typer.echo(line, err=True)  # noqa: E731 - progress goes to stderr
    if pr:
        if dry_run:
            fail("--pr and --dry-run exclude each other", 2)
        lane = lane or default_lane(source, provider)
        try:
            preflight(root, base, os.environ)
        except PullRequestError as exc:
            fail(str(exc))
        before = load_tree_or_fail(root)
    for name, why in left_out.items():
        say(f"{name}: not used: {why}")
    not_run: dict[str, str] = {}
    try:
        if replay is not None:
            payloads, errors = replay_payloads(replay, sources)
        else:
            payloads, errors, not_run = fetch_payloads(tree, sources, say=say, providers=providers)
    except SourceError as exc:
        fail(str(exc))
    from refresher.transaction import LockBusy

    try:
        result = run_refresh(
            root, payloads, errors=errors, not_run=not_run, providers=providers, dry_run=dry_run,
            allow_shrink=allow_shrink, lock_wait=wait, say=say,
        )
    except LockBusy as exc:
        fail(str(exc))
    _print_refresh(result, dry_run)
    if report is not None:
        from refresher.jsonio import dumps, write_atomic

        write_atomic(report, dumps(result.to_json()))
    if pr and not result.invalid and not result.written:
        typer.echo("no change: no commit, no pull request")
    elif pr and not result.invalid:
        try:
            open_refresh_pr(root, result.to_json(), before, lane=lane, base=base, environ=os.environ, say=say)
        except PullRequestError as exc:
            fail(f"pull request: {exc}")
    if not result.ok:
        raise typer.Exit(1)
    if unknown_providers and not dry_run:
        listed = load_tree_or_fail(root).providers
        missing = [p for p in unknown_providers if p not in listed]
        if missing:  # nothing was done for them: say so, and not with success
            providers_named(missing, listed, root)


def _print_refresh(result, dry_run: bool) -> None:
    for summary in result.summaries:
        typer.echo(f"{summary.source}: {summary.line()}")
        for skipped in summary.skipped[:20]:
            typer.echo(f"  skipped {skipped.record}: {skipped.reason}")
        if len(summary.skipped) > 20:
            typer.echo(f"  … and {len(summary.skipped) - 20} more skipped (see --report)")
        if summary.unmapped:
            reasons = sorted(summary.unmapped.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = "; ".join(f"{why}: {n:,}" for why, n in reasons[:5])
            typer.echo(f"  unmapped {shown}" + (f"; {len(reasons) - 5} more reasons (see --report)" if len(reasons) > 5 else ""))
        for line in summary.retired_ids[:20]:
            typer.echo(f"  retired {line}")
        for line in summary.flagged:
            typer.echo(f"  flagged {line}")
        for line in summary.warnings:
            typer.echo(f"  warning: {line}")
    for name, why in sorted(result.not_run.items()):
        typer.echo(f"{name}: skipped: {why}")
    for name, why in sorted(result.errors.items()):
        typer.echo(f"{name}: FAILED: {why.removeprefix(name + ': ')}")
    for problem in result.problems:
        if problem.severity == "error":
            typer.echo(f"invalid result: {problem}")
    if result.invalid:
        typer.echo("the result does not validate: nothing was written")
    elif dry_run:
        typer.echo("dry run: nothing written")
    else:
        typer.echo(f"changed {len(result.written)} file(s)")


@app.command()
def build(
    root: RootOption = Path("metadata"),
    out: Annotated[Path, typer.Option(help="Output folder for v1/ and compat/.")] = Path("dist"),
    gate_routes: Annotated[
        Path | None,
        typer.Option(help="Operator route mapping (JSON: {\"routes\": {key: {provider, model}}}) for the Gate files."),
    ] = None,
    strict: bool = typer.Option(False, help="Fail if a Gate route cannot be resolved or priced."),
    bundle: bool = typer.Option(True, help="Also refresh the snapshot bundled in gate_consumer."),
):
    """Publish the catalog as static JSON: v1/ (manifest, index, providers, catalog, schemas) and
    the Gate compatibility files; refresh the snapshot bundled in gate_consumer.

    Deterministic apart from the build time (set SOURCE_DATE_EPOCH to fix it).

    \b
    Examples:
      faimeta build --out dist
      faimeta build --gate-routes my-routes.json --strict
    """
    from gate_consumer._time import parse_instant
    from gate_consumer.loading import load_directory
    from refresher import build as builder
    from refresher import gate_compat
    from refresher.jsonio import dumps, write_atomic
    from refresher.validate import tree_problems

    tree = load_tree_or_fail(root)
    errors = [p for p in tree_problems(tree) if p.severity == "error"]
    if errors:
        fail("the metadata does not validate; nothing built:\n" + "\n".join(f"  {p}" for p in errors))
    repo = root.resolve().parent
    result = builder.build(tree, out, schema_dir=repo / "schema", repo=repo)
    manifest = result.manifest
    typer.echo(f"v1: catalog {manifest['catalog_version']}, {len(manifest['files'])} files, "
               f"{sum(f['size'] for f in manifest['files'].values()):,} bytes, {len(result.written)} changed")
    bundle_dir = repo / builder.BUNDLE_PATH
    if bundle and bundle_dir.is_dir():
        changed = builder.write_bundle(out, bundle_dir)
        typer.echo(f"{builder.BUNDLE_PATH.as_posix()}: {len(changed)} file(s) changed")
    try:
        routes = dict(gate_compat.load_routes(root / "gate_routes.json"))
        if gate_routes is not None:
            routes.update(gate_compat.load_routes(gate_routes))
    except ValueError as exc:
        fail(str(exc))
    catalog = load_directory(out / "v1")
    export = gate_compat.export(catalog, routes, parse_instant(manifest["built_at"]))
    docs = gate_compat.documents(export, generated_at=manifest["built_at"],
                                 source_repo=f"fusionAIze/metadata@{manifest.get('git_commit', 'unknown')}")
    size = 0
    for rel, doc in docs.items():
        text = dumps(doc)
        size += len(text.encode())
        write_atomic(out / "compat" / "gate" / rel, text)
    typer.echo(f"compat/gate: {len(export.providers)} route(s), {size:,} bytes")
    for key, why in sorted(export.unresolved.items()):
        typer.echo(f"  route {key}: not exported: {why}", err=True)
    for key in export.unpriced:
        typer.echo(f"  route {key}: no price (Gate would fill one in from its built-in list)", err=True)
    if strict and (export.unresolved or export.unpriced):
        raise typer.Exit(1)


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="Before: a metadata folder or a git revision (HEAD~1, main).")],
    new: Annotated[str, typer.Argument(help="After: a metadata folder or a git revision.")] = "metadata",
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the full report as JSON here.")] = None,
    repo: Annotated[Path, typer.Option(help="The git repository for revisions.")] = Path("."),
):
    """The change report between two states of the metadata, as Markdown (a PR body): risky
    items first, then price changes (old → new, %, source), added / retired offerings, limit,
    capability and lifecycle changes, and a one-line count of provenance-only changes.

    \b
    Examples:
      faimeta diff HEAD~1                    # the last commit's change to metadata/
      faimeta diff main metadata --json /tmp/report.json
      faimeta diff /tmp/old-metadata /tmp/new-metadata
    """
    from refresher.jsonio import dumps, write_atomic
    from refresher.report import compare, load_state

    try:
        before, after = load_state(old, repo), load_state(new, repo)
    except ValueError as exc:
        fail(str(exc), 2)
    report = compare(before, after)
    typer.echo(report.markdown(f"Metadata changes {old} → {new}"))
    if json_out is not None:
        write_atomic(json_out, dumps(report.to_json()))


@app.command()
def review(
    provider: Annotated[str, typer.Argument(help="The provider (e.g. anthropic).")],
    model: Annotated[str, typer.Argument(help="The offering's upstream id, or the model id it links to.")],
    field: Annotated[str, typer.Argument(help="The fact: price.input, limits.context, capabilities.tools, status…")],
    value: Annotated[str, typer.Option("--value", help="The reviewed value (modalities: comma-separated).")],
    source_url: Annotated[str, typer.Option("--source-url", help="Where the reviewer read it (the provider's page).")],
    expires: Annotated[str, typer.Option(help="How long the review pins the value: 90d, 12w, or a date.")] = "90d",
    root: RootOption = Path("metadata"),
    wait: WaitOption = 30.0,
):
    """Pin a fact by hand: a manual review beats every automated source until it expires.

    The reviewer is your git identity (user.name, user.email). The value an automated source
    stated stays visible as that source's disagreement. `faimeta status` lists reviews that
    expire within 30 days.

    \b
    Examples:
      faimeta review anthropic claude-sonnet-4-5 price.input --value 3 --source-url https://www.anthropic.com/pricing
      faimeta review openrouter anthropic/claude-sonnet-4.5 limits.context --value 1000000 \\
          --source-url https://openrouter.ai/anthropic/claude-sonnet-4.5 --expires 30d
    """
    from refresher.refresh import write_if_valid
    from refresher.review import ReviewError, git_identity, parse_expiry, parse_value, record_review

    with locked(root, wait):  # from reading the tree to writing it
        tree = load_tree_or_fail(root)
        now = utc_now()
        try:
            reviewer = git_identity(root.resolve().parent)
            pinned = record_review(tree, provider, model, field, parse_value(field, value), source_url=source_url,
                                   expires=parse_expiry(expires, now), reviewer=reviewer, now=now)
        except ReviewError as exc:
            fail(str(exc), 2)
        problems, written = write_if_valid(tree, root)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        fail("the review would make the metadata invalid; nothing written:\n" + "\n".join(f"  {p}" for p in errors))
    was = f"{pinned.old!r} from {pinned.old_source}" if pinned.old_source else "unset"
    typer.echo(f"{pinned.provider}/{pinned.upstream_id} {pinned.path}: {pinned.new!r} (was {was}), "
               f"pinned until {pinned.expires} by {reviewer}; {len(written)} file(s) changed")


@app.command("schema")
def schema_command(out: Annotated[Path, typer.Option(help="Folder for the schema files.")] = Path("schema")):
    """Regenerate the JSON Schemas from the pydantic models (commit the result).

    Example: faimeta schema --out schema
    """
    from refresher import schema

    changed = schema.write(out)
    typer.echo(f"{len(changed)} schema file(s) changed in {out}")



if __name__ == "__main__":  # python -m refresher.cli, as the faimeta script
    app()


from refresher import cli_consumer  # noqa: E402,F401  (registers price, resolve, observe on the app)


def _unit(path: str) -> str:
    """The unit a fact's value is in, for people (docs/data-model.md)."""
    if path in ("price.image", "price.request"):
        return f" USD per {path.removeprefix('price.')}"
    if path == "price.web_search":
        return " USD per search"
    if path.startswith("price.") and "." not in path[6:] and path[6:] not in ("tiers", "regions", "off_peak"):
        return " USD/1M" if path[6:] not in ("batch", "flex", "priority") else " USD/1M tokens"
    if path.startswith("limits."):
        return " tokens"
    return ""


def _priced_offerings(tree, keys: list[str]) -> list[str]:
    """Each offering's standard price, cheapest first, from the index (no provider file read)."""
    from gate_consumer.catalog import Offering, cheapest_first
    from refresher.tree_index import offering_record, provider_extracts

    extracts = provider_extracts(tree)
    offerings = []
    for key in keys:
        provider, _, upstream_id = key.partition("/")
        offerings.append(Offering(provider, upstream_id, offering_record(extracts[provider]["offerings"][upstream_id])))
    rows = []
    for offering in cheapest_first(offerings):
        price = offering.price or {}
        cost = (f"{price['input']:g} / {price['output']:g}" if price.get("input") is not None
                and price.get("output") is not None else "unpriced")
        rows.append(f"{offering.key:<60} {cost}{' (retired)' if offering.status == 'retired' else ''}")
    return rows
