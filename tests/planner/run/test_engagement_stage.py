"""The engagement stage on a small scenario: summary, leakage curve, Monte Carlo, bad input."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from planner import parse_scenario, run_scenario
from planner.errors import InputError
from planner.run.engagement import dhondt, scaled_raid
from tests.conftest import SMALL

ENGAGEMENT: dict[str, Any] = {
    "interceptor_coverage": "terminal",
    "launch_areas": [{"name": "north_pacific", "lon": 160.0, "lat": 50.0}],
    "engagement": {
        "missile_classes": [{"name": "notional", "boost_duration_s": 180}],
        "launch_area_class": {"north_pacific": "notional"},
        "design_raid": {"north_pacific": 4},
        "raid_sizes": [2, 4, 8, 16],
        "interceptors": [
            {
                "asset_type": "battery",
                "layer": "terminal",
                "avg_flyout_speed_mps": 2500,
                "min_intercept_altitude_km": 40,
                "max_intercept_altitude_km": 150,
                "max_slant_range_km": 250,
                "reaction_time_s": 15,
                "assessment_time_s": 20,
                "sspk": 0.7,
                "rounds_per_site": 6,
                "cost_per_round_musd": 10,
            },
        ],
        "sensors": [{"asset_type": "radar", "role": "fire_control", "range_km": 3000}],
        "monte_carlo_trials": 2000,
    },
}


def scenario_dict() -> dict[str, Any]:
    d = copy.deepcopy(SMALL)
    d["threats"] = copy.deepcopy(ENGAGEMENT)
    d["cost_sharing"] = {"enabled": False}
    return d


@pytest.fixture(scope="module")
def run():
    return run_scenario(parse_scenario(scenario_dict(), file="eng.yaml"))


def test_summary_has_engagement_figures(run):
    e = run.summary().to_json()["engagement"]
    assert e["design_raid"] == {"north_pacific": 4}
    for key in (
        "expected_leakers",
        "expected_value_lost",
        "raid_curve",
        "saturation_raid_size",
        "monte_carlo",
        "engaged",
        "expected_defeated",
    ):
        assert key in e
    assert 0 <= e["expected_leakers"] <= 4
    assert e["expected_defeated"] == pytest.approx(4 - e["expected_leakers"])
    assert e["cost_musd"] <= e["budget_musd"] + 1e-6
    assert e["solve"]["linearisation"] == "secant (exact)"
    assert abs(e["solve"]["approximation_error"]) < 1e-6 * max(1.0, e["expected_value_lost"])


def test_curve_non_decreasing_and_consistent_with_design(run):
    e = run.summary().to_json()["engagement"]
    curve = e["raid_curve"]
    leak = [p["expected_leakers"] for p in curve]
    lost = [p["expected_value_lost"] for p in curve]
    assert [p["raid_size"] for p in curve] == [2, 4, 8, 16]
    assert all(b >= a - 1e-9 for a, b in zip(leak, leak[1:], strict=False))
    assert all(b >= a - 1e-6 * max(1, a) for a, b in zip(lost, lost[1:], strict=False))
    at_design = next(p for p in curve if p["raid_size"] == 4)
    assert at_design["expected_leakers"] == pytest.approx(e["expected_leakers"], abs=1e-9)
    for p in curve:
        assert p["shots_fired"] == sum(p["shots_per_layer"].values())
        assert p["engaged"] <= p["raid_size"]
    assert e["saturation_raid_size"] in (None, 2, 4, 8, 16)


def test_monte_carlo_interval_contains_analytic(run):
    mc = run.summary().to_json()["engagement"]["monte_carlo"]
    lo, hi = mc["ci99"]
    assert mc["trials"] == 2000
    assert lo <= run.summary().to_json()["engagement"]["expected_leakers"] <= hi
    assert mc["planned_shots_without_window"] == 0


def test_unknown_asset_type_is_one_line_input_error():
    d = scenario_dict()
    d["threats"]["engagement"]["sensors"][0]["asset_type"] = "nope"
    with pytest.raises(InputError, match="nope"):
        run_scenario(parse_scenario(d, file="eng.yaml"))


def test_schema_refuses_bad_raid_sizes():
    d = scenario_dict()
    d["threats"]["engagement"]["raid_sizes"] = [8, 4]
    with pytest.raises(InputError, match="raid_sizes"):
        parse_scenario(d, file="eng.yaml")


def test_dhondt_is_house_monotone_and_proportional():
    w = np.array([5.0, 3.0, 2.0])
    prev = dhondt(0, w)
    for n in range(1, 30):
        cur = dhondt(n, w)
        assert (cur >= prev).all() and cur.sum() == n
        prev = cur
    assert dhondt(10, w).tolist() == [5, 3, 2]
    assert dhondt(1, w).tolist() == [1, 0, 0]  # the heaviest first
    assert scaled_raid({"a": 10, "b": 6}, 8) == {"a": 5, "b": 3}


def test_report_section_and_geopackage_layers(run, tmp_path):
    import pyogrio

    from planner.run.pipeline import write_run

    paths = write_run(run, tmp_path)
    layers = dict(pyogrio.list_layers(paths["plan.gpkg"]))
    assert layers["threat_tracks"] == "LineString Z"
    assert layers["intercept_points"] == "Point Z"
    tracks = pyogrio.read_dataframe(paths["plan.gpkg"], layer="threat_tracks")
    assert len(tracks) == 4 and (tracks["p_leak"].between(0, 1)).all()
    html = paths["report.html"].read_text()
    assert "Raid and leakage" in html and "Leakage curve" in html


SPACE_LAYER: dict[str, Any] = {
    "name": "sbi",
    "altitude_km": 400,
    "constellations": ["55:480/24/1", "55:960/24/1"],  # 55 degrees: shells reach the 50 N launch area
    "boost": {"boost_duration_s": 180, "detection_latency_s": 30, "decision_latency_s": 30},
    "kill_vehicle": {"delta_v_mps": 4000, "acceleration_mps2": 100, "sspk": 0.7},
    "launch_areas": [{"name": "north_pacific", "lon": 160.0, "lat": 50.0}],
    "salvo_size": 1,
    "unit_cost_musd": 0.01,  # cheap enough that the plan weighs buying the layer
    "mass_kg": 10,
}


@pytest.fixture(scope="module")
def space_run():
    d = scenario_dict()
    d["space_interceptors"] = copy.deepcopy(SPACE_LAYER)
    return run_scenario(parse_scenario(d, file="eng_space.yaml"))


def test_space_interceptors_enter_the_raid_as_its_boost_layer(space_run):
    inst, plan = space_run.engagement.instance, space_run.engagement.plan
    sbi = space_run.summary().to_json()["space_interceptors"]
    assert inst.boost_survival is not None and inst.boost_survival.shape == (2, inst.v.size)
    for o, pattern in enumerate(inst.boost_ids):
        expected = sbi["options"][pattern]["areas"]["north_pacific"]["boost_survival"]
        np.testing.assert_allclose(inst.boost_survival[o], expected)
    assert (inst.boost_survival < 1).any()  # the layer reaches some threats
    # The plan (with or without the layer) passed the Monte Carlo check, which flies the layer too.
    mc = space_run.engagement.monte_carlo
    assert mc.ci99[0] <= mc.analytic_leakers <= mc.ci99[1]
    assert plan.boost >= 0  # at 0.01 M USD a satellite the layer is bought


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e["design_raid"].update(atlantis=3), "threats.engagement.design_raid"),
        (
            lambda e: e["launch_area_class"].update(atlantis="notional"),
            "threats.engagement.launch_area_class",
        ),
        (
            lambda e: e["interceptors"][0].update(asset_type="no_such_type"),
            "threats.engagement.interceptors[0].asset_type",
        ),
    ],
)
def test_validate_catches_raid_names_before_any_work(mutate, field):
    from planner.problem.preflight import preflight

    d = scenario_dict()
    mutate(d["threats"]["engagement"])
    with pytest.raises(InputError) as info:
        preflight(parse_scenario(d, file="eng.yaml"), "eng.yaml")
    line = info.value.line()
    assert field in line and "eng.yaml" in line and "\n" not in line


def test_timing_lists_only_the_stages_that_ran(run, small_run):
    assert "engagement_s" in run.times and "schedule_s" not in run.times
    assert not {"engagement_s", "adversary_s", "space_interceptors_s", "schedule_s"} & set(small_run.times)
    assert list(run.times)[-1] == "total_s"
