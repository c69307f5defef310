"""The change feeds (refresher/publish/feeds.py): JSON Feed 1.1 and Atom, read back with a real feed
parser (feedparser), on the committed catalog and on a small tree whose price changed."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refresher.publish.feeds import MAX_ENTRIES, changes, feed_files
from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import REPO


@pytest.fixture(scope="module")
def committed() -> dict[str, str]:
    return feed_files(changes(load_tree(REPO / "metadata")))


def test_the_catalogs_feeds_parse_as_json_feed_and_atom(committed: dict[str, str]) -> None:
    atom = feedparser.parse(committed["changes.atom"])
    assert not atom.bozo, atom.get("bozo_exception")
    assert atom.version == "atom10" and len(atom.entries) == MAX_ENTRIES
    entry = atom.entries[0]
    assert entry.id.startswith("tag:fusionaize.ai,2026:metadata:") and entry.link.startswith("../models/")
    assert entry.updated_parsed is not None and "Source:" in entry.summary
    feed = json.loads(committed["changes.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and len(feed["items"]) == MAX_ENTRIES
    for item in feed["items"]:
        assert {"id", "url", "title", "content_text", "date_published"} <= set(item)
    dates = [item["date_published"] for item in feed["items"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert [e.id for e in atom.entries] == [i["id"] for i in feed["items"]]  # the same entries


def test_each_provider_has_its_own_feed(committed: dict[str, str]) -> None:
    anthropic = json.loads(committed["changes/anthropic.json"])
    assert anthropic["items"] and len(anthropic["items"]) <= MAX_ENTRIES
    assert all(i["_fusionaize"]["offering"].startswith("anthropic/") for i in anthropic["items"])
    assert all(i["url"].startswith("../../models/") for i in anthropic["items"])  # from v1/changes/
    assert not feedparser.parse(committed["changes/anthropic.atom"]).bozo


def test_the_feeds_are_the_same_bytes_for_the_same_metadata(committed: dict[str, str]) -> None:
    assert feed_files(changes(load_tree(REPO / "metadata"))) == committed


def _openrouter(at: str, prompt: str) -> Payload:
    data = {"data": [{"id": "acme/model-1", "name": "Acme: Model 1", "context_length": 1000,
                      "pricing": {"prompt": prompt, "completion": "0.000015"}}]}
    return Payload("openrouter", (json.dumps(data).encode(),), at, f"openrouter@{at}")


def test_a_price_change_a_new_offering_and_a_conflict_each_make_an_entry(empty_tree: Path) -> None:
    run_refresh(empty_tree, [_openrouter("2026-07-01T00:00:00Z", "0.000003")], say=lambda _: None)
    run_refresh(empty_tree, [_openrouter("2026-08-01T00:00:00Z", "0.0000025")], say=lambda _: None)
    tree = load_tree(empty_tree)
    found = changes(tree)
    assert [(c.kind, c.at) for c in found] == [("price-change", "2026-08-01T00:00:00Z"),
                                               ("new-offering", "2026-07-01T00:00:00Z")]
    price = found[0]
    assert price.summary.startswith("input 3 → 2.5 (-16.7 %)") and price.source == "openrouter"
    offering = tree.providers["openrouter"]["offerings"]["acme/model-1"]
    offering["disagreements"] = {"price.output": [{"source": "litellm", "value": 16, "as_of": "2026-08-02T00:00:00Z"}]}
    conflict = changes(tree)[0]
    assert (conflict.kind, conflict.summary) == ("conflict", "litellm says price.output is 16; the catalog keeps 15")
    atom = feedparser.parse(feed_files(changes(tree))["changes.atom"])
    assert not atom.bozo and [e.title for e in atom.entries] == [
        "Conflict: openrouter/acme/model-1 price.output", "Price: openrouter/acme/model-1 input 3 → 2.5 (-16.7 %)",
        "New: openrouter/acme/model-1"]


@given(st.text())
def test_the_inline_escapes_write_what_saxutils_writes_of_the_visible_text(text: str) -> None:
    """Any text — controls, lone surrogates, U+FFFE — is well-formed XML that reads back as what
    :func:`visible` shows (an offering key with ``\\x01``, a direct edit, made the Atom feed
    ill-formed)."""
    from xml.etree import ElementTree
    from xml.sax.saxutils import escape, quoteattr

    from refresher.publish.feeds import xml_attribute, xml_text
    from refresher.rules.text import visible

    shown = visible(text)
    assert xml_text(text) == escape(shown) and xml_attribute(text) == quoteattr(shown)
    element = ElementTree.fromstring(f"<e a={xml_attribute(text)}>{xml_text(text)}</e>".encode())
    assert (element.text or "") == shown and element.get("a") == shown
