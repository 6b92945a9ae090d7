"""Batch benchmark (GitHub issue 6): a 24-run budget sweep of the default scenario.

Four ways to run ``scenarios/budget_sweep.yaml`` (24 budgets on ``scenarios/north_america.yaml``),
each into a fresh results store:

* **rebuild** — every run computes its coverage and solves from scratch (``--cold``);
* **warm** — runs of one coverage problem reuse it (costs and counts patched in) and each solve starts
  from the nearest finished plan;

each on 1 and on 2 local worker processes. Shown: wall clock of the whole batch (process start-up
included), the sums over runs of coverage, solve and run time, coverage problems built, warm starts
used, and every figure's ratio to rebuild on 1 worker. The defended weight of every run is checked
to agree across the four (within the scenario's relative gap).

Run: ``python bench/batch.py`` (about two minutes on a quiet machine); ``--no-cost-sharing`` drops
the per-run cost-sharing games (which neither mode changes) to isolate coverage and solve;
``--raid`` turns the raid stage back on (the sweep file turns it off: each run would plan its own
engagement, ~20 s CPU); ``--runs N`` keeps the first N budgets (e.g. to time ``--raid`` side by
side with the default in a few minutes).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.batch.runner import run_batch
from planner.batch.spec import Batch, RunSpec, load_batch
from planner.batch.store import ResultStore

ROOT = Path(__file__).resolve().parents[1]
BATCH = ROOT / "scenarios" / "budget_sweep.yaml"


def _config(batch: Batch, out: Path, cost_sharing: bool, raid: bool, n_runs: int | None) -> Batch:
    patch: dict = {}
    if not cost_sharing:
        patch["cost_sharing"] = {"enabled": False}
    if raid:
        patch["threats"] = {"engagement": {"enabled": True}}
    runs = tuple(
        RunSpec(r.name, r.scenario.with_overrides(patch), r.params, r.group) if patch else r
        for r in batch.runs[:n_runs]
    )
    return Batch(batch.name, runs, output=out)


def main() -> None:
    """Run the four configurations and print them side by side."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-cost-sharing", action="store_true", help="disable per-run cost sharing")
    ap.add_argument("--raid", action="store_true", help="run the raid (engagement) stage in every run")
    ap.add_argument("--runs", type=int, default=None, help="only the first N budgets (default: all 24)")
    args = ap.parse_args()
    base = load_batch(BATCH)
    rows = []
    weights = {}
    with tempfile.TemporaryDirectory(prefix="domeplan-bench-batch-") as tmp:
        for warm in (False, True):
            for workers in (1, 2):
                label = f"{'warm' if warm else 'rebuild'}, {workers} worker{'s' * (workers > 1)}"
                out = Path(tmp) / label.replace(", ", "-").replace(" ", "")
                batch = _config(base, out, not args.no_cost_sharing, args.raid, args.runs)
                t0 = time.perf_counter()
                report = run_batch(batch, workers=workers, warm_start=warm)
                wall = time.perf_counter() - t0
                assert report.failed == 0, report.errors
                with ResultStore(batch.output, read_only=True) as store:
                    runs = store.runs()
                weights[label] = runs["defended_weight"].to_numpy(float)
                rows.append(
                    {
                        "config": label,
                        "wall_s": wall,
                        "coverage_s": float(runs["coverage_s"].sum()),
                        "solve_s": float(runs["solve_s"].sum()),
                        "run_s": float(runs["wall_s"].sum()),
                        "built": report.problems_built,
                        "warm": report.warm_starts_used,
                    }
                )
                print(f"  {label}: {wall:.1f} s", file=sys.stderr)
    ref = rows[0]
    gap = max(r.scenario.solver.mip_rel_gap for r in base.runs)
    first = next(iter(weights.values()))
    agree = all(np.allclose(w, first, rtol=gap, atol=0) for w in weights.values())
    print(
        f"\n{len(first)}-run budget sweep of north_america ({os.cpu_count()} CPUs; cost sharing "
        f"{'off' if args.no_cost_sharing else 'on'}; raid stage {'on' if args.raid else 'off'}); "
        "ratio = rebuild-1-worker / this\n"
    )
    head = (
        f"{'configuration':<20}{'wall s':>9}{'ratio':>7}{'Σcoverage s':>13}{'ratio':>7}"
        f"{'Σsolve s':>10}{'ratio':>7}{'Σrun s':>9}{'ratio':>7}{'built':>7}{'warm':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:

        def ratio(key: str, r: dict = r) -> str:
            return f"{ref[key] / r[key]:.2f}" if r[key] > 0 else "inf"

        print(
            f"{r['config']:<20}{r['wall_s']:>9.1f}{ratio('wall_s'):>7}{r['coverage_s']:>13.2f}"
            f"{ratio('coverage_s'):>7}{r['solve_s']:>10.2f}{ratio('solve_s'):>7}{r['run_s']:>9.1f}"
            f"{ratio('run_s'):>7}{r['built']:>7}{r['warm']:>6}"
        )
    print(
        f"\ndefended weight of every run agrees across configurations (rtol {gap:g}): "
        f"{'yes' if agree else 'NO'}"
    )


if __name__ == "__main__":  # worker processes are spawned and re-import this file
    main()
