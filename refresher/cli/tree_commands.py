"""``faimeta`` commands that read the metadata tree: validate, status, agreement, show, schema.
``status``, ``agreement`` and ``show`` read a published catalog as well — outside a checkout the
bundled snapshot, or ``--catalog`` (:mod:`refresher.cli.reading`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gate_consumer.instants import format_instant
from refresher.cli.reading import read_tree
from refresher.cli.support import (
    DEFAULT_ROOT,
    EXIT_USAGE,
    AtOption,
    CatalogOption,
    RootOption,
    app,
    counted,
    echo,
    echo_table,
    fail,
    now_at,
    providers_named,
    ready_tree,
    tree_read_or_fail,
)


@app.command()
def validate(
    root: RootOption = DEFAULT_ROOT,
    strict: bool = typer.Option(False, help="Fail on warnings too."),
    schema: bool = typer.Option(False, "--schema", help="Also check every file against the published JSON "
                                                        "Schema (slower; CI does it)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List the acknowledged warnings too."),
):
    """Check schema, referential integrity and sanity of every file.

    A warning a reviewer looked at and kept is listed under "acknowledged" in
    metadata/sources.json (file, record, field, why, until): it counts as acknowledged, not as a
    warning, until it lapses. --strict fails on errors and warnings.

    Example: faimeta validate --root metadata
    """
    from refresher.tree.validate import validate_tree

    ready_tree(root)
    problems = validate_tree(root, schema=schema)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity == "warning"]
    acknowledged = [p for p in problems if p.severity == "acknowledged"]
    for problem in problems:
        if problem.severity != "acknowledged" or verbose:
            echo(str(problem), err=True)
    kept = f", {len(acknowledged)} acknowledged (metadata/sources.json; -v lists them)" if acknowledged else ""
    echo(f"{len(errors)} error(s), {len(warnings)} warning(s){kept} in {root}")
    if errors or (strict and warnings):
        raise typer.Exit(1)


@app.command()
def status(
    root: RootOption = DEFAULT_ROOT,
    provider: Annotated[list[str] | None, typer.Option("--provider", "-p", help="Only these providers.")] = None,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    at: AtOption = None,
    catalog_path: CatalogOption = None,
):
    """The cost-truth view: per provider, how many prices are fresh, aging, stale or in conflict.

    Example: faimeta status --provider anthropic --provider openrouter --at 2026-07-20
    """
    from refresher.cli.inspect import provider_status, source_ages

    tree, reading = read_tree(root, catalog_path)  # reads only the providers it reports on
    now = now_at(at)
    provider = providers_named(provider, tree.providers, reading.root)
    first = min((e["succeeded_at"] for e in tree.ledger.get("sources", {}).values() if e.get("succeeded_at")),
                default=None)
    if first is not None and now < now_at(first):
        fail(f"--at {format_instant(now)} is before any source was checked (the first: {first}): "
             "there is nothing to judge yet", EXIT_USAGE)
    from refresher.review.manual import expiring_reviews

    with tree_read_or_fail(root):
        rows = provider_status(reading.catalog, now, provider)
        reviews = expiring_reviews(tree, now, providers=provider)
        sources = source_ages(tree, now, provider)
    if as_json:
        echo(json.dumps({"evaluated_at": format_instant(now), "read": reading.what, "providers": rows,
                         "sources": sources, "reviews_expiring": reviews}, indent=2))
        return
    columns = ("provider", "offerings", "priced", "fresh", "aging", "stale", "conflict", "manual", "untracked",
               "provisional")
    header = [*columns, "oldest price"]
    table = [header] + [
        [r["provider"], *(f"{r[c]:,}" for c in columns[1:]),
         counted(r["oldest_price_age_days"], "day") if r["oldest_price_confirmed"] else "-"]
        for r in rows
    ]
    total = {c: sum(r[c] for r in rows) for c in columns[1:]}
    table.append(["total", *(f"{total[c]:,}" for c in columns[1:]), ""])
    echo(f"{counted(total['offerings'], 'offering')} of {counted(len(rows), 'provider')}, "
         f"{total['priced']:,} priced: {total['fresh']:,} fresh, {total['aging']:,} aging, {total['stale']:,} stale, "
         f"{total['conflict']:,} in conflict")
    echo(f"read from {reading.what}; prices evaluated at {format_instant(now)}\n")
    echo_table(table, rules_after=(0, len(table) - 2))
    echo("\nsources (last complete listing):")
    echo_table([[src["source"], src["type"], src["succeeded_at"] or "-",
                 f"{counted(src['age_days'], 'day')} ago" if src["age_days"] is not None else "never"]
                for src in sources], indent="  ", numeric=False)
    if reviews:
        echo(f"\nmanual reviews expiring within 30 days ({len(reviews)}):")
        for r in reviews:
            state = "EXPIRED, automated sources apply again" if r["expired"] else "expires"
            echo(f"  {r['offering']} {r['fact']}: {state} {r['expires']} (reviewed by {r['by'] or 'unknown'})")


@app.command()
def agreement(
    root: RootOption = DEFAULT_ROOT,
    provider: Annotated[list[str] | None, typer.Option("--provider", "-p", help="Only these providers.")] = None,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    top: Annotated[int, typer.Option(help="How many of the largest disagreements to list.")] = 20,
    catalog_path: CatalogOption = None,
):
    """How far the price sources agree with the published prices, and the largest disagreements.

    \b
    Examples:
      faimeta agreement
      faimeta agreement --provider openrouter --json
    """
    from refresher.review.agreement import agreement_report

    tree, reading = read_tree(root, catalog_path, lazy=False)
    provider = providers_named(provider, tree.providers, reading.root)
    report = agreement_report(tree, provider, top)
    if as_json:
        echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    width = max([len("source"), *map(len, report["sources"])])
    echo(f"{'source':<{width}} {'publishes':>9} {'compared':>9} {'agree':>7} {'disagree':>9} {'agree %':>8}")
    for name, c in report["sources"].items():
        share = f"{100 * c['agree'] / c['compared']:.1f}" if c["compared"] else "-"
        echo(f"{name:<{width}} {c['publishes']:>9,} {c['compared']:>9,} {c['agree']:>7,} {c['disagree']:>9,} "
                   f"{share:>8}")
    p = report["published"]
    echo(f"\npriced offerings: {p['priced']:,}, input and output each stated by 2+ sources: "
               f"{p['confirmed_by_2_or_more']:,}")
    echo(f"first-party: {p['first_party_priced']:,}, stated by 2+ sources: "
               f"{p['first_party_confirmed_by_2_or_more']:,}")
    if report["largest_disagreements"]:
        echo("\nlargest disagreements:")
        for d in report["largest_disagreements"]:
            echo(f"  ×{d['ratio']:<8g} {d['offering']} {d['fact']}: {d['published']} ({d['published_source']}, "
                       f"{d['published_as_of'][:10]}) vs {d['other']} ({d['other_source']}, {d['other_as_of'][:10]})")


@app.command()
def show(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="A model id, alias, provider/upstream_id or upstream id.")],
    root: RootOption = DEFAULT_ROOT,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    at: AtOption = None,
    catalog_path: CatalogOption = None,
    offering: bool = typer.Option(False, "--offering", help="ID is an offering, provider/upstream-id, even where "
                                                            "a model has the same id (openai/gpt-4o)."),
):
    """A model or offering with every fact: value, source, dates and freshness.

    An id is resolved as gateways send it: a model's id shows the model, with its offerings;
    --offering shows the offering provider/upstream-id instead.

    \b
    Examples:
      faimeta show anthropic/claude-sonnet-4.5
      faimeta show --offering openai/gpt-4o
      faimeta show openrouter/anthropic/claude-sonnet-4.5
      faimeta show anthropic/claude-sonnet-4-5-20250929
    """
    from refresher.cli.inspect import (
        NotFound,
        find,
        offering_named,
        priced_offerings,
        record_facts,
        unit_of,
    )

    tree, reading = read_tree(root, catalog_path)  # reads the index and the providers it shows
    now = now_at(at)
    with tree_read_or_fail(root):
        catalog = reading.catalog
        try:
            hits = [offering_named(catalog, record_id)] if offering else find(tree, record_id, catalog)
        except NotFound as exc:
            fail(str(exc), EXIT_USAGE)
        if len(hits) > 1:
            names = [f"{'model' if k == 'model' else 'offering'} {a}/{b}" for k, a, b in hits]
            fail(f"{record_id!r} names {len(hits)} records; name one:\n" + "\n".join(f"  {n}" for n in names), EXIT_USAGE)
        view = record_facts(tree, hits[0], now, catalog)
    if as_json:
        echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    title = view["id"] if view["kind"] == "model" else f"{view['provider']}/{view['upstream_id']} → {view['model']}"
    echo(f"{view['kind']} {title}  (freshness at {view['evaluated_at']})")
    if view["kind"] == "model":
        echo(f"  aliases: {', '.join(view['aliases']) or '-'}")
        echo(f"  offered by {len(view['offerings'])}, cheapest first (USD per 1M input / output; "
             "`faimeta show --offering <provider>/<id>` shows one):")
        for row in priced_offerings(tree, view["offerings"]):
            echo(f"    {row}")
    for path, fact in view["facts"].items():
        value = json.dumps(fact["value"], ensure_ascii=False) + unit_of(path)
        origin = (f"{fact['freshness']:<9} {fact['source']} ({fact['source_type']}) "
                  f"as of {fact['as_of'][:10]}, confirmed {fact['confirmed_at'][:10]}")
        if len(value) <= 40:
            echo(f"  {path:<30} {value:<40} {origin}")
        else:  # a structured value (tiers, a service tier) whole, on lines of its own
            echo(f"  {path:<30} {origin}")
            echo(f"  {'':<30} {value}")
        for other in fact.get("agreements", ()):
            echo(f"  {'':<30} = {other['source']} says the same, since {other['as_of'][:10]}")
        for other in fact.get("disagreements", ()):
            echo(f"  {'':<30} ≠ {json.dumps(other['value'])} says {other['source']} as of {other['as_of'][:10]}")
    for entry in view.get("price_history", ()):
        echo(f"  history: {entry['as_of'][:10]} → {entry['until'][:10]} {json.dumps(entry['price'])} ({entry['source']})")


@app.command("schema")
def schema_command(out: Annotated[Path, typer.Option(help="Folder for the schema files.")] = Path("schema")):
    """Regenerate the JSON Schemas from the pydantic models (commit the result).

    Example: faimeta schema --out schema
    """
    from refresher.tree import schema

    changed = schema.write(out)
    echo(f"{len(changed)} schema file(s) changed in {out}")
