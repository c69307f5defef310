"""Which canonical model a new offering serves: one rule for every source.

In order, the first that applies:

0. **The provider says the id stands for another of its ids** (OpenRouter's ``alias_target``:
   ``~anthropic/claude-sonnet-latest`` → ``anthropic/claude-sonnet-4.6``): that id's model —
   checked on every observation, so a moving ``-latest`` follows its target.
1. **The vendor's own API names it an alias** of another model (Mistral lists
   ``mistral-large-latest`` as an alias of ``mistral-large-2512``): that model, whichever source
   lists the id, and whatever the vendor's API says in the same run (:func:`run_links`).
2. **A known alias** of a model (and not a model of its own): that model.
3. **A dated snapshot** (``claude-haiku-4-5-20251001``, ``gpt-4o-2024-08-06``) of a model that
   exists or that this run lists: the undated model, and the dated id becomes its alias. Every
   snapshot the same way; each keeps its own offering and price (an exact offering id always
   resolves to its own offering), so grouping never changes a price.
4. Otherwise the canonical id of :mod:`refresher.run.canonical` (cloud decorations, Vertex ``@``
   versions, OpenRouter variants, ``[1m]`` and Fireworks' ``p`` removed first).

Deterministic: every answer depends on the tree and on the whole run, never on which source of
the run is reconciled first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from refresher.run.canonical import VendorRules
from refresher.sources.base import OfferingObservation, Snapshot
from refresher.tree.store import Tree

__all__ = ["Linker", "RunLinks", "run_links"]

_DATED = re.compile(r"^(?P<base>.+)-(?P<y>20\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)$")


class RunLinks(NamedTuple):
    """What the whole run says about linking, gathered before any source is reconciled."""

    vendor_aliases: Mapping[str, str]  # an alias's canonical id (lower case) → the model the vendor's API names
    models: frozenset[str]  # the canonical ids the run's creating sources list
    rules: VendorRules  # vendors.json, parsed once for the run (it remembers each link it made)


def run_links(tree: Tree, snapshots: Iterable[Snapshot]) -> RunLinks:
    """The vendor aliases and listed models of one run (rules 1 and 3). An alias two models of
    the vendor claim is nobody's."""
    rules = VendorRules(tree.vendor_rules["vendors"])
    claims: dict[str, set[str]] = {}
    models: set[str] = set()
    for snapshot in snapshots:
        if snapshot.confirms_only:
            continue
        for obs in snapshot.offerings:
            model_id = rules.canonical_model_id(obs.provider, obs.upstream_id)
            models.add(model_id)
            vendor = model_id.split("/", 1)[0]
            if obs.aliases and rules.is_first_party(obs.provider, vendor):
                for alias in obs.aliases:
                    alias_id = rules.canonical_model_id(obs.provider, alias).lower()
                    if alias_id != model_id.lower():
                        claims.setdefault(alias_id, set()).add(model_id)
    aliases = {alias: owners.pop() for alias, owners in claims.items() if len(owners) == 1}
    return RunLinks(aliases, frozenset(models), rules)


