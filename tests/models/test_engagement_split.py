"""Engagement split on counts: parts cover every plan, same optimum as the whole model, valid bounds."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import models.engagement.solve as solve_mod
from models.engagement.instance import NO_BOOST
from models.engagement.split import PartLP, parts, solve_split
from models.formulations.engagement import dominated_sensors, engagement
from models.result import SolveOptions, Termination
from tests.models.test_engagement_milp import brute_force, random_instance

OPTS = SolveOptions(time_limit_s=30, mip_rel_gap=1e-9)


def two_types(seed: int, n_o: int = 0):
    """A random instance whose sites fall in two types, one of them scarce (at most one open)."""
    inst = random_instance(seed, n_t=3, n_j=4, n_s=3, n_o=n_o, budget=(8, 16))
    from dataclasses import replace

    return replace(inst, site_type=np.array([0, 0, 1, 1]), type_max=np.array([1, 2]), type_names=("a", "b"))


@pytest.mark.parametrize("seed", range(6))
def test_parts_cover_every_plan(seed):
    inst = two_types(seed)
    free = np.ones(inst.n_sensors, bool)
    p = parts(inst, free)
    seen = set(p.counts)
    assert len(seen) == len(p.counts)
    for y in itertools.product([0, 1], repeat=inst.n_sites):
        for z in itertools.product([0, 1], repeat=inst.n_sensors):
            y_a, z_a = np.array(y), np.array(z)
            cost = inst.site_cost @ y_a + inst.sensor_cost @ z_a
            types_ok = (np.bincount(inst.site_type, weights=y_a, minlength=2) <= inst.type_max).all()
            if cost <= inst.budget and types_ok:
                c = tuple(int(v) for v in p.a_y @ y_a + p.a_z @ z_a)
                assert c in seen, (y, z, c)


@pytest.mark.parametrize("seed", range(8))
def test_split_keeps_the_optimum(seed, monkeypatch):
    inst = two_types(seed, n_o=1 + seed % 2)  # the split runs on the branches under a cutoff
    with_split = solve_engagement_both(inst, monkeypatch)
    assert with_split[0] == pytest.approx(with_split[1], abs=1e-9)


def solve_engagement_both(inst, monkeypatch) -> tuple[float, float]:
    from models.engagement.solve import solve_engagement

    calls = []
    real = solve_mod.solve_split

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(solve_mod, "solve_split", counted)
    a = solve_engagement(inst, OPTS)
    assert calls  # the split ran
    assert str(a.termination) == "optimal"
    assert a.bound is not None and a.expected_value_lost is not None
    assert a.bound <= a.expected_value_lost + 1e-9
    monkeypatch.setattr(solve_mod, "SPLIT", False)
    b = solve_engagement(inst, OPTS)
    assert b.expected_value_lost is not None
    return a.expected_value_lost, b.expected_value_lost


@pytest.mark.parametrize("seed", [0, 2, 4])
def test_split_matches_brute_force(seed):
    from models.engagement.solve import solve_engagement

    inst = two_types(seed, n_o=1)  # the boost branch runs under the no-boost cutoff: split
    if np.prod([n + 1 for n in inst.max_shots.data]) > 3000:
        pytest.skip("too many shot assignments to enumerate")
    assert solve_engagement(inst, OPTS, reduce=False).expected_value_lost == pytest.approx(
        brute_force(inst), abs=1e-6
    )


def _model(inst):
    m, _ = engagement(inst, None, boost=NO_BOOST, site_rows=False)
    return m, parts(inst, ~dominated_sensors(inst))


@pytest.mark.parametrize("seed", range(4))
def test_cutoff_closes_or_keeps_the_optimum(seed):
    inst = two_types(seed)
    m, p = _model(inst)
    best = solve_split(m, p, "highs", OPTS)
    assert best is not None and best.termination is Termination.OPTIMAL and best.objective is not None
    opt = best.objective
    # Above the optimum: the same plan value; below: optimal with no plan, bound not above the optimum.
    above = solve_split(m, p, "highs", OPTS, cutoff=opt + 1.0)
    assert above is not None and above.objective == pytest.approx(opt, abs=1e-6)
    if opt > 0.5:
        below = solve_split(m, p, "highs", OPTS, cutoff=opt - 0.5)
        assert below is not None
        assert below.termination is Termination.OPTIMAL and below.values is None
        assert below.bound is None or below.bound <= opt + 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_part_lp_is_convex_in_the_sensor_count(seed):
    """The property the scan relies on: for fixed type counts the LP bound is convex in n_z."""
    inst = two_types(seed)
    m, p = _model(inst)
    lp = PartLP(m, p, None)
    ks = sorted({c[0] for c in p.counts})
    for tail in {c[1:] for c in p.counts}:
        f = np.array([lp.value((k, *tail)) for k in ks])
        fin = np.flatnonzero(np.isfinite(f))
        if fin.size:
            assert (np.diff(fin) == 1).all()  # the domain is an interval
        g = f[fin]
        assert (g[2:] - 2 * g[1:-1] + g[:-2] >= -1e-7 * max(1.0, np.abs(g).max(initial=0))).all()
        assert all(math.isfinite(v) or v == math.inf for v in f)
