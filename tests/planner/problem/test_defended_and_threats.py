"""Scenario-level defended layers (point files, area grids) and notional threat corridors."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from pyproj import Geod

from planner import InputError, parse_scenario, run_scenario
from planner.problem.build import build_demand, build_problem, load_partners
from tests.conftest import SMALL

THREATS = {"launch_areas": [
    {"name": "north_pacific", "lon": 170.0, "lat": 55.0},
    {"name": "arctic", "polygon": [[-20, 80], [40, 80], [40, 85], [-20, 85]], "spacing_km": 500},
]}


@pytest.fixture(scope="module")
def corridor_run():
    d = copy.deepcopy(SMALL)
    d["threats"] = THREATS
    return run_scenario(parse_scenario(d))


def test_corridor_plan_is_verified(corridor_run):
    assert corridor_run.certificate.ok
    names = {c.name for c in corridor_run.certificate.checks}
    assert {"coverage_matrix", "objective", "budget"} <= names


def test_corridor_coverage_differs_from_terminal(corridor_run):
    d = copy.deepcopy(SMALL)
    d["threats"] = dict(THREATS, interceptor_coverage="terminal")
    terminal = build_problem(parse_scenario(d))
    corridor = corridor_run.problem
    assert (terminal.a_sensor != corridor.a_sensor).nnz == 0  # sensors unchanged
    assert (terminal.a_interceptor != corridor.a_interceptor).nnz > 0


def test_threat_summary(corridor_run):
    table = corridor_run.threat_corridors()
    n_points = len(corridor_run.problem.demand)
    # one track per (launch point, target): the polygon yields at least one launch point
    assert (table["launch_area"] == "north_pacific").sum() == n_points
    assert ((0 <= table["warning_time_s"]) & (table["warning_time_s"] <= table["flight_time_s"])).all()
    assert ((0 <= table["tracked_fraction"]) & (table["tracked_fraction"] <= 1)).all()
    summary = corridor_run.summary().threats
    assert [s.launch_area for s in summary] == ["north_pacific", "arctic"]


def test_interceptor_band_above_every_apogee_defends_nothing():
    d = copy.deepcopy(SMALL)
    d["threats"] = THREATS
    for a in d["asset_types"]:
        if a["role"] in ("interceptor", "both"):
            a["engagement_min_altitude_km"] = 5000
            a["engagement_max_altitude_km"] = 6000
    with pytest.raises(InputError, match="nothing can be defended"):
        build_problem(parse_scenario(d))


def test_launch_area_needs_point_or_polygon():
    d = copy.deepcopy(SMALL)
    d["threats"] = {"launch_areas": [{"name": "nowhere"}]}
    with pytest.raises(InputError, match="give lon and lat, or a polygon"):
        parse_scenario(d)


def test_point_file_relative_to_scenario(tmp_path):
    (tmp_path / "bases.csv").write_text("site,lon,lat,value\nA,-77.0,38.9,500\nB,-75.7,45.4,300\n")
    d = copy.deepcopy(SMALL)
    d["defended"] = {"files": [{"path": "bases.csv", "weight_column": "value", "id_column": "site"}]}
    sc = parse_scenario(d)
    demand = build_demand(sc, load_partners(sc), base_dir=tmp_path)
    assert list(demand["weight"]) == [500, 300]
    assert list(demand["partner"]) == ["USA", "CAN"]  # Washington, Ottawa
    with pytest.raises(InputError) as info:
        build_demand(sc, load_partners(sc), base_dir=tmp_path / "elsewhere")
    assert "defended.files[0].path = 'bases.csv'" in info.value.line()


def test_area_grid_weights_add_up_to_territory_area():
    d = copy.deepcopy(SMALL)
    d["defended"] = {"area_grid": {"cell_km": 150, "partners": ["CAN"]}}
    sc = parse_scenario(d)
    partners = load_partners(sc)
    demand = build_demand(sc, partners)
    can = partners.loc[partners["iso_a3"] == "CAN", "geometry"].iloc[0]
    area_km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(can)[0]) / 1e6
    assert demand["weight"].sum() == pytest.approx(area_km2, rel=2e-3)
    assert set(demand["partner"]) == {"CAN"}
    assert np.all(demand["weight"] <= 150**2 + 1e-6)


def test_a_chosen_constellation_adds_to_threat_tracking(corridor_run):
    import dataclasses

    sites = corridor_run.problem.sites
    space = np.flatnonzero(sites["domain"].to_numpy() == "space")
    base_x = corridor_run.x.copy()
    base_x[space] = False
    with_x = base_x.copy()
    with_x[space[-1]] = True  # the largest constellation of the menu
    def with_plan(x):
        return dataclasses.replace(corridor_run, result=dataclasses.replace(corridor_run.result, x=x))

    ground = with_plan(base_x).threat_corridors()
    both = with_plan(with_x).threat_corridors()
    assert (both["tracked_fraction"] >= ground["tracked_fraction"] - 1e-12).all()
    assert (both["warning_time_s"] >= ground["warning_time_s"] - 1e-9).all()
    assert (both["tracked_fraction"] > ground["tracked_fraction"] + 0.05).mean() > 0.5
