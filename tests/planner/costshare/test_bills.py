"""Cost sharing in the pipeline, on a tiny three-partner scenario (explicit points, coarse grids)."""

from __future__ import annotations

import copy
import itertools
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from models.costshare import core_check
from models.formulations.coalition_placement import PlacementGames
from planner.costshare.bills import coalition_options, placement_data
from planner.errors import InputError
from planner.run.pipeline import run_scenario, write_run
from planner.run.verify import recompute_layers, verify_plan
from planner.scenario.schema import parse_scenario

TINY: dict[str, Any] = {
    "schema_version": 1,
    "name": "tiny_costshare",
    "title": "Tiny cost-sharing scenario (notional)",
    "partners": [{"iso_a3": "USA", "budget_musd": 900}, {"iso_a3": "CAN", "budget_musd": 400},
                 {"iso_a3": "MEX", "budget_musd": 300}],
    "budget_musd": 1000,
    "defended": {"points": [
        {"name": "Seattle", "lon": -122.33, "lat": 47.61, "weight": 4_000_000, "partner": "USA"},
        {"name": "Vancouver", "lon": -123.12, "lat": 49.28, "weight": 2_600_000, "partner": "CAN"},
        {"name": "Detroit", "lon": -83.05, "lat": 42.33, "weight": 4_300_000, "partner": "USA"},
        {"name": "Toronto", "lon": -79.38, "lat": 43.65, "weight": 6_200_000, "partner": "CAN"},
        {"name": "San Diego", "lon": -117.16, "lat": 32.72, "weight": 3_300_000, "partner": "USA"},
        {"name": "Tijuana", "lon": -117.04, "lat": 32.51, "weight": 2_100_000, "partner": "MEX"},
        {"name": "Monterrey", "lon": -100.31, "lat": 25.69, "weight": 5_300_000, "partner": "MEX"},
        {"name": "Houston", "lon": -95.37, "lat": 29.76, "weight": 7_100_000, "partner": "USA"},
    ]},
    "asset_types": [
        {"name": "radar", "domain": "land", "role": "sensor", "unit_cost_musd": 120, "max_count": 3,
         "sensor_range_km": 1200, "target_altitude_m": 100000, "candidates": {"spacing_km": 700}},
        {"name": "battery", "domain": "land", "role": "interceptor", "unit_cost_musd": 60,
         "max_count": 8, "engagement_range_km": 300, "candidates": {"spacing_km": 350}},
    ],
    "solver": {"engine": "highs", "time_limit_s": 20, "threads": 1},
    "cost_sharing": {"in_kind_fraction": 0.25, "gdp_cap_share": 0.6,
                     "joint_plan": {"rule": "gdp", "tolerance": 0.2}},
}
PLAYERS = ("USA", "CAN", "MEX")


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; ``partners`` is patched by ISO code (``None`` drops one)."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if key == "partners":
            by_code = {p["iso_a3"]: p for p in out["partners"]}
            for code, change in value.items():
                if change is None:
                    by_code.pop(code)
                else:
                    by_code[code] = _merge(by_code[code], change)
            out["partners"] = list(by_code.values())
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def scenario(**patch: Any):
    return parse_scenario(_merge(TINY, patch))


@pytest.fixture(scope="module")
def run():
    return run_scenario(scenario())


@pytest.fixture(scope="module")
def cs(run):
    assert run.cost_sharing is not None
    return run.cost_sharing


def _hosted_cost(run) -> dict[str, float]:
    chosen = run.chosen_sites()
    return {p: float(chosen.loc[chosen["partner"] == p, "cost_musd"].sum()) for p in PLAYERS}


def test_every_rule_shares_the_whole_bill(run, cs):
    alloc = cs.allocations_frame()
    bill = float(run.chosen_sites()["cost_musd"].sum())
    assert cs.bill_musd == pytest.approx(bill)
    assert set(cs.allocations) == {"equal", "gdp", "population", "benefit", "standalone", "shapley",
                                   "nucleolus", "scrb"}
    rules = alloc[~alloc["rule"].str.startswith("joint_plan_")]
    sums = rules.groupby("rule")["amount_musd"].sum()
    assert np.allclose(sums.to_numpy(), bill)
    assert np.allclose(rules.groupby("rule")["share"].sum().to_numpy(), 1.0)


def test_gdp_cap_and_in_kind_credit(run, cs):
    alloc = cs.allocations_frame().set_index(["rule", "partner"])
    gdp = alloc.loc["gdp", "share"]
    assert gdp.max() <= 0.6 + 1e-9 and gdp["USA"] == pytest.approx(0.6)  # USA's GDP share is larger
    hosted = _hosted_cost(run)
    for p in PLAYERS:
        row = alloc.loc[("shapley", p)]
        assert row["in_kind_credit_musd"] == pytest.approx(0.25 * hosted[p])
        assert row["cash_due_musd"] == pytest.approx(row["amount_musd"] - 0.25 * hosted[p])


