"""domeplan's planner: scenarios, the pipeline from scenario to verified plan, and its outputs.

The Python API mirrors the ``domeplan`` command::

    from planner import load_scenario, run_scenario, write_run
    scenario = load_scenario("scenarios/north_america.yaml").with_overrides({"budget_musd": 8000})
    run = run_scenario(scenario)
    run.summary().defended_share, run.points_frame(), run.sites_frame()
    write_run(run, "out")

Names are imported lazily, so ``import planner`` stays cheap for commands that need no solver.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "InputError": "planner.errors",
    "VerificationError": "planner.errors",
    "Scenario": "planner.scenario.schema",
    "json_schema": "planner.scenario.schema",
    "load_scenario": "planner.scenario.schema",
    "parse_scenario": "planner.scenario.schema",
    "PlanRun": "planner.run.pipeline",
    "plan_bundle": "planner.run.pipeline",
    "run_scenario": "planner.run.pipeline",
    "write_run": "planner.run.pipeline",
    "Batch": "planner.batch.spec",
    "load_batch": "planner.batch.spec",
    "sweep_runs": "planner.batch.spec",
    "run_batch": "planner.batch.runner",
    "ResultStore": "planner.batch.store",
    "compare_batch": "planner.batch.compare",
    "write_comparison": "planner.batch.compare",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
