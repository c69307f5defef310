"""A pricing lookup in Gate 2.7.0 through the gate_consumer plugin, beside Gate's own lookup in the
same run (the plugin's budget is DESIGN.md's price budget: microseconds, not milliseconds).

Gate is not on the package index: the script makes (once) a virtual environment under
``.cache/gate-venv`` with Gate from ``tests/fixtures/gate/`` and ``consumer/``, and runs itself
there. Rows, each the median of many calls:

* Gate alone, reading the compat files ``faimeta build`` writes (``FAIGATE_PROVIDER_METADATA_DIR``,
  the default routes): ``_get_pricing_for_provider_and_model(route, lane model)``;
* the same lookup with the plugin installed (the catalog's price, memoised);
* the cost the plugin records for one request (``Catalog.price`` through the log wrapper's path),
  beside Gate's ``calc_cost``.

Usage: ``python bench/bench_gate.py [--python PATH]`` (a Python with faigate and fusionaize-gate-consumer).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GATE = REPO / "tests" / "fixtures" / "gate" / "faigate-2.7.0-102bfa3.tar.gz"
ROUTE, MODEL = "anthropic-sonnet", "claude-sonnet-4-6"


def _venv() -> Path:
    venv = REPO / ".cache" / "gate-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(GATE), "aiosqlite", "-e",
                        str(REPO / "consumer")], check=True)
    return python


def _inner() -> None:
    import statistics
    import time

    work = Path(tempfile.mkdtemp(prefix="bench-gate-"))
    compat = work / "dist"
    subprocess.run(["faimeta", "build", "--root", str(REPO / "metadata"), "--out", str(compat), "--no-bundle"],
                   check=True, capture_output=True)
    config = work / "config.yaml"
    config.write_text(f"""
providers:
  {ROUTE}:
    backend: openai-compat
    base_url: "https://api.anthropic.com/v1"
    api_key: "x"
    model: "{MODEL}"
metrics:
  enabled: false
update_check:
  enabled: false
""")
    os.environ.update({"FAIGATE_CONFIG_FILE": str(config), "FAIGATE_ENV_FILE": str(work / "none.env")})
    import faigate.main as gate
    from faigate import provider_catalog
    from faigate.config import load_config
    from faigate.metrics import calc_cost

    gate._config = load_config(config)

    def median_us(call, number: int = 2000) -> float:
        call()
        times = []
        for _ in range(number):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1e6)
        return statistics.median(times)

    os.environ["FAIGATE_PROVIDER_METADATA_DIR"] = str(compat / "compat" / "gate")
    gate_alone = median_us(lambda: provider_catalog._get_pricing_for_provider_and_model(ROUTE, "anthropic/sonnet-4.6"),
                           500)
    gate_cost = median_us(lambda: calc_cost(12_000, 800, {"input": 3, "output": 15}))
    del os.environ["FAIGATE_PROVIDER_METADATA_DIR"]
    from gate_consumer import Usage, gate_plugin

    plugin = gate_plugin.install()
    with_plugin = median_us(lambda: provider_catalog._get_pricing_for_provider_and_model(ROUTE, "anthropic/sonnet-4.6"))
    usage = Usage(12_000, 800, cache_read_tokens=2_000)
    recorded = median_us(lambda: plugin.cost(ROUTE, usage))
    print(json.dumps({"gate_alone_us": gate_alone, "plugin_us": with_plugin, "plugin_cost_us": recorded,
                      "gate_calc_cost_us": gate_cost}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", type=Path, help="a Python with faigate and fusionaize-gate-consumer installed")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        _inner()
        return
    python = args.python or _venv()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(python), __file__, "--inner"], capture_output=True, text=True, cwd=tempfile.gettempdir(),
                          env=env, check=False)
    if done.returncode != 0:
        sys.exit(done.stderr[-2000:])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print("Gate 2.7.0, a pricing lookup for one route (median µs)\n")
    print(f"{'operation':<58} {'µs':>10} {'ratio':>10}")
    alone, plugin = result["gate_alone_us"], result["plugin_us"]
    print(f"{'Gate alone, compat files (FAIGATE_PROVIDER_METADATA_DIR)':<58} {alone:>10.1f} {'1.00×':>10}")
    print(f"{'with the gate_consumer plugin (memoised catalog)':<58} {plugin:>10.1f} {plugin / alone:>9.3f}×")
    cost, calc = result["plugin_cost_us"], result["gate_calc_cost_us"]
    print(f"{'recorded cost: Catalog.price through the plugin':<58} {cost:>10.1f} {cost / calc:>9.1f}×")
    print(f"{'recorded cost: Gate calc_cost (flat, no tiers or cache)':<58} {calc:>10.2f} {'1.00×':>10}")


if __name__ == "__main__":
    main()
