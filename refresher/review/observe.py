"""``faimeta observe``: the catalog's prices checked against what providers billed.

Reads recorded exchanges — VCR cassettes (YAML, as recorded by vcrpy and pydantic-ai's tests)
and JSONL lines ``{"provider": P, "at": ISO-8601, "response": <body>, "api"?: A, "model"?: M,
"billed_usd"?: USD}`` (a gateway's export: the bill, when the response does not carry it)
— and for each response with usage: the model, the offering compared, the tokens, the quote at
the response's time, the billed cost, the difference and a verdict
(:meth:`gate_consumer.Catalog.check_billed`). Only model, tokens, cost and time are read; a
prompt never leaves the file it is in.

Which offering is compared: OpenRouter bills the request at the price of the upstream that
served it, which can differ from the price OpenRouter lists for the model; the comparison is with
OpenRouter's own offering of the model (what a gateway routing through OpenRouter is charged at
its list price), and the upstream is reported beside it so a difference can be read. The model is
the one the response names (what was served), else the one the request asked for.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from gate_consumer import Catalog, usage_from_response
from gate_consumer.errors import AmbiguousModelError, UnknownModelError
from gate_consumer.instants import format_instant

__all__ = ["Observation", "observe_paths", "read_exchanges", "summary"]


class Exchange(NamedTuple):
    """One recorded response: where it is, the provider and API it came from, when, the model the
    request asked for, and its body."""

    where: str
    provider: str
    api: str
    at: str | None
    requested: str | None
    body: Any
    billed_usd: float | None = None  # what the gateway was billed, when the response does not say


class Observation(NamedTuple):
    where: str
    verdict: str  # agrees, differs, unpriced, unknown-model, invalid-usage, no-usage, no-cost
    model: str | None = None
    offering: str | None = None
    upstream: str | None = None
    at: str | None = None
    tokens: dict[str, int] | None = None
    quote_usd: float | None = None
    billed_usd: float | None = None
    difference_usd: float | None = None
    reason: str = ""
    unrecognized: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self._asdict().items() if v not in (None, "", ())}


def read_exchanges(path: Path) -> Iterator[Exchange]:
    """Every response in a cassette (``.yaml``/``.yml``) or a JSONL file (``.jsonl``); a folder is
    read file by file, in name order. Raises ``ValueError`` naming the file for one it cannot read."""
    if path.is_dir():
        for child in sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml", ".jsonl")):
            yield from read_exchanges(child)
        return
    if path.suffix == ".jsonl":
        yield from _jsonl(path)
    elif path.suffix in (".yaml", ".yml"):
        yield from _cassette(path)
    else:
        raise ValueError(f"{path}: not a cassette (.yaml) or a JSONL file (.jsonl)")


def _cassette(path: Path) -> Iterator[Exchange]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: not a readable cassette ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise ValueError(f"{path}: a cassette has a list of interactions")
    for i, interaction in enumerate(data["interactions"]):
        request, response = interaction.get("request") or {}, interaction.get("response") or {}
        uri = str(request.get("uri", ""))
        body = response.get("parsed_body") if "parsed_body" in response else (response.get("body") or {}).get("string")
        sent = request.get("parsed_body") if isinstance(request.get("parsed_body"), dict) else {}
        provider = "openrouter" if "openrouter.ai" in uri else _host_provider(uri)
        api = "openrouter" if provider == "openrouter" else ("openai-responses" if uri.endswith("/responses")
                                                             else "openai-chat")
        yield Exchange(f"{path.name}#{i}", provider, api, None, sent.get("model"), body)


def _host_provider(uri: str) -> str:
    for host, provider in (("api.openai.com", "openai"), ("api.anthropic.com", "anthropic"),
                           ("generativelanguage.googleapis.com", "google")):
        if host in uri:
            return provider
    return "unknown"


_DEFAULT_API = {"openrouter": "openrouter", "anthropic": "anthropic", "google": "gemini"}


def _jsonl(path: Path) -> Iterator[Exchange]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read ({exc})") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise ValueError(f"{path}:{n}: not a JSON object") from None
        if not isinstance(record, dict) or not isinstance(record.get("provider"), str) or "response" not in record:
            raise ValueError(f"{path}:{n}: a line needs provider and response")
        api = record.get("api") or _DEFAULT_API.get(record["provider"], "openai-chat")
        billed = record.get("billed_usd")
        yield Exchange(f"{path.name}:{n}", record["provider"], api, record.get("at"), record.get("model"),
                       record["response"], billed if isinstance(billed, (int, float)) and not isinstance(billed, bool)
                       else None)


def observe_paths(catalog: Catalog, paths: list[Path]) -> list[Observation]:
    """An :class:`Observation` of every recorded response under ``paths``."""
    return [_observe(catalog, exchange) for path in paths for exchange in read_exchanges(path)]


def _observe(catalog: Catalog, ex: Exchange) -> Observation:
    if ex.body is None:
        return Observation(ex.where, "no-usage", reason="the response has no body")
    try:
        seen = usage_from_response(ex.body, ex.api)
    except (ValueError, TypeError) as exc:
        return Observation(ex.where, "no-usage", model=ex.requested, reason=str(exc))
    at = ex.at or _created(ex.body)
    tokens = {k: v for k, v in seen.usage._asdict().items() if v and k != "requests"}
    base = Observation(ex.where, "no-cost", model=seen.model or ex.requested, upstream=seen.upstream, at=at,
                       tokens=tokens, unrecognized=seen.unrecognized)
    if seen.billed_usd is None and ex.billed_usd is not None:
        seen = seen._replace(billed_usd=float(ex.billed_usd))
    if seen.billed_usd is None:
        return base._replace(reason="neither the response nor the record carries a billed cost")
    offering, why = _offering(catalog, ex.provider, [m for m in (seen.model, ex.requested) if m])
    if offering is None:
        return base._replace(verdict="unknown-model", billed_usd=seen.billed_usd, reason=why)
    check = catalog.check_billed(offering, seen.usage, seen.billed_usd, at=at)
    note = ""
    if check.verdict == "unpriced" and at and "no price is known for" in check.reason:
        # the response predates every observation of the price: compare with the earliest known one
        check = catalog.check_billed(offering, seen.usage, seen.billed_usd)
        note = f"the response predates the catalog's price (known since {check.quote.price_as_of[:10]})" \
            if check.quote else ""
    reason = "; ".join(r for r in (check.reason, _cause(check.verdict, seen, offering, ex.provider), note) if r)
    return base._replace(
        verdict=check.verdict, offering=offering, billed_usd=seen.billed_usd, reason=reason,
        quote_usd=check.quote.total_usd if check.quote else None, difference_usd=check.difference_usd)


def _offering(catalog: Catalog, provider: str, models: list[str]) -> tuple[str | None, str]:
    """The provider's offering of the first model that names one, or why none does (why the
    first one, the model that served the response, does not)."""
    whys = []
    for model in models:
        key = f"{provider}/{model}"
        try:
            return catalog.pick_offering(key).key, ""
        except (UnknownModelError, AmbiguousModelError) as exc:
            whys.append(str(exc))
    return None, whys[0] if whys else "the response names no model"


def _cause(verdict: str, seen: Any, offering: str, provider: str) -> str:
    """A likely cause of a difference, from what the response says beside its tokens."""
    if verdict != "differs":
        return ""
    causes = []
    if any("server_tool_use" in field for field in seen.unrecognized):
        causes.append("server-side tool use (web search) is billed beside the tokens")
    if seen.upstream and provider == "openrouter":
        causes.append(f"served by {seen.upstream}, whose price can differ from {offering}'s list price")
    if seen.billed_split:
        prompt_usd, completion_usd = seen.billed_split
        usage = seen.usage
        parts = [f"prompt ${prompt_usd:.6g} for {usage.input_tokens:,} tokens"
                 + (f" ({prompt_usd / usage.input_tokens * 1e6:.4g} per 1M)" if usage.input_tokens else ""),
                 f"completion ${completion_usd:.6g} for {usage.output_tokens:,} tokens"
                 + (f" ({completion_usd / usage.output_tokens * 1e6:.4g} per 1M)" if usage.output_tokens else "")]
        other = seen.billed_usd - prompt_usd - completion_usd if seen.billed_usd is not None else 0.0
        if abs(other) > 1e-9:
            parts.append(f"${other:.6g} beside the tokens")
        causes.append("the bill: " + ", ".join(parts))
    return "; ".join(causes)


def _created(body: Any) -> str | None:
    """When a response was made: its ``created`` / ``created_at`` (Unix seconds)."""
    if not isinstance(body, dict):
        return None
    stamp = body.get("created") or body.get("created_at")
    if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and stamp > 0:
        return format_instant(datetime.fromtimestamp(stamp, tz=timezone.utc))
    return None


def summary(observations: list[Observation]) -> dict[str, Any]:
    """Totals per verdict and per upstream (with the share agreeing among the compared)."""
    verdicts = Counter(o.verdict for o in observations)
    upstreams: dict[str, Counter[str]] = {}
    for o in observations:
        upstreams.setdefault(o.upstream or "(not said)", Counter())[o.verdict] += 1
    compared = verdicts["agrees"] + verdicts["differs"]
    return {
        "responses": len(observations),
        "verdicts": dict(sorted(verdicts.items())),
        "agreement": round(verdicts["agrees"] / compared, 4) if compared else None,
        "by_upstream": {name: dict(sorted(c.items())) for name, c in sorted(upstreams.items())},
        "billed_usd": round(sum(o.billed_usd or 0 for o in observations), 8),
        "quoted_usd": round(sum(o.quote_usd or 0 for o in observations if o.quote_usd is not None), 8),
    }
