"""The catalog as a static site, written by ``faimeta build`` beside ``v1/`` (``dist/``):

    index.html                    every model: search (any id form), filters, cheapest price
    models/<vendor>/<model>.html  a model: its offerings in price order, each price with its
                                  freshness badge and, expanded, its source, dates and the
                                  sources that agree or disagree; price history; changes
    providers/<provider>.html     a provider: its cost-truth counts, its sources' ages
    compare.html                  up to four models side by side, with a cost calculator
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
from html import escape as escape_html
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
from refresher.rules.text import visible

__all__ = ["site_files"]

_ASSETS = Path(__file__).parent / "site_assets"
_BADGES = ("fresh", "aging", "stale", "conflict", "manual", "untracked", "provisional")
_CAPABILITIES = ("tools", "reasoning", "structured_output", "attachments")


def _escape(text: str) -> str:
    """Text for a page: what a reader cannot see shown as its escape (a direct edit's U+202E
    would reverse what follows it), then HTML-escaped."""
    return escape_html(visible(text))


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
        rows.append(_index_row(catalog, model, offerings, facts))
        compare_data[model_id] = {"name": model.name, "offerings": [_price_data(o) for o in offerings if o.price]}
        files[f"models/{model_id}.html"] = _model_page(model, offerings, facts, by_offering, judged_at)
        if pages is not None:
            pages.made_model(model, rows[-1], compare_data[model_id])
    for provider in catalog.provider_ids:
        if pages is None or not pages.reused_provider(provider):
            files[f"providers/{provider}.html"] = _provider_page(catalog, provider, now, judged_at)
    files["index.html"] = _index_page(catalog, rows, judged_at)
    files["compare.html"] = _compare_page(judged_at)
    files["search.json"] = json.dumps(_search_index(catalog), separators=(",", ":"), sort_keys=True) + "\n"
    files["prices.json"] = json.dumps(compare_data, separators=(",", ":"), sort_keys=True) + "\n"
    files["assets/site.css"] = (_ASSETS / "site.css").read_text(encoding="utf-8")
    files["assets/site.js"] = (_ASSETS / "site.js").read_text(encoding="utf-8").replace(
        "__CLIENT_PREFIXES__", json.dumps(sorted(CLIENT_PREFIXES)))
    return files


# -- data -----------------------------------------------------------------------------------

def _price_data(offering: Offering) -> dict[str, Any]:
    """What the calculator needs: the standard price and its context tiers (pricing.py's rules)."""
    price = offering.price or {}
    keep = ("input", "output", "cache_read")
    return {"offering": offering.key, **{k: price[k] for k in keep if k in price},
            "tiers": [{"above": t["above_input_tokens"], **{k: t[k] for k in keep if k in t}}
                      for t in sorted(price.get("tiers") or (), key=lambda t: t["above_input_tokens"])]}


def _search_index(catalog: Catalog) -> dict[str, str]:
    names: dict[str, str] = {}
    for model_id in catalog.model_ids:
        model = catalog.model(model_id)
        for name in (model_id, model_id.partition("/")[2], *model.aliases, *model.offering_keys,
                     *(k.partition("/")[2] for k in model.offering_keys)):
            names.setdefault(name.lower(), model_id)
    return names


def _badge(status: Any, title: str = "") -> str:
    value = getattr(status, "value", status) or "untracked"
    return f'<span class="badge {_escape(value)}" title="{_escape(title or value)}">{_escape(value)}</span>'


def _usd(value: Any) -> str:
    return "—" if value is None else f"${value:g}"


# -- pages ----------------------------------------------------------------------------------

#: only the site's own files: no inline script or handler, no plugin, no other origin — an id or
#: name that slipped through as markup still runs nothing (``tests/test_site.py``)
_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
           "base-uri 'none'; form-action 'none'")


