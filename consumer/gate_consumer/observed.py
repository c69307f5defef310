"""What a response says it used and cost: token counts from a response body, and the check of a
catalog price against the cost a provider billed.

Fields, per API (``api=``), into :class:`~gate_consumer.pricing.Usage` (whose ``input_tokens``
counts every prompt token, cached or not, and ``output_tokens`` every generated one):

============================  ====================================================================
``openai-chat``               ``usage.prompt_tokens`` → input; ``prompt_tokens_details.cached_tokens``
                              → cache_read; ``…cache_write_tokens`` (OpenRouter) → cache_write;
                              ``…audio_tokens`` / ``…image_tokens`` → input audio / image (less
                              the cached ones of ``cached_tokens_details``, which → cache_read
                              audio); ``completion_tokens`` → output; ``completion_tokens_details
                              .reasoning_tokens`` → reasoning, ``…audio_tokens`` / ``…image_tokens``
                              → output audio / image
``openai-responses``          ``usage.input_tokens``, ``input_tokens_details.cached_tokens`` /
                              ``cache_write_tokens`` / ``audio_tokens`` / ``image_tokens``,
                              ``output_tokens``, ``output_tokens_details.reasoning_tokens`` /
                              ``audio_tokens`` / ``image_tokens``, the same way (the Images API's
                              ``usage`` has this shape: its output tokens are image tokens)
``anthropic``                 ``usage.input_tokens`` (the uncached part) + ``cache_read_input_tokens``
                              + ``cache_creation_input_tokens`` → input; the 5-minute and 1-hour
                              writes from ``cache_creation.ephemeral_5m/1h_input_tokens`` (all of
                              ``cache_creation_input_tokens`` is 5-minute when absent); ``output_tokens``
``gemini``                    ``usageMetadata.promptTokenCount`` (+ ``toolUsePromptTokenCount``) →
                              input; ``cachedContentTokenCount`` → cache_read; ``candidatesTokenCount``
                              + ``thoughtsTokenCount`` → output, the thoughts as reasoning; by
                              modality: ``promptTokensDetails`` AUDIO / IMAGE less the same
                              modality in ``cacheTokensDetails`` → input audio / image, AUDIO of
                              ``cacheTokensDetails`` → cache_read audio, ``candidatesTokensDetails``
                              AUDIO / IMAGE → output audio / image (TEXT, VIDEO and DOCUMENT are
                              billed as text input by the Gemini API)
``openrouter``                as ``openai-chat`` or ``openai-responses`` (whichever shape the body
                              has), plus ``usage.cost`` (USD billed; with the caller's own key,
                              ``is_byok``, ``cost_details.upstream_inference_cost``), ``provider``
                              (the upstream that served it); a streamed body's usage is in its
                              last event
============================  ====================================================================

A field the mapping does not know — or knows but cannot price yet (accepted and rejected
prediction tokens) — with a non-zero value is listed in ``unrecognized``, never dropped silently.
Standard library only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

from gate_consumer.pricing import Quote, Usage, from_fields

__all__ = [
    "APIS", "MAX_TOKENS", "TOLERANCE_SHARE", "TOLERANCE_USD", "BilledCheck", "ResponseUsage", "is_amount",
    "usage_from_response",
]

APIS = ("openai-chat", "openai-responses", "anthropic", "gemini", "openrouter")

#: A quote agrees with a bill when they differ by at most this share of the bill, or by this
#: many dollars (providers round a bill to a few significant digits: OpenRouter's 1.13e-05).
TOLERANCE_SHARE = 0.02
TOLERANCE_USD = 0.000002


class ResponseUsage(NamedTuple):
    """What a response says: its token counts, the model it names, the cost billed (when the
    response carries it), the upstream that served it (OpenRouter), the fields with a value the
    mapping could not use (``usage.completion_tokens_details.accepted_prediction_tokens``), and
    the bill split into its prompt and completion parts when the response gives them (OpenRouter's
    ``cost_details``)."""

    usage: Usage
    model: str | None = None
    billed_usd: float | None = None
    upstream: str | None = None
    unrecognized: tuple[str, ...] = ()
    billed_split: tuple[float, float] | None = None


class BilledCheck(NamedTuple):
    """A quote against a bill. ``verdict``: ``agrees`` (within the tolerance), ``differs``,
    ``unpriced`` (the catalog has no price for what was used), ``unknown-model``,
    ``invalid-usage`` (counts that contradict each other: more cached tokens than prompt tokens)
    or ``no-bill`` (the response states no amount); ``reason`` says why for the last four."""

    verdict: str
    billed_usd: float | None
    quote: Quote | None = None
    difference_usd: float | None = None  # quote − billed
    reason: str = ""

    @property
    def share(self) -> float | None:
        """The difference as a share of the bill (None without a quote or a bill)."""
        if self.difference_usd is None or not self.billed_usd:
            return None
        return self.difference_usd / self.billed_usd


def agrees(quoted: float, billed: float) -> bool:
    """Whether a quote and a bill agree (:data:`TOLERANCE_SHARE`, :data:`TOLERANCE_USD`)."""
    return abs(quoted - billed) <= max(TOLERANCE_USD, TOLERANCE_SHARE * abs(billed))


def usage_from_response(body: Mapping[str, Any] | str | bytes, api: str) -> ResponseUsage:
    """The usage a response body reports (module docstring: which field maps to which count).
    ``body`` is the decoded JSON, or its text (a JSON document, or a server-sent-event stream
    whose last event with a ``usage`` carries it). Raises ``ValueError`` — and nothing else —
    for an unknown ``api``, a body that is not a JSON object (or nests past what a reader can
    follow), a body without usage, or a token count that is not finite or beyond
    :data:`MAX_TOKENS`. ``billed_usd`` is a finite amount, not negative, or None (a ``cost``
    that is no amount is listed in ``unrecognized``)."""
    if api not in APIS:
        raise ValueError(f"unknown api {api!r}; one of {', '.join(APIS)}")
    data = _decoded(body)
    if api == "gemini":
        return _gemini(data)
    usage = data.get("usage")
    if not isinstance(usage, dict):
        raise ValueError(f"the {api} response has no usage")
    if api == "anthropic":
        return _anthropic(data, usage)
    billed, upstream, split = (_bill(data, usage) if api == "openrouter" else (None, None, None))
    if api == "openai-responses" or (api == "openrouter" and "input_tokens" in usage and "prompt_tokens" not in usage):
        found = _openai(data, usage, "input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details",
                        _RESPONSES_KNOWN, billed, upstream, split)
    else:
        found = _openai(data, usage, "prompt_tokens", "completion_tokens", "prompt_tokens_details",
                        "completion_tokens_details", _CHAT_KNOWN, billed, upstream, split)
    if api == "openrouter" and billed is None and _nonzero(usage.get("cost")) and usage.get("is_byok") is not True:
        # a cost that is no amount (NaN, infinite, negative, text) is no bill: said, not dropped
        found = found._replace(unrecognized=(*found.unrecognized, "usage.cost"))
    return found


def _bill(data: Mapping[str, Any], usage: Mapping[str, Any]) -> tuple[float | None, str | None,
                                                                       tuple[float, float] | None]:
    """OpenRouter's bill, upstream and the bill's prompt and completion parts. With the caller's
    own key (``is_byok``), OpenRouter's ``cost`` is its fee; what the upstream charged is
    ``cost_details.upstream_inference_cost``."""
    details = usage.get("cost_details") if isinstance(usage.get("cost_details"), dict) else {}
    cost = details.get("upstream_inference_cost") if usage.get("is_byok") is True else usage.get("cost")
    upstream = data.get("provider")
    prompt = details.get("upstream_inference_prompt_cost", details.get("upstream_inference_input_cost"))
    completion = details.get("upstream_inference_completions_cost", details.get("upstream_inference_output_cost"))
    split = (float(prompt), float(completion)) if is_amount(prompt) and is_amount(completion) else None
    return (float(cost) if is_amount(cost) else None), (upstream if isinstance(upstream, str) else None), split


# Fields known and used, known and ignored (totals, flags), per usage object.
_OPENAI_KNOWN = {"total_tokens", "cost", "cost_details", "is_byok", "prompt_tokens", "completion_tokens",
                 "input_tokens", "output_tokens", "server_tool_use"}
_DETAILS_KNOWN = {"cached_tokens", "cache_write_tokens", "reasoning_tokens", "audio_tokens", "image_tokens",
                  "text_tokens", "cached_tokens_details"}
_CHAT_KNOWN = frozenset(_OPENAI_KNOWN | {"prompt_tokens_details", "completion_tokens_details"})
_RESPONSES_KNOWN = frozenset(_OPENAI_KNOWN | {"input_tokens_details", "output_tokens_details"})


def _openai(data: Mapping[str, Any], usage: Mapping[str, Any], prompt: str, completion: str,
            prompt_details: str, completion_details: str, known: frozenset[str],
            billed: float | None = None, upstream: str | None = None,
            split: tuple[float, float] | None = None) -> ResponseUsage:
    unrecognized: list[str] = []
    inputs = _details(usage, prompt_details, unrecognized)
    outputs = _details(usage, completion_details, unrecognized)
    for name, value in usage.items():
        if name not in known and _nonzero(value):
            unrecognized.append(f"usage.{name}")
    result = Usage(_count(usage.get(prompt)), _count(usage.get(completion)), _count(inputs.get("cached_tokens")),
                   _count(inputs.get("cache_write_tokens")), 0, _count(outputs.get("reasoning_tokens")))
    if inputs.get("audio_tokens") or inputs.get("image_tokens") or outputs.get("audio_tokens") \
            or outputs.get("image_tokens"):  # off the text-only path
        result = _with_modalities(result, inputs, outputs)
    # every field in order: this runs on every response a gateway sees
    return from_fields(ResponseUsage, (result, _model(data), billed, upstream, tuple(unrecognized), split))


def _with_modalities(usage: Usage, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Usage:
    """The audio and image counts of OpenAI-shaped details; the cached ones (the realtime shape's
    ``cached_tokens_details``) are apart from the uncached ones, as :class:`Usage` counts them."""
    cached = inputs.get("cached_tokens_details") if isinstance(inputs.get("cached_tokens_details"), dict) else {}
    cached_audio = _count(cached.get("audio_tokens"))
    return usage._replace(
        input_audio_tokens=max(0, _count(inputs.get("audio_tokens")) - cached_audio),
        input_image_tokens=max(0, _count(inputs.get("image_tokens")) - _count(cached.get("image_tokens"))),
        cache_read_audio_tokens=cached_audio,
        output_audio_tokens=_count(outputs.get("audio_tokens")),
        output_image_tokens=_count(outputs.get("image_tokens")),
    )


def _details(usage: Mapping[str, Any], key: str, unrecognized: list[str]) -> Mapping[str, Any]:
    details = usage.get(key) or {}
    if not isinstance(details, dict):
        unrecognized.append(f"usage.{key}")
        return {}
    for name, value in details.items():
        if name not in _DETAILS_KNOWN and _nonzero(value):
            unrecognized.append(f"usage.{key}.{name}")
    return details


def _anthropic(data: Mapping[str, Any], usage: Mapping[str, Any]) -> ResponseUsage:
    known = {"input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
             "cache_creation", "service_tier", "inference_geo"}
    unrecognized = [f"usage.{k}" for k, v in usage.items() if k not in known and _nonzero(v)]
    read, written = _count(usage.get("cache_read_input_tokens")), _count(usage.get("cache_creation_input_tokens"))
    split = usage.get("cache_creation") if isinstance(usage.get("cache_creation"), Mapping) else {}
    one_hour = _count(split.get("ephemeral_1h_input_tokens"))
    five = _count(split.get("ephemeral_5m_input_tokens")) if split else written
    result = Usage(
        input_tokens=_count(usage.get("input_tokens")) + read + written,
        output_tokens=_count(usage.get("output_tokens")),
        cache_read_tokens=read,
        cache_write_tokens=five,
        cache_write_1h_tokens=one_hour,
    )
    return ResponseUsage(result, _model(data), unrecognized=tuple(unrecognized))


def _gemini(data: Mapping[str, Any]) -> ResponseUsage:
    meta = data.get("usageMetadata")
    if not isinstance(meta, Mapping):
        raise ValueError("the gemini response has no usageMetadata")
    known = {"promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount",
             "toolUsePromptTokenCount", "totalTokenCount", "promptTokensDetails", "candidatesTokensDetails",
             "cacheTokensDetails", "toolUsePromptTokensDetails", "trafficType"}
    unrecognized = [f"usageMetadata.{k}" for k, v in meta.items() if k not in known and _nonzero(v)]
    thoughts = _count(meta.get("thoughtsTokenCount"))
    prompt, cache, candidates = (_by_modality(meta.get(k)) for k in
                                 ("promptTokensDetails", "cacheTokensDetails", "candidatesTokensDetails"))
    result = Usage(
        input_tokens=_count(meta.get("promptTokenCount")) + _count(meta.get("toolUsePromptTokenCount")),
        output_tokens=_count(meta.get("candidatesTokenCount")) + thoughts,
        cache_read_tokens=_count(meta.get("cachedContentTokenCount")),
        reasoning_tokens=thoughts,
        input_audio_tokens=max(0, prompt.get("AUDIO", 0) - cache.get("AUDIO", 0)),
        input_image_tokens=max(0, prompt.get("IMAGE", 0) - cache.get("IMAGE", 0)),
        cache_read_audio_tokens=cache.get("AUDIO", 0),
        output_audio_tokens=candidates.get("AUDIO", 0),
        output_image_tokens=candidates.get("IMAGE", 0),
    )
    model = data.get("modelVersion")
    return ResponseUsage(result, model if isinstance(model, str) else None, unrecognized=tuple(unrecognized))


def _by_modality(details: Any) -> dict[str, int]:
    """Gemini's ``[{"modality": "AUDIO", "tokenCount": 120}, …]`` as ``{"AUDIO": 120, …}``."""
    counts: dict[str, int] = {}
    for item in details if isinstance(details, list) else ():
        if isinstance(item, Mapping) and isinstance(item.get("modality"), str):
            counts[item["modality"]] = counts.get(item["modality"], 0) + _count(item.get("tokenCount"))
    return counts


