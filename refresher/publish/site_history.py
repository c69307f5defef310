"""History you can see: an offering's prices over time (a step chart and the sources that said
each step) and the catalog's price changes page, from the same entries as the feeds."""

from __future__ import annotations

from typing import Any

from gate_consumer.catalog import Offering
from gate_consumer.instants import parse_instant
from refresher.publish.feeds import Change
from refresher.publish.site_html import escape, page, usd

__all__ = ["changes_page", "history_chart"]


def history_chart(offering: Offering) -> str:
    """The token prices over time, from ``price_history`` and the current price: a step line per
    price (input solid, output dashed) and a table of the steps, each with the source that said it."""
    steps = [(e["as_of"], e["price"].get("input"), e["price"].get("output"), e["source"])
             for e in offering.record.get("price_history", ())]
    price = offering.price or {}
    if not steps or (price.get("input") is None and price.get("output") is None):
        return ""
    anchor = offering.provenance(offering.price_anchor) if offering.price_anchor else None
    # the current price holds since the last step ended (its source may have said it before)
    since = offering.record["price_history"][-1].get("until") or (anchor.as_of if anchor else steps[-1][0])
    steps.append((since, price.get("input"), price.get("output"), anchor.source if anchor else steps[-1][3]))
    times = [parse_instant(at).timestamp() for at, *_ in steps]
    low, high = min(times), max(times) + 1
    top = max((v for _, i, o, _ in steps for v in (i, o) if v is not None), default=0) or 1

    def line(index: int, dash: str) -> str:
        coords: list[str] = []
        for step, when in zip(steps, times, strict=True):
            value = step[index]
            if value is None:
                continue
            x, y = 10 + 280 * (when - low) / (high - low), 90 - 80 * value / top
            if coords:
                coords.append(f"{x:.1f},{coords[-1].split(',')[1]}")
            coords.append(f"{x:.1f},{y:.1f}")
        if not coords:
            return ""
        coords.append(f"290,{coords[-1].split(',')[1]}")
        return f'<polyline points="{" ".join(coords)}" fill="none" stroke="currentColor" stroke-width="2"{dash}/>'

    label = "; ".join(f"{at[:10]}: {_num(i)} / {_num(o)} ({source})" for at, i, o, source in steps)
    rows = "".join(f'<tr><td>{escape(at[:10])}</td><td class="num">{usd(i)}</td><td class="num">{usd(o)}</td>'
                   f"<td>{escape(source)}</td></tr>" for at, i, o, source in reversed(steps))
    return (f'<figure><svg class="history" viewBox="0 0 300 100" role="img" '
            f'aria-label="price history, input / output per 1M tokens: {escape(label)}">'
            f'{line(1, "")}{line(2, _DASHED)}</svg>'
            f"<figcaption>Price per 1M tokens over time: input (solid), output (dashed)</figcaption></figure>"
            f'<table class="history"><thead><tr><th scope="col">from</th><th scope="col">input</th>'
            f'<th scope="col">output</th><th scope="col">said by</th></tr></thead><tbody>{rows}</tbody></table>')


_DASHED = ' stroke-dasharray="4 3"'


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:g}"


def changes_page(changes: list[Change], judged_at: str) -> str:
    """Every price change the records tell of, newest first (the feeds' entries of that kind)."""
    moves = [c for c in changes if c.kind == "price-change"][:1000]
    rows = "".join(f'<tr><td>{escape(c.at[:10])}</td><td><a href="models/{escape(c.model)}.html#{escape(c.offering)}">'
                   f'{escape(c.offering)}</a></td><td>{escape(c.summary)}</td><td>{escape(c.source)}</td></tr>'
                   for c in moves)
    body = f"""<h1>Price changes</h1>
<p class="lede">Every price change the catalog's records tell of, newest first: before → after, and the source
that said the new price. Subscribe: <a href="v1/changes.atom">Atom</a>, <a href="v1/changes.json">JSON Feed</a>.</p>
<div class="scroll"><table id="changes"><thead><tr><th scope="col">date</th><th scope="col">offering</th>
<th scope="col">change</th><th scope="col">source</th></tr></thead><tbody>{rows or '<tr><td colspan="4">no price change recorded</td></tr>'}
</tbody></table></div>"""
    return page("Price changes", body, 0, judged_at)
