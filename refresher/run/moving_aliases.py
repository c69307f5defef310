"""Moving aliases: which model an alias offering stands for, and since when.

A *moving alias* is an offering whose id is an undated name of a dated model of its family —
``mistral-medium-latest`` or ``mistral-medium`` standing for ``mistral-medium-2508``: its
canonical id is not its model's, and its model's id is the alias's (without ``-latest``)
followed by a dash. Which model it stands for moves as the vendor ships; a dated snapshot never
moves, nor does any other name of a model.

What it stands for is, in time:

* what was **said**: the model the linking rule linked it to when it was made (the vendor's API
  naming it an alias: Mistral's ``aliases``), and each ``alias_target`` its provider states
  after (OpenRouter's, applied as it is read: :mod:`refresher.run.reconcile`);
* unless its **price** says otherwise: from each instant a price of it began (its
  ``price_history`` and its current price, dated from the first source stating it), when that
  price is not the said model's own offering's price on the same provider (or the provider has
  none), the newest model of its family (by release date) whose own offering there is priced
  exactly as it is. No such model: it stays, and a run that said the price reports it.

The links are derived again after every run from what was said and the prices, for the
providers the run listed — so they depend on the evidence, never on the order it came in.

A move keeps what the alias stood for in ``model_history`` (oldest first, each ``{model, source,
as_of, until, by}``; the last one, without ``until``, is the model it stands for now); a move of
the vendor's own offering moves the alias's name among the models' aliases too (a reseller's
price says what its offering is, not what the vendor's name means). The price in time is the
offering's own ``price_history``; the consumer resolves the alias at a time to the model of then.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any

from gate_consumer.facts import OFFERING_FACTS
from gate_consumer.provenance import record_provenance
from refresher.run.canonical import VendorRules
from refresher.tree.store import Tree

__all__ = ["follow_moving_aliases", "relink"]

#: the prices two offerings must both state, and state alike, to be priced the same
_COMPARED = ("input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning")


def relink(offering: dict[str, Any], model_id: str, source: str, as_of: str) -> bool:
    """``source`` said at ``as_of`` that ``offering`` stands for ``model_id``: link it so,
    keeping what it stood for until then; returns whether the link changed. Said no later than
    the current link began (an offering linked again as it is made), the current link is
    replaced, not kept: it never held."""
    if "provenance" not in offering:  # no fact yet, so no date to keep a link from
        changed, offering["model"] = offering["model"] != model_id, model_id
        return changed
    links = _stated_links(offering)
    if links[-1]["model"] == model_id and offering["model"] == model_id:
        return False
    if as_of <= links[-1]["as_of"]:
        links[-1] = {"model": model_id, "source": source, "as_of": links[-1]["as_of"], "by": "statement"}
    else:
        links.append({"model": model_id, "source": source, "as_of": as_of, "by": "statement"})
    _write(offering, links)
    return True


def follow_moving_aliases(tree: Tree, rules: VendorRules, providers: Iterable[str], run_began: str) -> list[str]:
    """Link the moving aliases of ``providers`` as their prices over time say (the module
    docstring). One line per alias whose model changed, and per alias whose price, said in this
    run (at or after ``run_began``), is no model's of its family."""
    lines: list[str] = []
    for provider in sorted(set(providers)):
        offerings = tree.providers.get(provider, {}).get("offerings", {})
        own_prices: dict[str, list[Mapping[str, Any]]] | None = None
        for upstream_id, offering in sorted(offerings.items()):
            family = _family(rules, provider, upstream_id, offering)
            if family is None or "provenance" not in offering:  # not a moving alias, or nothing said of it
                continue
            if own_prices is None:  # read once per provider, and only for one that has a moving alias
                own_prices = _own_prices(rules, provider, offerings)
            old = offering["model"]
            judge = _PriceJudge(tree, family, own_prices)
            derived = _with_prices(_stated_links(offering), _price_periods(offering), judge)
            _write(offering, derived)
            if offering["model"] != old:
                if rules.is_first_party(provider, old.partition("/")[0]):  # the alias is the vendor's name
                    _move_alias_name(tree, provider, upstream_id, old, offering["model"])
                now = derived[-1]
                lines.append(f"{provider}/{upstream_id}: now stands for {offering['model']} (was {old}), "
                             f"{'priced as it' if now['by'] == 'price' else 'as said'} by {now['source']} since {now['as_of']}")
            elif judge.unlike and judge.unlike >= run_began:
                lines.append(f"{provider}/{upstream_id}: priced unlike {old} and every model of its family on "
                             f"{provider}; still linked to {old}")
    return lines


