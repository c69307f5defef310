"""The HTML the site's pages share: text escaped for a page, prices and badges, the page itself."""

from __future__ import annotations

from html import escape as escape_html
from typing import Any

from refresher.rules.text import visible

__all__ = ["BADGES", "badge", "escape", "page", "usd"]

#: every freshness a badge can show
BADGES = ("fresh", "aging", "stale", "conflict", "manual", "untracked", "provisional")


def escape(text: str) -> str:
    """Text for a page: what a reader cannot see shown as its escape (a direct edit's U+202E
    would reverse what follows it), then HTML-escaped."""
    return escape_html(visible(text))


def badge(status: Any, title: str = "") -> str:
    value = getattr(status, "value", status) or "untracked"
    return f'<span class="badge {escape(value)}" title="{escape(title or value)}">{escape(value)}</span>'


def usd(value: Any) -> str:
    return "—" if value is None else f"${value:g}"


# -- pages ----------------------------------------------------------------------------------

#: only the site's own files: no inline script or handler, no plugin, no other origin — an id or
#: name that slipped through as markup still runs nothing (``tests/test_site.py``)
_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
           "base-uri 'none'; form-action 'none'")


def page(title: str, body: str, depth: int, judged_at: str) -> str:
    up = "../" * depth
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_POLICY}">
<title>{escape(title)} · fusionAIze metadata</title>
<link rel="stylesheet" href="{up}assets/site.css">
<link rel="alternate" type="application/atom+xml" title="Catalog changes" href="{up}v1/changes.atom">
<link rel="alternate" type="application/feed+json" title="Catalog changes" href="{up}v1/changes.json">
</head>
<body data-root="{up}">
<header><a class="home" href="{up}index.html">fusionAIze metadata</a>
<nav><a href="{up}index.html">Models</a> <a href="{up}compare.html">Compare</a> <a href="{up}changes.html">Price changes</a>
<a href="{up}v1/changes.atom">Changes (Atom)</a> <a href="{up}v1/changes.json">(JSON Feed)</a></nav></header>
<main>
{body}
</main>
<footer>Freshness as of the newest source check, {escape(judged_at)}. Every price shows where it came from.</footer>
<script src="{up}assets/site.js"></script>
</body>
</html>
"""
