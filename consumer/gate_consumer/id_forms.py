"""The forms in which clients send a model id, and how each is read before it is resolved.

A gateway meets ids the catalog does not list verbatim: a client library's route prefix
(``gemini/gemini-2.5-flash``), the Gemini API's ``models/…``, Vertex AI publisher paths and
``@`` versions, Bedrock ARNs and region paths, Fireworks account paths, Claude Code's ``[1m]``,
OpenRouter's ``:free`` / ``:thinking`` variants. :func:`readings` turns one such id into the ids
to look up instead — each with the providers it names (a route prefix names where the request
goes) and what was read. :meth:`gate_consumer.Catalog.resolve` tries them only after the id
itself, as given, matched nothing: an exact offering id always wins over a reading.

Standard library only; no I/O.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["CLIENT_PREFIXES", "FORMS", "Reading", "readings", "undecorated"]

#: A client library's route prefix (LiteLLM's ``<provider>/<model>``; the prefixes of its price
#: map) → the catalog's providers it routes to, the likelier first.
CLIENT_PREFIXES: dict[str, tuple[str, ...]] = {
    "aihubmix": ("aihubmix",),
    "anthropic": ("anthropic",),
    "azure": ("azure",),
    "azure_ai": ("azure-cognitive-services",),
    "bedrock": ("amazon-bedrock",),
    "bedrock_mantle": ("amazon-bedrock",),  # Bedrock's OpenAI-compatible endpoint
    "cerebras": ("cerebras",),
    "cloudflare": ("cloudflare-workers-ai",),
    "cohere": ("cohere",),
    "cohere_chat": ("cohere",),
    "dashscope": ("alibaba",),
    "databricks": ("databricks",),
    "deepinfra": ("deepinfra",),
    "deepseek": ("deepseek",),
    "fireworks_ai": ("fireworks-ai",),
    "gemini": ("google",),
    "github_copilot": ("github-copilot",),
    "gmi": ("gmicloud",),
    "groq": ("groq",),
    "mistral": ("mistral",),
    "moonshot": ("moonshotai",),
    "nebius": ("nebius",),
    "novita": ("novita-ai",),
    "openai": ("openai",),
    "openrouter": ("openrouter",),
    "perplexity": ("perplexity",),
    "snowflake": ("snowflake-cortex",),
    "together_ai": ("togetherai",),
    "vercel_ai_gateway": ("vercel",),
    "vertex_ai": ("google-vertex-anthropic", "google-vertex"),  # Claude on Vertex is its own listing
    "wandb": ("wandb",),
    "xai": ("xai",),
}

#: OpenRouter's variant suffixes read as the model itself: the same list price, routed or
#: moderated another way. ``:free`` (price 0, rate-limited) and ``:extended`` (another context
#: and price) are never read as the paid model: an unlisted one is an unknown id.
_VARIANTS = ("thinking", "beta", "nitro", "floor", "online", "exacto")
#: every variant, for linking an offering to its model (``undecorated``)
_ALL_VARIANTS = (*_VARIANTS, "free", "extended")

_BRACKET_SUFFIX = re.compile(r"^(?P<id>.+?)\[[a-z0-9._-]{1,16}\]$")  # Claude Code's claude-sonnet-4-5[1m]
_VARIANT_SUFFIX = re.compile(rf"^(?P<id>.+):(?:{'|'.join(_VARIANTS)})$")
_ANY_VARIANT_SUFFIX = re.compile(rf"^(?P<id>.+):(?:{'|'.join(_ALL_VARIANTS)})$")
_AT_SUFFIX = re.compile(r"^(?P<id>[^@/]+)@[a-z0-9._-]+$")  # Vertex's gemini-2.5-flash@default, …@001
_GEMINI = re.compile(r"^models/(?P<id>[^/]+)$")
_VERTEX = re.compile(r"^(?:projects/[^/]+/locations/[^/]+/)?publishers/(?P<publisher>[^/]+)/models/(?P<id>[^/]+)$")
_BEDROCK_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)?:bedrock:[a-z0-9-]*:\d*:(?P<kind>foundation-model|inference-profile)/(?P<id>.+)$")
_BEDROCK_REGION = re.compile(r"^(?:[a-z]{2}(?:-gov)?-[a-z]+-\d|converse|invoke)/(?P<id>.+)$")
_FIREWORKS = re.compile(r"^accounts/(?P<account>[^/]+)/models/(?P<id>[^/]+)$")
_P_FOR_DOT = re.compile(r"(\d+)p(\d+)")  # Fireworks spells 3.1 as 3p1 …
_V_BEFORE_VERSION = re.compile(r"-v(?=\d+\.\d)")  # … and llama-3.1 as llama-v3p1
_DOT = re.compile(r"(?<=\d)\.(?=\d)")

#: Each form's name, as :class:`gate_consumer.Resolution` reports it (``matched_by``).
FORMS = ("suffix", "variant", "at-version", "gemini-path", "vertex-path", "bedrock-arn", "region-path",
         "account-path", "p-for-dot", "route-prefix")


class Reading(NamedTuple):
    """One way to read an id: the id to look up, the providers it names (empty: any), and the
    form read (one of :data:`FORMS`) with what it was (``route-prefix gemini/``)."""

    id: str
    providers: tuple[str, ...]
    form: str
    detail: str


def readings(name: str) -> list[Reading]:
    """The readings of ``name`` (lower case, stripped), most specific first; empty when it has
    no form this module knows. Each removes one layer; the resolver reads the result again, so
    ``vertex_ai/claude-sonnet-4-5@20250929`` is a route prefix, then (if needed) a version."""
    found: list[Reading] = []
    add = found.append
    if (m := _BEDROCK_ARN.match(name)) is not None:
        add(Reading(m["id"], ("amazon-bedrock",), "bedrock-arn", f"a Bedrock {m['kind']} ARN"))
    if (m := _VERTEX.match(name)) is not None:
        providers = ("google-vertex-anthropic", "google-vertex") if m["publisher"] == "anthropic" else ("google-vertex",)
        add(Reading(m["id"], providers, "vertex-path", f"a Vertex AI publisher path ({m['publisher']})"))
    if (m := _FIREWORKS.match(name)) is not None:
        model = m["id"]
        if m["account"] != "fireworks":  # another account's deployment: priced as Fireworks' own id
            add(Reading(f"accounts/fireworks/models/{model}", ("fireworks-ai",), "account-path",
                        f"account {m['account']}'s deployment"))
        if _DOT.search(model):  # a dotted version where Fireworks writes 'p'
            add(Reading(f"accounts/fireworks/models/{_DOT.sub('p', model)}", ("fireworks-ai",), "p-for-dot",
                        "a dot where Fireworks writes 'p'"))
        add(Reading(model, ("fireworks-ai",), "account-path", "a Fireworks account path"))
        if _P_FOR_DOT.search(model):  # deepseek-v3p2 is deepseek-v3.2; llama-v3p1-8b-instruct is llama-3.1-8b-instruct
            dotted = _P_FOR_DOT.sub(r"\1.\2", model)
            for spelled in dict.fromkeys((dotted, _V_BEFORE_VERSION.sub("-", dotted))):
                add(Reading(spelled, ("fireworks-ai",), "p-for-dot", "Fireworks' 'p' for a dot"))
    if (m := _GEMINI.match(name)) is not None:
        add(Reading(m["id"], ("google",), "gemini-path", "the Gemini API's models/"))
    prefix, slash, rest = name.partition("/")
    if slash and prefix in CLIENT_PREFIXES and rest:
        providers = CLIENT_PREFIXES[prefix]
        if prefix == "bedrock" and (m := _BEDROCK_REGION.match(rest)) is not None:
            add(Reading(m["id"], providers, "region-path", f"route prefix bedrock/ and the path {rest[:-len(m['id'])]}"))
        add(Reading(rest, providers, "route-prefix", f"the route prefix {prefix}/"))
    if (m := _BRACKET_SUFFIX.match(name)) is not None:
        add(Reading(m["id"], (), "suffix", f"the suffix {name[len(m['id']):]}"))
    if (m := _VARIANT_SUFFIX.match(name)) is not None:  # OpenRouter's: a vendor/model id is OpenRouter's
        add(Reading(m["id"], ("openrouter",) if "/" in m["id"] else (), "variant", f"the variant {name[len(m['id']):]}"))
    if (m := _AT_SUFFIX.match(name)) is not None:  # Vertex AI's
        add(Reading(m["id"], CLIENT_PREFIXES["vertex_ai"], "at-version", f"the version {name[len(m['id']):]}"))
    return found


_AT_DATE = re.compile(r"@(\d{8}|\d{4}-\d{2}-\d{2})$")


def undecorated(name: str, *, fireworks: bool = False) -> str:
    """A model name without the decorations of the forms above, for linking an offering to its
    model (``refresher.run.canonical``): ``claude-opus-4-6@default`` → ``claude-opus-4-6``,
    ``claude-sonnet-4-5@20250929`` → ``claude-sonnet-4-5-20250929`` (a dated snapshot),
    ``claude-sonnet-4-5[1m]`` → ``claude-sonnet-4-5``, OpenRouter's ``:free`` removed, and on
    Fireworks (``fireworks``) ``glm-5p1`` → ``glm-5.1``."""
    if (m := _BRACKET_SUFFIX.match(name)) is not None:
        name = m["id"]
    if (m := _ANY_VARIANT_SUFFIX.match(name)) is not None:
        name = m["id"]
    if "@" in name:
        name = _AT_DATE.sub(r"-\1", name)
        if (m := _AT_SUFFIX.match(name)) is not None:
            name = m["id"]
    if fireworks:
        name = _P_FOR_DOT.sub(r"\1.\2", name)
    return name
