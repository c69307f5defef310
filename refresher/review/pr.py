"""``faimeta refresh --pr``: one branch and one pull request per refresh lane.

The contract:

* The refresh runs on the base branch's working tree; nothing changed → no commit, no PR.
* The result is committed on ``refresh/<lane>`` (recreated from the base each run, so the PR
  shows exactly this refresh), together with the refreshed snapshot bundled in
  ``gate_consumer`` and the full JSON report (``reports/<lane>.json``), and force-pushed to
  that branch only — never to the base branch. The working tree goes back to the base branch.
* The PR for the lane is opened, or updated if one is open, through the GitHub REST API
  (httpx; ``GITHUB_TOKEN``; the repository from ``GITHUB_REPOSITORY`` or the ``origin`` URL;
  ``GITHUB_API_URL`` for GitHub Enterprise or tests). Labels: ``metadata-refresh``, plus
  ``needs-review`` when the report has risky items (removed again when it no longer has).
* A failing API call leaves the branch pushed and raises :class:`PullRequestError` saying so.
  The token is sent in a header and appears in no message, commit or body.
* Git talks to ``origin`` with the token only when ``origin`` is on the GitHub server
  (``GITHUB_SERVER_URL``, default github.com), as an HTTP header given to that one ``git fetch``
  or ``git push`` through its environment: never written to ``.git/config``, so a checkout
  without persisted credentials (``persist-credentials: false``) can push, and the steps before
  — which read upstream data — never held a push token (``faimeta pr``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from git import GitCommandError, Repo

from gate_consumer.checks import url_host
from refresher.tree.transaction import LOCK_NAME, WORK_NAME

__all__ = [
    "GitHub", "PullRequestError", "PullRequestResult", "default_lane", "open_refresh_pr", "preflight", "publish",
    "repository_slug",
]

LABEL = "metadata-refresh"
RISKY_LABEL = "needs-review"
API_VERSION = "2022-11-28"
_REMOTE = re.compile(r"github\.com[:/](?P<slug>[^/]+/[^/]+?)(?:\.git)?/?$")


class PullRequestError(Exception):
    """The PR step failed; the message says what was done before (e.g. the branch was pushed)."""


@dataclass(frozen=True)
class PullRequestResult:
    branch: str
    commit: str
    number: int
    url: str
    created: bool


def repository_slug(repo: Repo, environ: Mapping[str, str]) -> str:
    """``owner/name``: ``GITHUB_REPOSITORY``, else parsed from the ``origin`` remote's URL."""
    if environ.get("GITHUB_REPOSITORY"):
        return environ["GITHUB_REPOSITORY"]
    try:
        url = repo.remote("origin").url
    except ValueError:
        raise PullRequestError("no GITHUB_REPOSITORY and no 'origin' remote to tell the repository") from None
    match = _REMOTE.search(url)
    if not match:
        raise PullRequestError("cannot tell the GitHub repository from the origin URL; set GITHUB_REPOSITORY")
    return match.group("slug")


class GitHub:
    """The few REST endpoints the refresh PR needs, as GitHub documents them."""

    def __init__(self, slug: str, token: str, *, api: str = "https://api.github.com", client: httpx.Client | None = None):
        self.slug = slug
        self.client = client or httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0))
        self.api = api.rstrip("/")
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "fusionaize-metadata-refresher",
        }

    def _call(self, method: str, path: str, *, json: Any = None, params: Mapping[str, str] | None = None,
              ok: tuple[int, ...] = ()) -> Any:
        url = f"{self.api}{path}"
        try:
            response = self.client.request(method, url, json=json, params=params, headers=self.headers)
        except httpx.HTTPError as exc:
            raise PullRequestError(f"{method} {path}: {type(exc).__name__}") from None
        if response.status_code in ok:
            return None
        if response.status_code >= 400:
            try:
                message = response.json().get("message", "")
            except ValueError:
                message = response.text[:200]
            raise PullRequestError(f"{method} {path} answered HTTP {response.status_code}: {message}")
        return response.json() if response.content else None

    def open_pull(self, branch: str) -> dict[str, Any] | None:
        owner = self.slug.split("/", 1)[0]
        pulls = self._call("GET", f"/repos/{self.slug}/pulls", params={"state": "open", "head": f"{owner}:{branch}"})
        return pulls[0] if pulls else None

    def create_pull(self, *, title: str, head: str, base: str, body: str) -> dict[str, Any]:
        return self._call("POST", f"/repos/{self.slug}/pulls",
                          json={"title": title, "head": head, "base": base, "body": body})

    def update_pull(self, number: int, *, title: str, body: str) -> dict[str, Any]:
        return self._call("PATCH", f"/repos/{self.slug}/pulls/{number}", json={"title": title, "body": body})

    def add_labels(self, number: int, labels: list[str]) -> None:
        self._call("POST", f"/repos/{self.slug}/issues/{number}/labels", json={"labels": labels})

    def remove_label(self, number: int, label: str) -> None:
        self._call("DELETE", f"/repos/{self.slug}/issues/{number}/labels/{label}", ok=(404,))