class Linker:
    """Links new offerings to models (the module docstring's rule) and keeps every model's
    aliases unique. ``model_record`` returns a model's record, creating it if needed;
    ``warn`` reports an alias that cannot be added; ``absorbed`` hears of a model made one with
    another (its record, already gone from the tree)."""

    def __init__(self, tree: Tree, rules: VendorRules, links: RunLinks,
                 model_record: Callable[[str], dict[str, Any]], warn: Callable[[str], None],
                 absorbed: Callable[[str, dict[str, Any], str], None] = lambda duplicate, record, into: None):
        self.tree = tree
        self.rules = rules
        self.links = links
        self._model_record = model_record
        self._warn = warn
        self._absorbed = absorbed
        self.alias_owner = {
            key: f"{vendor}/{slug}"
            for vendor, vf in tree.vendors.items()
            for slug, model in vf["models"].items()
            for alias in model.get("aliases", [])
            for key in (_qualified(vendor, alias).lower(),)
        }

    def link(self, obs: OfferingObservation) -> str:
        """The canonical model of a new offering (or of one that stands for another: rule 0)."""
        if obs.alias_of:
            target = self.tree.providers.get(obs.provider, {}).get("offerings", {}).get(obs.alias_of)
            return target["model"] if target else self.link(OfferingObservation(obs.provider, obs.alias_of, {}))
        model_id = self.rules.canonical_model_id(obs.provider, obs.upstream_id)
        linked = self._link(obs, model_id)
        written = self.rules.written_model_id(obs.provider, obs.upstream_id)
        if written != model_id:  # the vendor renamed it: the old spelling stays a name of the model
            self.add_alias(self._model_record(linked), linked, written)
        return linked

    def _link(self, obs: OfferingObservation, model_id: str) -> str:
        """Rules 1 to 4 for the canonical id ``model_id``."""
        target = self.links.vendor_aliases.get(model_id.lower())
        if target is not None:  # its canonical spelling is the alias (a reseller's prefix is not the vendor's)
            self.add_alias(self._model_record(target), target, model_id)
            return target
        if not self.exists(model_id) and model_id.lower() in self.alias_owner:
            return self.alias_owner[model_id.lower()]  # another name of a known model
        dated = _DATED.match(model_id)
        if dated and (self.exists(dated["base"]) or dated["base"] in self.links.models):
            base_id = dated["base"]
            self.add_alias(self._model_record(base_id), base_id, model_id)
            return base_id
        return model_id

    def exists(self, model_id: str) -> bool:
        vendor, _, slug = model_id.partition("/")
        return slug in self.tree.vendors.get(vendor, {}).get("models", {})

    def add_alias(self, record: dict[str, Any], model_id: str, alias: str) -> None:
        """Add ``alias`` to the model's aliases (a bare name as the vendor's: ``mistral-large-latest``
        is kept as ``mistral/mistral-large-latest``, one spelling whichever source said it) unless
        it is another's alias. An alias that is a model of its own (created before anyone said it
        was another name) is absorbed."""
        alias = _qualified(model_id.partition("/")[0], alias)
        key = alias.lower()
        if key == model_id.lower():
            return  # its own name
        if self.exists(key):
            if not self.absorb(key, model_id, named=alias):
                self._warn(f"alias {alias!r} of {model_id} is a model of its own; not added")
            return
        owner = self.alias_owner.setdefault(key, model_id)
        if owner != model_id:
            self._warn(f"alias {alias!r} of {model_id} already names {owner}; not added")
        elif not any(a.lower() == key for a in record.get("aliases", [])):
            record["aliases"] = sorted([*record.get("aliases", []), alias])

    def model_created(self, model_id: str) -> None:
        """A model was just created: the dated snapshots of it created before it existed are
        absorbed (rule 3 would have linked them to it, had it been known first)."""
        vendor = model_id.partition("/")[0]
        for other in list(self.tree.vendors.get(vendor, {}).get("models", {})):
            dated = _DATED.match(f"{vendor}/{other}")
            if dated and dated["base"] == model_id:
                self.absorb(f"{vendor}/{other}", model_id)

    def absorb(self, duplicate: str, into: str, named: str | None = None) -> bool:
        """Make the model ``duplicate`` one with ``into`` (the same vendor's): its offerings serve
        ``into``, its id (spelled ``named``, as the source that said so wrote it) and aliases
        become ``into``'s aliases, its record goes (its facts were
        the name's, not the model's: linking by alias or date leaves them out too). What the
        linking rule would have given had ``into`` been known first, so the tree does not depend
        on which came first. Returns whether it did (not across vendors, not a model into itself)."""
        vendor, _, slug = duplicate.partition("/")
        models = self.tree.vendors.get(vendor, {}).get("models", {})
        if into.partition("/")[0] != vendor or duplicate == into.lower() or slug not in models:
            return False
        record = models.pop(slug)
        for provider in self.tree.providers.values():
            for offering in provider["offerings"].values():
                if offering.get("model") == duplicate:
                    offering["model"] = into
        target = self._model_record(into)
        self._absorbed(duplicate, record, into)
        for alias in [named or duplicate, *record.get("aliases", [])]:
            key = _qualified(vendor, alias).lower()
            if self.alias_owner.get(key) == duplicate:
                del self.alias_owner[key]
            self.add_alias(target, into, alias)
        return True


def _qualified(vendor: str, alias: str) -> str:
    """An alias as it is kept: a bare name (``mistral-large-latest``, from the vendor's own API)
    is the vendor's (``mistral/mistral-large-latest``); the consumer finds either spelling."""
    return alias if "/" in alias else f"{vendor}/{alias}"
