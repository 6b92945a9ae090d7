"""The space interceptor stage end to end: summary.json keys, the boost layer, the report section."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest

from geodata.orbits import Walker
from planner.errors import InputError
from planner.scenario.schema import parse_scenario
from tests.conftest import SMALL

BLOCK: dict[str, Any] = {  # the scenario's raw YAML block
    "altitude_km": 400,
    "constellations": ["45:240/12/1", "45:720/24/1"],
    "search": "planes",
    "inclinations_deg": [45],
    "planes": [12],
    "launch_areas": [
        {"name": "p40", "lon": 127, "lat": 40},
        {"name": "box", "polygon": [[125, 43], [131, 43], [131, 47], [125, 47]], "spacing_km": 300},
    ],
    "salvo_size": 2,
    "target_probability": 0.9,
    "time_steps": 480,
}


def scenario(**patch):
    data = copy.deepcopy(SMALL)
    data["space_interceptors"] = {**copy.deepcopy(BLOCK), **patch}
    data["cost_sharing"] = {"enabled": False}
    return parse_scenario(data, file="sbi.yaml")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from planner.run.pipeline import run_scenario, write_run

    run = run_scenario(scenario(), source="sbi.yaml")
    out = tmp_path_factory.mktemp("sbi")
    write_run(run, out)
    return run, out / "small"


def test_summary_is_keyed_by_option_and_area(written):
    run, out = written
    s = json.loads((out / "summary.json").read_text())["space_interceptors"]
    assert s["interceptors_needed_at_once"] == 2
    assert set(BLOCK["constellations"]) <= set(s["options"])
    for pattern, opt in s["options"].items():
        w = Walker.parse(pattern)
        assert opt["n_satellites"] == w.t
        assert opt["life_cycle_cost"]["total_musd"] == pytest.approx(w.t * 4 * (22 + 0.5))
        assert set(opt["areas"]) == {"p40", "box"}
        for a in opt["areas"].values():
            p = [a["p_at_least"][str(k)] for k in range(3)]
            assert p[0] == 1.0 and p[0] >= p[1] >= p[2]
            assert a["reach_km"] == pytest.approx(s["reach_km"])
            assert a["absentee_ratio"] == pytest.approx(w.t / a["mean_in_reach"])
            assert a["mean_in_reach_exact"] == pytest.approx(a["mean_in_reach"], rel=0.05)
            # One threat of two, one shot each, SSPK 0.7: survival from P(N = 0), P(N = 1), P(N >= 2).
            p0, p1, p2 = 1 - p[1], p[1] - p[2], p[2]
            assert a["boost_survival"] == pytest.approx(p0 + p1 * (0.3 + 1) / 2 + p2 * 0.3)
        assert opt["meets_target"] == all(a["p_at_least"]["2"] >= 0.9 for a in opt["areas"].values())
    smallest = s["smallest"]
    assert smallest is not None and s["options"][smallest]["meets_target"]
    assert all(
        o["n_satellites"] >= s["options"][smallest]["n_satellites"]
        for o in s["options"].values()
        if o["meets_target"]
    )
    assert s["curves"] and {c["k"] for c in s["curves"]} == {1, 2}


def test_report_has_the_section_and_chart(written):
    _, out = written
    html = (out / "report.html").read_text()
    i = html.index("Space-based interceptors")
    assert "P(at least k interceptors in reach)" in html[i:]
    assert "box" in html[i:] and "45:720/24/1" in html[i:]


def test_boost_layer_arrays_for_the_engagement_model(written):
    run, _ = written
    r = run.space_interceptors
    ids, cost, surv = r.boost_layer(["p40", "box", "box"])
    assert list(ids) == [o.pattern for o in r.options]
    assert surv.shape == (len(r.options), 3) and ((surv >= 0) & (surv <= 1)).all()
    assert np.all(np.diff(cost[:2]) > 0)
    with pytest.raises(ValueError, match="exceed salvo_size"):
        r.boost_layer(["box"] * 3)
    with pytest.raises(ValueError, match="not one of"):
        r.boost_layer(["nowhere"])


def test_stage_refuses_missing_launch_areas_and_no_reach():
    from planner.run.space_interceptors import space_interceptor_stage

    with pytest.raises(InputError, match="launch_areas"):
        space_interceptor_stage(scenario(launch_areas=[]))
    with pytest.raises(InputError, match="cannot reach"):
        space_interceptor_stage(scenario(boost={"boost_duration_s": 50}))


def test_the_engagement_model_uses_the_boost_layer(written):
    """The layer's options enter the engagement MILP (issue 11) as its boost layer."""
    import scipy.sparse as sp

    from models.engagement import EngagementInstance, expected_leakage
    from models.engagement.solve import solve_engagement
    from models.result import SolveOptions

    r = written[0].space_interceptors
    ids, cost, surv = r.boost_layer(["p40", "p40"])
    inst = EngagementInstance(
        v=np.ones(2),
        area=np.zeros(2),
        target=np.arange(2),
        site_cost=np.array([10.0]),
        round_cost=np.array([1.0]),
        magazine=np.array([2]),
        sspk=np.array([0.7]),
        layer=np.array([2]),
        site_type=np.array([0]),
        type_max=np.array([1]),
        sensor_cost=np.array([5.0]),
        max_shots=sp.csr_array(np.ones((2, 1))),
        fire_control=sp.csr_array(np.ones((2, 1))),
        budget=float(cost.max()) + 100.0,
        boost_cost=cost,
        boost_survival=surv,
        boost_ids=ids,
    )
    sol = solve_engagement(inst, SolveOptions(time_limit_s=30, mip_rel_gap=1e-9))
    assert sol.plan is not None and sol.plan.boost >= 0
    best = surv.min(axis=0)
    assert np.allclose(surv[sol.plan.boost], best)
    # One ground shot each at SSPK 0.7 behind the boost layer: 0.3 of the boost survivors leak.
    assert sol.expected_leakers == pytest.approx(0.3 * best.sum(), abs=1e-6)
    assert expected_leakage(inst, sol.plan)[0] == pytest.approx(0.3 * best.sum(), abs=1e-6)
