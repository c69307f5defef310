"""``faimeta validate``: is the metadata tree correct, consistent and plausible?

Checks, each problem naming the file, the record and the field:

1. every file parses as strict JSON (no duplicate keys, no NaN);
2. every file matches its JSON Schema (jsonschema, draft 2020-12) and its pydantic model
   (dates that match the pattern but do not exist, such as 2026-02-30);
3. referential integrity: file name ↔ id, offering → model, alias → exactly one model,
   provenance → a registered source and a present fact, ledger → registered sources;
4. sanity: token prices within plausible magnitudes (unit mix-ups); output cheaper than input
   is a warning, not an error;
5. keys stay home: a source's URL is https on the host its adapter documents, and its key
   variable is its own (``GITHUB_TOKEN`` never is).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from gate_consumer.checks import UNMETERED_ROUTES, url_host
from gate_consumer.facts import (
    MODEL_FACTS,
    OFFERING_FACTS,
    PROVIDER_FACTS,
    FactSpec,
    fact_count,
    fact_paths,
    get_fact,
)
from gate_consumer.instants import parse_instant, utc_now
from gate_consumer.provenance import dangling_problem
from refresher.rules.sanity import image_rate_problem, token_price_problems
from refresher.rules.text import host_owners
from refresher.sources.registry import registry_problems
from refresher.tree import schema
from refresher.tree.bulk import gc_paused
from refresher.tree.record_schema import FILE_KINDS
from refresher.tree.store import Tree, TreeProblem, load_tree

__all__ = ["Problem", "acknowledge", "tree_problems", "validate_tree"]


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    record: str
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.record, self.field) if part)
        return f"{self.severity}: {where}: {self.message}"


@cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(schema.generate()[f"{kind}.schema.json"])


def _record_and_field(kind: str, path: list[Any]) -> tuple[str, str]:
    """Split a JSON path into the record it is in and the field within it."""
    parts = [str(p) for p in path]
    if kind == "provider" and parts[:1] == ["offerings"] and len(parts) > 1:
        return f"offering {parts[1]!r}", ".".join(parts[2:])
    if kind == "models" and parts[:1] == ["models"] and len(parts) > 1:
        return f"model {parts[1]!r}", ".".join(parts[2:])
    if kind == "ledger" and parts[:1] == ["sources"] and len(parts) > 1:
        return f"source {parts[1]!r}", ".".join(parts[2:])
    return "", ".".join(parts)


def _shape(file: str, kind: str, data: Any, schema: bool = False, text: str | None = None) -> list[Problem]:
    """The shape problems of one file (``text``: the file's text, if ``data`` is what it
    holds). The fast path is pydantic's core, strict (no coercion:
    ``"3"`` is not a number), which accepts exactly what the published JSON Schema accepts (a
    test holds the two to the same verdict on the fault corpus); the JSON Schema itself runs
    when the fast path finds a problem (its messages name the field) or when ``schema`` asks
    for the published contract's own check (``faimeta validate --schema``, in CI)."""
    model: type[BaseModel] = FILE_KINDS[kind]
    if not schema:
        try:
            model.model_validate(data, strict=True)
            # the models take None for "absent"; the schema takes no null. JSON spells it one way:
            # a file whose text has no "null" holds none, and only the others are walked.
            if (text is not None and "null" not in text) or not _has_null(data):
                return []
        except ValidationError:
            pass  # say what is wrong in the published schema's words, below
    problems = []
    for error in sorted(_validator(kind).iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        record, field = _record_and_field(kind, list(error.absolute_path))
        problems.append(Problem(file, record, field, error.message))
    if problems:
        return problems
    try:
        model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            record, field = _record_and_field(kind, [p for p in err["loc"] if not str(p).startswith("function-")])
            problems.append(Problem(file, record, field, err["msg"]))
    return problems


def _has_null(data: Any) -> bool:
    """Whether a JSON value holds a null anywhere (absent is never null in these files)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if value is None:
            return True
        if type(value) is dict:
            stack.extend(value.values())
        elif type(value) is list:
            stack.extend(value)
    return False


def _files(tree: Tree) -> Iterator[tuple[str, str, Any]]:
    yield "metadata/sources.json", "sources", tree.sources
    yield "metadata/ledger.json", "ledger", tree.ledger
    for slug, data in sorted(tree.providers.items()):
        yield f"metadata/providers/{slug}.json", "provider", data
    for slug, data in sorted(tree.vendors.items()):
        yield f"metadata/models/{slug}.json", "models", data


def _provenance_problems(
    file: str, record: str, data: dict[str, Any], spec: FactSpec, sources: dict[str, Any]
) -> Iterator[Problem]:
    encoded = data.get("provenance")
    if encoded is None:
        if fact_count(data, spec):
            yield Problem(file, record, "provenance", "the record holds facts and says nowhere where they came from")
        return
    fields = encoded.get("fields") or {}
    # read in place, fact by fact only when needed: a list of every fact's path per record, or a
    # provenance object per fact, is what made this slow
    if fields:
        dangling = dangling_problem(encoded, [path for path in fields if get_fact(data, path) is not None])
        if dangling:
            yield Problem(file, record, "provenance.fields", dangling)
            return
    default = encoded["source"]
    if default not in sources or (fields and not all(entry["source"] in sources for entry in fields.values())):
        for path in fact_paths(data, spec):
            source = fields[path]["source"] if path in fields else default
            if source not in sources:
                yield Problem(file, record, path, f"source {source!r} is not in metadata/sources.json")
    for kind in ("disagreements", "agreements"):
        for path, entries in (data.get(kind) or {}).items():
            for entry in entries:
                if entry["source"] not in sources:
                    yield Problem(file, record, f"{kind}.{path}", f"source {entry['source']!r} is not registered")
            if kind == "agreements" and get_fact(data, path) is None:
                yield Problem(file, record, f"agreements.{path}", "agreement with a fact the record does not hold")


def _price_problems(file: str, record: str, price: dict[str, Any], where: str = "price",
                    agreements: Mapping[str, Any] | None = None) -> Iterator[Problem]:
    for path, message in token_price_problems(price, where):
        yield Problem(file, record, path, message)
    # Output at 0 is normal (embeddings, rerankers); cheaper-but-paid output is worth a look —
    # unless other sources state the same input and output (a classifier, an OCR model: two
    # catalogs do not make the same slip on the same row)
    confirmed = agreements is not None and all(agreements.get(f"price.{c}") for c in ("input", "output"))
    if where == "price" and 0 < price.get("output", 0) < price.get("input", 0) and not confirmed:
        yield Problem(
            file, record, "price.output", f"output {price['output']} is cheaper than input {price['input']}", "warning"
        )


def _image_rate_problems(file: str, record: str, offering: dict[str, Any]) -> Iterator[Problem]:
    problem = image_rate_problem(offering)
    if problem:
        yield Problem(file, record, "price.output", problem, "warning")


def _region_problems(file: str, record: str, price: dict[str, Any], listed: list[str] | None) -> Iterator[Problem]:
    """A regional price is for a region the provider lists; one it does not list (yet: a catalog
    can price a region before the provider's own list names it) is kept, with a warning."""
    regions = sorted(price.get("regions") or ())
    if regions and listed is None:
        yield Problem(file, record, "price.regions", f"the provider lists no regions to check {', '.join(regions)} "
                                                     "against", "warning")
    for region in regions:
        if listed is not None and region not in listed:
            yield Problem(file, record, f"price.regions.{region}",
                          f"region {region!r} is not one the provider lists ({', '.join(listed[:12])}"
                          f"{'…' if len(listed) > 12 else ''})", "warning")


def _integrity(tree: Tree) -> Iterator[Problem]:
    sources = tree.sources.get("sources", {})
    for name, entry in sorted(sources.items()):
        for message in registry_problems(name, entry):
            field, _, why = message.partition(": ")
            yield Problem("metadata/sources.json", f"source {name!r}", field, why)
    model_ids: dict[str, str] = {}
    alias_owner: dict[str, str] = {}
    for vendor, data in sorted(tree.vendors.items()):
        file = f"metadata/models/{vendor}.json"
        if data.get("vendor") != vendor:
            yield Problem(file, "", "vendor", f"file is named {vendor!r} but holds vendor {data.get('vendor')!r}")
        for slug in data.get("models", {}):
            model_ids[f"{vendor}/{slug}".lower()] = f"{vendor}/{slug}"
    for vendor, data in sorted(tree.vendors.items()):
        file = f"metadata/models/{vendor}.json"
        for slug, model in sorted(data.get("models", {}).items()):
            model_id, record = f"{vendor}/{slug}", f"model {slug!r}"
            yield from _provenance_problems(file, record, model, MODEL_FACTS, sources)
            for alias in model.get("aliases", []):
                key = alias.lower()
                if key in model_ids and model_ids[key] != model_id:
                    yield Problem(file, record, "aliases", f"alias {alias!r} is the id of model {model_ids[key]}")
                elif key in alias_owner and alias_owner[key] != model_id:
                    yield Problem(
                        file, record, "aliases", f"alias {alias!r} also names {alias_owner[key]}: ambiguous"
                    )
                alias_owner.setdefault(key, model_id)
    owners = host_owners(tree.providers, sources)
    for slug, data in tree.providers.items():  # any order: the problems are sorted at the end
        file = f"metadata/providers/{slug}.json"
        host = url_host(data.get("base_url"))
        if host in owners and owners[host] != slug and data.get("route_type") not in UNMETERED_ROUTES:
            yield Problem(file, "", "base_url", f"the host {host} is {owners[host]}'s: one metered provider per host "
                                                "(Gate would send that provider's routes' costs here)")
        if data.get("id") != slug:
            yield Problem(file, "", "id", f"file is named {slug!r} but holds provider {data.get('id')!r}")
        yield from _provenance_problems(file, "", data, PROVIDER_FACTS, sources)
        for upstream_id, offering in data.get("offerings", {}).items():
            record = f"offering {upstream_id!r}"
            if offering.get("model", "").lower() not in model_ids:
                yield Problem(file, record, "model", f"model {offering.get('model')!r} is not in metadata/models/")
            yield from _provenance_problems(file, record, offering, OFFERING_FACTS, sources)
            if offering.get("price"):
                yield from _price_problems(file, record, offering["price"], agreements=offering.get("agreements") or {})
                yield from _image_rate_problems(file, record, offering)
                yield from _region_problems(file, record, offering["price"], data.get("regions"))
            for i, entry in enumerate(offering.get("price_history", [])):
                yield from (p for p in _price_problems(file, record, entry["price"], f"price_history[{i}].price")
                            if p.severity == "error")
                if entry["until"] < entry["as_of"]:
                    yield Problem(file, record, f"price_history[{i}]", "until is before as_of")
            if offering.get("model_history"):
                yield from _model_history_problems(file, record, offering, model_ids)
    for source, entry in sorted(tree.ledger.get("sources", {}).items()):
        if source not in sources:
            yield Problem("metadata/ledger.json", f"source {source!r}", "", "not in metadata/sources.json")
        for provider in entry.get("listed", {}):
            if provider not in tree.providers:
                yield Problem("metadata/ledger.json", f"source {source!r}", f"listed.{provider}", "no such provider")


def _model_history_problems(file: str, record: str, offering: Mapping[str, Any],
                            model_ids: Mapping[str, str]) -> Iterator[Problem]:
    """A moving alias's links: oldest first, each until the next began, the last the one it stands for now."""
    history = offering["model_history"]
    for i, link in enumerate(history):
        if link["model"].lower() not in model_ids:
            yield Problem(file, record, f"model_history[{i}].model", f"model {link['model']!r} is not in metadata/models/")
        last = i == len(history) - 1
        if last and (link.get("until") is not None or link["model"] != offering["model"]):
            yield Problem(file, record, f"model_history[{i}]", "the last link is the model it stands for now "
                                                                 f"({offering['model']}), without until")
        elif not last and link.get("until") != history[i + 1]["as_of"]:
            yield Problem(file, record, f"model_history[{i}].until", "each link holds until the next one begins")
        elif link.get("until") is not None and link["until"] < link["as_of"]:
            yield Problem(file, record, f"model_history[{i}]", "until is before as_of")


@gc_paused()
def validate_tree(root: Path, *, schema: bool = False, now: datetime | None = None) -> list[Problem]:
    """Every problem in the tree at ``root`` (``metadata/``), errors and warnings, sorted; a
    warning ``sources.json`` acknowledges (until after ``now``) has the severity
    ``acknowledged``. ``schema``: check every file against the published JSON Schema too
    (slower; see ``_shape``)."""
    try:
        tree = load_tree(root)
    except TreeProblem as exc:
        return [Problem(p.split(": ", 1)[0], "", "", p.split(": ", 1)[-1]) for p in exc.problems]
    problems = tree_problems(tree, schema=schema, texts=tree.texts)
    return acknowledge(problems, tree.sources.get("acknowledged", []), now or utc_now())


def acknowledge(problems: list[Problem], acknowledgements: list[Mapping[str, Any]], now: datetime) -> list[Problem]:
    """``problems`` with each warning an acknowledgement matches (file, record and field, with
    shell-style wildcards) marked ``acknowledged``; a lapsed acknowledgement matches nothing and
    is a warning of its own (look again), as is one that matches nothing (its warning is gone:
    remove it). Errors are never acknowledged."""
    from fnmatch import fnmatchcase

    standing = [parse_instant(a["until"]) > now for a in acknowledgements]
    used: set[int] = set()
    out = []
    for problem in problems:
        match = next((i for i, a in enumerate(acknowledgements) if standing[i] and problem.severity == "warning"
                      and fnmatchcase(problem.file, a["file"]) and fnmatchcase(problem.record, a.get("record", "*"))
                      and fnmatchcase(problem.field, a["field"])), None)
        if match is not None:
            used.add(match)
            problem = replace(problem, severity="acknowledged")
        out.append(problem)
    where = "metadata/sources.json"
    for i, a in enumerate(acknowledgements):
        label = f"acknowledged {a['file']} {a.get('record', '*')} {a['field']}"
        if not standing[i]:
            out.append(Problem(where, label, "until", f"lapsed on {a['until']}: the warning counts again; look at it "
                                                      "and fix it, or acknowledge it anew", "warning"))
        elif i not in used:
            out.append(Problem(where, label, "", "matches no warning: remove it", "warning"))
    return sorted(out)


@gc_paused()
def tree_problems(tree: Tree, *, schema: bool = False, texts: Mapping[str, str] | None = None) -> list[Problem]:
    """Every problem in a tree already in memory (the checks of :func:`validate_tree` after
    reading the files): how a write validates what it is about to write. ``texts``: the text of
    each file (by path in the tree) that holds exactly the data in memory, if known."""
    texts = texts or {}
    problems = [p for file, kind, data in _files(tree)
                for p in _shape(file, kind, data, schema, texts.get(file.removeprefix("metadata/")))]
    if any(p.severity == "error" for p in problems):
        return sorted(problems)  # integrity checks assume well-formed records
    problems.extend(_integrity(tree))
    return sorted(problems)
