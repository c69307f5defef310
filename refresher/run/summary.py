"""What one source's observations did to the tree, as a refresh reports it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from refresher.rules.risks import RiskKind
from refresher.sources.base import Skipped

__all__ = ["MAX_REPORTED_SKIPS", "Summary"]

#: a report lists at most this many skipped records (a hostile listing can reject millions)
MAX_REPORTED_SKIPS = 500


@dataclass
class Summary:
    """What one source's observations did to the tree."""

    source: str
    observed_at: str
    fetched: int = 0  # records in the response, valid or not
    parsed: int = 0  # offerings that passed validation
    skipped: list[Skipped] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    retired: int = 0
    revived: int = 0
    models_added: int = 0
    retired_ids: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the warnings a reviewer must see, by kind (each also in ``warnings``)
    risks: list[tuple[RiskKind, str]] = field(default_factory=list)
    unmapped: Counter[str] = field(default_factory=Counter)  # entries matching nothing, by reason

    def line(self) -> str:
        """The one-line summary printed after each source; the counts add up: records fetched →
        offerings (less the skipped ones, and the records folded into another as its aliases —
        Mistral lists each alias as a record — or more where a catalog's rule matches several)."""
        rest = self.fetched - self.parsed - len(self.skipped)
        how = (f", {rest} folded into others" if rest > 0 else f", {-rest} more matched by rules" if rest < 0 else "")
        return (
            f"{self.fetched} records → {self.parsed} offerings ({len(self.skipped)} skipped{how}): {self.added} added, "
            f"{self.changed} changed, {self.unchanged} unchanged, {self.retired} retired, "
            f"{len(self.flagged)} flagged"
        ) + (f", {sum(self.unmapped.values())} unmapped" if self.unmapped else "")

    def warn(self, message: str, risk: RiskKind | None = None) -> None:
        """Note ``message`` once; ``risk``: the kind of risk it is, for the change report."""
        if message not in self.warnings:
            self.warnings.append(message)
            if risk is not None:
                self.risks.append((risk, message))

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "observed_at": self.observed_at,
            "fetched": self.fetched,
            "parsed": self.parsed,
            # bounded: a hostile listing can reject millions of records; the count says how many
            "skipped": [{"record": s.record, "reason": s.reason[:300], **({"risk": s.risk.value} if s.risk else {})}
                        for s in self.skipped[:MAX_REPORTED_SKIPS]],
            **({"skipped_total": len(self.skipped)} if len(self.skipped) > MAX_REPORTED_SKIPS else {}),
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "retired": self.retired,
            "retired_ids": self.retired_ids,
            "revived": self.revived,
            "models_added": self.models_added,
            "flagged": self.flagged,
            "warnings": self.warnings,
            **({"risks": [{"kind": kind.value, "message": message} for kind, message in self.risks]}
               if self.risks else {}),
            **({"unmapped": dict(sorted(self.unmapped.items()))} if self.unmapped else {}),
        }
