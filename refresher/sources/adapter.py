"""The contract between the refresher and a source: :class:`SourceAdapter`.

Every adapter module ends with one ``ADAPTER = SourceAdapter(...)`` naming what it has; the
refresher reads only that, never the module's other names. What a source may lack is said
once, here, with its default: a key, pages, a split into one file per provider, an index.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from refresher.sources.base import Snapshot, bearer

__all__ = ["Parser", "SourceAdapter"]


class Parser(Protocol):
    """A listing's body → what it says (raises :class:`~refresher.sources.base.SourceError`);
    ``part``: which of a source's files the body is, for a source of several."""

    def __call__(self, payload: bytes, observed_at: str, *, part: str | None = ...) -> Snapshot: ...


@dataclass(frozen=True)
class SourceAdapter:
    """One source: where it is, how to read it, and the optional ways it is fetched."""

    #: the source's id in ``metadata/sources.json``
    id: str
    #: its documented URL; a key is only ever sent to this host (or a loopback test server)
    url: str
    parse: Parser | Callable[[bytes, str], Snapshot]
    #: the environment variable of its API key, the only one it receives; None: it takes none
    key_env: str | None = None
    #: without its key it is not run at all (a provider's own API)
    needs_key: bool = False
    auth_headers: Callable[[str], dict[str, str]] = bearer
    #: paging: the first request's query, and the next one's from a page (None: the last page)
    first_page: Mapping[str, str] = field(default_factory=dict)
    next_page: Callable[[Any], dict[str, str] | None] | None = None
    #: published as one file per provider (``<url>/<part>.json``): the files, and whose each is
    parts: tuple[str, ...] | None = None
    part_providers: Mapping[str, str] = field(default_factory=dict)
    #: published as an index (its part name) and the files it points to: ``(part, path)`` pairs
    index: str | None = None
    follow: Callable[[Any], list[tuple[str, str]]] | None = None

    @property
    def published_as_files(self) -> bool:
        """Whether the source is several files, each parsed with its name (``part=``)."""
        return self.parts is not None or self.follow is not None

    def parts_for(self, providers: set[str] | None) -> tuple[str, ...] | None:
        """The files a run fetches of a source published as one per provider: those of
        ``providers`` when given; None for a source of one listing (or an index)."""
        if self.parts is None or not providers:
            return self.parts
        return tuple(p for p in self.parts if self.part_providers.get(p) in providers)
