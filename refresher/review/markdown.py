"""A change report as a reviewer reads it in a pull request: Markdown, risky items first, long
sections collapsed, every upstream string neutralised (a cell is plain words or a code span)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from refresher.rules.text import visible

if TYPE_CHECKING:
    from refresher.review.report import ChangeReport

__all__ = ["cell", "plain", "render"]


def plain(value: Any) -> str:
    """A value as a reviewer reads it: a float without trailing zeros, None as a dash."""
    return "—" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


#: text GitHub renders as itself: no mention (@), reference (#), link, image, tag, emphasis or
#: code (an underscore only inside a word, as in fal_ai, where it emphasizes nothing)
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 .,:;%+→—=()/'_-]*")
_EMPHASIS = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def cell(value: Any) -> str:
    """A table cell from upstream text, which reaches a PR body: control and format characters
    (bidi overrides, zero widths) are shown as escapes; anything but plain words is a code span,
    where GitHub makes no mention, reference, link, image or tag; a pipe cannot split the cell."""
    text = visible(plain(value))[:120]
    if _PLAIN_TEXT.fullmatch(text) and not _EMPHASIS.search(text) and "://" not in text and "www." not in text:
        return text
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _table(header: Iterable[str], rows: list[list[Any]], limit: int) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n… and {len(rows) - limit:,} more (see the JSON report)")
    return "\n".join(lines)


def _details(summary: str, body: str, open_: bool = False) -> str:
    return f"<details{' open' if open_ else ''}><summary>{summary}</summary>\n\n{body}\n\n</details>\n"


def render(report: ChangeReport, title: str, rows: int) -> str:
    """The PR body of ``report``, each table cut at ``rows`` rows."""
    c = report.counts()
    out = [f"## {title}\n"]
    verdict = f"**{c['risky']} item(s) need a careful look** (listed first)." if report.risks else \
        "Nothing risky: no large price move, no removal, no new price conflict, no guard hit."
    out.append(verdict + "\n")
    out.append(_table(
        ("added", "changed", "retired", "revived", "removed", "missing", "new models", "price changes",
         "new conflicts", "provider changes", "provenance only"),
        [[c["added"], c["changed"], c["retired"], c["revived"], c["removed"], c["missing"], c["models_added"],
          c["price_changes"], c["new_conflicts"], c["provider_changes"], c["provenance_only"]]], 1) + "\n")
    if report.risks:
        out.append("### Risky\n")
        out.append(_table(("kind", "what", "why"), [[r.kind.value, r.subject, r.message] for r in report.risks], rows) + "\n")
    out += _providers(report, rows)
    if report.sources:
        out.append(_details(f"Sources ({len(report.sources)})", _table(
            ("source", "status", "fetched", "parsed", "skipped", "unmapped", "added", "changed", "retired", "flagged"),
            [[s["source"], s.get("status"), s.get("fetched"), s.get("parsed"), s.get("skipped"), s.get("unmapped"),
              s.get("added"), s.get("changed"), s.get("retired"), s.get("flagged")] for s in report.sources], rows),
            open_=True))
    if report.unmapped:
        total = sum(n for reasons in report.unmapped.values() for n in reasons.values())
        out.append(_details(f"Catalog entries that map to nothing ({total:,})",
                            _table(("source", "why", "entries"),
                                   [[name, why, n] for name, reasons in report.unmapped.items()
                                    for why, n in reasons.items()], rows)))
    if report.price_changes:
        out.append(_details(f"Price changes ({len(report.price_changes)})", _table(
            ("offering", "price", "old → new", "change", "source", "why"),
            [[ch.offering, ch.path.removeprefix("price."), f"{plain(ch.old)} → {plain(ch.new)}",
              f"{ch.pct:+.1f}%" if ch.pct is not None else "—", ch.source, ch.why or ""]
             for ch in report.price_changes], rows)))
    if report.added:
        out.append(_details(f"Added offerings ({len(report.added)})", _table(
            ("offering", "model", "input", "output"),
            [[a["offering"], a["model"], a.get("input"), a.get("output")] for a in report.added], rows)))
    if report.missing:
        out.append(_details(f"No longer listed by their source ({len(report.missing)})", _table(
            ("offering", "source", "absent", "retired at"),
            [[m["offering"], m["source"], m["absences"], m["retire_after"]] for m in report.missing], rows)))
    for name, keys in (("Retired", report.retired), ("Revived", report.revived), ("Removed", report.removed),
                       ("New models", report.models_added)):
        if keys:
            out.append(_details(f"{name} ({len(keys)})", _table(("id",), [[k] for k in keys], rows)))
    if report.fact_changes:
        out.append(_details(f"Limit, capability and lifecycle changes ({len(report.fact_changes)})", _table(
            ("offering", "fact", "old", "new", "source"),
            [[ch.offering, ch.path, ch.old, ch.new, ch.source] for ch in report.fact_changes], rows)))
    if report.new_conflicts:
        out.append(_details(f"New disagreements between sources ({len(report.new_conflicts)})", _table(
            ("offering", "fact", "catalog keeps", "other source says", "source"),
            [[ch.offering, ch.path, ch.old, ch.new, ch.source] for ch in report.new_conflicts], rows)))
    if report.other_changes:
        out.append(_details(f"Other changes ({len(report.other_changes)})", _table(
            ("offering", "where", "kind", "value"),
            [[ch.offering, ch.path, ch.old, ch.new] for ch in report.other_changes], rows)))
    if report.provenance_only:
        out.append(f"{report.provenance_only:,} offering(s) changed only in provenance or price history "
                   "(a source confirmed or took over an unchanged value).\n")
    return "\n".join(out)


def _providers(report: ChangeReport, rows: int) -> list[str]:
    """The provider-level sections, open: few, and each one moves every route of a provider."""
    out = []
    if report.provider_changes:
        out.append(_details(f"Provider changes ({len(report.provider_changes)})", _table(
            ("provider", "fact", "old", "new", "source"),
            [[ch.offering, ch.path, ch.old, ch.new, ch.source] for ch in report.provider_changes], rows), open_=True))
    if report.providers_added:
        out.append(_details(f"Added providers ({len(report.providers_added)})", _table(
            ("provider", "name", "base_url", "route type", "billing"),
            [[p["provider"], p.get("name"), p.get("base_url"), p.get("route_type"), p.get("billing_mode")]
             for p in report.providers_added], rows), open_=True))
    if report.providers_removed:
        out.append(_details(f"Removed providers ({len(report.providers_removed)})",
                            _table(("provider",), [[p] for p in report.providers_removed], rows), open_=True))
    return out
