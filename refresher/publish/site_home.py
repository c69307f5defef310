"""The site's home page: every model in a table made for scanning — the price a user would pay
the vendor (gate_consumer.headline) and whose it is, limits, release, freshness, sources agreeing;
each cell carries the value it sorts by (the script sorts, filters and keeps the view in the address)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gate_consumer.catalog import Catalog, FactFreshness, Model, Offering
from gate_consumer.freshness import worst
from gate_consumer.headline import Headline
from refresher.publish.site_html import BADGES, badge, escape, page, usd

__all__ = ["CAPABILITIES", "default_order", "index_page", "index_row"]

#: the capabilities the table shows and filters by
CAPABILITIES = ("tools", "reasoning", "structured_output", "attachments")

#: how the home page says whose price the headline is (gate_consumer.headline's kinds)
_HEADLINE_LABELS = {"vendor": "the vendor's price", "cloud": "a cloud's price", "host": "a host's price",
                    "aggregator": "an aggregator's price, confirmed"}
#: the home page's columns: (key, heading, cell class); each cell carries its sort value (data-v)
_COLUMNS = (("model", "Model", ""), ("input", "Input", "num"), ("output", "Output", "num"),
            ("cache", "Cache read", "num"), ("whose", "Whose price", ""), ("context", "Context", "num"),
            ("maxout", "Max output", "num"), ("released", "Released", ""), ("freshness", "Freshness", ""),
            ("sources", "Sources agreeing", "num"), ("offerings", "Offerings", "num"))
#: freshness from best to worst, for sorting
_FRESHNESS_ORDER = {"fresh": 0, "provisional": 1, "manual": 2, "aging": 3, "conflict": 4, "stale": 5, "untracked": 6}


def _tokens(count: Any) -> str:
    """A token count as people write it: 1M, 200K, 8,192."""
    if not isinstance(count, int):
        return "—"
    for size, suffix in ((1_000_000, "M"), (1_000, "K")):
        if count >= size and count % (size // 10) == 0:
            return f"{count / size:g}{suffix}"
    return f"{count:,}"


def _cell(key: str, shown: str, value: Any = "") -> str:
    css = dict((k, c) for k, _, c in _COLUMNS)[key]
    return f'<td class="c-{key}{" " + css if css else ""}" data-v="{escape(str(value))}">{shown}</td>'


def index_row(catalog: Catalog, model: Model, offerings: list[Offering], facts: Mapping[str, list[FactFreshness]],
              chosen: Headline | None) -> str:
    """The model's row; ``chosen``: its :meth:`~gate_consumer.catalog.Catalog.headline`."""
    priced = [o for o in offerings if (o.price or {}).get("input") is not None and o.status != "retired"]
    shown = chosen.offering if chosen else None
    status = worst(f.freshness for f in facts[shown.key]) if shown else None
    record = model.record
    inputs = sorted(set((record.get("modalities") or {}).get("input") or ()) - {"text"})
    providers = " ".join(sorted({o.provider for o in offerings}))
    capabilities = sorted({name for o in offerings for name in CAPABILITIES if o.capability(name)})
    free = "free" if any((o.price or {}).get("input") == 0 and (o.price or {}).get("output") == 0 for o in priced) \
        else "paid"
    agreeing = "2" if shown and shown.price_sources >= 2 else "1"
    price = shown.price if shown else {}
    limits = record.get("limits") or {}
    freshness = getattr(status, "value", "untracked") if status else "untracked"
    # a chip filters the table by itself (data-c: a capability, data-m: an input modality)
    chips = "".join(f'<button type=button class=chip data-c={c}>{c.replace("_", " ")}</button>' for c in capabilities) + \
        "".join(f'<button type=button class=chip data-m="{escape(m)}">{escape(m)}</button>' for m in inputs)
    whose = (f'{escape(catalog.provider_info(shown.provider).get("name", shown.provider))}'
             f'<div class="whose" data-kind="{chosen.kind}">{_HEADLINE_LABELS[chosen.kind]}</div>'
             if chosen and shown else ("no vendor price" if priced else "unpriced"))
    cells = [
        f'<td class="c-model"><a href="models/{escape(model.id)}.html">{escape(model.name)}</a>'
        f'<div class="id">{escape(model.id)}</div>{f"<div class=chips>{chips}</div>" if chips else ""}</td>',
        *(_cell(key, usd(price.get(name)), price.get(name, "")) for key, name in
          (("input", "input"), ("output", "output"), ("cache", "cache_read"))),
        _cell("whose", whose, chosen.kind if chosen else "~"),
        _cell("context", _tokens(limits.get("context")), limits.get("context", "")),
        _cell("maxout", _tokens(limits.get("output")), limits.get("output", "")),
        _cell("released", escape(record.get("release_date") or "—"), record.get("release_date") or ""),
        _cell("freshness", badge(status) if status else "", _FRESHNESS_ORDER.get(freshness, 9) if status else ""),
        _cell("sources", str(shown.price_sources) if shown else "—", shown.price_sources if shown else ""),
        _cell("offerings", str(len(offerings)), len(offerings)),
    ]
    return (f'<tr data-providers="{escape(providers)}" data-modalities="{escape(" ".join(inputs))}" '
            f'data-capabilities="{escape(" ".join(capabilities))}" '
            f'data-freshness="{escape(freshness)}" data-free="{free}" data-sources="{agreeing}">'
            + "".join(cells) + "</tr>")


