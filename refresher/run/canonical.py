"""Linking an offering to its canonical model: ``(provider, upstream_id)`` → ``<vendor>/<slug>``.

The rules are data (``metadata/vendors.json``) plus the id grammar of the catalogs we read:

1. Cloud decorations are removed (:func:`gate_consumer.id_forms.undecorated`, the forms the
   consumer reads): Bedrock's ``us.anthropic.claude-…-v1:0`` (region, vendor dot, version
   suffix), Vertex's ``…@default`` (``…@20241022`` is a dated snapshot), OpenRouter's variants
   (``:free``, ``:thinking``), ``[1m]``, and Fireworks' ``p`` for a dot (``glm-5p1``).
2. The vendor is, in order: a known catalog prefix among the id's path segments
   (``meta-llama/…`` → meta), a known model-name prefix (``claude-…`` → anthropic), the id's
   namespace when it has exactly one (``poolside/laguna`` → poolside), the provider itself when
   it is a vendor's first-party API, else the provider's slug (its own model).
3. The slug is :func:`gate_consumer.ids.normalize_model_slug` of the last path segment, then
   the vendor's ``renames`` (vendors.json: a pattern and its rewrite) apply: resellers write
   ``claude-4.5-sonnet`` for Anthropic's ``claude-sonnet-4.5``.

Deterministic and explainable; a wrong link is fixed by an alias or a vendors.json rule, never
by a special case here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gate_consumer.id_forms import undecorated
from gate_consumer.ids import normalize_model_slug, slugify

_BEDROCK = re.compile(r"^(?:(?:us|eu|apac|au|jp|ca|global|us-gov)\.)?(?P<vendor>[a-z][a-z0-9-]*)\.(?P<rest>[a-z].*)$")
_BEDROCK_VERSION = re.compile(r"-v\d+(?::\d+)?$|:\d+$")
_VARIANT = re.compile(r":[a-z][a-z0-9-]*$")
_NAME_BOUNDARY = re.compile(r"[a-z]")


@dataclass(frozen=True)
class VendorRules:
    """The parsed ``metadata/vendors.json``."""

    vendors: dict[str, dict[str, Any]]

    @cached_property
    def by_catalog_prefix(self) -> dict[str, str]:
        return {p: vid for vid, v in self.vendors.items() for p in [vid, *v["catalog_prefixes"]]}

    @cached_property
    def name_prefixes(self) -> list[tuple[str, str]]:
        # Longest first, so "open-mistral" beats a shorter prefix of another vendor.
        pairs = [(p, vid) for vid, v in self.vendors.items() for p in v["name_prefixes"]]
        return sorted(pairs, key=lambda pair: (-len(pair[0]), pair[0]))

    @cached_property
    def renames(self) -> dict[str, list[tuple[re.Pattern[str], str]]]:
        return {vid: [(re.compile(r["pattern"]), r["to"]) for r in v.get("renames", ())] for vid, v in self.vendors.items()}

    def renamed(self, model_id: str) -> str:
        """``model_id`` as its vendor names it (the first of its ``renames`` that matches)."""
        vendor, _, slug = model_id.partition("/")
        for pattern, to in self.renames.get(vendor, ()):
            if pattern.match(slug):
                return f"{vendor}/{pattern.sub(to, slug)}"
        return model_id

    @cached_property
    def by_first_party_provider(self) -> dict[str, str]:
        return {p: vid for vid, v in self.vendors.items() for p in v["first_party_providers"]}

    def is_first_party(self, provider: str, vendor: str) -> bool:
        """Whether ``provider`` is the vendor's own API (Anthropic's for Claude models)."""
        return provider in self.vendors.get(vendor, {}).get("first_party_providers", ())

    def vendor_for_name(self, slug: str) -> str | None:
        for prefix, vendor in self.name_prefixes:
            if slug.startswith(prefix) and not _NAME_BOUNDARY.match(slug[len(prefix) : len(prefix) + 1]):
                return vendor
        return None

    @cached_property
    def _linked(self) -> dict[tuple[str, str], str]:
        return {}  # (provider, upstream id) → canonical id: a run asks for each several times

    def canonical_model_id(self, provider: str, upstream_id: str) -> str:
        """The canonical model id an offering links to (see the module docstring)."""
        key = (provider, upstream_id)
        known = self._linked.get(key)
        if known is None:
            known = self._linked[key] = self.renamed(self.written_model_id(provider, upstream_id))
        return known

    def written_model_id(self, provider: str, upstream_id: str) -> str:
        """The model id as the offering's id writes it: rules 1–3 before the vendor's renames."""
        text = upstream_id.strip()
        bedrock = _BEDROCK.match(text.lower()) if "/" not in text else None
        if bedrock and bedrock.group("vendor") in self.by_catalog_prefix:
            namespaces = [bedrock.group("vendor")]
            name = _BEDROCK_VERSION.sub("", bedrock.group("rest"))
        else:
            segments = [s for s in text.split("/") if s]
            namespaces, name = segments[:-1], segments[-1] if segments else text
        name = _VARIANT.sub("", undecorated(name, fireworks=provider == "fireworks-ai"))
        slug = normalize_model_slug(name)
        vendor = next(
            (self.by_catalog_prefix[s.lower()] for s in reversed(namespaces) if s.lower() in self.by_catalog_prefix),
            None,
        )
        vendor = vendor or self.vendor_for_name(slug)
        if vendor is None and len(namespaces) == 1:
            vendor = slugify(namespaces[0])
        if vendor is None:
            vendor = self.by_first_party_provider.get(provider, provider)
        return f"{vendor}/{slug}"
