"""Schedules in batches: a sweep over annual budget profiles, coverage computed once, compared."""

from __future__ import annotations

import copy

import pandas as pd

from planner.batch.compare import write_comparison
from planner.batch.runner import run_batch
from planner.batch.spec import Batch, sweep_runs
from planner.batch.worker import problem_hash
from planner.scenario.schema import parse_scenario
from tests.conftest import SMALL

SCHEDULE = {
    "first_year": 2026,
    "last_year": 2028,
    "annual_budget_musd": [900, 900, 900],
    "milestones": [{"year": 2028, "min_defended_share": 0.1}],
    "lifecycle": {"battery": {"lead_time_years": 1, "om_per_year_musd": 5}},
    "core_contributions": {"enabled": False},
}


def _base():
    data = copy.deepcopy(SMALL)
    # Radars and batteries only: coverage in a fraction of a second, the batch is what is tested.
    data["asset_types"] = [a for a in data["asset_types"] if a["name"] in ("radar", "battery")]
    data["schedule"] = copy.deepcopy(SCHEDULE)
    data["cost_sharing"] = {"enabled": False}
    return parse_scenario(data)


def test_schedule_does_not_change_the_coverage_hash():
    base = _base()
    other = base.with_overrides({"schedule": {"annual_budget_musd": [100, 2000, 100]}})
    assert problem_hash(base) == problem_hash(other)


def test_budget_profile_sweep_compares_time_to_milestones_and_cost(tmp_path):
    base = _base()
    runs = sweep_runs(
        base, "profile", {("schedule", "annual_budget_musd"): [[900, 900, 900], [300, 300, 2000]]}
    )
    report = run_batch(Batch("profiles", tuple(runs), output=tmp_path), workers=0)
    assert report.failed == 0
    paths = write_comparison(tmp_path)
    table = pd.read_csv(paths["schedule_comparison.csv"])
    assert len(table) == 2
    assert paths["schedule_tradeoff.png"].stat().st_size > 0
    # Money late can only defend later: the back-loaded profile meets its milestone no earlier.
    fast, slow = table.sort_values("name")["time_to_milestones"].tolist()
    assert fast <= slow
    assert table.sort_values("name")["met:10% defended by 2028"].tolist() == [fast, slow]
    assert (table["lifecycle_total_musd"] <= table["budget_total_musd"] + 1e-6).all()
