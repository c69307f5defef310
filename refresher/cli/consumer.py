"""``faimeta`` commands that read a catalog the way Gate does (``gate_consumer``): ``price``,
``resolve``, ``models`` and ``observe`` — the working tree inside a checkout, else the bundled
snapshot, or ``--catalog`` (:mod:`refresher.cli.reading`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from refresher.cli.reading import read_catalog
from refresher.cli.support import (
    DEFAULT_ROOT,
    EXIT_USAGE,
    CatalogOption,
    PriceAtOption,
    ResolveAtOption,
    RootOption,
    app,
    counted,
    echo,
    echo_table,
    fail,
    now_at,
    providers_named,
    ready_tree,
)

#: no request has more tokens than this (the largest context windows are ~10M): a count beyond
#: it is a typo, refused instead of priced at a 21-digit dollar amount
MAX_TOKENS = 1_000_000_000

@app.command()
def resolve(
    model_id: Annotated[str, typer.Argument(metavar="ID", help="Any id a client sends (see docs/consumer.md).")],
    provider: Annotated[str | None, typer.Option(help="The provider the request goes to.")] = None,
    at: ResolveAtOption = None,
    catalog_path: CatalogOption = None,
    root: RootOption = DEFAULT_ROOT,
    as_json: bool = typer.Option(False, "--json", help="Print the resolution as JSON."),
):
    """How an id resolves: the model, how it matched (and which client form was read), the
    offering it prices on, and the model's offerings, cheapest first (input + output per 1M).
    For a moving alias (mistral-medium-latest), the models it stood for and since when.

    \b
    Examples:
      faimeta resolve claude-sonnet-4-5
      faimeta resolve mistral-medium-latest --at 2026-08-01
      faimeta resolve gemini/gemini-2.5-flash
      faimeta resolve arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0
      faimeta resolve gpt-4o-mini --provider openrouter --json
    """
    import gate_consumer

    catalog = read_catalog(root, catalog_path, quiet=as_json).catalog
    try:
        resolution = catalog.resolve(model_id, at=now_at(at) if at else None)
    except (gate_consumer.CatalogError, ValueError) as exc:  # unknown id, or an --at that is no instant
        fail(str(exc), 2)
    named = resolution.offering_key or (resolution.named_keys[0] if len(resolution.named_keys) == 1 else None)
    links = catalog.offering_by_key(named).model_history if named else ()
    try:
        picked, why_not = catalog.pick_offering(model_id, provider).key, ""
    except gate_consumer.CatalogError as exc:
        picked, why_not = None, str(exc)
    from gate_consumer.records import cheapest_first

    rows = []
    for offering in cheapest_first(resolution.offerings):
        price = offering.price or {}
        rows.append({"offering": offering.key, "input": price.get("input"), "output": price.get("output"),
                     "status": offering.status, "route_type": catalog.provider_info(offering.provider).get("route_type"),
                     "first_party": offering.provider in catalog.first_party_providers(resolution.model.vendor),
                     "named": offering.key in resolution.named_keys})
    if as_json:
        echo(json.dumps({"id": model_id, "model": resolution.model.id, "name": resolution.model.name,
                               "matched_by": resolution.matched_by, "read": resolution.read or None,
                               "provider": provider, "prices_on": picked, "not_one_offering": why_not or None,
                               "at": at, "model_history": [link._asdict() for link in links] or None,
                               "offerings": rows}, indent=2))
        return
    echo(f"{model_id} → {resolution.model.id} ({resolution.model.name})" + (f" at {at}" if at else ""))
    echo(f"  matched by  {resolution.matched_by}" + (f" — {resolution.read}" if resolution.read else ""))
    for link in links:  # a moving alias: what it stood for, and when
        how = {"linked": "linked by", "statement": "as said by", "price": "priced as it by"}[link.by]
        echo(f"  {named} " + (f"stood for {link.model_id} from {link.since} until {link.until}" if link.until
                              else f"stands for {link.model_id} since {link.since}") + f" ({how} {link.source})")
    echo(f"  prices on   {picked}" if picked else f"  prices on   no single offering: {why_not}")
    echo(f"  offerings   {len(rows)}, cheapest first (input + output per 1M):")
    for row in rows:
        marks = [m for m, on in (("vendor's own", row["first_party"]), ("named by the id", row["named"]),
                                 (row["status"], row["status"] != "active")) if on]
        cost = "unpriced" if row["input"] is None or row["output"] is None else f"{row['input']:g} / {row['output']:g}"
        echo(f"    {row['offering']:<58} {cost:>16}  {row['route_type'] or '':<10} {', '.join(marks)}")


@app.command()
def price(
    model_ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Any id a client sends; several to compare.")],
    input_tokens: Annotated[int, typer.Option("--input", min=0, max=MAX_TOKENS, help="Prompt tokens, cached ones included.")] = 0,
    output_tokens: Annotated[int, typer.Option("--output", min=0, max=MAX_TOKENS, help="Generated tokens, reasoning included.")] = 0,
    cache_read: Annotated[int, typer.Option(min=0, max=MAX_TOKENS, help="Prompt tokens read from the cache.")] = 0,
    cache_write: Annotated[int, typer.Option(min=0, max=MAX_TOKENS, help="Prompt tokens written to the 5-minute cache.")] = 0,
    cache_write_1h: Annotated[int, typer.Option(min=0, max=MAX_TOKENS, help="Prompt tokens written to the 1-hour cache.")] = 0,
    reasoning: Annotated[int, typer.Option(min=0, max=MAX_TOKENS, help="Output tokens spent on reasoning.")] = 0,
    input_audio: Annotated[int, typer.Option(min=0, max=MAX_TOKENS, help="Uncached prompt tokens that are audio.")] = 0,
    input_image: Annotated[int, typer.Option(min=0, max=MAX_TOKENS, help="Uncached prompt tokens that are images.")] = 0,
    cache_read_audio: Annotated[int, typer.Option(min=0, max=MAX_TOKENS, help="Cache reads that are audio.")] = 0,
    output_audio: Annotated[int, typer.Option(min=0, max=MAX_TOKENS, help="Output tokens that are audio.")] = 0,
    output_image: Annotated[int, typer.Option(min=0, max=MAX_TOKENS, help="Output tokens that are images.")] = 0,
    provider: Annotated[str | None, typer.Option(help="Price on this provider's offering.")] = None,
    region: Annotated[
        str | None, typer.Option(help="A region or cross-region profile the offering lists (default: its own price).")
    ] = None,
    service_tier: Annotated[
        str, typer.Option(help="standard, batch, flex or priority.")
    ] = "standard",
    at: PriceAtOption = None,
    catalog_path: CatalogOption = None,
    root: RootOption = DEFAULT_ROOT,
    as_json: bool = typer.Option(False, "--json", help="Print the quote as JSON."),
):
    """Price one request, with the breakdown — each component with the source that states its
    price, when it said so, and since when any source has — the price's freshness, and which
    region, service tier, off-peak window and context tier applied. Audio and image tokens are
    parts of --input and --output, each at its own price (docs/consumer.md, "Tokens by modality").

    \b
    Examples:
      faimeta price claude-sonnet-4-5 --input 12000 --output 800
      faimeta price us.anthropic.claude-sonnet-4-5-20250929-v1:0 --input 12000 --output 800
      faimeta price gpt-5 --provider openai --input 1000000 --service-tier flex
      faimeta price anthropic/claude-sonnet-4.5 --input 250000 --output 1000 --cache-read 200000
      faimeta price openrouter/anthropic/claude-sonnet-4.5 --input 1000 --output 100 --at 2026-07-20
      faimeta price google/gemini-2.5-flash --provider google --input 20000 --input-audio 18000 --output 500
      faimeta price claude-sonnet-4-5 gpt-5 gemini-2.5-pro deepseek-chat --input 12000 --output 800
    """
    import gate_consumer

    catalog = read_catalog(root, catalog_path, quiet=as_json).catalog
    if provider is not None:
        provider = providers_named([provider], catalog.provider_ids)[0]  # type: ignore[index]
    usage = gate_consumer.Usage(input_tokens, output_tokens, cache_read, cache_write, cache_write_1h, reasoning,
                                input_audio_tokens=input_audio, input_image_tokens=input_image,
                                cache_read_audio_tokens=cache_read_audio, output_audio_tokens=output_audio,
                                output_image_tokens=output_image)
    if len(model_ids) > 1:
        _compare(catalog, model_ids, usage, provider=provider, at=at, region=region, service_tier=service_tier,
                 as_json=as_json)
        return
    model_id = model_ids[0]
    now = now_at(at)  # one instant: the request's (with --at), and every judgement of its quote
    try:
        quote = catalog.price(model_id, usage, provider=provider, at=now if at else None, region=region,
                              service_tier=service_tier)
        offering = catalog.offering_by_key(quote.offering)
    except (gate_consumer.CatalogError, ValueError) as exc:  # unknown or unpriced id, impossible token counts
        fail(str(exc), EXIT_USAGE)
    fact = catalog.freshness(offering, offering.price_anchor, now)  # type: ignore[arg-type]
    # the price's freshness is its worst fact's, as the site, the status and Gate's export judge it
    freshness = catalog.price_freshness(offering, now) or fact.freshness
    sources = catalog.attribution(quote)  # each component's own source and dates
    if as_json:
        echo(json.dumps({**quote.as_dict(), "freshness": freshness.value,
                         "confirmed_at": fact.confirmed_at, "source_type": fact.source_type,
                         "components": [c._asdict() for c in sources]}, indent=2))
        return
    echo(f"{offering.key} ({offering.model_id}), catalog {quote.catalog_version}")
    for (component, tokens, usd), said in zip(quote.breakdown, sources, strict=True):
        held = f"; held since {said.held_since[:10]}" if said.held_since != said.said_at else ""
        agree = f"; {len(said.agreeing)} agree" if said.agreeing else ""
        echo(f"  {component:<15} {tokens:>12,}  ${usd:,.6f}  {said.source}, {said.said_at[:10]}{held}{agree}")
    if reasoning and not any(component == "reasoning" for component, _, _ in quote.breakdown):
        echo(f"  (the output includes {reasoning:,} reasoning tokens, at the output price: "
                   "this offering has no reasoning price of its own)")
    applied = [f"{quote.service_tier} tier"]
    applied += [f"region {quote.region}"] if quote.region else []
    applied += ["off-peak hours"] if quote.window else []
    applied += [f"context tier above {quote.tier:,} input tokens"] if quote.tier is not None else []
    applied += [f"{', '.join(quote.billed_as_text)} billed as text"] if quote.billed_as_text else []
    echo(f"  {'total':<15} {'':>12}  ${quote.total_usd:,.6f} ({', '.join(applied)})")
    when = "; the price that held then" if quote.historical else ""
    echo(f"the price: {freshness.value} (its oldest fact's); confirmed {fact.confirmed_at}{when}")


def _compare(catalog, model_ids: list[str], usage, *, provider: str | None, at: str | None, region: str | None,
             service_tier: str, as_json: bool) -> None:
    """One request priced on several ids, cheapest first; an id that cannot be priced says why."""
    import gate_consumer

    rows = []
    now = now_at(at)  # every row priced and judged at one instant
    for model_id in model_ids:
        try:
            quote = catalog.price(model_id, usage, provider=provider, at=now if at else None, region=region,
                                  service_tier=service_tier)
            offering = catalog.offering_by_key(quote.offering)
            freshness = catalog.price_freshness(offering, now)
            rows.append({"id": model_id, "offering": offering.key, "total_usd": quote.total_usd,
                         "freshness": freshness.value if freshness else "untracked",
                         "tier_above_input_tokens": quote.tier})
        except (gate_consumer.CatalogError, ValueError) as exc:
            rows.append({"id": model_id, "offering": None, "total_usd": None, "error": str(exc)})
    rows.sort(key=lambda r: (r["total_usd"] is None, r["total_usd"] or 0))
    if as_json:
        echo(json.dumps(rows, indent=2))
    else:
        width = max(len(r["id"]) for r in rows)
        for r in rows:
            if r["total_usd"] is None:
                echo(f"{r['id']:<{width}}  not priced: {r['error']}")
            else:
                tier = f", context tier above {r['tier_above_input_tokens']:,}" if r["tier_above_input_tokens"] else ""
                echo(f"{r['id']:<{width}}  ${r['total_usd']:,.6f}  {r['offering']} ({r['freshness']}{tier})")
    if any(r["total_usd"] is None for r in rows):
        raise typer.Exit(EXIT_USAGE)


@app.command()
def models(
    query: Annotated[str | None, typer.Argument(help="Part of a model's id or name, or any id a client sends.")] = None,
    provider: Annotated[str | None, typer.Option(help="Only models this provider serves.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
    catalog_path: CatalogOption = None,
    root: RootOption = DEFAULT_ROOT,
    as_json: bool = typer.Option(False, "--json", help="Every match as JSON."),
):
    """List or search the catalog's models: id, name, offerings, and the vendor's own (or the
    cheapest) price per 1M input / output.

    \b
    Examples:
      faimeta models sonnet
      faimeta models us.anthropic.claude-sonnet-4-5-20250929-v1:0
      faimeta models --provider groq --json
    """
    import gate_consumer
    from gate_consumer.names import normalized
    from gate_consumer.records import cheapest_first

    catalog = read_catalog(root, catalog_path, quiet=as_json).catalog
    if provider is not None:
        provider = providers_named([provider], catalog.provider_ids)[0]  # type: ignore[index]
    ids = catalog.model_ids
    if query:
        try:  # any id form: the model it resolves to, first
            exact = [catalog.resolve(query).model.id]
        except gate_consumer.CatalogError:
            exact = []
        words = normalized(query.lower())
        ids = list(dict.fromkeys([*exact, *(m for m in ids if words in normalized(m)
                                             or words in normalized(catalog.model(m).name.lower()))]))
    if provider is not None:
        ids = [m for m in ids if any(k.startswith(provider + "/") for k in catalog.model(m).offering_keys)]
    rows = []
    for model_id in ids[:limit]:
        model = catalog.model(model_id)
        offerings = [catalog.offering_by_key(k) for k in model.offering_keys]
        priced = [o for o in offerings if (o.price or {}).get("input") is not None
                  and (o.price or {}).get("output") is not None and o.status != "retired"]
        try:
            shown = catalog.pick_offering(model_id) if priced else None
        except gate_consumer.CatalogError:
            shown = cheapest_first(priced)[0]
        if shown is not None and (shown.price or {}).get("input") is None:
            shown = None
        rows.append({"model": model_id, "name": model.name, "offerings": len(offerings),
                     "offering": shown.key if shown else None,
                     "input": (shown.price or {}).get("input") if shown else None,
                     "output": (shown.price or {}).get("output") if shown else None})
    if as_json:
        echo(json.dumps({"matches": len(ids), "models": rows}, indent=2, ensure_ascii=False))
        return
    if not rows:
        fail(f"no model matches {query!r}", EXIT_USAGE)
    for row in rows:
        cost = f"{row['input']:g} / {row['output']:g} at {row['offering']}" if row["offering"] else "unpriced"
        echo(f"{row['model']:<48} {counted(row['offerings'], 'offering'):>13}  {cost}")
    if len(ids) > limit:
        echo(f"… {len(ids) - limit} more (--limit)")


@app.command()
def providers(
    query: Annotated[str | None, typer.Argument(help="Part of a provider's id or name.")] = None,
    route_type: Annotated[str | None, typer.Option(help="Only this kind: direct, cloud, aggregator, local…")] = None,
    catalog_path: CatalogOption = None,
    root: RootOption = DEFAULT_ROOT,
    as_json: bool = typer.Option(False, "--json", help="Every match as JSON."),
):
    """List the catalog's providers: id, name, kind of route, offerings, API style and base URL.

    \b
    Examples:
      faimeta providers
      faimeta providers open
      faimeta providers --route-type aggregator --json
    """
    catalog = read_catalog(root, catalog_path, quiet=as_json).catalog
    rows = []
    for slug in catalog.provider_ids:
        info = catalog.provider_info(slug)
        if query and query.lower() not in slug.lower() and query.lower() not in str(info.get("name", "")).lower():
            continue
        if route_type and info.get("route_type") != route_type:
            continue
        rows.append({"provider": slug, "name": info.get("name"), "route_type": info.get("route_type"),
                     "offerings": info.get("offerings", 0), "api_style": info.get("api_style"),
                     "base_url": info.get("base_url")})
    if as_json:
        echo(json.dumps({"matches": len(rows), "providers": rows}, indent=2, ensure_ascii=False))
        return
    if not rows:
        kinds = sorted({str(catalog.provider_info(p).get("route_type")) for p in catalog.provider_ids})
        fail(f"no provider matches {query or route_type!r}" + ("" if query else f" (kinds: {', '.join(kinds)})"),
             EXIT_USAGE)
    echo_table([[r["provider"], r["name"] or "", r["route_type"] or "", counted(r["offerings"], "offering"),
                 r["api_style"] or "", r["base_url"] or ""] for r in rows], numeric=False)
    echo(f"{counted(len(rows), 'provider')}")


@app.command()
def observe(
    paths: Annotated[list[Path], typer.Argument(help="Cassettes (.yaml), JSONL files, or folders of them.")],
    as_json: bool = typer.Option(False, "--json", help="Every observation and the totals as JSON."),
    catalog_path: CatalogOption = None,
    record: bool = typer.Option(False, "--record", help="Write the agreeing and differing bills into the metadata "
                                                        "as evidence (source observed-usage)."),
    root: RootOption = DEFAULT_ROOT,
):
    """Check the catalog's prices against what providers billed, response by response.

    Reads recorded exchanges — VCR cassettes, or JSONL lines {"provider", "at", "response"} —
    and prints for each response the offering compared, its tokens, the quote at the response's
    time, the billed cost, the difference and a verdict (agrees within 2 % or $0.000002, differs,
    unpriced, unknown-model, invalid-usage, no-usage, no-cost); then the totals per verdict and
    per upstream. Only model, tokens, cost and time are read: never a prompt.

    \b
    With --record, a bill that agrees confirms the price facts it exercised (fresh from the
    bill's date) and one that differs becomes a disagreement in the change report; nothing
    else changes (docs/consumer.md, "Observed cost").

    \b
    Examples:
      faimeta observe ../shared/fixtures/billed/openrouter-usage
      faimeta observe gate-usage.jsonl --json
      faimeta observe gate-usage.jsonl --record && faimeta build
    """
    from refresher.review.observe import observe_paths, summary

    catalog = read_catalog(root, catalog_path, quiet=as_json).catalog
    try:
        observations = observe_paths(catalog, paths)
    except (OSError, ValueError) as exc:
        fail(str(exc), 2)
    totals = summary(observations)
    if record:
        from refresher.review.observed_usage import record_observations

        try:
            ready_tree(root)
            totals["recorded"] = record_observations(root, observations, say=lambda line: echo(line, err=True))
        except ValueError as exc:
            fail(str(exc))
    if as_json:
        echo(json.dumps({"observations": [o.to_json() for o in observations], "summary": totals}, indent=2))
        return
    for o in observations:
        money = (f"quote ${o.quote_usd:.6f} billed ${o.billed_usd:.6f} ({o.difference_usd:+.6f})"
                 if o.quote_usd is not None and o.billed_usd is not None and o.difference_usd is not None
                 else f"billed ${o.billed_usd:.6f}" if o.billed_usd is not None else "")
        echo(f"{o.verdict:<13} {o.offering or o.model or '?'} {money}  [{o.where}]")
        if o.reason:
            echo(f"              {o.reason}")
    echo(f"\n{totals['responses']} responses: " + ", ".join(f"{v} {k}" for k, v in totals["verdicts"].items()))
    if totals["agreement"] is not None:
        echo(f"agreement among those compared: {100 * totals['agreement']:.1f} %")
    for name, counts in totals["by_upstream"].items():
        echo(f"  {name}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    if record:
        echo("recorded: " + ", ".join(f"{v} {k}" for k, v in totals["recorded"].items()))