def _stated_links(offering: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The links the linking rule and the statements made, oldest first (without ``until``):
    what the price-derived ones are derived over. The first link stands for the link it was made
    with, whatever replaced that at once."""
    history = offering.get("model_history")
    if not history:
        return [_first_link(offering)]
    return [{k: v for k, v in link.items() if k != "until"}
            for i, link in enumerate(history) if i == 0 or link["by"] != "price"]


def _price_periods(offering: Mapping[str, Any]) -> list[tuple[str, str | None, Mapping[str, Any], str]]:
    """(from, until — None: now, price, source) of each price the offering had, oldest first."""
    periods: list[tuple[str, str | None, Mapping[str, Any], str]] = [
        (e["as_of"], e["until"], e["price"], e["source"]) for e in offering.get("price_history", ())]
    price = offering.get("price") or {}
    if "input" in price:
        # from the first of the sources stating it (as a quote dates it): whichever of them holds it
        said = record_provenance(offering, OFFERING_FACTS)["price.input"]
        agreeing = offering.get("agreements", {}).get("price.input", ())
        first = min([(said.as_of, said.source), *((a["as_of"], a["source"]) for a in agreeing)])
        periods.append((first[0], None, price, first[1]))
    return sorted(periods, key=lambda p: (p[0], p[1] or "~"))


class _PriceJudge:
    """Which model of a family a price is: the linked model's (its id), else the newest other one
    priced alike (a provider that does not offer the linked model under its own name has only
    the price to tell by), else ``None`` — no token price, or priced unlike every one, noting in
    ``unlike`` when the current price was said."""

    def __init__(self, tree: Tree, family: str, own_prices: Mapping[str, list[Mapping[str, Any]]]):
        self.tree, self.family, self.own_prices = tree, family, own_prices
        self.unlike = ""

    def model_priced_as(self, model_id: str, price: Mapping[str, Any], since: str, current: bool) -> str | None:
        if "input" not in price or "output" not in price:
            return None
        if any(_same_price(price, other) for other in self.own_prices.get(model_id.lower(), ())):
            return model_id
        vendor = model_id.partition("/")[0]
        models = self.tree.vendors.get(vendor, {}).get("models", {})
        alike = [m for m, prices in self.own_prices.items()
                 if m.startswith(f"{vendor}/{self.family}-") and any(_same_price(price, p) for p in prices)]
        if not alike:
            if current:
                self.unlike = since
            return None
        newest = max(alike, key=lambda m: (str(models.get(m.partition("/")[2], {}).get("release_date", "")), m))
        return f"{vendor}/{next(s for s in models if s.lower() == newest.partition('/')[2])}"


def _with_prices(stated: list[dict[str, Any]], periods: list[tuple[str, str | None, Mapping[str, Any], str]],
                 judge: _PriceJudge) -> list[dict[str, Any]]:
    """The links in time: each stated link from when it was said, and from each instant a price
    began or ended, the model of its family the price is, if it is another's (a price priced
    unlike every model keeps the link it has)."""
    links: list[dict[str, Any]] = []
    first = stated[0]["as_of"]  # a price said before the offering was linked counts from then
    instants = {link["as_of"] for link in stated} | {p[0] for p in periods} | {p[1] for p in periods if p[1]}
    for t in sorted({max(t, first) for t in instants}):
        said = [link for link in stated if link["as_of"] <= t]
        if said[-1]["as_of"] == t:
            links.append(dict(said[-1]))
        held = [p for p in periods if p[0] <= t and (p[1] is None or t < p[1])]
        if not held:
            continue
        since, until, price, source = max(held, key=lambda p: p[0])
        model_id = judge.model_priced_as(said[-1]["model"], price, since, until is None)
        if model_id is not None and model_id != links[-1]["model"]:
            if links[-1]["as_of"] == t:  # a link that never held: the price said otherwise at once
                links.pop()
            if not links or links[-1]["model"] != model_id:
                links.append({"model": model_id, "source": source, "as_of": t, "by": "price"})
    return links


def _write(offering: dict[str, Any], links: list[dict[str, Any]]) -> None:
    """Put ``links`` (oldest first) in the offering: each until the next began, the last its model."""
    for link, following in pairwise(links):
        link["until"] = following["as_of"]
    links[-1].pop("until", None)
    offering["model"] = links[-1]["model"]
    if len(links) > 1:
        offering["model_history"] = links
    else:
        offering.pop("model_history", None)


def _family(rules: VendorRules, provider: str, upstream_id: str, offering: Mapping[str, Any]) -> str | None:
    """The family an offering's id names when it is a moving alias (``mistral-medium``), else None."""
    if offering.get("status") == "retired":
        return None
    model_vendor, _, model_slug = offering["model"].lower().partition("/")
    if upstream_id.lower().rpartition("/")[2] == model_slug:
        return None  # the model's own name: most offerings, answered without the linking rules
    vendor, _, slug = rules.canonical_model_id(provider, upstream_id).lower().partition("/")
    family = slug.removesuffix("-latest")
    if vendor != model_vendor or slug == model_slug or not family or not model_slug.startswith(family + "-"):
        return None
    return family


