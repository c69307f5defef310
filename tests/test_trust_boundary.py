"""Provider facts are facts a gateway can trust (issue 27, point 1): no upstream URL that does not
parse or is not https (``http://[evil``, ``javascript:``, ``data:``) and no name that hides what
it says (a U+202E override, control characters, 200+ characters) is published, and
``faimeta validate`` refuses a tree that carries one. Each case first reproduced: the hostile
Models.dev listing was accepted, built, and made Gate answer 500 (``tests/test_gate_plugin.py``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refresher.cli import app
from refresher.run.payloads import Payload, replay_payloads
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import REPO, UPSTREAM

runner = CliRunner()
AT = "2026-07-20T00:00:00Z"

HOSTILE_URLS = ["http://[evil", "javascript:alert(2)", "data:text/html,<script>alert(1)</script>", "http://evil.example/v1",
                "https://${ACCOUNT}.example.com/v1", "https://api.example.com/\u202ev1"]
HOSTILE_NAMES = [pytest.param("Anthr\u202eopic", id="bidi-override"), pytest.param("Anthropic\x07", id="control"),
                 pytest.param("A" * 201, id="201-characters")]


def _modelsdev(change) -> Payload:
    data = json.loads((UPSTREAM / "modelsdev/api.json").read_bytes())
    change(data)
    return Payload("modelsdev", (json.dumps(data).encode(),), AT, "modelsdev (hostile)")


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_hostile_base_url_is_not_published_and_the_rest_is(seeded_tree: Path, url: str) -> None:
    before = load_tree(seeded_tree).providers["wafer-ai"]
    result = run_refresh(seeded_tree, [_modelsdev(lambda d: d["wafer.ai"].update(api=url, doc=url))],
                         say=lambda _: None)
    assert result.ok, result.to_json()
    wafer = load_tree(seeded_tree).providers["wafer-ai"]
    assert wafer.get("base_url") != url and wafer.get("docs_url") != url
    assert wafer.get("base_url") in (None, before.get("base_url"))
    assert {"source": "modelsdev", "value": url, "as_of": AT} in wafer["disagreements"]["base_url"]
    assert any(f.startswith("wafer-ai: base_url held for review: ") for f in result.summaries[0].flagged)
    assert load_tree(seeded_tree).providers["anthropic"]["offerings"]  # the run wrote the rest


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_name_that_hides_what_it_says_is_not_published(seeded_tree: Path, name: str) -> None:
    def rename(data: dict) -> None:
        data["anthropic"]["name"] = name
        next(iter(data["anthropic"]["models"].values()))["name"] = name

    result = run_refresh(seeded_tree, [_modelsdev(rename)], say=lambda _: None)
    assert result.ok, result.to_json()
    tree = load_tree(seeded_tree)
    assert tree.providers["anthropic"]["name"] == "Anthropic"
    names = [o.get("name") for o in tree.providers["anthropic"]["offerings"].values()]
    names += [m["name"] for m in tree.vendors["anthropic"]["models"].values()]
    assert name not in names


def test_whitespace_in_a_listed_name_is_one_space(seeded_tree: Path) -> None:
    """Models.dev lists ``"DeepSeek R1 (Turbo)\\t"``: formatting, not another name."""
    def tab(data: dict) -> None:
        next(iter(data["anthropic"]["models"].values()))["name"] = "Claude\t Opus\n"

    run_refresh(seeded_tree, [_modelsdev(tab)], say=lambda _: None)
    assert "Claude Opus" in [o.get("name") for o in load_tree(seeded_tree).providers["anthropic"]["offerings"].values()]


@pytest.mark.parametrize(("field", "value"), [
    *(("base_url", url) for url in HOSTILE_URLS), ("docs_url", "javascript:alert(2)"), ("pricing_url", "data:,x"),
    *(pytest.param("name", *p.values, id=f"name-{p.id}") for p in HOSTILE_NAMES),
])
def test_validate_refuses_a_tree_carrying_one(seeded_tree: Path, tmp_path: Path, field: str, value: str) -> None:
    """A direct edit (or an older refresher) that put one in: validation names the file, the
    record and the field, and fails."""
    root = tmp_path / "edited" / "metadata"
    shutil.copytree(seeded_tree, root)
    path = root / "providers" / "anthropic.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), field: value}, ensure_ascii=False))
    result = runner.invoke(app, ["validate", "--root", str(root)])
    assert result.exit_code != 0
    assert f"metadata/providers/anthropic.json: {field}" in result.output or \
        f"providers/anthropic.json: provider 'anthropic': {field}" in result.output, result.output


def test_a_new_provider_that_cannot_be_published_is_left_out_and_the_rest_written(seeded_tree: Path) -> None:
    """A listing adds a provider whose only name is unreadable (no source states another): it
    cannot be published (a provider has a name), so it is left out — with what the ledger
    recorded of it — and the run writes everything else."""
    def impostor(data: dict) -> None:
        data["evil"] = {"id": "evil", "name": "Ev\u202eil", "env": ["EVIL_KEY"], "npm": "@ai-sdk/openai-compatible",
                        "models": {"m": {"id": "m", "name": "M", "cost": {"input": 1, "output": 2}}}}
        next(iter(data["anthropic"]["models"].values()))["name"] = "Renamed today"

    result = run_refresh(seeded_tree, [_modelsdev(impostor)], say=lambda _: None)
    assert result.ok, result.to_json()
    assert [h.record for h in result.held_back] == ["provider evil"]
    tree = load_tree(seeded_tree)
    assert "evil" not in tree.providers
    assert "Renamed today" in [o.get("name") for o in tree.providers["anthropic"]["offerings"].values()]


def test_a_catalog_never_moves_what_the_provider_itself_states_of_its_api(seeded_tree: Path) -> None:
    """The provider's own statement of where its API is and which key it takes does not age:
    Anthropic's API was last read on 2026-04-17 (stale after 7 days), and a community catalog
    saying on 2026-07-20 that the API is elsewhere, with another key, changes neither (it is
    kept as a disagreement). The API style is curated: no listing changes it."""
    def elsewhere(data: dict) -> None:
        data["anthropic"].update(api="https://api.anthropic-relay.example/v1", env=["RELAY_KEY"],
                                 npm="@ai-sdk/openai-compatible")

    payloads, errors = replay_payloads(UPSTREAM, ["anthropic"])
    assert not errors and run_refresh(seeded_tree, payloads, say=lambda _: None).ok
    before = load_tree(seeded_tree).providers["anthropic"]
    for fact in ("base_url", "api_key_env"):
        assert before["provenance"].get("fields", {}).get(fact, before["provenance"])["source"] == "anthropic"
    assert payloads[0].observed_at < "2026-07-13T00:00:00Z"  # stale at AT
    result = run_refresh(seeded_tree, [_modelsdev(elsewhere)], say=lambda _: None)
    assert result.ok, result.to_json()
    anthropic = load_tree(seeded_tree).providers["anthropic"]
    assert anthropic["base_url"] == "https://api.anthropic.com/v1"
    assert anthropic["api_key_env"] == ["ANTHROPIC_API_KEY"]
    assert anthropic["api_style"] == before["api_style"] == "anthropic-messages"
    assert {"source": "modelsdev", "value": "https://api.anthropic-relay.example/v1", "as_of": AT} in \
        anthropic["disagreements"]["base_url"]
    assert {"source": "modelsdev", "value": ["RELAY_KEY"], "as_of": AT} in anthropic["disagreements"]["api_key_env"]


# -- every output shows what a reader cannot see as an escape --------------------------------

def _edited(seeded_tree: Path, tmp_path: Path) -> Path:
    """A direct edit no refresh would write: an offering key with ``\\x01`` and a model name
    with a right-to-left override, in a tree that is otherwise whole."""
    root = tmp_path / "edited" / "metadata"
    shutil.copytree(seeded_tree, root)
    path = root / "providers" / "anthropic.json"
    record = json.loads(path.read_text())
    key = sorted(record["offerings"])[0]
    record["offerings"]["evil\x01key"] = {**record["offerings"][key], "name": "Claude \u202eevil"}
    path.write_text(json.dumps(record, ensure_ascii=False))
    return root


def test_validate_refuses_an_offering_key_with_a_control_character(seeded_tree: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--root", str(_edited(seeded_tree, tmp_path))])
    assert result.exit_code != 0 and "evil\\x01key" in result.output, result.output


def test_the_feeds_of_such_a_tree_are_well_formed_and_show_the_escape(seeded_tree: Path, tmp_path: Path) -> None:
    """The Atom feed was ill-formed: ``\\x01`` cannot be in XML 1.0, escaped or not."""
    from xml.etree import ElementTree

    from refresher.publish.feeds import changes, feed_files

    files = feed_files(changes(load_tree(_edited(seeded_tree, tmp_path))))
    feed = ElementTree.fromstring(files["changes.atom"].encode())
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed]
    assert any("evil\\u0001key" in (t or "") for t in titles)
    assert "\x01" not in files["changes.json"] and "\u202e" not in files["changes.atom"]


def test_show_prints_an_escape_not_the_override(seeded_tree: Path, tmp_path: Path) -> None:
    root = _edited(seeded_tree, tmp_path)
    result = runner.invoke(app, ["show", "anthropic/evil\x01key", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert "\u202e" not in result.output and "\x01" not in result.output
    assert "Claude \\u202eevil" in result.output and "evil\\u0001key" in result.output
    as_json = runner.invoke(app, ["show", "anthropic/evil\x01key", "--root", str(root), "--json"])
    assert "\u202e" not in as_json.output and json.loads(as_json.output)["facts"]["name"]["value"] == "Claude \u202eevil"


def test_the_site_shows_an_escape_not_the_override(seeded_tree: Path, tmp_path: Path) -> None:
    from refresher.publish.build import build

    out = tmp_path / "dist"
    build(load_tree(_edited(seeded_tree, tmp_path)), out, schema_dir=REPO / "schema", repo=None)
    pages = [p.read_text() for p in out.rglob("*.html")]
    assert not [p for p in pages if "\u202e" in p or "\x01" in p]
    assert any("evil\\u0001key" in p for p in pages)
