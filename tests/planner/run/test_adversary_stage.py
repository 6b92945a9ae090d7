"""The adversary stage on a small scenario: summary block, bounds between plans, report, bad input."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from models.adversary import DefencePlan, Raid, Scenario, worst_case_raid
from models.adversary.engagement import value_lost
from planner import parse_scenario, run_scenario
from planner.errors import InputError
from planner.run.adversary import adversary_instance
from planner.run.pipeline import plan_bundle
from tests.planner.run.test_engagement_stage import scenario_dict as engagement_dict

ADVERSARY: dict[str, Any] = {
    "missiles": [4, 6],
    "targets": 6,
    "k_losses_max": 2,
    "fortify_k": 1,
    "time_limit_s": 60,
}


def scenario_dict() -> dict[str, Any]:
    d = engagement_dict()
    d["adversary"] = copy.deepcopy(ADVERSARY)
    return d


@pytest.fixture(scope="module")
def run():
    return run_scenario(parse_scenario(scenario_dict(), file="adv.yaml"))


def test_summary_block(run) -> None:
    a = run.summary().to_json()["adversary"]
    for key in ("worst_case_value_lost", "worst_case_laydown", "robust_plan", "interdiction"):
        assert key in a
    assert a["raid_size"] == 4 == a["design_raid_size"]
    laid = sum(n for per in a["worst_case_laydown"].values() for n in per.values())
    assert laid == 4 and set(a["worst_case_laydown"]) <= {"north_pacific"}
    assert [w["raid_size"] for w in a["by_raid_size"]] == [4, 6]
    assert all(w["gap"] <= 1e-6 for w in a["by_raid_size"])


def test_worst_case_never_below_design_and_grows_with_raid_size(run) -> None:
    a = run.summary().to_json()["adversary"]
    assert a["worst_case_value_lost"] >= a["design_raid_value_lost"] - 1e-6
    sizes = [w["value_lost"] for w in a["by_raid_size"]]
    assert sizes == sorted(sizes)


def test_robust_plan_worst_case_never_above_nominal(run) -> None:
    a = run.summary().to_json()["adversary"]
    rob, nom = a["robust_plan"], a["nominal_plan"]
    assert rob["worst_case_value_lost"] <= nom["worst_case_value_lost"] + 1e-6
    assert rob["cost_musd"] <= run.summary().to_json()["engagement"]["budget_musd"] + 1e-6
    # the price of robustness is measured against the plan sized for the design raid
    assert a["price_of_robustness"]["worst_case_saved"] >= -1e-6


def test_interdiction_table_increases_with_k(run) -> None:
    rows = run.summary().to_json()["adversary"]["interdiction"]
    assert [r["k"] for r in rows] == [1, 2]
    values = [r["value_lost"] for r in rows]
    assert values == sorted(values)
    assert values[0] >= run.summary().to_json()["adversary"]["design_raid_value_lost"] - 1e-6
    assert all(len(r["assets"]) == r["k"] for r in rows)


def test_design_raid_agrees_with_the_engagement_stage(run) -> None:
    # The engagement stage's MILP (its own linearisation) and the adversary's pattern MILP on the
    # plan it chose: the same expected value lost for the design raid.
    a, e = run.summary().to_json()["adversary"], run.summary().to_json()["engagement"]
    assert a["design_raid_value_lost"] == pytest.approx(e["expected_value_lost"], rel=1e-3)


def test_worst_laydown_recomputed_independently(run) -> None:
    e = run.engagement
    inst, _design, sites, sensors = adversary_instance(
        run.scenario, run.problem, e.assets, e.geometry, e.raid
    )
    chosen = DefencePlan(e.plan.sites[sites], e.plan.rounds[sites], e.plan.sensors[sensors])
    w = worst_case_raid(inst, chosen, 4)
    a = run.summary().to_json()["adversary"]
    assert w.value_lost == pytest.approx(a["worst_case_value_lost"])
    # no single-class concentration beats it (each is a laydown the attacker could fly)
    for c in range(inst.n_classes):
        counts = np.zeros(inst.n_classes, int)
        counts[c] = 4
        assert value_lost(inst, chosen, Scenario(Raid(counts))).value_lost <= w.value_lost + 1e-6


def test_report_has_the_section(run) -> None:
    titles = [s.title for s in plan_bundle(run).sections]
    assert "An adversary who reads the plan" in titles


def test_adversary_needs_the_kill_chain() -> None:
    d = scenario_dict()
    del d["threats"]["engagement"]
    with pytest.raises(InputError, match="adversary needs threats.engagement"):
        parse_scenario(d, file="adv.yaml")


def test_unknown_launch_area_in_inventory() -> None:
    d = scenario_dict()
    d["adversary"]["inventory"] = {"atlantis": 3}
    with pytest.raises(InputError, match="atlantis"):
        parse_scenario(d, file="adv.yaml")
