"""The adapters this refresher has, by source id, and where each may send its key. Adding a
source means adding one module (ending in its :class:`~refresher.sources.adapter.SourceAdapter`) and one line here (and its
entry in ``metadata/sources.json``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from refresher.rules.text import LOOPBACK_HOSTS
from refresher.sources import (
    anthropic,
    aws_pricing,
    azure_retail,
    cerebras,
    cloudflare_ai_gateway,
    deepinfra,
    fireworks,
    genai_prices,
    google,
    groq,
    huggingface,
    langfuse,
    litellm,
    mistral,
    modelsdev,
    nebius,
    novita,
    openai,
    openrouter,
    portkey,
    together,
    vercel,
    xai,
    xai_language_models,
)
from refresher.sources.adapter import SourceAdapter

ADAPTERS: dict[str, SourceAdapter] = {module.ADAPTER.id: module.ADAPTER for module in (
    modelsdev, openrouter, openai, anthropic, google, groq, together, deepinfra, mistral, fireworks, litellm,
    genai_prices, portkey, langfuse, aws_pricing, azure_retail, cerebras, nebius, novita, xai, xai_language_models,
    vercel, huggingface, cloudflare_ai_gateway,
)}


def home_host(source: str) -> str:
    """The host the source's adapter documents (its ``URL``)."""
    return urlsplit(ADAPTERS[source].url).hostname or ""


def registry_problems(source: str, entry: dict) -> list[str]:
    """Why ``sources.json``'s entry for ``source`` could send a key or fetch where it should not:
    a URL that is not https on the adapter's documented host, a key variable that is not the
    source's own (never ``GITHUB_TOKEN``). Empty when the entry is safe."""
    problems = []
    url, key_env = entry.get("url", ""), entry.get("api_key_env")
    adapter = ADAPTERS.get(source)
    if adapter is None:
        if key_env is not None:
            problems.append(f"api_key_env: {key_env!r}: a source without an adapter fetches nothing and gets no key")
        return problems
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname != home_host(source):
        problems.append(f"url: {url!r} is not https on {home_host(source)}, the host documented for {source}")
    if key_env is not None and key_env != adapter.key_env:
        problems.append(f"api_key_env: {key_env!r} is not {source}'s own key variable "
                        f"({adapter.key_env or 'it takes none'}): a source receives only its own key")
    return problems


def key_may_go_to(source: str, url: str) -> bool:
    """Whether ``source``'s key may be sent to ``url``: https on its documented host, or a
    loopback server (an override such as ``FAIMETA_OPENROUTER_URL`` for tests)."""
    parts = urlsplit(url)
    return (parts.scheme == "https" and parts.hostname == home_host(source)) or parts.hostname in LOOPBACK_HOSTS
