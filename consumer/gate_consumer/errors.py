"""The errors of the consumer. Every lookup fails loudly: an unknown id is never priced at $0."""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "AmbiguousModelError",
    "CatalogError",
    "CatalogLoadError",
    "UnknownModelError",
    "UnpricedError",
]


class CatalogError(Exception):
    """Base class of every error this package raises."""


class CatalogLoadError(CatalogError):
    """A catalog could not be loaded from a URL, a cache or a folder (the message says why)."""


class UnknownModelError(CatalogError, LookupError):
    """No model or offering has this id. ``suggestions`` are the closest known ids — found when
    first read (the message reads them): deciding an id is unknown does not pay for them, so a
    gateway that only catches the error never does."""

    def __init__(self, name: str, suggestions: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()):
        super().__init__(name)
        self.name = name
        self._suggestions = suggestions

    @property
    def suggestions(self) -> tuple[str, ...]:
        if callable(self._suggestions):
            self._suggestions = self._suggestions()
        return self._suggestions

    def __str__(self) -> str:
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"unknown model {self.name!r}{hint}"


class AmbiguousModelError(CatalogError, LookupError):
    """The id names more than one model. ``candidates`` are their ids; pass one of them, or a
    ``provider/upstream-id``."""

    def __init__(self, name: str, candidates: tuple[str, ...]):
        self.name = name
        self.candidates = candidates
        super().__init__(f"{name!r} is ambiguous: it names {', '.join(candidates)}")


class UnpricedError(CatalogError, LookupError):
    """The offering has no price for what the request uses (or none at that time)."""

    def __init__(self, offering: str, reason: str):
        self.offering = offering
        self.reason = reason
        super().__init__(f"{offering}: {reason}")
