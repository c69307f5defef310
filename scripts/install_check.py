"""Build both distributions and install them as a user would, outside the checkout (issue 30).

1. Build the sdist and the wheel of ``fusionaize-gate-consumer`` (``consumer/``) and of
   ``fusionaize-metadata`` (the repository root) into ``--dist``.
2. ``twine check --strict`` every file; the consumer's sdist must carry the bundled snapshot.
3. A new virtual environment in a temporary folder: the consumer's wheel alone, from the built
   file with no index — ``import gate_consumer`` prices a request with nothing else installed.
4. The root wheel, its own dependency found among the built files only (``--find-links``), the
   others from the registry: ``faimeta --version``, ``status``, ``show``, ``price``, ``resolve``
   and ``agreement`` run in an empty folder, against the bundled snapshot.

The release workflow (``.github/workflows/release.yml``) runs this before it publishes, CI on
every change. ``--tag vX.Y.Z``: also check that the tag is fusionaize-metadata's version.

Usage: ``python scripts/install_check.py [--dist DIR] [--tag vX.Y.Z]``
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: each command a new user runs first, and a line its output must hold
SMOKE = [
    (["faimeta", "--version"], "fusionaize-gate-consumer "),
    (["faimeta", "status", "--provider", "anthropic"], "read from the bundled snapshot"),
    (["faimeta", "show", "anthropic/claude-sonnet-4.5"], "model anthropic/claude-sonnet-4.5"),
    (["faimeta", "price", "claude-sonnet-4-5", "--input", "1000", "--output", "100"], "total"),
    (["faimeta", "resolve", "gpt-4o"], "gpt-4o → openai/gpt-4o"),
    (["faimeta", "agreement", "--top", "3"], "priced offerings:"),
]
_IMPORT = ("import gate_consumer; q = gate_consumer.Catalog.load().price('claude-sonnet-4-5', input_tokens=1000); "
           "assert q.total_usd > 0, q; print('gate_consumer', gate_consumer.__version__, q.total_usd)")


def run(command: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run ``command``; on failure print its output and stop (exit 1)."""
    print("$", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        sys.exit(f"install check: `{' '.join(command)}` exited {done.returncode}")
    return done.stdout


def build(dist: Path) -> None:
    for project in (REPO / "consumer", REPO):
        run([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist), str(project)])
    run([sys.executable, "-m", "twine", "check", "--strict", *sorted(str(p) for p in dist.iterdir())])
    (sdist,) = dist.glob("fusionaize_gate_consumer-*.tar.gz")
    with tarfile.open(sdist) as archive:
        if not any(name.endswith("gate_consumer/_data/v1/manifest.json") for name in archive.getnames()):
            sys.exit(f"install check: {sdist.name} does not carry the bundled snapshot (gate_consumer/_data/v1)")


def clean_environment() -> dict[str, str]:
    """The caller's environment without what would point a command back at the checkout."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FAIMETA_ROOT", "VIRTUAL_ENV")}


def install_and_smoke(dist: Path, where: Path) -> None:
    env = clean_environment()
    venv = where / "venv"
    run([sys.executable, "-m", "venv", str(venv)], env=env)
    python = str(venv / "bin" / "python")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    (consumer_wheel,) = dist.glob("fusionaize_gate_consumer-*.whl")
    (root_wheel,) = dist.glob("fusionaize_metadata-*.whl")
    empty = where / "elsewhere"
    empty.mkdir()
    # the consumer alone, from its file, with no index: nothing else may be needed
    run([python, "-m", "pip", "install", "--quiet", "--no-index", str(consumer_wheel)], env=env)
    print(run([python, "-I", "-c", _IMPORT], cwd=empty, env=env), end="")
    # the write side: our own dependency from the built files only, the rest from the registry
    run([python, "-m", "pip", "install", "--quiet", "--find-links", str(dist), str(root_wheel)], env=env)
    for command, expected in SMOKE:
        output = run([str(venv / "bin" / command[0]), *command[1:]], cwd=empty, env=env)  # the venv's, not one on PATH
        if expected not in output:
            sys.exit(f"install check: `{' '.join(command)}` printed no {expected!r}:\n{output}")


def check_tag(tag: str) -> None:
    # the [project] table's version line (tomllib is 3.11+; this runs on 3.10 too)
    version = re.search(r'^version = "([^"]+)"$', (REPO / "pyproject.toml").read_text(), re.M).group(1)  # type: ignore[union-attr]
    if tag.removeprefix("v") != version:
        sys.exit(f"install check: tag {tag} is not fusionaize-metadata's version {version} (pyproject.toml)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, help="where to build (default: a temporary folder)")
    parser.add_argument("--tag", help="the release tag: must be fusionaize-metadata's version")
    args = parser.parse_args()
    if args.tag:
        check_tag(args.tag)
    with tempfile.TemporaryDirectory(prefix="faimeta-install-") as temporary:
        dist = (args.dist or Path(temporary) / "dist").resolve()
        dist.mkdir(parents=True, exist_ok=True)
        if any(dist.iterdir()):
            sys.exit(f"install check: {dist} is not empty (the check installs every file in it)")
        build(dist)
        install_and_smoke(dist, Path(temporary))
    print(f"install check: both distributions build, pass twine check --strict, and install and run "
          f"outside the checkout ({dist})")


if __name__ == "__main__":
    main()