def _own_prices(rules: VendorRules, provider: str,
                offerings: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Model id (lower case) → the prices of the provider's offerings under the model's own name."""
    prices: dict[str, list[Mapping[str, Any]]] = {}
    for upstream_id, offering in offerings.items():
        model_id = offering["model"].lower()
        if offering.get("status") != "retired" and offering.get("price") and \
                rules.canonical_model_id(provider, upstream_id).lower() == model_id:
            prices.setdefault(model_id, []).append(offering["price"])
    return prices


def _same_price(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Both state input and output, and every token price both state is the same."""
    if "input" not in b or "output" not in b:
        return False
    return all(math.isclose(a[k], b[k], rel_tol=1e-9) for k in _COMPARED
               if isinstance(a.get(k), (int, float)) and isinstance(b.get(k), (int, float)))


def _first_link(offering: Mapping[str, Any]) -> dict[str, Any]:
    """The link an offering was made with: by the linking rule, when it was first described."""
    said = min(record_provenance(offering, OFFERING_FACTS).values(), key=lambda p: (p.as_of, p.source))
    return {"model": offering["model"], "source": said.source, "as_of": said.as_of, "by": "linked"}


def _move_alias_name(tree: Tree, provider: str, upstream_id: str, old: str, new: str) -> None:
    """The alias's name (``mistral/mistral-medium-latest``) moves from ``old``'s aliases to
    ``new``'s, unless a third model holds it."""
    vendor, _, old_slug = old.partition("/")
    models = tree.vendors.get(vendor, {}).get("models", {})
    name = upstream_id if "/" in upstream_id else f"{vendor}/{upstream_id}"
    held = [a for a in models.get(old_slug, {}).get("aliases", []) if a.lower() == name.lower()]
    if not held:
        return
    models[old_slug]["aliases"] = [a for a in models[old_slug]["aliases"] if a not in held]
    if not models[old_slug]["aliases"]:
        del models[old_slug]["aliases"]
    if any(a.lower() == name.lower() for m in models.values() for a in m.get("aliases", [])):
        return
    target = models[new.partition("/")[2]]
    target["aliases"] = sorted([*target.get("aliases", []), held[0]])