def test_shapley_is_the_average_marginal_cost_over_orders(cs):
    game = cs.cost_game
    totals = dict.fromkeys(PLAYERS, 0.0)
    orders = list(itertools.permutations(PLAYERS))
    for order in orders:
        before: list[str] = []
        for p in order:
            totals[p] += game.value([*before, p]) - (game.value(before) if before else 0.0)
            before.append(p)
    for p in PLAYERS:
        assert cs.allocations["shapley"][p] == pytest.approx(totals[p] / len(orders))


def test_core_column_matches_core_check(cs):
    alloc = cs.allocations_frame()
    for rule, amounts in cs.allocations.items():
        flags = alloc.loc[alloc["rule"] == rule, "in_core"]
        assert set(flags) == {core_check(cs.cost_game, amounts).in_core}
    assert cs.core_empty is (cs.least_core_epsilon > 1e-6)


def test_cost_game_plans_defend_each_coalition_by_direct_geometry(run, cs):
    """Recompute the coalition plans' coverage from great circles, not the matrices."""
    data = placement_data(run.scenario, run.problem, run.x)
    games = PlacementGames(data, coalition_options(run.scenario))
    demand = run.problem.demand
    grand_defended = run.certificate.defended
    for members in [("USA",), ("CAN", "MEX"), ("USA", "MEX")]:
        value = games.cost(frozenset(members))
        mask = data.mask(frozenset(members))
        plan = games.cost_solves[mask].plan
        sensed, engaged, _ = recompute_layers(run.scenario, demand, run.problem.sites[plan])
        need = grand_defended & demand["partner"].isin(members).to_numpy()
        assert not (need & ~(sensed & engaged)).any()
        assert run.problem.sites.loc[plan, "cost_musd"].sum() == pytest.approx(value)
        assert value == pytest.approx(cs.cost_game.value(members))


def test_whatif_table_is_consistent_with_the_games(cs):
    v, c = cs.value_game, cs.cost_game
    w = cs.whatif.set_index("partner")
    for p in PLAYERS:
        rest = [q for q in PLAYERS if q != p]
        assert w.loc[p, "others_defend_without"] == pytest.approx(v.value(rest))
        assert w.loc[p, "value_added"] == pytest.approx(v.grand - v.value(rest))
        assert w.loc[p, "defended_alone"] == pytest.approx(v.value([p]))
        assert w.loc[p, "others_cost_without_musd"] == pytest.approx(c.value(rest))
        assert w.loc[p, "cost_added_musd"] == pytest.approx(c.grand - c.value(rest))
    assert w["value_shapley"].sum() == pytest.approx(v.grand)
    assert len(cs.coalitions) == 7
    for row in cs.coalitions.itertuples():
        members = row.coalition.split("+")
        assert row.defended_alone == pytest.approx(v.value(members))
        assert row.cost_of_plan_coverage_musd == pytest.approx(c.value(members))


def test_joint_plan_respects_every_cap_and_condition_by_recomputation(run, cs):
    joint = cs.joint
    assert joint is not None and joint.has_plan and joint.status == "optimal"
    sc, problem = run.scenario, run.problem
    chosen = problem.sites[joint.x]
    cost = float(chosen["cost_musd"].sum())
    assert cost <= sc.budget_musd + 1e-6
    assert joint.contributions.sum() == pytest.approx(cost)
    cert = verify_plan(sc, problem, joint.x, None)
    assert cert.ok
    caps = {p.iso_a3: p.budget_musd for p in sc.partners}
    facts = {f.iso_a3: f for f in cs.facts}
    total_gdp = sum(f.gdp_musd for f in cs.facts)
    for k, p in enumerate(PLAYERS):
        hosted = float(chosen.loc[chosen["partner"] == p, "cost_musd"].sum())
        cash = joint.contributions[k] - 0.25 * hosted
        assert cash <= caps[p] + 1e-6
        defended = float(problem.demand.loc[cert.defended & (problem.demand["partner"] == p).to_numpy(),
                                            "weight"].sum())
        assert defended >= cs.value_game.value([p]) - 1e-6  # individual rationality
        # within 20 % of the capped GDP amount (USA is capped at 60 %)
        share = 0.6 if p == "USA" else 0.4 * facts[p].gdp_musd / (total_gdp - facts["USA"].gdp_musd)
        assert abs(joint.contributions[k] - share * cost) <= 0.2 * share * cost + 1e-6
    for members in itertools.chain.from_iterable(itertools.combinations(PLAYERS, k) for k in (2,)):
        got = float(problem.demand.loc[cert.defended & problem.demand["partner"].isin(members).to_numpy(),
                                       "weight"].sum())
        assert got >= cs.value_game.value(list(members)) - 1e-6  # core constraints (3 <= 6 partners)
    assert all(ok for _, ok, _ in joint.checks)


