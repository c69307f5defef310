"""The refresh workflow's two steps (issue 27, point 8): ``faimeta refresh --report`` reads
upstream data holding no push token, then ``faimeta pr`` — the only step with ``GITHUB_TOKEN`` —
commits, pushes and opens the PR. The checkout keeps no credential (``persist-credentials:
false``), so the push authenticates with a header git receives for that one command.

Real git over its smart HTTP protocol: ``git http-backend`` behind a local server that, like
GitHub, refuses a request without the token."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from refresher.cli import app
from tests.test_pr import SLUG, TOKEN, FakeGitHub, _replay, git

BASIC = "basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()


class GitOverHttp:
    """``git http-backend`` (CGI) for the repositories under ``root``; every request's
    Authorization header is recorded, and one without the token is answered 401."""

    def __init__(self, server: HTTPServer, root: Path):
        self.root = root
        self.authorizations: list[str | None] = []
        server.expect_request(re.compile(r"^/git/.*")).respond_with_handler(self.handle)
        self.url = server.url_for("/git").rstrip("/")

    def handle(self, request: Request) -> Response:
        given = request.headers.get("Authorization")
        self.authorizations.append(given)
        if (given or "").lower() != BASIC.lower():
            return Response("authentication required", status=401, headers={"WWW-Authenticate": 'Basic realm="git"'})
        body = request.get_data()
        env = {"PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(self.root), "GIT_HTTP_EXPORT_ALL": "1",
               "PATH_INFO": request.path.removeprefix("/git"), "QUERY_STRING": request.query_string.decode(),
               "REQUEST_METHOD": request.method, "CONTENT_TYPE": request.content_type or "",
               "CONTENT_LENGTH": str(len(body)), "REMOTE_USER": "x-access-token", "REMOTE_ADDR": "127.0.0.1"}
        if request.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = request.headers["Content-Encoding"]
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if line)
        status = int(headers.pop("Status", "200 OK").split()[0])
        return Response(payload, status=status, headers=headers)


@pytest.fixture
def hosted(seeded_tree: Path, tmp_path: Path, httpserver: HTTPServer):
    """A checkout as ``actions/checkout`` leaves it with ``persist-credentials: false``: origin
    an HTTP URL, no credential anywhere in ``.git``."""
    from tests.conftest import REPO

    server = GitOverHttp(httpserver, tmp_path / "hosted")
    origin = tmp_path / "hosted" / "origin.git"
    git(tmp_path, "init", "--bare", "-b", "main", str(origin))
    git(origin, "config", "http.receivepack", "true")
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-b", "main")
    git(work, "config", "user.name", "Test Runner")
    git(work, "config", "user.email", "runner@example.test")
    for name in ("metadata", "schema"):
        subprocess.run(["cp", "-r", str(seeded_tree if name == "metadata" else REPO / name), str(work / name)], check=True)
    (work / ".gitignore").write_text((REPO / ".gitignore").read_text())
    git(work, "add", "-A")
    git(work, "commit", "-m", "seed")
    git(work, "push", str(origin), "main")
    git(work, "remote", "add", "origin", f"{server.url}/origin.git")
    return work, server, FakeGitHub(httpserver), origin


def _env(github: FakeGitHub, server: str, **more: str) -> dict[str, str | None]:
    return {"GITHUB_TOKEN": TOKEN, "GITHUB_SERVER_URL": server, "GITHUB_API_URL": github.server.url_for("").rstrip("/"),
            "GITHUB_REPOSITORY": SLUG, "GIT_TERMINAL_PROMPT": "0", **more}


def _refresh(work: Path, tmp_path: Path) -> Path:
    report = tmp_path / "run.json"
    result = CliRunner().invoke(app, ["refresh", "--root", str(work / "metadata"), "--source", "modelsdev",
                                      "--replay", str(_replay(tmp_path, "r1", 2.5, "2026-07-20T00:00:00Z")),
                                      "--report", str(report)], env={"GITHUB_TOKEN": None})
    assert result.exit_code == 0, result.output
    return report


def test_the_refresh_holds_no_token_and_the_pr_step_pushes_with_one(hosted, tmp_path: Path) -> None:
    work, server, github, origin = hosted
    report = _refresh(work, tmp_path)
    assert server.authorizations == []  # the refresh never spoke to origin
    root = server.url.removesuffix("/git")
    result = CliRunner().invoke(app, ["pr", "--root", str(work / "metadata"), "--report", str(report),
                                      "--source", "modelsdev"], env=_env(github, root))
    assert result.exit_code == 0, result.output
    assert git(origin, "rev-parse", "--verify", "refs/heads/refresh/modelsdev")
    assert [p["head"]["ref"] for p in github.pulls.values()] == ["refresh/modelsdev"]
    assert "anthropic/claude-sonnet-4-5-20250929" in github.pulls[1]["body"]
    assert server.authorizations and set(server.authorizations) <= {None, BASIC}  # git asks, is refused, sends it
    assert BASIC in server.authorizations
    leftovers = [p for p in (work / ".git").rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert leftovers == [] and TOKEN not in git(work, "config", "--list") and TOKEN not in result.output
    assert git(work, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_the_token_goes_to_the_github_server_only(hosted, tmp_path: Path) -> None:
    """origin on another host than GITHUB_SERVER_URL: git gets no token, the push is refused,
    and the message says so without it."""
    work, server, github, _ = hosted
    report = _refresh(work, tmp_path)
    result = CliRunner().invoke(app, ["pr", "--root", str(work / "metadata"), "--report", str(report)],
                                env=_env(github, "https://github.com"))
    assert result.exit_code == 1 and "pull request: git" in result.output
    assert BASIC not in server.authorizations and TOKEN not in result.output
    assert github.requests == []


@pytest.mark.parametrize(("content", "says"), [
    (None, "not a refresh report (FileNotFoundError"),
    ("{not json", "not a refresh report (JSONDecodeError"),
    (json.dumps({"ok": False, "validation": ["x: bad"], "written": []}), "the refresh did not validate"),
])
def test_a_pr_step_without_a_usable_report_says_so(hosted, tmp_path: Path, content: str | None, says: str) -> None:
    work, _, github, _ = hosted
    report = tmp_path / "run.json"
    if content is not None:
        report.write_text(content)
    result = CliRunner().invoke(app, ["pr", "--root", str(work / "metadata"), "--report", str(report)],
                                env=_env(github, "https://github.com"))
    assert result.exit_code != 0 and says in result.output, result.output


def test_a_run_that_wrote_nothing_opens_no_pr(hosted, tmp_path: Path) -> None:
    work, _, github, _ = hosted
    report = tmp_path / "run.json"
    report.write_text(json.dumps({"ok": True, "validation": [], "written": []}))
    result = CliRunner().invoke(app, ["pr", "--root", str(work / "metadata"), "--report", str(report)],
                                env=_env(github, "https://github.com"))
    assert result.exit_code == 0 and "no change: no commit, no pull request" in result.output
    assert github.requests == []