def _page(title: str, body: str, depth: int, judged_at: str) -> str:
    up = "../" * depth
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<title>{_escape(title)} · fusionAIze metadata</title>
<link rel="stylesheet" href="{up}assets/site.css">
<link rel="alternate" type="application/atom+xml" title="Catalog changes" href="{up}v1/changes.atom">
<link rel="alternate" type="application/feed+json" title="Catalog changes" href="{up}v1/changes.json">
</head>
<body data-root="{up}">
<header><a class="home" href="{up}index.html">fusionAIze metadata</a>
<nav><a href="{up}index.html">Models</a> <a href="{up}compare.html">Compare</a>
<a href="{up}v1/changes.atom">Changes (Atom)</a> <a href="{up}v1/changes.json">(JSON Feed)</a></nav></header>
<main>
{body}
</main>
<footer>Freshness as of the newest source check, {_escape(judged_at)}. Every price shows where it came from.</footer>
<script src="{up}assets/site.js"></script>
</body>
</html>
"""


def _index_row(catalog: Catalog, model: Model, offerings: list[Offering], facts: Mapping[str, list[FactFreshness]]) -> str:
    priced = [o for o in offerings if (o.price or {}).get("input") is not None and o.status != "retired"]
    cheapest = priced[0] if priced else None
    status = worst(f.freshness for f in facts[cheapest.key]) if cheapest else None
    record = model.record
    inputs = " ".join((record.get("modalities") or {}).get("input") or ())
    providers = " ".join(sorted({o.provider for o in offerings}))
    capabilities = " ".join(sorted({name for o in offerings for name in _CAPABILITIES if o.capability(name)}))
    free = "free" if any((o.price or {}).get("input") == 0 and (o.price or {}).get("output") == 0 for o in priced) \
        else "paid"
    agreeing = "2" if cheapest and cheapest.price_sources >= 2 else "1"
    price = (f"{_usd(cheapest.price.get('input'))} / {_usd(cheapest.price.get('output'))}"  # type: ignore[union-attr]
             if cheapest else "unpriced")
    return (f'<tr data-providers="{_escape(providers)}" data-modalities="{_escape(inputs)}" '
            f'data-capabilities="{_escape(capabilities)}" '
            f'data-freshness="{_escape(getattr(status, "value", "untracked"))}" data-free="{free}" '
            f'data-sources="{agreeing}"><td><a href="models/{_escape(model.id)}.html">{_escape(model.name)}</a>'
            f'<div class="id">{_escape(model.id)}</div></td><td>{len(offerings)}</td>'
            f'<td>{_escape(price)}{" at " + _escape(cheapest.provider) if cheapest else ""}</td>'
            f'<td>{_badge(status) if status else ""}</td></tr>')


def _index_page(catalog: Catalog, rows: list[str], judged_at: str) -> str:
    options = "".join(f'<option value="{_escape(p)}">{_escape(p)}</option>' for p in catalog.provider_ids)
    badges = "".join(f'<option value="{b}">{b}</option>' for b in _BADGES)
    body = f"""<h1>Models and what they cost</h1>
<form class="search" role="search">
<label for="q">Find a model by any id</label>
<input id="q" name="q" type="search" placeholder="claude-sonnet-4.5, us.anthropic.claude-…-v1:0, gemini/gemini-2.5-flash" autocomplete="off">
<output id="hit" for="q" aria-live="polite"></output>
<label for="f-provider">Provider</label><select id="f-provider"><option value="">any</option>{options}</select>
<label for="f-capability">Capability</label><select id="f-capability"><option value="">any</option>{"".join(f'<option value="{c}">{c.replace("_", " ")}</option>' for c in _CAPABILITIES)}</select>
<label for="f-modality">Input</label><select id="f-modality"><option value="">any</option><option>image</option><option>audio</option><option>video</option><option>pdf</option></select>
<label for="f-freshness">Freshness</label><select id="f-freshness"><option value="">any</option>{badges}</select>
<label for="f-free">Price</label><select id="f-free"><option value="">any</option><option value="free">free</option><option value="paid">paid</option></select>
<label for="f-sources">Sources</label><select id="f-sources"><option value="">any</option><option value="2">2 or more agree</option></select>
</form>
<p id="count">{len(rows)} models</p>
<table id="models"><thead><tr><th scope="col">Model</th><th scope="col">Offerings</th>
<th scope="col">Cheapest (input / output per 1M)</th><th scope="col">Freshness</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>"""
    return _page("Models", body, 0, judged_at)


def _model_page(model: Model, offerings: list[Offering], facts: Mapping[str, list[FactFreshness]],
                changes: Mapping[str, list[Change]], judged_at: str) -> str:
    depth = model.id.count("/") + 1
    up = "../" * depth
    blocks = [_offering_block(o, facts[o.key], changes.get(o.key, []), up) for o in offerings]
    aliases = ", ".join(_escape(a) for a in model.aliases) or "—"
    body = f"""<h1>{_escape(model.name)}</h1>