def _decoded(body: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    if type(body) is dict or isinstance(body, Mapping):
        return body
    if not isinstance(body, (str, bytes)):
        raise ValueError(f"the response is a {type(body).__name__}, not a JSON object or its text")
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise ValueError(f"the response is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        data = _json(stripped)
        if not isinstance(data, Mapping):
            raise ValueError("the response is not a JSON object")
        return data
    last: Mapping[str, Any] | None = None
    for line in text.splitlines():  # a server-sent-event stream: the last event with usage carries it
        if not line.startswith("data:") or line[5:].strip() in ("", "[DONE]"):
            continue
        try:
            event = _json(line[5:])
        except ValueError:
            continue
        if isinstance(event, Mapping):
            inner = event.get("response") if isinstance(event.get("response"), Mapping) else event
            if isinstance(inner.get("usage"), Mapping) or isinstance(inner.get("usageMetadata"), Mapping):
                last = inner
    if last is None:
        raise ValueError("the stream has no event with usage")
    return last


def _json(text: str) -> Any:
    """``text`` parsed as JSON; a ``ValueError`` for what is not (a document nested past what
    the parser can follow included)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("the response nests deeper than a JSON reader can follow") from None


def _model(data: Mapping[str, Any]) -> str | None:
    model = data.get("model")
    return model if isinstance(model, str) else None


#: more tokens than any request uses: a count beyond it is a fault of the response, not usage
MAX_TOKENS = 10**12


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_amount(value: Any) -> bool:
    """Whether ``value`` is an amount a bill can be: a finite number, not negative."""
    if type(value) is float:  # the common case, first (on every response): NaN and inf fail the comparison
        return 0.0 <= value < math.inf
    if not _number(value):
        return False
    try:
        number = float(value)
    except OverflowError:  # an int past any float
        return False
    return math.isfinite(number) and number >= 0


def _count(value: Any) -> int:
    if type(value) is int and 0 < value <= MAX_TOKENS:  # the common case, first
        return value
    if not _number(value) or not value > 0:  # a NaN is not > 0 either
        return 0
    if not math.isfinite(value):
        raise ValueError(f"a token count of {value} is not finite")
    if value > MAX_TOKENS:
        raise ValueError(f"a token count of {value:.3g} is more tokens than any request uses ({MAX_TOKENS:.0e})")
    return int(value)


def _nonzero(value: Any) -> bool:
    if not value or isinstance(value, str):
        return False
    if isinstance(value, dict):
        return any(_nonzero(v) for v in value.values())
    return True
