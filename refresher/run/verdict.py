"""Which value of one fact is published: a function of every source's current statement of it.

A record keeps, per fact, what each source currently says: the published value and its holder
(``provenance``), the sources saying the same (``agreements``) and those saying another value
(``disagreements``), each with the date it *first* said its value. The verdict is decided from
that whole set, never from which statement arrived last, so the same statements give the same
published value in whatever order the sources spoke (``docs/provenance.md``, "Which value is
published"):

1. an active manual review pins its value;
2. else only the statements inside their freshness window count (judged at one instant, the
   latest observation of the record), and of those only the strongest source type; a
   time-bound fact (off-peak hours) with no fresh statement has ended and is not published;
   with no fresh statement at all, every statement counts. Where a provider's API is and which
   key it takes (:data:`IDENTITY`) do not age: the provider's own statement of them stays
   fresh, so a catalog never moves them while it stands;
3. the value stated by the most sources wins (a source stating part of a structured value, the
   same where both state it, counts for it; between two such, the fuller);
4. a tie goes to the value a source *changed to* most recently;
5. a token price ``guards.max_price_ratio`` or more from the value the other statements would
   publish — which a source at least as strong changed to earlier and as many sources state —
   is held for review, and that value stays. Such a gap between catalogs is far more often a
   unit or row mix-up than a price change. The offering's standard prices temper this for its
   other prices (:class:`Credit`);
6. of the sources stating the winning value, the one that first said it holds it — unless
   another states more of a structured value (the same wherever both state something): the
   fuller statement is published.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gate_consumer.freshness import SOURCE_RANK
from gate_consumer.provenance import FactProvenance
from refresher.rules.sanity import consistent, covers, far_apart, same_value
from refresher.run.precedence import Standing, is_fresh

__all__ = ["IDENTITY", "TIME_BOUND", "Credit", "Statement", "Verdict", "verdict"]

#: facts that hold only while a source keeps stating them (a discount window ends)
TIME_BOUND = frozenset({"price.off_peak"})
#: a provider's identity: where its API is and which key it takes. Its own statement of them
#: does not age — an API that was not read for a week has not moved, and a catalog saying it
#: has is how a gateway's keys and costs would be sent to another host
IDENTITY = frozenset({"base_url", "api_key_env"})
#: the weakest source type that speaks for the provider itself (its API, price page or docs)
_OWN_WORD = SOURCE_RANK["provider-docs"]


@dataclass(frozen=True)
class Statement:
    """What one source currently says of a fact: the value, the provenance it is published under
    if it wins (``as_of``: when the source first said this value), and how the precedence rule
    sees it."""

    value: Any
    provenance: FactProvenance
    standing: Standing

    @property
    def source(self) -> str:
        return self.provenance.source


@dataclass(frozen=True)
class Credit:
    """What an offering's standard prices (input and output) say of its sources, for rule 5:
    the source both are published from (``trusted``: its other prices moving with them is a
    price change, not a row mixed up), and the sources stating other values for them
    (``discredited``: a row that is wrong there is no evidence about the rest)."""

    trusted: str | None = None
    discredited: frozenset[str] = frozenset()


@dataclass
class Verdict:
    """The statement whose value is published (None: nothing is), and the statements held for
    review (rule 5)."""

    winner: Statement | None
    held: list[Statement] = field(default_factory=list)


def verdict(path: str, statements: Sequence[Statement], at: str, *, guarded: bool, max_ratio: float,
            credit: Credit | None = None) -> Verdict:
    """The published statement of the fact ``path`` among ``statements`` at the instant ``at``
    (see the module docstring); ``guarded``: a token price, watched by rule 5, which ``credit``
    (the offering's standard prices) tempers."""
    if not statements:
        return Verdict(None)
    pinned = [s for s in statements if s.standing.pinned_until is not None and s.standing.pinned_until > at]
    if pinned:
        return Verdict(max(pinned, key=lambda s: (s.standing.changed_at, s.source)))
    fresh = [s for s in statements if is_fresh(s.standing, at) or (path in IDENTITY and s.standing.rank <= _OWN_WORD)]
    if path in TIME_BOUND and not fresh:
        return Verdict(None)
    held: list[Statement] = []
    while True:
        winners = _winners([s for s in statements if s not in held], fresh)
        if not winners:
            return Verdict(None, held)
        if not guarded or not _held_back(winners, [s for s in statements if s not in held and s not in winners],
                                         fresh, statements, max_ratio, credit or Credit()):
            winner = min(winners, key=lambda s: (s.provenance.as_of, s.source))
            return Verdict(_completed(winner, [s for s in statements if s not in held]), held)
        held += winners


def _winners(statements: list[Statement], fresh: list[Statement]) -> list[Statement]:
    """Rules 2 to 4: the statements of the value the most sources state — of the fresh ones,
    of their strongest type only (else of all) — a tie going to the value changed to most
    recently."""
    pool = [s for s in statements if s in fresh]
    if pool:
        strongest = min(s.standing.rank for s in pool)
        pool = [s for s in pool if s.standing.rank == strongest]
    else:
        pool = statements
    if not pool:
        return []
    return max(_by_value(pool), key=lambda g: (_support(g[0].value, pool), _covered(g[0].value, pool), *_changed(g)))


def _held_back(winners: list[Statement], rest: list[Statement], fresh: list[Statement],
               statements: Sequence[Statement], max_ratio: float, credit: Credit) -> bool:
    """Rule 5: whether the winning token price is ``max_ratio`` or more away from the value the
    rest of the statements would publish (not 0: replacing 0 is the safer error), which a source
    at least as strong changed to before and as many sources state — more sources, and only
    those whose standard prices are published, against a source whose standard prices are."""
    trusted = winners[0].source == credit.trusted
    if trusted:
        rest = [s for s in rest if s.source not in credit.discredited]
    incumbent = _winners(rest, fresh)
    if not incumbent:
        return False
    value, rank = winners[0].value, winners[0].standing.rank
    if incumbent[0].value == 0 or not far_apart(incumbent[0].value, value, max_ratio) or \
            min(s.standing.rank for s in incumbent) > rank or _changed(incumbent)[0] >= _changed(winners)[0]:
        return False
    peers = [s for s in statements if s.standing.rank <= rank]
    if trusted:
        credible = [s for s in peers if s.source not in credit.discredited]
        return _support(incumbent[0].value, credible) > _support(value, peers)
    return _support(incumbent[0].value, peers) >= _support(value, peers)


def _completed(winner: Statement, statements: Sequence[Statement]) -> Statement:
    """A structured value some source states more of — the same wherever both state something —
    is published in full: Models.dev's context tier with the 1-hour cache write it prices, beside
    a fresher catalog's tier without it. The fullest such statement, else ``winner``."""
    if not isinstance(winner.value, (dict, list)):
        return winner
    fuller = [s for s in statements if covers(s.value, winner.value) and not same_value(s.value, winner.value)]
    if not fuller:
        return winner
    return max(fuller, key=lambda s: (_covered(s.value, statements), _changed([s]), s.source))


def _covered(value: Any, statements: Sequence[Statement]) -> int:
    """How many of ``statements`` ``value`` states all of: between values that agree where both
    state something, the fuller one (a batch price with its cache prices) is published."""
    return sum(1 for s in statements if covers(value, s.value))


def _support(value: Any, statements: Sequence[Statement]) -> int:
    """How many of ``statements`` state ``value`` (or part of it, the same where both state it)."""
    return sum(1 for s in statements if consistent(value, s.value))


def _by_value(statements: Sequence[Statement]) -> list[list[Statement]]:
    """``statements`` grouped by the value they state (:func:`same_value`), in a fixed order."""
    groups: list[list[Statement]] = []
    for statement in sorted(statements, key=lambda s: s.source):
        for group in groups:
            if same_value(group[0].value, statement.value):
                group.append(statement)
                break
        else:
            groups.append([statement])
    return groups


def _changed(group: list[Statement]) -> tuple[str, str]:
    """When a source last changed to the group's value, and the value (a fixed order for a tie)."""
    return max(s.standing.changed_at for s in group), json.dumps(group[0].value, sort_keys=True)
