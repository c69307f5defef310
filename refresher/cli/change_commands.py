"""``faimeta`` commands that change the metadata tree or report a change: refresh, diff, review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gate_consumer.instants import utc_now
from refresher.cli.support import (
    DEFAULT_ROOT,
    RootOption,
    WaitOption,
    app,
    echo,
    fail,
    load_tree_or_fail,
    locked,
    providers_named,
)


@app.command()
def refresh(
    root: RootOption = DEFAULT_ROOT,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable; default: all).")
    ] = None,
    provider: Annotated[
        list[str] | None, typer.Option("--provider", "-p", help="Only this provider's offerings (repeatable).")
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(help="Read recorded responses from this folder (with recordings.json) instead of the network: "
                          "every recording of each source, oldest first (the history they hold)."),
    ] = None,
    dry_run: bool = typer.Option(False, "--dry-run", help="Reconcile, validate and report; write nothing."),
    report: Annotated[Path | None, typer.Option(help="Also write the run's summary as JSON to this file.")] = None,
    allow_shrink: bool = typer.Option(
        False, "--allow-shrink", help="Retire even if a source shrank past guards.max_shrink_share (after checking)."
    ),
    pr: bool = typer.Option(False, "--pr", help="Commit on refresh/<lane>, push, open or update its pull request."),
    lane: Annotated[
        str | None, typer.Option(help="The PR lane (default: 'all', or the sources and providers of this run).")
    ] = None,
    base: Annotated[str, typer.Option(help="The branch PRs target (the run must start on it).")] = "main",
    wait: WaitOption = 30.0,
):
    """Pull sources, reconcile them with the tree, validate, and write what changed.

    Progress goes to stderr, the per-source summary to stdout. One failing source does not stop
    the others; the exit code is 1 if any source failed or the result would not validate (then
    nothing is written). A source whose API key is not set is skipped with one line.
    Source URLs can be overridden with FAIMETA_<SOURCE>_URL (e.g. FAIMETA_OPENROUTER_URL).

    \b
    Examples:
      faimeta refresh --provider openrouter
      faimeta refresh --source modelsdev --dry-run --report /tmp/refresh.json
      faimeta refresh --replay ../shared/fixtures/upstream
      GITHUB_TOKEN=… faimeta refresh --source openrouter --pr
    """
    import os

    from refresher.review.pr import PullRequestError, default_lane, open_refresh_pr, preflight
    from refresher.run.payloads import fetch_payloads, replay_payloads, select_sources
    from refresher.run.refresh import run_refresh
    from refresher.sources.base import SourceError

    tree = load_tree_or_fail(root)
    providers = set(provider) if provider else None
    unknown_providers = sorted((providers or set()) - set(tree.providers))
    if unknown_providers and replay is None:
        echo(f"note: no provider {', '.join(unknown_providers)} in {root} yet; it is added if a source lists it",
                   err=True)
    try:
        sources, left_out = select_sources(tree, source, providers)
    except KeyError as exc:
        fail(exc.args[0], 2)
    say = lambda line: echo(line, err=True)  # noqa: E731 - progress goes to stderr
    if pr:
        if dry_run:
            fail("--pr and --dry-run exclude each other", 2)
        lane = lane or default_lane(source, provider)
        try:
            preflight(root, base, os.environ)
        except PullRequestError as exc:
            fail(str(exc))
        before = load_tree_or_fail(root)
    for name, why in left_out.items():
        say(f"{name}: not used: {why}")
    not_run: dict[str, str] = {}
    try:
        if replay is not None:
            payloads, errors = replay_payloads(replay, sources, every=True)
        else:
            payloads, errors, not_run = fetch_payloads(tree, sources, say=say, providers=providers)
    except SourceError as exc:
        fail(str(exc))
    from refresher.tree.transaction import LockBusy

    try:
        result = run_refresh(
            root, payloads, errors=errors, not_run=not_run, providers=providers, dry_run=dry_run,
            allow_shrink=allow_shrink, lock_wait=wait, say=say,
        )
    except LockBusy as exc:
        fail(str(exc))
    _print_refresh(result, dry_run)
    if report is not None:
        from refresher.tree.jsonio import dumps, write_atomic

        write_atomic(report, dumps(result.to_json()))
    if pr and not result.invalid and not result.written:
        echo("no change: no commit, no pull request")
    elif pr and not result.invalid:
        try:
            open_refresh_pr(root, result.to_json(), before, lane=lane, base=base, environ=os.environ, say=say)
        except PullRequestError as exc:
            fail(f"pull request: {exc}")
    if not result.ok:
        raise typer.Exit(1)
    if unknown_providers and not dry_run:
        listed = load_tree_or_fail(root).providers
        missing = [p for p in unknown_providers if p not in listed]
        if missing:  # nothing was done for them: say so, and not with success
            providers_named(missing, listed, root)


def _print_refresh(result, dry_run: bool) -> None:
    for summary in result.summaries:
        echo(f"{summary.source}: {summary.line()}")
        for skipped in summary.skipped[:20]:
            echo(f"  skipped {skipped.record}: {skipped.reason}")
        if len(summary.skipped) > 20:
            echo(f"  … and {len(summary.skipped) - 20} more skipped (see --report)")
        if summary.unmapped:
            reasons = sorted(summary.unmapped.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = "; ".join(f"{why}: {n:,}" for why, n in reasons[:5])
            echo(f"  unmapped {shown}" + (f"; {len(reasons) - 5} more reasons (see --report)" if len(reasons) > 5 else ""))
        for line in summary.retired_ids[:20]:
            echo(f"  retired {line}")
        for line in summary.flagged:
            echo(f"  flagged {line}")
        for line in summary.warnings:
            echo(f"  warning: {line}")
    for name, why in sorted(result.not_run.items()):
        echo(f"{name}: skipped: {why}")
    for name, why in sorted(result.errors.items()):
        echo(f"{name}: FAILED: {why.removeprefix(name + ': ')}")
    if result.held_back:
        echo(f"{len(result.held_back)} record(s) held back as they were: each would have made the tree invalid "
                   "(named above, and in the report's risks)")
    for problem in result.problems:
        if problem.severity == "error":
            echo(f"invalid result: {problem}")
    if result.invalid:
        echo("the result does not validate: nothing was written")
    elif dry_run:
        echo("dry run: nothing written")
    else:
        echo(f"changed {len(result.written)} file(s)")


@app.command(name="pr")
def pull_request(
    report: Annotated[Path, typer.Option(help="The run's report, as `faimeta refresh --report` wrote it.")],
    root: RootOption = DEFAULT_ROOT,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="The run's sources, for the lane's name.")
    ] = None,
    provider: Annotated[
        list[str] | None, typer.Option("--provider", "-p", help="The run's providers, for the lane's name.")
    ] = None,
    lane: Annotated[
        str | None, typer.Option(help="The PR lane (default: 'all', or the sources and providers of the run).")
    ] = None,
    base: Annotated[str, typer.Option(help="The branch PRs target (the refresh ran on it).")] = "main",
):
    """Propose a refresh already written: commit it on refresh/<lane>, push, open or update its PR.

    The second half of `faimeta refresh --pr`, for a workflow where the step that reads upstream
    data holds no push token: `faimeta refresh --report F` writes the metadata, then this step,
    with GITHUB_TOKEN, compares it with the base branch, commits, pushes and opens the PR. The
    token reaches git only for its fetch and push (an HTTP header in their environment, never in
    .git/config), and only when origin is on GITHUB_SERVER_URL (default https://github.com).

    \b
    Examples:
      faimeta refresh --source openrouter --report /tmp/run.json
      GITHUB_TOKEN=… faimeta pr --report /tmp/run.json --source openrouter
    """
    import json
    import os

    from refresher.review.pr import PullRequestError, default_lane, open_refresh_pr, preflight
    from refresher.review.report import load_state

    try:
        run = json.loads(report.read_text(encoding="utf-8"))
        written, invalid = run["written"], run["validation"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        fail(f"{report}: not a refresh report ({type(exc).__name__}: {exc}); write one with faimeta refresh --report", 2)
    if invalid:
        fail(f"{report}: the refresh did not validate, so it wrote nothing: no pull request")
    if not written:
        echo("no change: no commit, no pull request")
        return
    say = lambda line: echo(line, err=True)  # noqa: E731 - progress goes to stderr
    try:
        preflight(root, base, os.environ, clean=False)
        before = load_state(base, root.resolve().parent)
        open_refresh_pr(root, run, before, lane=lane or default_lane(source, provider), base=base,
                        environ=os.environ, say=say)
    except ValueError as exc:
        fail(f"{base}: {exc}")
    except PullRequestError as exc:
        fail(f"pull request: {exc}")


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="Before: a metadata folder or a git revision (HEAD~1, main).")],
    new: Annotated[str, typer.Argument(help="After: a metadata folder or a git revision.")] = "metadata",
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the full report as JSON here.")] = None,
    repo: Annotated[Path, typer.Option(help="The git repository for revisions.")] = Path("."),
):
    """The change report between two states of the metadata, as Markdown (a PR body): risky
    items first, then provider changes (name, URLs, key, billing), price changes (old → new, %,
    source), added / retired offerings, limit,
    capability and lifecycle changes, and a one-line count of provenance-only changes.

    \b
    Examples:
      faimeta diff HEAD~1                    # the last commit's change to metadata/
      faimeta diff main metadata --json /tmp/report.json
      faimeta diff /tmp/old-metadata /tmp/new-metadata
    """
    from refresher.review.report import compare, load_state
    from refresher.tree.jsonio import dumps, write_atomic
    from refresher.tree.store import TreeProblem

    try:
        before, after = load_state(old, repo), load_state(new, repo)
    except ValueError as exc:
        fail(str(exc), 2)
    except TreeProblem as exc:
        fail("cannot read the metadata:\n" + "\n".join(f"  {p}" for p in exc.problems), 2)
    report = compare(before, after)
    echo(report.markdown(f"Metadata changes {old} → {new}"))
    if json_out is not None:
        write_atomic(json_out, dumps(report.to_json()))


@app.command()
def review(
    provider: Annotated[str, typer.Argument(help="The provider (e.g. anthropic).")],
    model: Annotated[str, typer.Argument(
        help="The offering's upstream id, or the model id it links to; or a fact of the provider itself "
             "(base_url, api_key_env, name, docs_url, pricing_url, regions).")],
    field: Annotated[str | None, typer.Argument(
        help="The offering's fact: price.input, limits.context, capabilities.tools, status…")] = None,
    value: Annotated[str, typer.Option("--value", help="The reviewed value (modalities, key variables, regions: "
                                                       "comma-separated).")] = ...,  # type: ignore[assignment]
    source_url: Annotated[str, typer.Option("--source-url", help="Where the reviewer read it (the provider's page).")] = ...,  # type: ignore[assignment]
    expires: Annotated[str, typer.Option(help="How long the review pins the value: 90d, 12w, or a date.")] = "90d",
    root: RootOption = DEFAULT_ROOT,
    wait: WaitOption = 30.0,
):
    """Pin a fact by hand: a manual review beats every automated source until it expires.

    A fact of an offering (PROVIDER MODEL FIELD), or of the provider itself (PROVIDER FIELD):
    where its API is, which key it takes, its name or pages. The reviewer is your git identity
    (user.name, user.email). The value an automated source stated stays visible as that
    source's disagreement. `faimeta status` lists reviews that expire within 30 days.

    \b
    Examples:
      faimeta review anthropic claude-sonnet-4-5 price.input --value 3 --source-url https://www.anthropic.com/pricing
      faimeta review openrouter anthropic/claude-sonnet-4.5 limits.context --value 1000000 \\
          --source-url https://openrouter.ai/anthropic/claude-sonnet-4.5 --expires 30d
      faimeta review wafer-ai base_url --value https://api.wafer.ai/v1 --source-url https://docs.wafer.ai/api
    """
    from refresher.review.manual import (
        ReviewError,
        git_identity,
        parse_expiry,
        parse_provider_value,
        parse_value,
        record_provider_review,
        record_review,
    )
    from refresher.run.refresh import write_if_valid

    with locked(root, wait):  # from reading the tree to writing it
        tree = load_tree_or_fail(root)
        now = utc_now()
        try:
            reviewer = git_identity(root.resolve().parent)
            when = parse_expiry(expires, now)
            if field is None:
                pinned = record_provider_review(tree, provider, model, parse_provider_value(model, value),
                                                source_url=source_url, expires=when, reviewer=reviewer, now=now)
            else:
                pinned = record_review(tree, provider, model, field, parse_value(field, value), source_url=source_url,
                                       expires=when, reviewer=reviewer, now=now)
        except ReviewError as exc:
            fail(str(exc), 2)
        problems, written = write_if_valid(tree, root)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        fail("the review would make the metadata invalid; nothing written:\n" + "\n".join(f"  {p}" for p in errors))
    was = f"{pinned.old!r} from {pinned.old_source}" if pinned.old_source else "unset"
    subject = pinned.provider if pinned.upstream_id is None else f"{pinned.provider}/{pinned.upstream_id}"
    echo(f"{subject} {pinned.path}: {pinned.new!r} (was {was}), "
               f"pinned until {pinned.expires} by {reviewer}; {len(written)} file(s) changed")
