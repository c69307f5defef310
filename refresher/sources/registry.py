"""The adapters this refresher has, by source id. Adding a source means adding one module and
one line here (and its entry in ``metadata/sources.json``)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from refresher.sources import modelsdev, openrouter
from refresher.sources.base import Snapshot

ADAPTERS: dict[str, ModuleType] = {module.SOURCE_ID: module for module in (modelsdev, openrouter)}

Parser = Callable[[bytes, str], Snapshot]


def parser(source: str) -> Parser:
    try:
        return ADAPTERS[source].parse
    except KeyError:
        raise KeyError(f"no adapter for source {source!r}; known: {', '.join(sorted(ADAPTERS))}") from None
