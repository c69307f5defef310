"""The names an id can match, and finding the nearest ones when it matches none.

:class:`NameIndex` is the exact index (lower case); :func:`loose_names` the same ignoring case,
dots, underscores and dashes (:func:`normalized`); :func:`word_index` and :func:`suggest` the
did-you-mean of an unknown id. Plain data built from ``index.json``; the resolver
(:mod:`gate_consumer.resolve`) decides what a match means.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["Entry", "NameIndex", "close_matches", "compact", "compact_index", "loose_names", "normalized", "suggest",
           "undated", "word_index"]

#: what a name matches: (model id, the offering key it names, or None for the model itself)
Entry = tuple[str, "str | None"]
#: The date a snapshot id ends with, in every form vendors write it: ``2026-03-05`` (OpenAI,
#: Qwen), ``20251101`` (Anthropic), ``03-2025`` (Cohere), ``05-20`` (Gemini previews), and four
#: digits: ``0613`` (OpenAI's older ids, DeepSeek, xAI, Kimi) or ``2503`` (Mistral, Qwen)
_SNAPSHOT = re.compile(r"^(?P<base>.+?)-(?:(?P<ymd>\d{4}-\d{2}-\d{2})|(?P<compact>20\d{6})|(?P<my>\d{2}-20\d{2})"
                       r"|(?P<md>\d{2}-\d{2})|(?P<four>\d{4}))$")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
#: what separates the words of a name, for suggestions
_WORDS = re.compile(r"[-/:@\[\] ]+")
#: every separator a name may be typed without
_SEPARATORS = re.compile(r"[-/:@\[\]. _]+")


def undated(key: str) -> str | None:
    """The undated id of a snapshot id (``gpt-5.4-2026-03-05`` → ``gpt-5.4``), or None: not
    dated, or its date is none a calendar has (month 13, 31 June, 29 February of 2026) — a typo
    or a made-up id is not the model it resembles. Four digits are a month and day (``0613``) or,
    failing that, a year and month from 2023 on (``2503``)."""
    match = _SNAPSHOT.match(key)
    if match is None:
        return None
    if match["ymd"] or match["compact"]:
        digits = (match["ymd"] or match["compact"]).replace("-", "")
        dated = _is_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    elif match["my"]:
        dated = 1 <= int(match["my"][:2]) <= 12
    elif match["md"]:
        dated = _is_date(None, int(match["md"][:2]), int(match["md"][3:]))
    else:
        first, last = int(match["four"][:2]), int(match["four"][2:])
        dated = _is_date(None, first, last) or (23 <= first <= 39 and 1 <= last <= 12)
    return match["base"] if dated else None


def _is_date(year: int | None, month: int, day: int) -> bool:
    """Whether ``year``-``month``-``day`` is on the calendar (any leap year, when no year)."""
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS[month - 1]:
        return False
    if month == 2 and day == 29 and year is not None:
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


def normalized(key: str) -> str:
    """The form in which ids that differ only by case, dots, underscores or dashes are equal."""
    return key.lower().replace(".", "-").replace("_", "-")


def close_matches(word: str, candidates: list[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The candidates most like ``word`` (difflib's ratio), best first."""
    import difflib  # only on the error path: not worth its import time at start-up

    return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)


class NameIndex:
    """What each lower-cased name matches: ``[(model id, offering key it names, or None for the
    model itself)]`` — a model's id, its slug and its aliases; an offering's
    ``provider/upstream-id``; an upstream id, which many offerings share. A resolve at start-up
    builds it all, so it holds strings, not entries: offering key → model (by comprehension:
    the keys are unique), upstream id → offering keys; an entry is made when a name is asked
    for. At 10× today's catalog (55,000 offerings) that is a third of the time of one loop of
    entries (issue 17)."""

    __slots__ = ("_records", "clashes", "models", "offerings", "respelt", "upstream")

    def __init__(self, models: Mapping[str, Any]):
        self.models: dict[str, list[Entry]] = {}
        for model_id, record in models.items():
            entry = (model_id, None)
            keys = [model_id, model_id.partition("/")[2]]
            for alias in record.get("aliases", ()):
                keys.append(alias)
                if "/" in alias:
                    keys.append(alias.partition("/")[2])
            for key in keys:
                self.models.setdefault(key.lower(), []).append(entry)
        self._records = models
        #: offering key (lower case) → its model (which lists the key as it is spelt)
        self.offerings: dict[str, str] = {
            key.lower(): model_id for model_id, record in models.items() for key in record.get("offerings", ())}
        #: two keys that differ only in case (rare): every entry of each
        self.clashes: dict[str, list[Entry]] = {}
        if len(self.offerings) < sum(len(record.get("offerings", ())) for record in models.values()):
            for model_id, record in models.items():
                for key in record.get("offerings", ()):
                    self.clashes.setdefault(key.lower(), []).append((model_id, key))
            self.clashes = {k: v for k, v in self.clashes.items() if len(v) > 1}
        #: upstream id (lower case) → the offering keys (lower case) that list it
        self.upstream: dict[str, list[str]] = {}
        get = self.upstream.get
        for lowered in self.offerings:
            upstream = lowered[lowered.find("/") + 1:]
            found = get(upstream)
            if found is None:
                self.upstream[upstream] = [lowered]
            else:
                found.append(lowered)
        #: a normalized name → the names that normalize to it spelt otherwise (with a dot or an
        #: underscore; every name is lower case already): :meth:`loose` reads them, so an id
        #: ignoring case, dots or dashes needs no index beyond this one (issue 28: the loose
        #: index took 40 ms to build, and the first such request waited for it)
        self.respelt: dict[str, list[str]] = {}
        for name in self._names():
            if "." in name or "_" in name:
                self.respelt.setdefault(name.replace(".", "-").replace("_", "-"), []).append(name)

    def _offering(self, lowered: str) -> list[Entry]:
        """The entries of the offering key ``lowered`` (two where keys differ only in case)."""
        clash = self.clashes.get(lowered)
        if clash is not None:
            return clash
        model_id = self.offerings[lowered]
        listed = self._records[model_id]["offerings"]
        return [(model_id, lowered if lowered in listed else next(k for k in listed if k.lower() == lowered))]

    def get(self, key: str, default: Any = None) -> list[Entry] | Any:
        """Everything ``key`` (lower case) names, or ``default``."""
        found = list(self.models.get(key, ()))
        if key in self.offerings:
            found += self._offering(key)
        for lowered in self.upstream.get(key, ()):
            found += self._offering(lowered)
        return found or default

    def loose(self, normal: str) -> list[Entry] | None:
        """Everything a name whose :func:`normalized` form is ``normal`` names, or None: what
        :func:`loose_names` holds for it, found without building that index."""
        found = self.get(normal, [])
        for name in self.respelt.get(normal, ()):
            found += self.get(name)
        return found or None

    def items(self) -> Iterator[tuple[str, list[Entry]]]:
        for key in self._names():
            yield key, self.get(key)

    def _names(self) -> dict[str, None]:
        """Every name once, in a fixed order: the models', the offering keys, the upstream ids."""
        return {**dict.fromkeys(self.models), **dict.fromkeys(self.offerings), **dict.fromkeys(self.upstream)}


