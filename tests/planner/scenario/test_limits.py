"""Size limits (issue #17): estimates against what is really built, refusals naming field and estimate."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import shapely

from geodata import candidates as gcand
from geodata import naturalearth as ne
from planner.errors import InputError
from planner.scenario.limits import _land_km2, _sea_sites, check_runs, check_size, estimate_size
from planner.scenario.schema import parse_scenario
from tests.conftest import SMALL


@pytest.fixture(scope="module")
def usa_can():
    return shapely.union_all(ne.countries(["USA", "CAN"]).geometry.to_numpy())


@pytest.fixture(scope="module")
def small_built(small_run):
    """The small scenario's problem, from the session's solved run (built once for every test)."""
    return small_run.scenario, small_run.problem.partners, small_run.problem


@pytest.mark.parametrize("spacing_km", [40.0, 100.0])
def test_land_sites_estimate_within_two_percent(usa_can, spacing_km):
    built = len(gcand.land_grid(usa_can, spacing_km)[0])
    assert abs(_land_km2(usa_can) / spacing_km**2 - built) <= 0.02 * built


@pytest.mark.parametrize("code", ["MEX", "JPN"])  # measured on USA + CAN too: 5,620 vs 5,619 at 50 km
def test_sea_sites_estimate_within_five_percent(code):
    territory = shapely.union_all(ne.countries([code]).geometry.to_numpy())
    built = len(gcand.sea_grid(territory, 370.0, 40.0)[0])
    assert abs(_sea_sites(territory, 370.0, 40.0) - built) <= 0.05 * built


def test_estimates_bound_what_is_built(small_built):
    sc, partners, problem = small_built
    est = estimate_size(sc, partners)
    assert est.points == len(problem.demand)
    inst = problem.to_instance()
    nnz = problem.a_sensor.nnz + problem.a_interceptor.nnz
    overlaps = sum(
        sp.csr_array(a.T.astype(float) @ a.astype(float)).nnz for a in (inst.a_sensor, inst.a_interceptor)
    )
    assert nnz <= est.pairs <= 10 * nnz
    assert overlaps <= est.overlap_pairs
    for k, asset in enumerate(sc.asset_types):
        key = f"asset_types[{k}].candidates.spacing_km"
        if key in est.sites:
            n = int((problem.sites["asset_type"] == asset.name).sum())
            assert 0.8 * n <= est.sites[key] <= 1.25 * n + 5


def _with(**patch):
    data = copy.deepcopy(SMALL)
    for path, value in patch.items():
        target: Any = data  # a mapping or a list, walked down the path
        *head, last = path.split("__")
        for part in head:
            target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
        target[last] = value
    return parse_scenario(data, file="s.yaml")


def test_refusals_name_field_estimate_and_limit(small_built):
    _, partners, _ = small_built
    cases = [
        (
            _with(asset_types__1__candidates__spacing_km=5.0),
            ["asset_types[1].candidates.spacing_km = 5.0", "~756,", "candidate sites", "limits.max_sites"],
        ),
        (
            _with(limits__max_sites=100),
            ["asset_types[1].candidates.spacing_km = 400.0", "the limit is 100", "limits.max_sites"],
        ),
        (_with(limits__max_points=10), ["defended", "46 defended points", "limits.max_points"]),
        (_with(limits__max_pairs=1000), ["asset_types", "limits.max_pairs"]),
        (
            _with(limits__max_space_samples=1000),
            ["asset_types[3]", "coverage samples", "limits.max_space_samples"],
        ),
        (
            _with(
                threats={"launch_areas": [{"name": "a", "lon": 0, "lat": 60}]}, limits__max_track_samples=100
            ),
            ["threats", "limits.max_track_samples"],
        ),
    ]
    for sc, fragments in cases:
        with pytest.raises(InputError) as info:
            check_size(sc, partners)
        line = info.value.with_file("s.yaml").line()
        assert all(f in line for f in fragments), (fragments, line)


def test_raised_limit_accepts(small_built):
    _, partners, _ = small_built
    sc = _with(asset_types__1__candidates__spacing_km=5.0, limits__max_sites=10**6, limits__max_pairs=10**11)
    est = check_size(sc, partners)
    assert 700_000 < est.sites["asset_types[1].candidates.spacing_km"] < 850_000


def test_runs_counted_before_resolving():
    from planner.batch.spec import BatchFile

    def spec(**kw):
        sweep = {
            "name": "s",
            "parameters": [
                {"path": ["budget_musd"], "values": list(range(40))},
                {"path": ["seed"], "values": list(range(30))},
            ],
        }
        return BatchFile.model_validate(
            {"base": "x.yaml", "scenarios": [{"name": "a"}], "sweeps": [sweep], **kw}
        )

    assert check_runs(spec(), "b.yaml") == 1 + 40 * 30
    with pytest.raises(InputError, match=r"1,201 runs \(sweeps\[0\]: 1,200\); the limit is 1,000"):
        check_runs(spec(limits={"max_runs": 1000}), "b.yaml")
    assert np.prod([300, 300, 300]) == 27_000_000