def publish(
    repo_dir: Path,
    *,
    lane: str,
    base: str,
    paths: list[str],
    title: str,
    body: str,
    risky: bool,
    github: GitHub | None,
    say: Callable[[str], None] = print,
    environ: Mapping[str, str] | None = None,
) -> PullRequestResult:
    """Commit ``paths`` on ``refresh/<lane>``, force-push it (with ``environ``'s token, when
    ``origin`` is on the GitHub server), open or update its PR."""
    branch = f"refresh/{lane}"
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", lane) or branch == base:
        raise PullRequestError(f"lane {lane!r} is not a safe branch name")
    repo = Repo(repo_dir)
    if repo.active_branch.name != base:
        raise PullRequestError(f"the refresh must start on {base!r}, not {repo.active_branch.name!r}")
    auth = _push_auth(repo, environ or {})
    try:
        repo.git.checkout("-B", branch)  # from the base, carrying the refreshed files along
        # the tree's lock and an interrupted write's work folder are never part of a refresh,
        # even in a repository that does not git-ignore them
        repo.git.add("--", *paths, f":(exclude,glob)**/{LOCK_NAME}", f":(exclude,glob)**/{WORK_NAME}/**")
        with repo.git.custom_environment(**_identity(repo)):
            repo.git.commit("-m", title, "--no-verify")
        commit = repo.head.commit.hexsha
        with repo.git.custom_environment(**auth):
            if _remote_tree(repo, branch) == repo.head.commit.tree.hexsha:
                say(f"{branch} on origin already has exactly this refresh: nothing pushed, the pull request is current")
                return PullRequestResult(branch, commit, 0, "", False)
            repo.git.push("--force", "origin", f"refs/heads/{branch}:refs/heads/{branch}")
    except GitCommandError as exc:
        raise PullRequestError(f"git {exc.command[1] if len(exc.command) > 1 else ''} failed: "
                               f"{(exc.stderr or '').strip()[:300]}") from None
    finally:
        if repo.active_branch.name != base:
            repo.git.checkout(base)
    say(f"pushed {branch} ({commit[:12]})")
    if github is None:
        raise PullRequestError(f"{branch} is pushed, but GITHUB_TOKEN is not set: no pull request opened")
    try:
        existing = github.open_pull(branch)
        if existing is None:
            pull = github.create_pull(title=title, head=branch, base=base, body=body)
            created = True
        else:
            pull = github.update_pull(existing["number"], title=title, body=body)
            created = False
        github.add_labels(pull["number"], [LABEL, RISKY_LABEL] if risky else [LABEL])
        if not risky and not created:
            github.remove_label(pull["number"], RISKY_LABEL)
    except PullRequestError as exc:
        raise PullRequestError(f"{branch} is pushed ({commit[:12]}), but the pull request step failed: {exc}") from None
    say(f"{'opened' if created else 'updated'} pull request #{pull['number']}: {pull.get('html_url', '')}")
    return PullRequestResult(branch, commit, pull["number"], pull.get("html_url", ""), created)