def test_outputs_are_written_and_read_back(run, cs, tmp_path):
    write_run(run, tmp_path)
    folder = tmp_path / run.scenario.name
    paths = {name: folder / name for name in ("allocations.csv", "allocations.xlsx", "report.html",
                                              "summary.json")}
    assert all(p.is_file() for p in paths.values())
    frame = cs.allocations_frame()
    csv = pd.read_csv(paths["allocations.csv"])
    assert csv["amount_musd"].to_numpy() == pytest.approx(frame["amount_musd"].to_numpy())
    pytest.importorskip("openpyxl")
    xlsx = pd.read_excel(paths["allocations.xlsx"], sheet_name="allocations")
    assert list(xlsx["rule"]) == list(frame["rule"])
    assert xlsx["amount_musd"].to_numpy() == pytest.approx(frame["amount_musd"].to_numpy())
    html = paths["report.html"].read_text(encoding="utf-8")
    for text in ("Cost sharing", "Shapley value", "Nucleolus", "SCRB", "in the core", "Without partner X",
                 "data:image/png;base64", "plan chosen with the split in mind", "Natural Earth GDP_MD"):
        assert text in html or text.lower() in html.lower()
    summary = json.loads(paths["summary.json"].read_text(encoding="utf-8"))
    assert summary["cost_sharing"]["allocations"]["shapley"]["USA"] == pytest.approx(
        cs.allocations["shapley"]["USA"])
    assert summary["cost_sharing"]["joint_plan"]["verified"] is True


def test_partner_overrides_are_used_and_stated():
    sc = scenario(partners={"CAN": {"gdp_musd": 1_000_000, "population": 40_000_000}},
                  cost_sharing={"joint_plan": {"enabled": False}})
    run = run_scenario(sc)
    facts = {f.iso_a3: f for f in run.cost_sharing.facts}
    assert facts["CAN"].gdp_musd == 1_000_000 and facts["CAN"].gdp_source == "scenario"
    assert facts["USA"].gdp_source.startswith("Natural Earth GDP_MD (")
    assert run.cost_sharing.joint is None


def test_sampling_beyond_the_exact_limit(cs):
    run = run_scenario(scenario(cost_sharing={"exact_up_to": 2, "n_permutations": 400,
                                              "joint_plan": {"enabled": False}}))
    sampled = run.cost_sharing
    assert sampled.cost_game is None and not sampled.core
    assert "nucleolus" not in sampled.allocations and "scrb" not in sampled.allocations
    est, half = sampled.allocations["shapley"], sampled.shapley_half_width
    assert sum(est.values()) == pytest.approx(sampled.bill_musd)  # each order's marginals add up
    for p in PLAYERS:
        assert half[p] > 0
        assert abs(est[p] - cs.allocations["shapley"][p]) <= 3 * half[p]
    assert any("random orders" in n for n in sampled.notes)


def test_cost_sharing_can_be_skipped():
    run = run_scenario(scenario(), cost_sharing=False)
    assert run.cost_sharing is None and run.summary().cost_sharing is None
    assert "cost_sharing" not in run.summary().to_json()
    one = run_scenario(scenario(partners={"CAN": None, "MEX": None}))
    assert one.cost_sharing is None


@pytest.mark.parametrize(("patch", "field"), [
    ({"cost_sharing": {"gdp_cap_share": 0.2}}, "gdp_cap_share"),
    ({"cost_sharing": {"rules": ["equal", "equal"]}}, "cost_sharing.rules"),
    ({"cost_sharing": {"rules": ["fairest"]}}, "cost_sharing.rules"),
    ({"cost_sharing": {"in_kind_fraction": 1.5}}, "cost_sharing.in_kind_fraction"),
    ({"cost_sharing": {"joint_plan": {"rule": "shapley"}}}, "cost_sharing.joint_plan.rule"),
    ({"cost_sharing": {"surprise": 1}}, "cost_sharing.surprise"),
    ({"partners": {"USA": {"population": -5}}}, "partners[0].population"),
])
def test_bad_cost_sharing_input_names_the_field(patch, field):
    with pytest.raises(InputError) as err:
        scenario(**patch)
    assert field in str(err.value)


def test_benefit_rule_joint_plan_agrees_with_the_price_bisection():
    sc = scenario(budget_musd=700, partners={"MEX": {"budget_musd": 60}},
                  cost_sharing={"joint_plan": {"rule": "benefit", "tolerance": 0.0,
                                               "individual_rationality": False,
                                               "core_constraints": False}})
    run = run_scenario(sc)
    joint = run.cost_sharing.joint
    assert joint.has_plan and joint.status == "optimal"
    check = joint.price_check
    assert check["best_defended_weight"] == pytest.approx(check["upper_bound"])
    assert joint.defended_weight == pytest.approx(check["best_defended_weight"])
    assert joint.defended_weight < run.result.objective  # MEX's cap makes the benefit rule bind
    chosen = run.problem.sites[joint.x]
    cost = float(chosen["cost_musd"].sum())
    cert = verify_plan(sc, run.problem, joint.x, None)
    weights = run.problem.demand["weight"].to_numpy()
    for k, p in enumerate(PLAYERS):
        mine = cert.defended & (run.problem.demand["partner"] == p).to_numpy()
        exact = cost * weights[mine].sum() / weights[cert.defended].sum()
        assert joint.contributions[k] == pytest.approx(exact, abs=0.011)
        hosted = float(chosen.loc[chosen["partner"] == p, "cost_musd"].sum())
        assert joint.contributions[k] - 0.25 * hosted <= (60 if p == "MEX" else math.inf) + 1e-6
