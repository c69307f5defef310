"""Aliases in time (issue 31, point 2): ``mistral-medium-latest`` was priced as Medium 3.5 but
linked to the older ``mistral-medium-2508``, and usage from before the move resolved to today's
target. A moving alias — an undated name of a dated model of its family (``-latest``, or the
family's bare name) — keeps the models it stood for with the dates each held; it follows its
provider's or vendor's statement, else the model of its family it is priced as; resolution at
``at=T`` follows the target of T, and ``faimeta resolve --at`` shows it.

Recordings (trimmed from ``../shared/fixtures/upstream``): Mistral's API of 2026-03-06 names
``mistral-medium-latest`` an alias of ``mistral-medium-2508``; Models.dev and LiteLLM of 2026-07-01
list it at 0.4 / 2 (Medium 3.1's price); LiteLLM of 2026-11-20 at 1.5 / 7.5, Medium 3.5's (``-2604``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate_consumer import Usage
from refresher.run.payloads import Payload
from refresher.run.refresh import run_refresh
from refresher.tree.store import load_tree
from tests.conftest import REPO, UPSTREAM

SHARED = REPO.parent / "shared" / "fixtures" / "upstream"  # Models.dev's Mistral is not in the trimmed copy

MISTRAL_AT, MODELSDEV_AT, LITELLM_AT = "2026-03-06T00:00:00Z", "2026-07-01T16:40:28Z", "2026-11-20T04:05:34Z"
LITELLM_JULY = "2026-07-01T02:29:00Z"
MEDIUM = ("mistral-medium-2505", "mistral-medium-2508", "mistral-medium-2604", "mistral-medium-latest")


def _mistral() -> Payload:
    body = json.loads((UPSTREAM / "mistral/models.json").read_bytes())
    body["data"] = [e for e in body["data"] if e["id"] in {*MEDIUM, "mistral-medium"}]
    return Payload("mistral", (json.dumps(body).encode(),), MISTRAL_AT, "mistral (medium models)")


def _modelsdev() -> Payload:
    provider = json.loads((SHARED / "modelsdev/api.json").read_bytes())["mistral"]
    provider["models"] = {k: v for k, v in provider["models"].items() if k in MEDIUM}
    return Payload("modelsdev", (json.dumps({"mistral": provider}).encode(),), MODELSDEV_AT, "models.dev (mistral)")


def _litellm(latest: tuple[float, float] = (1.5e-06, 7.5e-06), at: str = LITELLM_AT) -> Payload:
    def entry(cost_in: float, cost_out: float) -> dict:
        return {"litellm_provider": "mistral", "mode": "chat", "input_cost_per_token": cost_in,
                "output_cost_per_token": cost_out}
    body = {"mistral/mistral-medium-2505": entry(4e-07, 2e-06), "mistral/mistral-medium-2508": entry(4e-07, 2e-06),
            "mistral/mistral-medium-2604": entry(1.5e-06, 7.5e-06), "mistral/mistral-medium-latest": entry(*latest)}
    return Payload("litellm", (json.dumps(body).encode(),), at, f"litellm of {at} (mistral medium)")


@pytest.fixture(params=["run-by-run", "one-run"])
def moved(request, empty_tree: Path) -> Path:
    runs = [[_mistral()], [_litellm((4e-07, 2e-06), LITELLM_JULY), _modelsdev()], [_litellm()]]
    for run in runs if request.param == "run-by-run" else [[p for r in runs for p in r]]:
        result = run_refresh(empty_tree, run, say=lambda _: None)
        assert result.ok, result.to_json()
    return empty_tree


def _offering(root: Path, upstream_id: str = "mistral-medium-latest") -> dict:
    return load_tree(root).providers["mistral"]["offerings"][upstream_id]


def test_the_alias_is_linked_to_the_model_it_is_priced_as_with_the_dates_each_held(moved: Path) -> None:
    offering = _offering(moved)
    assert offering["model"] == "mistral/mistral-medium-2604"
    assert offering["model_history"] == [
        {"model": "mistral/mistral-medium-2508", "as_of": MODELSDEV_AT, "until": LITELLM_AT, "source": "modelsdev",
         "by": "linked"},
        {"model": "mistral/mistral-medium-2604", "as_of": LITELLM_AT, "source": "litellm", "by": "price"},
    ]
    models = load_tree(moved).vendors["mistral"]["models"]
    assert "mistral/mistral-medium-latest" in models["mistral-medium-2604"]["aliases"]
    assert "mistral/mistral-medium-latest" not in models["mistral-medium-2508"].get("aliases", [])


def test_an_alias_priced_as_its_target_stays(empty_tree: Path) -> None:
    for run in ([_mistral()], [_modelsdev()], [_litellm(latest=(4e-07, 2e-06))]):
        assert run_refresh(empty_tree, run, say=lambda _: None).ok
    offering = _offering(empty_tree)
    assert offering["model"] == "mistral/mistral-medium-2508" and "model_history" not in offering


def test_an_alias_priced_unlike_every_model_of_its_family_stays_and_is_reported(empty_tree: Path) -> None:
    lines: list[str] = []
    for run in ([_mistral()], [_modelsdev()], [_litellm(latest=(7e-07, 3e-06))]):
        assert run_refresh(empty_tree, run, say=lines.append).ok
    assert _offering(empty_tree)["model"] == "mistral/mistral-medium-2508"
    assert any("mistral/mistral-medium-latest" in line and "priced unlike" in line for line in lines), lines


def test_a_dated_snapshot_never_moves(moved: Path) -> None:
    assert _offering(moved, "mistral-medium-2508")["model"] == "mistral/mistral-medium-2508"
    assert "model_history" not in _offering(moved, "mistral-medium-2508")


def test_a_replay_of_the_same_recordings_moves_nothing_again(moved: Path) -> None:
    result = run_refresh(moved, [_mistral(), _modelsdev(), _litellm()], say=lambda _: None)
    assert result.ok and result.written == []


def test_resolution_and_price_at_a_time_follow_the_target_then(moved: Path, build_catalog) -> None:
    catalog = build_catalog(moved)
    assert catalog.resolve("mistral-medium-latest").model.id == "mistral/mistral-medium-2604"
    assert catalog.resolve("mistral-medium-latest", at="2026-08-01").model.id == "mistral/mistral-medium-2508"
    assert catalog.resolve("mistral/mistral-medium-latest", at="2026-11-25").model.id == "mistral/mistral-medium-2604"
    assert catalog.price("mistral-medium-latest", Usage(1_000_000, 0), at="2026-08-01").total_usd == 0.4
    assert catalog.price("mistral-medium-latest", Usage(1_000_000, 0), at="2026-11-25").total_usd == 1.5
    targets = catalog.offering("mistral", "mistral-medium-latest").model_history
    assert [(t.model_id, t.since, t.until, t.by) for t in targets] == [
        ("mistral/mistral-medium-2508", MODELSDEV_AT, LITELLM_AT, "linked"),
        ("mistral/mistral-medium-2604", LITELLM_AT, None, "price")]


def test_faimeta_resolve_at_shows_the_alias_target_then(moved: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from refresher.cli import app
    from refresher.publish.build import build

    build(load_tree(moved), tmp_path / "dist", schema_dir=REPO / "schema", built_at="2026-12-01T00:00:00Z", site=False)
    runner = CliRunner()
    then = runner.invoke(app, ["resolve", "mistral-medium-latest", "--at", "2026-08-01",
                               "--catalog", str(tmp_path / "dist" / "v1")])
    assert then.exit_code == 0, then.output
    assert "mistral-medium-latest → mistral/mistral-medium-2508" in then.output
    assert f"stood for mistral/mistral-medium-2508 from {MODELSDEV_AT} until {LITELLM_AT} (linked by modelsdev)" \
        in then.output
    assert f"stands for mistral/mistral-medium-2604 since {LITELLM_AT} (priced as it by litellm)" in then.output
    now = runner.invoke(app, ["resolve", "mistral-medium-latest", "--json", "--catalog", str(tmp_path / "dist" / "v1")])
    assert json.loads(now.output)["model"] == "mistral/mistral-medium-2604"


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda h: h[-1].update(until="2026-12-01T00:00:00Z"), "the last link is the model it stands for now"),
    (lambda h: h[0].update(until="2026-10-01T00:00:00Z"), "each link holds until the next one begins"),
    (lambda h: h[0].update(model="mistral/nobody"), "'mistral/nobody' is not in metadata/models/"),
])
def test_validate_refuses_a_hand_edited_history_that_does_not_hold(moved: Path, edit, problem: str) -> None:
    from refresher.tree.validate import validate_tree

    path = moved / "providers" / "mistral.json"
    data = json.loads(path.read_text())
    edit(data["offerings"]["mistral-medium-latest"]["model_history"])
    path.write_text(json.dumps(data, indent=2))
    found = [str(p) for p in validate_tree(moved) if p.severity == "error"]
    assert any("mistral-medium-latest" in p and "model_history" in p and problem in p for p in found), found


def test_relinking_an_offering_nothing_was_said_of_keeps_no_history() -> None:
    from refresher.run.moving_aliases import relink

    bare = {"model": "mistral/mistral-medium-2508"}
    assert relink(bare, "mistral/mistral-medium-2604", "openrouter", LITELLM_AT)
    assert bare == {"model": "mistral/mistral-medium-2604"}
    assert not relink(bare, "mistral/mistral-medium-2604", "openrouter", LITELLM_AT)