def _push_auth(repo: Repo, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment that lets one git command authenticate to ``origin`` with
    ``GITHUB_TOKEN``, as actions/checkout does (an ``Authorization`` header) but for that command
    only: git reads ``GIT_CONFIG_COUNT``/``KEY``/``VALUE`` and writes nothing. Empty without a
    token or when ``origin`` is not on ``GITHUB_SERVER_URL``'s host: the token goes nowhere else."""
    token = environ.get("GITHUB_TOKEN")
    try:
        origin = repo.remote("origin").url
    except ValueError:
        return {}
    server = environ.get("GITHUB_SERVER_URL") or "https://github.com"
    if not token or not origin.startswith(("https://", "http://")) or url_host(origin) != url_host(server):
        return {}
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    count = int(environ.get("GIT_CONFIG_COUNT") or 0)
    return {"GIT_CONFIG_COUNT": str(count + 1), f"GIT_CONFIG_KEY_{count}": f"http.{server.rstrip('/')}/.extraheader",
            f"GIT_CONFIG_VALUE_{count}": f"AUTHORIZATION: basic {basic}", "GIT_TERMINAL_PROMPT": "0"}


def _remote_tree(repo: Repo, branch: str) -> str | None:
    """The tree of ``origin``'s ``branch``, or None if it has none."""
    try:
        repo.git.fetch("origin", f"refs/heads/{branch}")
        return repo.git.rev_parse("FETCH_HEAD^{tree}")
    except GitCommandError:
        return None


BOT_NAME, BOT_EMAIL = "fusionAIze metadata bot", "metadata-bot@users.noreply.github.com"


def _identity(repo: Repo) -> dict[str, str]:
    """Commit as the configured user, else as the bot (CI runners often have no identity)."""
    reader = repo.config_reader()
    if reader.has_option("user", "name") and reader.has_option("user", "email"):
        return {}
    return {"GIT_AUTHOR_NAME": BOT_NAME, "GIT_AUTHOR_EMAIL": BOT_EMAIL,
            "GIT_COMMITTER_NAME": BOT_NAME, "GIT_COMMITTER_EMAIL": BOT_EMAIL}


# -- the refresh command's side -------------------------------------------------------------


def default_lane(sources: list[str] | None, providers: list[str] | None) -> str:
    """``all``, or the run's sources (and providers) joined: one PR per kind of run."""
    parts = sorted(set(sources or ())) or ["all"]
    return "-".join(parts + sorted(set(providers or ())))


def preflight(root: Path, base: str, environ: Mapping[str, str], *, clean: bool = True) -> None:
    """Refuse a --pr run that could not end in a clean PR, before anything is fetched (``clean``:
    the metadata must be as committed; ``faimeta pr`` proposes a refresh already written)."""
    from git import InvalidGitRepositoryError

    if not environ.get("GITHUB_TOKEN"):
        raise PullRequestError("--pr needs GITHUB_TOKEN (a token that may push branches and open pull requests)")
    try:
        repo = Repo(root.resolve().parent)
    except InvalidGitRepositoryError:
        raise PullRequestError(f"--pr needs {root.resolve().parent} to be a git repository") from None
    if repo.head.is_detached or repo.active_branch.name != base:
        raise PullRequestError(f"--pr starts on the base branch {base!r}; check it out first (or pass --base)")
    untracked = [p for p in repo.untracked_files if p.startswith(root.name + "/")
                 and Path(p).name != LOCK_NAME and WORK_NAME not in Path(p).parts]
    if clean and (repo.is_dirty(path=str(root.resolve())) or untracked):
        raise PullRequestError(f"{root} has uncommitted changes; commit or stash them before a --pr run")


def open_refresh_pr(
    root: Path, run: Mapping[str, Any], before: Any, *, lane: str, base: str, environ: Mapping[str, str],
    say: Callable[[str], None] = print,
) -> PullRequestResult:
    """After a refresh that wrote files: refresh the bundle, write the report, and :func:`publish`."""
    from refresher.publish import bundle as builder
    from refresher.review.report import compare
    from refresher.tree.jsonio import dumps, write_atomic
    from refresher.tree.store import load_tree

    repo_dir = root.resolve().parent
    paths = [root.name]
    bundle = builder.BUNDLE_PATH
    if (repo_dir / bundle).is_dir():
        builder.refresh_bundle(load_tree(root), repo_dir)
        paths.extend([bundle.as_posix(), (bundle.parent.parent / "_version.py").as_posix()])
    report = compare(before, load_tree(root), run=run)
    write_atomic(repo_dir / "reports" / f"{lane}.json", dumps(report.to_json()))
    paths.append(f"reports/{lane}.json")
    counts = report.counts()
    title = (f"Metadata refresh ({lane}): {counts['added']} added, {counts['changed']} changed, "
             f"{counts['retired']} retired" + (f", {counts['risky']} to review" if report.risks else ""))
    body = report.markdown(title) + f"\nThe full report is `reports/{lane}.json` on this branch.\n"
    slug = repository_slug(Repo(repo_dir), environ)
    github = GitHub(slug, environ["GITHUB_TOKEN"], api=environ.get("GITHUB_API_URL", "https://api.github.com"))
    return publish(repo_dir, lane=lane, base=base, paths=paths, title=title, body=body, risky=bool(report.risks),
                   github=github, say=say, environ=environ)
