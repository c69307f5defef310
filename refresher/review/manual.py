"""``faimeta review``: a human pins a fact, with a source URL, a reviewer and an expiry.

A manual review is the strongest evidence there is until it expires (DESIGN.md precedence):
automated sources that say otherwise are recorded as disagreements, not applied. The value it
replaces, if an automated source stated it, is kept as that source's disagreement — so the
reviewer's PR shows both. After the expiry the fact ages like any other and the next refresh
applies the automated value again (the reviewed price moves to the price history).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gate_consumer.facts import OFFERING_FACTS, PROVIDER_FACTS, FactSpec, get_fact, set_fact
from gate_consumer.instants import format_instant, parse_instant
from gate_consumer.provenance import FactProvenance, encode_provenance, record_provenance
from refresher.rules.sanity import same_value
from refresher.rules.text import name_problem, url_problem
from refresher.run.evidence_book import drop_entry, note_disagreement, store_entries, value_replaced
from refresher.tree.record_schema import OfferingRecord
from refresher.tree.store import Tree

__all__ = [
    "MANUAL_SOURCE", "Review", "ReviewError", "expiring_reviews", "git_identity", "parse_expiry", "parse_provider_value",
    "parse_value", "record_provider_review", "record_review",
]

MANUAL_SOURCE = "manual"
_DURATION = re.compile(r"^(?P<n>\d{1,4})(?P<unit>[dw])$")


class ReviewError(ValueError):
    """The review cannot be recorded; the message names what is wrong."""


@dataclass(frozen=True)
class Review:
    provider: str
    upstream_id: str | None  # None: a fact of the provider itself
    path: str
    old: Any
    new: Any
    old_source: str | None
    expires: str


def parse_expiry(text: str, now: datetime) -> str:
    """``90d``, ``12w`` or a date/instant → the expiry instant."""
    match = _DURATION.match(text.strip())
    if match:
        days = int(match["n"]) * (7 if match["unit"] == "w" else 1)
        if days < 1:
            raise ReviewError(f"--expires {text!r}: a review must last at least a day")
        return format_instant(now + timedelta(days=days))
    try:
        when = parse_instant(text.strip())
    except ValueError:
        raise ReviewError(f"--expires {text!r}: use a duration like 90d or 12w, or a date like 2027-03-01") from None
    if when <= now:
        raise ReviewError(f"--expires {text!r} is not in the future")
    return format_instant(when)


def _fact_names() -> dict[str, set[str]]:
    """Section → the field names the offering schema allows (price, limits, capabilities, modalities)."""
    names: dict[str, set[str]] = {}
    for section in OFFERING_FACTS.sections:
        annotation = OfferingRecord.model_fields[section].annotation
        model = next(a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields"))
        names[section] = set(model.model_fields)
    return names


def parse_value(path: str, text: str) -> Any:
    """The value of ``path`` from the command line, in the field's type."""
    section, _, name = path.partition(".")
    if not name:
        if path not in OFFERING_FACTS.scalars:
            raise ReviewError(f"{path!r} is not a tracked fact; use one of {', '.join(OFFERING_FACTS.scalars)} "
                              f"or section.field ({', '.join(OFFERING_FACTS.sections)})")
        return text
    allowed = _fact_names().get(section)
    if allowed is None or name not in allowed:
        raise ReviewError(f"{path!r} is not a tracked fact" + (f"; {section} has {', '.join(sorted(allowed))}" if allowed else ""))
    if path == "price.tiers":
        raise ReviewError("price.tiers is a table: edit it in the file and pin it in review")
    try:
        if section == "price":
            value = float(text)
            return int(value) if value.is_integer() else value
        if section == "limits":
            return int(text)
    except ValueError:
        raise ReviewError(f"{path}: {text!r} is not a number") from None
    if section == "capabilities":
        if text.lower() not in ("true", "false"):
            raise ReviewError(f"{path}: {text!r} is not true or false")
        return text.lower() == "true"
    return sorted({m.strip() for m in text.split(",") if m.strip()})  # modalities


def parse_provider_value(path: str, text: str) -> Any:
    """The value of the provider fact ``path`` from the command line, checked as a refresh
    checks it (a URL must be https and parse, a name readable); lists comma-separated."""
    if path not in PROVIDER_FACTS.scalars:
        raise ReviewError(f"{path!r} is not a tracked provider fact; use one of {', '.join(PROVIDER_FACTS.scalars)} "
                          "(route_type, api_style and billing_mode are curated: edit the file)")
    if path in ("api_key_env", "regions"):
        return [v.strip() for v in text.split(",") if v.strip()]
    problem = url_problem(text) if path.endswith("_url") else name_problem(text)
    if problem:
        raise ReviewError(f"{path}: {problem}")
    return text


