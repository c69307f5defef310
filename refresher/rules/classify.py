"""First classification of a provider the refresher has never seen.

``route_type``, ``api_style`` and ``billing_mode`` are curated fields: no source states them.
The refresher fills them once, when it creates a provider, from the rules below; from then on
they belong to the reviewers and are never overwritten.
"""

from __future__ import annotations

CLOUD = frozenset({
    "amazon-bedrock", "azure", "azure-cognitive-services", "google-vertex", "google-vertex-anthropic",
    "sap-ai-core", "databricks", "snowflake-cortex", "cloudflare-workers-ai", "digitalocean",
    "ovhcloud", "scaleway", "stackit", "vultr", "cloudferro-sherlock", "evroc",
})
AGGREGATORS = frozenset({
    "openrouter", "requesty", "zenmux", "302ai", "vercel", "helicone", "cloudflare-ai-gateway",
    "llmgateway", "fastrouter", "aihubmix", "orcarouter", "kilo", "merge-gateway", "routing-run",
    "anyapi", "nano-gpt", "poe", "the-grid-ai", "opencode", "github-models", "huggingface",
})
LOCAL = frozenset({"lmstudio", "ollama", "llama-cpp", "vllm"})
SUBSCRIPTION = frozenset({"github-copilot", "gitlab", "kimi-for-coding", "opencode-go", "claudinio"})
#: services whose price of 0 is a free quota with rate limits, not free use: GitHub Models' free
#: tier, NVIDIA's API trial credits, Meta's Llama API preview, iFlow's and ModelScope's daily quotas
FREE_QUOTA = frozenset({"github-models", "nvidia", "llama", "iflowcn", "modelscope"})
_API_STYLE = {
    "@ai-sdk/anthropic": "anthropic-messages",
    "@ai-sdk/google-vertex/anthropic": "anthropic-messages",
    "@ai-sdk/google": "gemini",
    "@ai-sdk/google-vertex": "gemini",
    "@ai-sdk/amazon-bedrock": "bedrock",
    "@ai-sdk/openai": "openai-responses",
    "@ai-sdk/azure": "openai-responses",
    "@ai-sdk/cohere": "other",
}


def classify(provider: str, api_package: str | None) -> dict[str, str]:
    """The curated fields of a new provider: route_type, api_style, billing_mode.

    Most providers speak OpenAI's chat completions API (models.dev's ``@ai-sdk/openai-compatible``
    and the per-provider packages built on it), so that is the default API style.
    """
    if provider in LOCAL:
        route, billing = "local", "local"
    elif provider in SUBSCRIPTION or "coding-plan" in provider or "token-plan" in provider:
        route, billing = "subscription", "subscription"
    elif provider in CLOUD:
        route, billing = "cloud", "metered"
    elif provider in AGGREGATORS:
        route, billing = "aggregator", "metered"
    else:
        route, billing = "direct", "metered"
    style = _API_STYLE.get(api_package or "", "openai-chat")
    return {"route_type": route, "api_style": style, "billing_mode": billing}
