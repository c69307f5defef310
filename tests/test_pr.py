"""``faimeta refresh --pr`` end to end: real git with a local bare remote, and a local HTTP server
implementing the GitHub REST endpoints the refresher uses, as GitHub documents them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from refresher.cli import app
from refresher.tree.jsonio import dumps
from tests.conftest import REPO, UPSTREAM

TOKEN = "ghp_PLANTED_SECRET_TOKEN_0123456789"
SOURCE_KEY = "sk-or-PLANTED-SOURCE-KEY-987654"
SLUG = "acme/metadata"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


class FakeGitHub:
    """Pulls and labels of one repository, in memory; every request is recorded."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.pulls: dict[int, dict] = {}
        self.labels: dict[int, set[str]] = {}
        self.requests: list[tuple[str, str, dict, dict | None]] = []
        self.fail: tuple[str, str] | None = None  # (method, path) to answer 500
        server.expect_request(f"/repos/{SLUG}/pulls", method="GET").respond_with_handler(self.list_pulls)
        server.expect_request(f"/repos/{SLUG}/pulls", method="POST").respond_with_handler(self.create_pull)
        for n in range(1, 4):
            server.expect_request(f"/repos/{SLUG}/pulls/{n}", method="PATCH").respond_with_handler(self.update_pull)
            server.expect_request(f"/repos/{SLUG}/issues/{n}/labels", method="POST").respond_with_handler(self.add_labels)
            server.expect_request(f"/repos/{SLUG}/issues/{n}/labels/needs-review",
                                  method="DELETE").respond_with_handler(self.remove_label)

    def _record(self, request: Request) -> Response | None:
        body = json.loads(request.data) if request.data else None
        self.requests.append((request.method, request.path, dict(request.args), body))
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["Accept"] == "application/vnd.github+json"
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
        if self.fail == (request.method, request.path):
            return Response(json.dumps({"message": "Server Error"}), status=500, content_type="application/json")
        return None

    def list_pulls(self, request: Request) -> Response:
        failed = self._record(request)
        if failed:
            return failed
        head = request.args["head"]
        found = [p for p in self.pulls.values() if p["state"] == "open" and f"acme:{p['head']['ref']}" == head]
        return Response(json.dumps(found), content_type="application/json")

    def create_pull(self, request: Request) -> Response:
        failed = self._record(request)
        if failed:
            return failed
        data = json.loads(request.data)
        number = len(self.pulls) + 1
        self.pulls[number] = {"number": number, "state": "open", "title": data["title"], "body": data["body"],
                              "head": {"ref": data["head"]}, "base": {"ref": data["base"]},
                              "html_url": f"https://github.com/{SLUG}/pull/{number}"}
        return Response(json.dumps(self.pulls[number]), status=201, content_type="application/json")

    def update_pull(self, request: Request) -> Response:
        failed = self._record(request)
        if failed:
            return failed
        number = int(request.path.rsplit("/", 1)[1])
        self.pulls[number].update(json.loads(request.data))
        return Response(json.dumps(self.pulls[number]), content_type="application/json")

    def add_labels(self, request: Request) -> Response:
        failed = self._record(request)
        if failed:
            return failed
        number = int(request.path.split("/")[-2])
        self.labels.setdefault(number, set()).update(json.loads(request.data)["labels"])
        return Response(json.dumps([{"name": n} for n in sorted(self.labels[number])]), content_type="application/json")

    def remove_label(self, request: Request) -> Response:
        self._record(request)
        number = int(request.path.split("/")[-3])
        if "needs-review" not in self.labels.get(number, set()):
            return Response(json.dumps({"message": "Label does not exist"}), status=404, content_type="application/json")
        self.labels[number].discard("needs-review")
        return Response(json.dumps([]), content_type="application/json")


@pytest.fixture
def github(httpserver: HTTPServer) -> FakeGitHub:
    return FakeGitHub(httpserver)


