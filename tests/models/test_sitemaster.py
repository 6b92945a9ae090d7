"""The in-place restricted site LP (models.sitemaster) against the LP rebuilt from scratch."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models import CoverInstance, SolveOptions
from models.decompose import _bound, _restrict
from models.engines.highs_engine import build_highs
from models.formulations.cover import max_cover
from models.sitemaster import SiteMaster
from tests.models.helpers import cover_of_kind, random_cover

OPTS = SolveOptions(time_limit_s=30, mip_rel_gap=0.0, threads=1, seed=0)


def _solve_lp(inst: CoverInstance, _: SolveOptions) -> tuple[float, None, None]:
    """The LP relaxation of max_cover built from scratch by the formulation (the reference)."""
    h = build_highs(max_cover(inst).model)
    lp = h.getLp()
    lp.integrality_ = []
    h.passModel(lp)
    h.setOptionValue("output_flag", False)
    h.run()
    return float(h.getInfo().objective_function_value), None, None


@pytest.mark.parametrize("seed", range(6))
def test_grown_lp_equals_rebuilt_lp(seed: int) -> None:
    """Adding sites in batches gives, after every batch, the LP value of the rebuilt restricted LP;
    the point multipliers lie in [0, w] and bound the full LP from above.
    """
    inst = cover_of_kind(seed, m=300, n=40, density=0.12, budget_frac=0.3, count=5)
    at = sp.csr_array(sp.csr_array(inst.a, dtype=float).T)
    full_lp, _, _ = _solve_lp(_restrict(inst, np.arange(inst.n))[0], OPTS)
    order = np.random.default_rng(seed).permutation(inst.n)
    master = SiteMaster(inst, at)
    for batch in np.array_split(order, 4):
        master.add_sites(batch)
        value, y, duals = master.solve()
        rebuilt, _, _ = _solve_lp(_restrict(inst, np.sort(master.sites))[0], OPTS)
        assert value == pytest.approx(rebuilt, rel=1e-7, abs=1e-6)
        assert y.shape == (master.sites.size,)
        # Groups hold exactly the covered points, with their weights.
        covered = inst.a[:, master.sites].sum(axis=1) > 0
        assert np.array_equal(master.gid >= 0, covered)
        assert master.gw[master.gcount > 0].sum() == pytest.approx(inst.w[covered].sum())
        lam = master.point_duals()
        assert (lam >= -1e-12).all() and (lam <= inst.w + 1e-9).all()
        nu = duals.get("type_max")
        u, _ = _bound(
            inst,
            at,
            lam,
            float(duals["budget"][0]) if "budget" in duals else 0.0,
            float(duals["count"][0]) if "count" in duals else 0.0,
            nu,
        )
        assert u >= full_lp - 1e-6 * max(1.0, full_lp)
    assert value == pytest.approx(full_lp, rel=1e-7)


@pytest.mark.parametrize("seed", range(3))
def test_stopped_lp_still_bounds(seed: int) -> None:
    """A restricted LP stopped at once by its time limit still gives multipliers in [0, w] whose
    bound is at least the full LP's value (a bound holds for any such multipliers).
    """
    inst = random_cover(seed, m=400, n=50, density=0.15, budget_frac=None, count=6, types=0)
    at = sp.csr_array(sp.csr_array(inst.a, dtype=float).T)
    full_lp, _, _ = _solve_lp(_restrict(inst, np.arange(inst.n))[0], OPTS)
    master = SiteMaster(inst, at)
    master.add_sites(np.arange(0, inst.n, 2))
    _, y, duals = master.solve(time_limit_s=1e-9)
    lam = master.point_duals()
    assert y.shape == (master.sites.size,)
    assert (lam >= 0).all() and (lam <= inst.w + 1e-9).all()
    u, _ = _bound(inst, at, lam, 0.0, float(duals["count"][0]), None)
    assert u >= full_lp - 1e-6 * max(1.0, full_lp)


def test_each_solve_gets_its_own_time_share() -> None:
    """HiGHS 1.15's run clock keeps counting across run() calls: a later round's limit is the time
    run so far plus its share, not the share alone (which the clock has already passed).
    """
    inst = random_cover(0, m=400, n=50, density=0.15, budget_frac=None, count=6, types=0)
    master = SiteMaster(inst, sp.csr_array(sp.csr_array(inst.a, dtype=float).T))
    master.add_sites(np.arange(0, inst.n, 2))
    master.solve()
    ran = master.h.getRunTime()
    assert ran > 0
    master.add_sites(np.arange(1, inst.n, 2))
    master.solve(time_limit_s=5.0)
    limit = master.h.getOptionValue("time_limit")  # highspy 1.15: (status, value)
    assert (limit[1] if isinstance(limit, tuple) else limit) == pytest.approx(ran + 5.0)
    assert master.optimal
