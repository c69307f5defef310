"""The adapters this refresher has, by source id. Adding a source means adding one module and
one line here (and its entry in ``metadata/sources.json``)."""

from __future__ import annotations

from types import ModuleType

from refresher.sources import (
    anthropic,
    deepinfra,
    fireworks,
    google,
    groq,
    mistral,
    modelsdev,
    openai,
    openrouter,
    together,
)

ADAPTERS: dict[str, ModuleType] = {module.SOURCE_ID: module for module in (
    modelsdev, openrouter, openai, anthropic, google, groq, together, deepinfra, mistral, fireworks
)}
