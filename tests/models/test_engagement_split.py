"""Engagement split on counts: parts cover every plan, same optimum as the whole model, valid bounds."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import models.engagement.solve as solve_mod
import models.engagement.split as split_mod
from models.engagement.instance import NO_BOOST
from models.engagement.split import PartLP, _Search, parts, solve_split
from models.engines.base import EngineRun
from models.formulations.engagement import dominated_sensors, engagement
from models.result import SolutionStatus, SolveOptions, Termination
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
    monkeypatch.setattr(solve_mod, "SPLIT", False)
    b = solve_engagement(inst, OPTS)
    assert a.bound is not None and a.expected_value_lost is not None and b.expected_value_lost is not None
    assert a.bound <= b.expected_value_lost + 1e-9  # the split's bound is below the unsplit optimum
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
        assert below.bound is not None and below.bound <= opt + 1e-6  # some part is feasible


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


class _TableLP:
    """A stand-in for :class:`PartLP`: each part's LP bound read from a table."""

    def __init__(self, table: dict[tuple[int, ...], float]) -> None:
        self.table, self.counts = table, dict(table)

    def value(self, c: tuple[int, ...]) -> float:
        return self.table[c]


class _Recorded(_Search):
    """The scan's visits recorded; no MILP is solved (the stopping rule alone is under test)."""

    seen: list[int]

    def visit(self, c: tuple[int, ...]) -> float:
        self.seen.append(c[0])
        return self.lp.value(c)


@pytest.mark.parametrize(
    ("values", "visited"),
    [
        ([12.0, 11.0, 9.0, 13.0, 14.0], [0, 1, 2, 3]),  # falling above the threshold: go on; rising: stop
        ([9.0, 12.0, 13.0, 14.0, 15.0], [0, 1]),  # risen past the threshold: convexity closes the rest
        ([9.0, 9.5, 9.8, 9.9, 9.95], [0, 1, 2, 3, 4]),  # never reaches it: every part is visited
        ([9.0, math.inf, math.inf, math.inf, math.inf], [0, 1]),  # past an infeasible part all are
    ],
)
def test_scan_stops_only_where_convexity_proves_the_rest_closed(values, visited):
    lp = _TableLP({(k,): v for k, v in enumerate(values)})
    m, p = _model(two_types(0))
    s = _Recorded(m, p, lp, "highs", OPTS)  # type: ignore[arg-type]  # a table, not a PartLP
    s.best, s.seen = 10.0, []
    s.scan((), list(range(len(values))))
    assert s.seen == visited


def test_a_part_just_below_the_threshold_is_solved(monkeypatch):
    """A part whose LP bound is below the best plan (by less than 0.1) is not closed unseen."""
    solved: list[int] = []

    class Engine:
        def solve(self, model, options, start):
            solved.append(1)
            return EngineRun(Termination.INFEASIBLE, SolutionStatus.NONE, None, None, None, 0.0, "fake", "0")

    monkeypatch.setattr(split_mod.engines, "get", lambda *a, **k: Engine())
    m, p = _model(two_types(0))
    c = p.counts[0]
    s = _Search(m, p, _TableLP({c: 10.0 - 0.05}), "highs", OPTS)  # type: ignore[arg-type]
    s.best = 10.0
    s.visit(c)
    assert solved and s.closed[c] and s.bounds[c] == math.inf  # solved (here: infeasible), not pruned
    s2 = _Search(m, p, _TableLP({c: 10.0}), "highs", OPTS)  # type: ignore[arg-type]
    s2.best = 10.0
    solved.clear()
    s2.visit(c)
    assert not solved and s2.closed[c]  # at the threshold: closed by its LP bound alone