<p class="id">{_escape(model.id)} · other names: {aliases}</p>
<p><a href="{up}compare.html?m={_escape(quote(model.id, safe="/"))}">Compare with other models</a></p>
<h2>Offerings, cheapest first</h2>
<table class="offerings"><thead><tr><th scope="col">Offering</th><th scope="col">Input</th><th scope="col">Output</th>
<th scope="col">Cache read</th><th scope="col">Freshness</th></tr></thead><tbody>
{"".join(_offering_row(o, facts[o.key], up) for o in offerings)}
</tbody></table>
{"".join(blocks)}"""
    return _page(model.name, body, depth, judged_at)


def _offering_row(offering: Offering, facts: list[FactFreshness], up: str) -> str:
    price = offering.price or {}
    status = worst(f.freshness for f in facts) if price else None
    cells = "".join(f'<td class="price" data-component="{k}">{_usd(price.get(k))}</td>'
                    for k in ("input", "output", "cache_read"))
    retired = " (retired)" if offering.status == "retired" else ""
    return (f'<tr id="{_escape(offering.key)}"><td><a href="#detail-{_escape(offering.key)}">{_escape(offering.key)}</a>'
            f'{retired} <a class="provider" href="{up}providers/{_escape(offering.provider)}.html">provider</a></td>'
            f'{cells}<td>{_badge(status) if status else "unpriced"}</td></tr>')


def _offering_block(offering: Offering, price_facts: list[FactFreshness], changes: list[Change], up: str) -> str:
    facts = []
    for fact in price_facts:
        agree = ", ".join(_escape(a) for a in fact.agreeing) or "no other source"
        others = offering.record.get("disagreements", {}).get(fact.path, [])
        disagree = "; ".join(f"{_escape(d['source'])} says {_escape(json.dumps(d['value']))} ({_escape(d['as_of'][:10])})"
                             for d in others) or "none"
        facts.append(f"<li><details><summary><code>{_escape(fact.path)}</code> = {_escape(json.dumps(fact.value))} "
                     f"{_badge(fact.freshness)}</summary><dl>"
                     f"<dt>source</dt><dd>{_escape(fact.source)} ({_escape(fact.source_type)})</dd>"
                     f"<dt>as of</dt><dd>{_escape(fact.as_of)}</dd><dt>last confirmed</dt><dd>{_escape(fact.confirmed_at)}</dd>"
                     f"<dt>agree</dt><dd>{agree}</dd><dt>disagree</dt><dd>{disagree}</dd></dl></details></li>")
    history = _history_svg(offering)
    log = "".join(f"<li>{_escape(c.at[:10])} {_escape(c.kind)}: {_escape(c.summary)} ({_escape(c.source)})</li>"
                  for c in changes[:20]) or "<li>no change recorded</li>"
    return (f'<section class="offering" id="detail-{_escape(offering.key)}"><h3>{_escape(offering.key)}</h3>'
            f'<ul class="facts">{"".join(facts) or "<li>no price known</li>"}</ul>{history}'
            f'<h4>Changes</h4><ul class="changes">{log}</ul></section>')


def _history_svg(offering: Offering) -> str:
    """The input price over time, from ``price_history`` and the current price (a step line)."""
    points = [(e["as_of"], e["price"].get("input")) for e in offering.record.get("price_history", ())]
    current = (offering.price or {}).get("input")
    if not points or current is None:
        return ""
    anchor = offering.provenance("price.input").as_of if (offering.price or {}).get("input") is not None else None
    points.append((anchor or points[-1][0], current))
    points = [(t, v) for t, v in points if v is not None]
    times = [parse_instant(t).timestamp() for t, _ in points]
    low, high = min(times), max(times) + 1
    top = max(v for _, v in points) or 1
    coords = []
    for (_, value), when in zip(points, times, strict=True):
        x = 10 + 280 * (when - low) / (high - low)
        y = 90 - 80 * value / top
        if coords:
            coords.append(f"{x:.1f},{coords[-1].split(',')[1]}")
        coords.append(f"{x:.1f},{y:.1f}")
    coords.append(f"290,{coords[-1].split(',')[1]}")
    label = "; ".join(f"{t[:10]}: {v:g}" for t, v in points)
    return (f'<figure><svg class="history" viewBox="0 0 300 100" role="img" aria-label="input price history: {_escape(label)}">'
            f'<polyline points="{" ".join(coords)}" fill="none" stroke="currentColor" stroke-width="2"/></svg>'
            f"<figcaption>Input price per 1M tokens: {_escape(label)}</figcaption></figure>")


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
            sources.append(f"<tr><td>{_escape(name)}</td><td>{_escape(catalog.source_type(name, provider))}</td>"
                           f"<td>{_escape(source['succeeded_at'])}</td><td>{age} days</td></tr>")
    offerings = cheapest_first(catalog.provider_offerings(provider))
    listing = "".join(f'<li><a href="../models/{_escape(o.model_id)}.html#{_escape(o.key)}">{_escape(o.upstream_id)}</a></li>'
                      for o in offerings)
    body = f"""<h1>{_escape(info.get('name', provider))}</h1>