@pytest.fixture
def checkout(seeded_tree: Path, tmp_path: Path) -> Path:
    """A clone of a repository holding the seeded catalog, its origin a local bare repository."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--bare", "-b", "main", str(origin))
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-b", "main")
    git(work, "config", "user.name", "Test Runner")
    git(work, "config", "user.email", "runner@example.test")
    shutil.copytree(seeded_tree, work / "metadata")
    shutil.copytree(REPO / "schema", work / "schema")
    shutil.copy(REPO / ".gitignore", work / ".gitignore")  # as in the real repository: the lock stays out
    (work / "consumer" / "gate_consumer" / "_data" / "v1").mkdir(parents=True)
    (work / "consumer" / "gate_consumer" / "_data" / "v1" / ".keep").write_text("")
    git(work, "add", "-A")
    git(work, "commit", "-m", "seed")
    git(work, "remote", "add", "origin", str(origin))
    git(work, "push", "origin", "main")
    return work


def _replay(tmp_path: Path, name: str, price: float, at: str) -> Path:
    """The recorded responses, with one changed Sonnet price, recorded at ``at`` (the tests use
    dates within a week of the seeded OpenRouter listing of 2026-07-17, so its own prices are
    still fresh and Models.dev's view of them changes nothing)."""
    folder = tmp_path / name
    shutil.copytree(UPSTREAM, folder)
    data = json.loads((folder / "modelsdev/api.json").read_text())
    data["anthropic"]["models"]["claude-sonnet-4-5-20250929"]["cost"]["input"] = price
    (folder / "modelsdev/api.json").write_text(json.dumps(data))
    index = json.loads((folder / "recordings.json").read_text())
    index["modelsdev/api.json"]["recorded_at"] = at
    (folder / "recordings.json").write_text(dumps(index))
    return folder


def _run(checkout: Path, github: FakeGitHub, replay: Path, *extra: str):
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": github.server.url_for("").rstrip("/"),
           "GITHUB_REPOSITORY": SLUG, "OPENROUTER_API_KEY": SOURCE_KEY}
    return CliRunner().invoke(app, ["refresh", "--root", str(checkout / "metadata"), "--replay", str(replay),
                                    "--source", "modelsdev", "--pr", *extra], env=env)


def _calls(github: FakeGitHub) -> list[tuple[str, str]]:
    return [(method, path) for method, path, _, _ in github.requests]


