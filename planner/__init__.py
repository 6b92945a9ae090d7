"""domeplan's planner: scenarios, the pipeline from scenario to verified plan, and its outputs.

The Python API mirrors the ``domeplan`` command::

    from planner import load_scenario, run_scenario, write_run
    scenario = load_scenario("scenarios/north_america.yaml").with_overrides({"budget_musd": 8000})
    run = run_scenario(scenario)
    run.summary()["defended_share"], run.points_frame(), run.sites_frame()
    write_run(run, "out")
"""

from planner.errors import InputError, VerificationError
from planner.pipeline import PlanRun, plan_bundle, run_scenario, write_run
from planner.scenario import Scenario, json_schema, load_scenario, parse_scenario

__all__ = [
    "InputError", "PlanRun", "Scenario", "VerificationError", "json_schema", "load_scenario",
    "parse_scenario", "plan_bundle", "run_scenario", "write_run",
]