<p class="id">{_escape(provider)} · {_escape(info.get('route_type', ''))} · {_escape(info.get('base_url') or '')}</p>
<p><a href="../v1/changes/{_escape(provider)}.atom">Changes of this provider (Atom)</a></p>
<h2>Cost truth</h2><table class="status"><tbody>{counts}</tbody></table>
<p>Oldest price confirmation: {_escape(row.oldest_price_confirmed or '—')}</p>
<h2>Sources</h2><table><thead><tr><th scope="col">source</th><th scope="col">type here</th>
<th scope="col">last checked</th><th scope="col">age</th></tr></thead><tbody>{"".join(sources)}</tbody></table>
<h2>Offerings ({len(offerings)})</h2><ul class="columns">{listing}</ul>"""
    return _page(info.get("name", provider), body, 1, judged_at)


def _compare_page(judged_at: str) -> str:
    body = """<h1>Compare models</h1>
<p>Up to four models side by side; the calculator prices each offering exactly as
<code>gate_consumer</code>'s <code>Catalog.price</code> does (standard tier: uncached input,
cache reads, output, the context tier above its threshold).</p>
<form class="calculator">
<label for="c-models">Models (ids, comma separated)</label><input id="c-models" size="60">
<label for="c-input">Input tokens</label><input id="c-input" type="number" min="0" value="10000">
<label for="c-cached">of which cached</label><input id="c-cached" type="number" min="0" value="0">
<label for="c-output">Output tokens</label><input id="c-output" type="number" min="0" value="1000">
<button id="c-run" type="button">Price</button>
</form>
<noscript><p>The calculator needs JavaScript; every model page reads without it.</p></noscript>
<table id="c-result"><thead><tr><th scope="col">Model</th><th scope="col">Offering</th><th scope="col">USD</th></tr></thead><tbody></tbody></table>"""
    return _page("Compare", body, 0, judged_at)
