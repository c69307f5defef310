"""The catalog as a static site, written by ``faimeta build`` beside ``v1/`` (``dist/``):

    index.html                    every model: search (any id form), filters, the price a user
                                  would pay the vendor (gate_consumer.headline)
    models/<vendor>/<model>.html  a model: its offerings in price order, each price with its
                                  freshness badge and, expanded, its source, dates and the
                                  sources that agree or disagree; price history; changes
    providers/<provider>.html     a provider: its cost-truth counts, its sources' ages
    compare.html                  up to four models side by side, with a cost calculator
    changes.html                  every price change, newest first (site_history)
    search.json                   every name an id can take (lower case) → its model
    assets/site.css, site.js      small, no framework

Server-rendered: every page reads without JavaScript; JavaScript adds search, filters and the
calculator. Freshness is judged at the newest source check (the data's date, so the same data
gives the same bytes) and said so on every page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gate_consumer.catalog import Catalog, FactFreshness, Model, Offering
from gate_consumer.freshness import worst
from gate_consumer.id_forms import CLIENT_PREFIXES
from gate_consumer.instants import parse_instant
from gate_consumer.records import cheapest_first
from refresher.publish.feeds import Change
from refresher.publish.memory import SitePages
from refresher.publish.site_history import changes_page, history_chart
from refresher.publish.site_home import default_order, index_page, index_row
from refresher.publish.site_html import badge, escape, page, usd

__all__ = ["site_files"]

_ASSETS = Path(__file__).parent / "site_assets"


def site_files(catalog: Catalog, changes: list[Change], judged_at: str, pages: SitePages | None = None) -> dict[str, str]:
    """Every file of the site: path (relative to ``dist/``) → text — but the pages ``pages``
    keeps from the last build (:class:`~refresher.publish.memory.SitePages`: noted in its
    ``kept``, their files left as they are)."""
    now = parse_instant(judged_at)
    by_offering: dict[str, list[Change]] = {}
    for change in changes:
        by_offering.setdefault(change.offering, []).append(change)
    rows, compare_data, files = [], {}, {}
    for model_id in catalog.model_ids:
        model = catalog.model(model_id)
        reused = pages.reused_model(model) if pages is not None else None
        if reused is not None:
            row, compare_data[model_id] = reused
            rows.append(row)
            continue
        offerings = cheapest_first(catalog.offerings_of(model))
        facts = {o.key: catalog.price_facts(o, now) for o in offerings}  # judged once, shown on two pages
        chosen = catalog.headline(model)  # once: the row, the calculator and the page all show it
        rows.append(index_row(catalog, model, offerings, facts, chosen))
        compare_data[model_id] = json.dumps({"name": model.name, "offerings": [  # its text: spliced into prices.json
            _price_data(catalog, o, facts[o.key], chosen.offering if chosen else None) for o in offerings if o.price]},
            separators=(",", ":"), sort_keys=True)
        ranked = ([chosen.offering] if chosen else []) + [o for o in offerings if not chosen or o is not chosen.offering]
        vendor = model_id.partition("/")[0]
        own = {vendor, *catalog.first_party_providers(vendor)}
        whose = {o.key: "the vendor's price" if chosen and o is chosen.offering else "the vendor" if o.provider in own
                 else _ROUTE_LABELS.get(catalog.provider_info(o.provider).get("route_type", ""), "") for o in offerings}
        files[f"models/{model_id}.html"] = _model_page(model, ranked, facts, by_offering, judged_at, whose)
        if pages is not None:
            pages.made_model(model, rows[-1], compare_data[model_id])
    for provider in catalog.provider_ids:
        if pages is None or not pages.reused_provider(provider):
            files[f"providers/{provider}.html"] = _provider_page(catalog, provider, now, judged_at)
    files["index.html"] = index_page(catalog, default_order(rows), judged_at)
    files["compare.html"] = _compare_page(judged_at)
    files["changes.html"] = changes_page(changes, judged_at)
    files["search.json"] = json.dumps(_search_index(catalog), separators=(",", ":"), sort_keys=True) + "\n"
    # json.dumps(compare_data, separators=(",", ":"), sort_keys=True), from each model's text
    files["prices.json"] = "{" + ",".join(f"{json.dumps(model_id)}:{compare_data[model_id]}"
                                          for model_id in sorted(compare_data)) + "}\n"
    files["assets/site.css"] = (_ASSETS / "site.css").read_text(encoding="utf-8")
    files["assets/site.js"] = (_ASSETS / "site.js").read_text(encoding="utf-8").replace(
        "__CLIENT_PREFIXES__", json.dumps(sorted(CLIENT_PREFIXES)))
    return files


# -- data -----------------------------------------------------------------------------------

def _price_data(catalog: Catalog, offering: Offering, facts: list[FactFreshness], headline: Offering | None) -> dict[str, Any]:
    """What the calculator needs of an offering: its standard price, context tiers, service
    tiers and regions (pricing.py's rules), whose price it is, its freshness and how many
    sources say it."""
    price = offering.price or {}
    keep = ("input", "output", "cache_read")
    info = catalog.provider_info(offering.provider)
    status = worst(f.freshness for f in facts)
    return {"offering": offering.key, **{k: price[k] for k in keep if k in price},
            "tiers": [{"above": t["above_input_tokens"], **{k: t[k] for k in keep if k in t}}
                      for t in sorted(price.get("tiers") or (), key=lambda t: t["above_input_tokens"])],
            **{tier: {k: price[tier][k] for k in keep if k in price[tier]}
               for tier in ("batch", "flex", "priority") if price.get(tier)},
            **({"regions": {name: ({"multiplier": spec["multiplier"]} if spec.get("multiplier")
                                   else {k: spec[k] for k in keep if k in spec})
                            for name, spec in price["regions"].items()}} if price.get("regions") else {}),
            "provider": info.get("name", offering.provider), "route": info.get("route_type", ""),
            "headline": offering is headline, "freshness": getattr(status, "value", "untracked"),
            "sources": offering.price_sources}


def _search_index(catalog: Catalog) -> dict[str, str]:
    names: dict[str, str] = {}
    for model_id in catalog.model_ids:
        model = catalog.model(model_id)
        for name in (model_id, model_id.partition("/")[2], *model.aliases, *model.offering_keys,
                     *(k.partition("/")[2] for k in model.offering_keys)):
            names.setdefault(name.lower(), model_id)
    return names


#: how a model page labels an offering that is not the headline, by its provider's route type
_ROUTE_LABELS = {"direct": "a host", "cloud": "a cloud", "aggregator": "an aggregator", "subscription": "a subscription",
                 "local": "local"}


def _model_page(model: Model, offerings: list[Offering], facts: Mapping[str, list[FactFreshness]],
                changes: Mapping[str, list[Change]], judged_at: str, whose: Mapping[str, str]) -> str:
    """``offerings``: the headline first (the price a user would pay the vendor), then every
    other cheapest first; ``whose``: each one's label."""
    depth = model.id.count("/") + 1
    up = "../" * depth
    blocks = [_offering_block(o, facts[o.key], changes.get(o.key, []), up) for o in offerings]
    aliases = ", ".join(escape(a) for a in model.aliases) or "—"
    body = f"""<h1>{escape(model.name)}</h1>
<p class="id">{escape(model.id)} · other names: {aliases}</p>
<p><a href="{up}compare.html?m={escape(quote(model.id, safe="/"))}">Compare with other models</a></p>
<h2>Offerings: the vendor's price first, then every other cheapest first</h2>
<div class="scroll"><table class="offerings"><thead><tr><th scope="col">Offering</th><th scope="col">Whose</th>
<th scope="col">Input</th><th scope="col">Output</th><th scope="col">Cache read</th><th scope="col">Freshness</th></tr></thead><tbody>
{"".join(_offering_row(o, facts[o.key], up, whose.get(o.key, "")) for o in offerings)}
</tbody></table></div>
{"".join(blocks)}"""
    return page(model.name, body, depth, judged_at)


def _offering_row(offering: Offering, facts: list[FactFreshness], up: str, whose: str) -> str:
    price = offering.price or {}
    status = worst(f.freshness for f in facts) if price else None
    cells = "".join(f'<td class="price" data-component="{k}">{usd(price.get(k))}</td>'
                    for k in ("input", "output", "cache_read"))
    retired = " (retired)" if offering.status == "retired" else ""
    return (f'<tr id="{escape(offering.key)}"><td><a href="#detail-{escape(offering.key)}">{escape(offering.key)}</a>'
            f'{retired} <a class="provider" href="{up}providers/{escape(offering.provider)}.html">provider</a></td>'
            f'<td class="whose">{escape(whose)}</td>{cells}<td>{badge(status) if status else "unpriced"}</td></tr>')


def _offering_block(offering: Offering, price_facts: list[FactFreshness], changes: list[Change], up: str) -> str:
    facts = []
    for fact in price_facts:
        agree = ", ".join(escape(a) for a in fact.agreeing) or "no other source"
        others = offering.record.get("disagreements", {}).get(fact.path, [])
        disagree = "; ".join(f"{escape(d['source'])} says {escape(json.dumps(d['value']))} ({escape(d['as_of'][:10])})"
                             for d in others) or "none"
        facts.append(f"<li><details><summary><code>{escape(fact.path)}</code> = {escape(json.dumps(fact.value))} "
                     f"{badge(fact.freshness)}</summary><dl>"
                     f"<dt>source</dt><dd>{escape(fact.source)} ({escape(fact.source_type)})</dd>"
                     f"<dt>as of</dt><dd>{escape(fact.as_of)}</dd><dt>last confirmed</dt><dd>{escape(fact.confirmed_at)}</dd>"
                     f"<dt>agree</dt><dd>{agree}</dd><dt>disagree</dt><dd>{disagree}</dd></dl></details></li>")
    history = history_chart(offering)
    log = "".join(f"<li>{escape(c.at[:10])} {escape(c.kind)}: {escape(c.summary)} ({escape(c.source)})</li>"
                  for c in changes[:20]) or "<li>no change recorded</li>"
    return (f'<section class="offering" id="detail-{escape(offering.key)}"><h3>{escape(offering.key)}</h3>'
            f'<ul class="facts">{"".join(facts) or "<li>no price known</li>"}</ul>{history}'
            f'<h4>Changes</h4><ul class="changes">{log}</ul></section>')


def _provider_page(catalog: Catalog, provider: str, now: datetime, judged_at: str) -> str:
    (row,) = catalog.freshness_report(now, [provider])
    info = catalog.provider_info(provider)
    counts = "".join(f"<tr><th scope=\"row\">{k}</th><td>{getattr(row, k)}</td></tr>"
                     for k in ("tracked", "fresh", "aging", "stale", "conflict", "manual", "untracked", "provisional",
                               "unpriced"))
    sources = []
    for name in catalog.source_names:
        source = catalog.source_info(name)
        if source.get("provider") in (None, provider) and source.get("succeeded_at"):
            age = (now - parse_instant(source["succeeded_at"])).days
            sources.append(f"<tr><td>{escape(name)}</td><td>{escape(catalog.source_type(name, provider))}</td>"
                           f"<td>{escape(source['succeeded_at'])}</td><td>{age} days</td></tr>")
    offerings = cheapest_first(catalog.provider_offerings(provider))
    listing = "".join(f'<li><a href="../models/{escape(o.model_id)}.html#{escape(o.key)}">{escape(o.upstream_id)}</a></li>'
                      for o in offerings)
    body = f"""<h1>{escape(info.get('name', provider))}</h1>
<p class="id">{escape(provider)} · {escape(info.get('route_type', ''))} · {escape(info.get('base_url') or '')}</p>
<p><a href="../v1/changes/{escape(provider)}.atom">Changes of this provider (Atom)</a></p>
<h2>Cost truth</h2><table class="status"><tbody>{counts}</tbody></table>
<p>Oldest price confirmation: {escape(row.oldest_price_confirmed or '—')}</p>
<h2>Sources</h2><table><thead><tr><th scope="col">source</th><th scope="col">type here</th>
<th scope="col">last checked</th><th scope="col">age</th></tr></thead><tbody>{"".join(sources)}</tbody></table>
<h2>Offerings ({len(offerings)})</h2><ul class="columns">{listing}</ul>"""
    return page(info.get("name", provider), body, 1, judged_at)


def _compare_page(judged_at: str) -> str:
    body = f"""<h1>Compare models</h1>
<p class="lede">Up to four models, one request: every offering priced in dollars exactly as <code>gate_consumer</code>'s
<code>Catalog.price</code> prices it (uncached input, cache reads, output, the context tier above its threshold, the
service tier, the region). Each model's group starts with the price a user would pay the vendor, then every other offering,
cheapest first, with its freshness (judged at {escape(judged_at)}) and how many sources state it.</p>
<form class="calculator">
<label for="c-models">Models (ids, comma separated)</label><input id="c-models" size="60">
<label for="c-input">Input tokens</label><input id="c-input" type="number" min="0" value="10000">
<label for="c-cached">of which cached</label><input id="c-cached" type="number" min="0" value="0">
<label for="c-output">Output tokens</label><input id="c-output" type="number" min="0" value="1000">
<label for="c-tier">Service tier</label><select id="c-tier"><option value="standard">standard</option>
<option value="batch">batch</option><option value="flex">flex</option><option value="priority">priority</option></select>
<label for="c-region">Region (empty: the default price)</label><input id="c-region" list="c-regions" autocomplete="off">
<datalist id="c-regions"></datalist>
<button id="c-run" type="button">Price</button>
</form>
<noscript><p>The calculator needs JavaScript; every model page reads without it.</p></noscript>
<div class="scroll"><table id="c-result"><thead><tr><th scope="col">Offering</th><th scope="col">Whose price</th>
<th scope="col" class="num">USD</th><th scope="col">Freshness</th><th scope="col" class="num">Sources</th></tr></thead></table></div>"""
    return page("Compare", body, 0, judged_at)