def loose_names(exact: NameIndex) -> dict[str, list[Entry]]:
    """Every name of ``exact`` by its :func:`normalized` form."""
    loose: dict[str, list[Entry]] = {}
    for key, entries in exact.items():
        loose.setdefault(normalized(key), []).extend(entries)
    return loose


def word_index(loose: Mapping[str, list[Entry]]) -> dict[str, list[str]]:
    """word → the normalized names containing it. An offering's ``provider/upstream-id`` is left
    out — its upstream id is in on its own and is as close to a misspelling of either — so a
    model resold by many providers does not make every unknown id that shares a word with it
    slower (issue 17)."""
    index: dict[str, list[str]] = {}
    for name, entries in loose.items():
        if all(key is not None and normalized(key) == name for _, key in entries):
            continue
        for word in set(_WORDS.split(name)):
            if len(word) > 1:
                index.setdefault(word, []).append(name)
    return index


def compact(name: str) -> str:
    """``name`` without case or any separator: ``gpt4o`` and ``GPT-4o`` are one compact name."""
    return _SEPARATORS.sub("", name.lower())


def compact_index(loose: Mapping[str, list[Entry]]) -> dict[str, list[str]]:
    """compact form (:func:`compact`) → the normalized names that have it: the did-you-mean of
    an id typed without its dashes or dots (``gpt4o``), which shares no word with its model."""
    index: dict[str, list[str]] = {}
    for name in loose:
        index.setdefault(compact(name), []).append(name)
    return index


def _nearest(shared: Mapping[str, int], size: int, k: int) -> list[str]:
    """The ``k`` names sharing the most words, nearest in length to ``size`` first, then by name
    (a bounded pool for difflib): whole groups by count while they fit, then the nearest of the
    next — the order a sort by (-count, length gap, name) gives, without a key call per name
    (thousands of names share one common word)."""
    groups: dict[int, list[str]] = {}
    for name, count in shared.items():
        groups.setdefault(count, []).append(name)
    pool: list[str] = []
    for count in sorted(groups, reverse=True):
        group = groups[count]
        if len(pool) + len(group) > k:
            return pool + [name for _, name in heapq.nsmallest(k - len(pool), [(abs(len(n) - size), n) for n in group])]
        pool += group
    return pool


def suggest(key: str, loose: Mapping[str, list[Entry]], words: Mapping[str, list[str]],
            compacts: Mapping[str, list[str]]) -> tuple[str, ...]:
    """Up to five model ids close to an unknown ``key``: first those it is but for separators
    (``compacts``), then the nearest among the names that share a word with it (``words``), so
    an unknown id costs under a millisecond."""
    close: list[str] = []
    key = normalized(key)
    # the id, and without its first segment (a misspelt provider or route prefix)
    for probe in dict.fromkeys(p for p in (key, key.partition("/")[2]) if p):
        spelt_apart = compacts.get(compact(probe), [])
        if spelt_apart:  # the nearest spelling first
            close += close_matches(probe, spelt_apart, n=len(spelt_apart), cutoff=0)
        shared: dict[str, int] = {}
        for word in {w for w in _WORDS.split(probe) if len(w) > 1}:
            for candidate in words.get(word, ()):
                shared[candidate] = shared.get(candidate, 0) + 1
        close += close_matches(probe, _nearest(shared, len(probe), 60), n=5, cutoff=0.75)
    return tuple(dict.fromkeys(m for c in close for m in sorted({m for m, _ in loose[c]})))[:5]