def test_first_run_opens_the_pr_second_updates_it_third_does_nothing(checkout: Path, github: FakeGitHub,
                                                                     tmp_path: Path) -> None:
    first = _run(checkout, github, _replay(tmp_path, "r1", 2.5, "2026-07-20T00:00:00Z"))
    assert first.exit_code == 0, first.output
    assert _calls(github) == [
        ("GET", f"/repos/{SLUG}/pulls"),
        ("POST", f"/repos/{SLUG}/pulls"),
        ("POST", f"/repos/{SLUG}/issues/1/labels"),
    ]
    assert github.requests[0][2] == {"state": "open", "head": "acme:refresh/modelsdev"}
    created = github.requests[1][3]
    assert (created["head"], created["base"]) == ("refresh/modelsdev", "main")
    assert created["title"] == "Metadata refresh (modelsdev): 0 added, 1 changed, 0 retired"
    assert "| anthropic/claude-sonnet-4-5-20250929 | input | 3 → 2.5 | -16.7% | modelsdev |" in created["body"]
    assert github.requests[2][3] == {"labels": ["metadata-refresh"]}
    # the branch is on the remote, the base is untouched, and the checkout is back on main
    origin = checkout.parent / "origin.git"
    assert git(origin, "log", "--format=%s", "-1", "refresh/modelsdev") == created["title"]
    assert git(origin, "rev-parse", "main") == git(checkout, "rev-parse", "main")
    assert git(checkout, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(checkout, "status", "--porcelain") == ""
    changed = git(origin, "diff", "--name-only", "main", "refresh/modelsdev").splitlines()
    assert "metadata/providers/anthropic.json" in changed and "reports/modelsdev.json" in changed
    assert not any(".faimeta" in path for path in changed)  # the lock never travels
    assert "consumer/gate_consumer/_data/v1/index.json" in changed

    github.requests.clear()
    second = _run(checkout, github, _replay(tmp_path, "r2", 30.0, "2026-07-21T00:00:00Z"))
    assert second.exit_code == 0, second.output
    assert _calls(github) == [
        ("GET", f"/repos/{SLUG}/pulls"),
        ("PATCH", f"/repos/{SLUG}/pulls/1"),
        ("POST", f"/repos/{SLUG}/issues/1/labels"),
    ]
    assert github.requests[2][3] == {"labels": ["metadata-refresh", "needs-review"]}  # 3 → 30 is a risky jump
    assert "price-jump" in github.requests[1][3]["body"]
    assert len(github.pulls) == 1

    # The same refresh again while the PR is open: the branch already has it.
    github.requests.clear()
    pushed = git(origin, "rev-parse", "refresh/modelsdev")
    again = _run(checkout, github, _replay(tmp_path, "r3", 30.0, "2026-07-21T00:00:00Z"))
    assert again.exit_code == 0, again.output
    assert "already has exactly this refresh: nothing pushed" in again.output
    assert github.requests == [] and git(origin, "rev-parse", "refresh/modelsdev") == pushed

    # Once merged, a run that learns nothing changes nothing: no commit, no PR.
    git(checkout, "merge", "--ff-only", "origin/refresh/modelsdev")
    github.requests.clear()
    merged = _run(checkout, github, _replay(tmp_path, "r4", 30.0, "2026-07-21T00:00:00Z"))
    assert merged.exit_code == 0, merged.output
    assert "no change: no commit, no pull request" in merged.output
    assert github.requests == []


def test_a_calm_update_removes_the_needs_review_label(checkout: Path, github: FakeGitHub, tmp_path: Path) -> None:
    assert _run(checkout, github, _replay(tmp_path, "r1", 30.0, "2026-07-20T00:00:00Z")).exit_code == 0
    assert github.labels[1] == {"metadata-refresh", "needs-review"}
    github.requests.clear()
    assert _run(checkout, github, _replay(tmp_path, "r2", 3.1, "2026-07-21T00:00:00Z")).exit_code == 0
    assert _calls(github)[-1] == ("DELETE", f"/repos/{SLUG}/issues/1/labels/needs-review")
    assert github.labels[1] == {"metadata-refresh"}


def test_a_failing_api_call_leaves_the_branch_pushed_and_says_so(checkout: Path, github: FakeGitHub,
                                                                 tmp_path: Path) -> None:
    github.fail = ("POST", f"/repos/{SLUG}/pulls")
    result = _run(checkout, github, _replay(tmp_path, "r1", 2.5, "2026-07-20T00:00:00Z"))
    assert result.exit_code == 1
    assert "refresh/modelsdev is pushed" in result.output
    assert f"POST /repos/{SLUG}/pulls answered HTTP 500: Server Error" in result.output
    origin = checkout.parent / "origin.git"
    assert git(origin, "rev-parse", "--verify", "refresh/modelsdev")
    assert git(checkout, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_no_secret_appears_in_any_output(checkout: Path, github: FakeGitHub, tmp_path: Path) -> None:
    result = _run(checkout, github, _replay(tmp_path, "r1", 30.0, "2026-07-20T00:00:00Z"))
    assert result.exit_code == 0, result.output
    origin = checkout.parent / "origin.git"
    everything = [
        result.output,
        json.dumps([r for r in github.requests]),
        git(origin, "log", "--all", "-p", "--format=%an %ae %s %b"),
        *(p.read_text(errors="replace") for p in checkout.rglob("*") if p.is_file() and ".git" not in p.parts),
    ]
    for text in everything:
        assert TOKEN not in text and SOURCE_KEY not in text


def test_pr_needs_a_token_and_a_clean_base(checkout: Path, tmp_path: Path) -> None:
    replay = _replay(tmp_path, "r1", 2.5, "2026-07-20T00:00:00Z")
    args = ["refresh", "--root", str(checkout / "metadata"), "--replay", str(replay), "--pr"]
    no_token = CliRunner().invoke(app, args, env={"GITHUB_TOKEN": ""})
    assert no_token.exit_code == 1 and "--pr needs GITHUB_TOKEN" in no_token.output
    (checkout / "metadata" / "ledger.json").write_text("{}\n")
    dirty = CliRunner().invoke(app, args, env={"GITHUB_TOKEN": TOKEN})
    assert dirty.exit_code == 1 and "uncommitted changes" in dirty.output
    git(checkout, "checkout", "--", "metadata")
    git(checkout, "checkout", "-b", "topic")
    elsewhere = CliRunner().invoke(app, args, env={"GITHUB_TOKEN": TOKEN})
    assert elsewhere.exit_code == 1 and "starts on the base branch 'main'" in elsewhere.output


@pytest.mark.parametrize(
    ("url", "slug"),
    [("git@github.com:acme/metadata.git", "acme/metadata"), ("https://github.com/acme/metadata", "acme/metadata"),
     ("https://github.com/acme/metadata.git/", "acme/metadata"), ("ssh://git@github.com/acme/meta.data.git", "acme/meta.data")],
)
def test_the_repository_comes_from_the_origin_url(tmp_path: Path, url: str, slug: str) -> None:
    from git import Repo

    from refresher.review.pr import repository_slug

    repo = Repo.init(tmp_path)
    repo.create_remote("origin", url)
    assert repository_slug(repo, {}) == slug
    assert repository_slug(repo, {"GITHUB_REPOSITORY": "other/repo"}) == "other/repo"


def test_an_origin_that_is_not_github_needs_github_repository(tmp_path: Path) -> None:
    from git import Repo

    from refresher.review.pr import PullRequestError, repository_slug

    repo = Repo.init(tmp_path)
    with pytest.raises(PullRequestError, match="no GITHUB_REPOSITORY and no 'origin' remote"):
        repository_slug(repo, {})
    repo.create_remote("origin", "https://gitlab.example/acme/metadata.git")
    with pytest.raises(PullRequestError, match="set GITHUB_REPOSITORY"):
        repository_slug(repo, {})


def test_a_failed_push_is_reported_and_the_checkout_returns_to_main(checkout: Path, github: FakeGitHub,
                                                                    tmp_path: Path) -> None:
    git(checkout, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    result = _run(checkout, github, _replay(tmp_path, "r1", 2.5, "2026-07-20T00:00:00Z"))
    assert result.exit_code == 1
    assert "pull request: git push failed" in result.output or "pull request: git fetch failed" in result.output
    assert TOKEN not in result.output
    assert git(checkout, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert github.requests == []
