"""A what-if sweep from Python: build runs in code, run them, read the results as (geo)dataframes.

Run it from the repository root::

    .venv/bin/python scenarios/example_sweep.py            # local processes
    .venv/bin/python scenarios/example_sweep.py tcp://HOST:8786   # a Dask scheduler

Results go to ``out/example_sweep/`` (DuckDB store, one folder per run, summary.html). Run it again:
finished runs are skipped. All asset parameters are notional.
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner import (
    Batch,
    ResultStore,
    compare_batch,
    load_scenario,
    run_batch,
    sweep_runs,
    write_comparison,
)

HERE = Path(__file__).resolve().parent


def main(scheduler: str | None = None) -> None:
    """Sweep budgets, and sea-station costs at one budget, on the default scenario."""
    base = load_scenario(HERE / "north_america.yaml").with_overrides(
        # no cost sharing, no raid stage (its own engagement plan): a sweep of the placement plan
        {
            "solver": {"time_limit_s": 30},
            "cost_sharing": {"enabled": False},
            "threats": {"engagement": {"enabled": False}},
        }
    )
    runs = [
        # three budgets ...
        *sweep_runs(base, "budget", {"budget_musd": [3000, 6000, 9000]}),
        # ... and two sea-station costs at 6,000 M USD (one asset type patched by its name)
        *sweep_runs(
            base,
            "ships",
            {("asset_types", "sea_station", "unit_cost_musd"): [400, 1000]},
            patches=[{"budget_musd": 6000}],
        ),
    ]
    batch = Batch("example_sweep", runs, output=Path("out/example_sweep"), workers=2)
    report = run_batch(batch, scheduler=scheduler)
    print(
        f"{report.done} run, {report.skipped} skipped, {report.failed} failed; coverage reused "
        f"{report.problems_reused}x, saving {report.coverage_saved_s:.1f} s"
    )

    with ResultStore(batch.output, read_only=True) as store:
        runs_df = store.runs()  # one row per run: status, objective, bound, gap, cost, times ...
        print(runs_df[["name", "status", "budget_musd", "cost_musd", "defended_share"]])
        print(store.partners()[["name", "iso_a3", "defended_share"]])  # per partner
        sites = store.layer("ships-000", "sites")  # a GeoDataFrame from the run's plan.gpkg
        print(sites[sites["chosen"]][["site_id", "asset_type", "geometry"]])

    comparison = compare_batch(batch.output)  # frontier of budget against defended weight
    print(comparison.frontier[["name", "budget_musd", "defended_weight", "marginal_per_musd"]])
    print(write_comparison(batch.output, comparison)["summary.html"])


if __name__ == "__main__":  # required: worker processes are spawned and re-import this file
    main(sys.argv[1] if len(sys.argv) > 1 else None)
