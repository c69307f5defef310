"""The GitHub workflows: actionlint passes on each, and each keeps the promises the docs make."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))


def test_there_are_the_four_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "publish.yml", "refresh.yml", "release.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_passes(workflow: Path) -> None:
    actionlint = shutil.which("actionlint")
    assert actionlint, "actionlint is installed with the test extra (pip install -e '.[test]')"
    result = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_refresh_is_scheduled_dispatchable_serialized_and_least_privileged() -> None:
    text = (REPO / ".github/workflows/refresh.yml").read_text()
    assert "schedule:" in text and "workflow_dispatch:" in text
    assert "source:" in text and "provider:" in text
    assert "concurrency:" in text and "cancel-in-progress: false" in text
    job = text.split("    permissions:", 1)[1].split("    steps:", 1)[0]
    assert {line.split(":")[0].strip() for line in job.strip().splitlines()} == {
        "contents", "pull-requests", "issues"}
    assert "METADATA_BOT_TOKEN" in text and "do not trigger other workflows" in text
    assert "faimeta refresh" in text and "faimeta pr" in text


def test_zizmor_finds_nothing_above_low() -> None:
    """zizmor's ``artipacked`` on refresh.yml: the checkout kept the push token in .git/config
    while project code processed upstream data."""
    zizmor = shutil.which("zizmor")
    assert zizmor, "zizmor is installed with the test extra (pip install -e '.[test]')"
    result = subprocess.run([zizmor, "--offline", "--no-progress", "--min-severity", "medium", "--format", "plain",
                             str(REPO / ".github" / "workflows")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_push_token_is_in_the_step_that_pushes_only() -> None:
    import yaml

    steps = yaml.safe_load((REPO / ".github/workflows/refresh.yml").read_text())["jobs"]["refresh"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] is False and "token" not in checkout["with"]
    holding = [s.get("name") for s in steps if "METADATA_BOT_TOKEN" in str(s) or "github.token" in str(s)]
    assert holding == ["Open or update the pull request"]
    (refresh,) = [s for s in steps if "faimeta refresh" in s.get("run", "")]
    assert not re.search(r"--pr\b", refresh["run"]) and "GITHUB_TOKEN" not in refresh.get("env", {})


def test_publish_deploys_pages_from_main_only() -> None:
    text = (REPO / ".github/workflows/publish.yml").read_text()
    assert "branches: [main]" in text and "pull_request" not in text
    assert "pages: write" in text and "id-token: write" in text
    assert "faimeta build --out _site" in text and "mkdocs build --strict --site-dir _site/docs" in text


def test_ci_runs_lint_validate_tests_docs_and_build() -> None:
    text = (REPO / ".github/workflows/ci.yml").read_text()
    for step in ("ruff check", "faimeta validate", "python -m pytest", "mkdocs build --strict", "faimeta build",
                 "python scripts/install_check.py"):
        assert step in text


def test_release_publishes_on_a_tag_what_it_checked_with_trusted_publishing() -> None:
    """Issue 30: there was no release path. A tag builds, checks and installs both distributions
    outside the checkout; only then does a job holding an OIDC identity (no stored token)
    publish the very files it built, attested."""
    import yaml

    workflow = yaml.safe_load((REPO / ".github/workflows/release.yml").read_text())
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key `on` as True
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert build["permissions"] == {"contents": "read"}
    assert any("scripts/install_check.py --dist dist --tag" in s.get("run", "") for s in build["steps"])
    assert publish["needs"] == "build" and publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    (upload,) = [s for s in publish["steps"] if s["uses"].startswith("pypa/gh-action-pypi-publish@")]
    assert upload["with"] == {"attestations": True}  # no password: trusted publishing
    text = (REPO / ".github/workflows/release.yml").read_text()
    assert "secrets." not in text and "password" not in text


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_and_every_job_is_bounded_and_least_privileged(workflow: Path) -> None:
    text = workflow.read_text()
    uses = re.findall(r"uses: (\S+)(.*)", text)
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), f"{action}: pin a commit SHA"
        assert re.fullmatch(r"\s+# v\d+\.\d+\.\d+", comment), f"{action}: say its tag in a comment"
    assert "\npermissions: {}" in text  # nothing granted workflow-wide
    jobs = re.split(r"\n  (?=[a-z-]+:\n)", text.split("\njobs:\n", 1)[1])
    for job in jobs:
        assert "timeout-minutes:" in job and "    permissions:" in job, job.splitlines()[0]
    assert text.count("persist-credentials: false") == text.count("actions/checkout@")  # refresh.yml too
