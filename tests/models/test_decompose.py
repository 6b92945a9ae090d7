"""The decomposition (site column generation + bound fixing) against brute force and the MILP."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models import CoverInstance, SolutionStatus, SolveOptions, solve_cover
from models.decompose import DecompositionError, solve_max_cover_decomposed
from tests.models.helpers import brute_force_levels, cover_of_kind, random_cover

OPTS = SolveOptions(time_limit_s=30, mip_rel_gap=0.0, threads=1, seed=0)


@pytest.mark.parametrize("seed", range(8))
def test_brute_force(seed: int) -> None:
    inst = cover_of_kind(seed, m=40, n=12, density=0.2, budget_frac=0.35, count=3)
    res = solve_cover(inst, OPTS, method="decompose")
    assert res.extra["method"] == "decompose"
    assert res.solution_status is SolutionStatus.OPTIMAL
    assert res.objective == pytest.approx(brute_force_levels(inst, [1.0], inst.is_feasible))
    assert res.x is not None and res.objective is not None and res.bound is not None
    assert inst.is_feasible(res.x)
    assert res.bound >= res.objective - 1e-9


@pytest.fixture(scope="module")
def geo() -> CoverInstance:
    rng = np.random.default_rng(5)
    m, n = 4000, 400
    pts, sites = rng.random((m, 2)), rng.random((n, 2))
    d = np.linalg.norm(pts[:, None, :] - sites[None, :, :], axis=2)
    return CoverInstance(
        w=np.round(rng.lognormal(5, 1.5, m)), c=np.ones(n), a=sp.csr_array(d < 0.08), count=12
    )


def test_agrees_with_milp_and_reports(geo: CoverInstance) -> None:
    milp = solve_cover(geo, OPTS, method="milp")
    dec = solve_cover(geo, OPTS, method="decompose")
    assert dec.solution_status is SolutionStatus.OPTIMAL
    assert dec.objective == pytest.approx(milp.objective)
    assert dec.x is not None and dec.bound is not None and milp.objective is not None
    assert dec.objective == pytest.approx(geo.evaluate(dec.x)[0])
    info = dec.extra["decomposition"]
    assert info["rounds"] >= 1 and info["sites_free_after_fixing"] <= geo.n
    # The bound is a valid bound of the whole instance.
    assert dec.bound >= milp.objective - 1e-6


def test_auto_picks_site_space_for_large_max_cover(geo: CoverInstance, monkeypatch) -> None:
    import models.api

    monkeypatch.setattr(models.api, "DECOMPOSE_MIN_NONZEROS", 1)
    assert solve_cover(geo, OPTS).extra["method"] == "benders"
    assert solve_cover(geo, OPTS, method="milp").extra["method_reason"] == "requested"
    assert solve_cover(geo, OPTS, engine="pyomo").extra["method"] == "milp"


def test_refuses_what_it_cannot_do() -> None:
    inst = random_cover(1, required_frac=0.2)
    with pytest.raises(DecompositionError):
        solve_max_cover_decomposed(inst, OPTS)
    with pytest.raises(ValueError, match="decompose"):
        solve_cover(inst, OPTS, method="decompose")


def test_free_site_cap_under_a_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the cap the restricted MILP is skipped under a time limit: the plan and the LP bound
    come back (the bound still true), never an exact MILP left to overrun the limit."""
    import dataclasses

    import models.decompose as decompose
    from tests.models.test_benders import planar_instance

    inst = planar_instance(1, m=800, n=80, p=8)  # its LP does not prove the plan: the MILP runs
    optimum = solve_cover(inst, OPTS, method="milp").objective
    assert optimum is not None
    full = solve_cover(inst, OPTS, method="decompose")
    assert "restricted_milp" in full.extra["decomposition"]
    monkeypatch.setattr(decompose, "MAX_FREE_SITES", 0)
    capped = solve_cover(inst, dataclasses.replace(OPTS, time_limit_s=60.0), method="decompose")
    assert capped.extra["decomposition"]["restricted_milp"]["skipped"] == "too many free sites"
    assert capped.bound is not None and capped.bound >= optimum - 1e-6 * optimum
    assert capped.x is not None and capped.objective == pytest.approx(inst.evaluate(capped.x)[0])
    unlimited = solve_cover(inst, dataclasses.replace(OPTS, time_limit_s=None), method="decompose")
    assert unlimited.status == "optimal" and unlimited.objective == pytest.approx(optimum, rel=1e-9)


def test_swaps_stop_at_their_deadline() -> None:
    """A deadline already past leaves a full random plan as it is (feasible); without one the swaps
    improve it on some seeds, so the deadline is what stopped them."""
    import time

    from models import PlanRules
    from models.formulations.cover import site_rules
    from models.heuristics import LevelObjective, swap_search
    from tests.models.test_benders import planar_instance

    improved = 0
    for seed in range(6):
        inst = planar_instance(seed, m=300, n=40, p=5)
        obj = LevelObjective(inst.w, sp.csr_array(inst.a, dtype=float), np.array([1.0]))
        rules = site_rules(inst, PlanRules())
        x = np.zeros(inst.n, dtype=bool)
        x[np.random.default_rng(seed).choice(inst.n, 5, replace=False)] = True  # p sites: no additions
        value = obj.value(obj.counts(x))
        stopped = swap_search(obj, rules, x, deadline=time.perf_counter() - 1.0)
        assert (stopped == x).all() and rules.is_feasible(stopped)
        free = obj.value(obj.counts(swap_search(obj, rules, x)))
        assert free >= value - 1e-9
        improved += free > value + 1e-9
    assert improved