def find_offering(tree: Tree, provider: str, model: str) -> str:
    """The upstream id of ``provider``'s offering named ``model`` (its upstream id, or the
    canonical model id it links to, if only one offering does)."""
    record = tree.providers.get(provider)
    if record is None:
        raise ReviewError(f"no provider {provider!r} in the metadata")
    offerings = record["offerings"]
    if model in offerings:
        return model
    linked = sorted(uid for uid, o in offerings.items() if o["model"].lower() == model.lower())
    if len(linked) == 1:
        return linked[0]
    if linked:
        raise ReviewError(f"{provider} has {len(linked)} offerings of {model}: {', '.join(linked)}; name one")
    raise ReviewError(f"{provider} has no offering {model!r}")


def record_review(
    tree: Tree, provider: str, model: str, path: str, value: Any, *, source_url: str, expires: str,
    reviewer: str, now: datetime,
) -> Review:
    """Pin ``path`` of one offering to ``value`` in ``tree`` (in place)."""
    _check_reviewable(tree, source_url)
    upstream_id = find_offering(tree, provider, model)
    record = tree.providers[provider]["offerings"][upstream_id]
    old, old_source = _pin(record, OFFERING_FACTS, path, value, FactProvenance(
        MANUAL_SOURCE, format_instant(now), source_url, expires, reviewer))
    return Review(provider, upstream_id, path, old, value, old_source, expires)


def record_provider_review(
    tree: Tree, provider: str, path: str, value: Any, *, source_url: str, expires: str, reviewer: str, now: datetime,
) -> Review:
    """Pin the provider fact ``path`` (its ``base_url``, ``api_key_env``…) to ``value`` in
    ``tree`` (in place): until it expires, no source moves it."""
    _check_reviewable(tree, source_url)
    record = tree.providers.get(provider)
    if record is None:
        raise ReviewError(f"no provider {provider!r} in the metadata")
    old, old_source = _pin(record, PROVIDER_FACTS, path, value, FactProvenance(
        MANUAL_SOURCE, format_instant(now), source_url, expires, reviewer))
    return Review(provider, None, path, old, value, old_source, expires)


def _check_reviewable(tree: Tree, source_url: str) -> None:
    if MANUAL_SOURCE not in tree.sources.get("sources", {}):
        raise ReviewError(f"metadata/sources.json has no {MANUAL_SOURCE!r} source of type manual-review")
    if not re.match(r"^https?://\S+$", source_url):
        raise ReviewError(f"--source-url {source_url!r} is not an http(s) URL")


def _pin(record: dict[str, Any], spec: FactSpec, path: str, value: Any, review: FactProvenance) -> tuple[Any, str | None]:
    """Set ``path`` of ``record`` to ``value`` held by ``review``; the value it replaces, if an
    automated source stated it, becomes that source's disagreement. Returns the old value and
    its source."""
    facts = record_provenance(record, spec)
    old = get_fact(record, path)
    old_prov = facts.get(path)
    set_fact(record, path, value)
    facts[path] = review
    record["provenance"] = encode_provenance(facts)
    agreements, disagreements = record.get("agreements", {}), record.get("disagreements", {})
    if old is not None and not same_value(old, value):
        value_replaced(agreements, disagreements, path, MANUAL_SOURCE, old, value, tracked=path.startswith("price."))
        if old_prov is not None and old_prov.source != MANUAL_SOURCE:
            note_disagreement(disagreements, path, old_prov.source, old, old_prov.as_of)
    else:
        drop_entry(disagreements, path, MANUAL_SOURCE)
    store_entries(record, agreements, disagreements)
    return old, old_prov.source if old_prov else None


def expiring_reviews(tree: Tree, now: datetime, within_days: int = 30,
                     providers: list[str] | None = None) -> list[dict[str, Any]]:
    """Manual reviews that expire within ``within_days`` (or expired already), soonest first;
    of ``providers`` only, when given."""
    horizon = format_instant(now + timedelta(days=within_days))
    found = []
    for provider in sorted(providers or tree.providers):
        record = tree.providers[provider]
        for path, prov in record_provenance(record, PROVIDER_FACTS).items():
            if prov.source == MANUAL_SOURCE and prov.expires and prov.expires <= horizon:
                found.append({"offering": provider, "fact": path, "expires": prov.expires,
                              "expired": prov.expires <= format_instant(now), "by": prov.by, "ref": prov.ref})
        for upstream_id, offering in sorted(record["offerings"].items()):
            for path, prov in record_provenance(offering, OFFERING_FACTS).items():
                if prov.source == MANUAL_SOURCE and prov.expires and prov.expires <= horizon:
                    found.append({"offering": f"{provider}/{upstream_id}", "fact": path, "expires": prov.expires,
                                  "expired": prov.expires <= format_instant(now), "by": prov.by, "ref": prov.ref})
    return sorted(found, key=lambda r: (r["expires"], r["offering"], r["fact"]))


def git_identity(repo_dir: Path) -> str:
    """``Name <email>`` from git config: who the reviewer is."""
    import subprocess

    def read(key: str) -> str:
        try:
            out = subprocess.run(["git", "config", key], cwd=repo_dir, capture_output=True, text=True)
        except OSError:
            return ""
        return out.stdout.strip()

    name, email = read("user.name"), read("user.email")
    if not name or not email:
        raise ReviewError("set your git identity first (git config user.name / user.email): it names the reviewer")
    return f"{name} <{email}>"