_RELEASED = re.compile(r'class="c-released" data-v="([^"]*)"')
_WHOSE = re.compile(r'class="c-whose" data-v="([^"]*)"')


def default_order(rows: list[str]) -> list[str]:
    """The rows as the page first shows them: the models with a headline price first, newest
    release first (read back from the rows' own sort values: a row kept from the last build is
    text)."""
    def key(row: str) -> tuple[bool, bool, str]:
        whose, released = _WHOSE.search(row), _RELEASED.search(row)
        date = released.group(1) if released else ""
        return (whose is None or whose.group(1) == "~", not date, "".join(chr(0x10FFFF - ord(c)) for c in date))
    return sorted(rows, key=key)


def index_page(catalog: Catalog, rows: list[str], judged_at: str) -> str:
    options = "".join(f'<option value="{escape(p)}">{escape(catalog.provider_info(p).get("name", p))}</option>'
                      for p in catalog.provider_ids)
    badges = "".join(f'<option value="{b}">{b}</option>' for b in BADGES)
    own = sorted({api for vendor in {m.partition("/")[0] for m in catalog.model_ids}
                  for api in catalog.first_party_providers(vendor)[:1] if api in catalog.provider_ids})
    vendor_chips = "".join(f'<button type=button class=chip data-p="{escape(p)}">'
                           f'{escape(catalog.provider_info(p).get("name", p))}</button>' for p in own)
    headings = "".join(
        f'<th scope="col" class="c-{key}" aria-sort="none"><button type="button" class="sort" data-sort="{key}">'
        f'{heading}</button></th>' for key, heading, _ in _COLUMNS)
    body = f"""<h1>Models and what they cost</h1>
<p class="lede">The price a user would pay: the vendor's own, else a cloud's, else a host's that sources agree on
(never a reseller's price no other source confirms, never a free quota). Every offering is on the model's page.
Prices in USD per 1M tokens; freshness judged at {escape(judged_at)}.</p>
<form class="search" role="search">
<label for="q">Find a model by any id</label>
<input id="q" name="q" type="search" placeholder="claude-sonnet-4.5, us.anthropic.claude-…-v1:0, gemini/gemini-2.5-flash" autocomplete="off" aria-describedby="hit">
<output id="hit" for="q" aria-live="polite"></output>
<label for="f-provider">Provider</label><select id="f-provider"><option value="">any</option>{options}</select>
<label for="f-capability">Capability</label><select id="f-capability"><option value="">any</option>{"".join(f'<option value="{c}">{c.replace("_", " ")}</option>' for c in CAPABILITIES)}</select>
<label for="f-modality">Input</label><select id="f-modality"><option value="">any</option><option>image</option><option>audio</option><option>video</option><option>pdf</option></select>
<label for="f-freshness">Freshness</label><select id="f-freshness"><option value="">any</option>{badges}</select>
<label for="f-free">Price</label><select id="f-free"><option value="">any</option><option value="free">free</option><option value="paid">paid</option></select>
<label for="f-sources">Sources</label><select id="f-sources"><option value="">any</option><option value="2">2 or more agree</option></select>
</form>
<div class="chips" id="provider-chips"><span class="label">The vendors' own APIs:</span>{vendor_chips}</div>
<p id="count">{len(rows)} models</p>
<div class="scroll"><table id="models"><thead><tr>{headings}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></div>"""
    return page("Models", body, 0, judged_at)
