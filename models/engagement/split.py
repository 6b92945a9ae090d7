r"""Split an engagement branch on how many sensors and how many sites of a scarce type it buys.

Notation of :mod:`models.engagement.instance`. A *part* fixes the counts
:math:`\sum_s z_s = n_z` and, for every type :math:`k` with at most :data:`SPLIT_TYPE_MAX` sites
open (:math:`m_k`, :func:`~models.engagement.presolve.max_open`), :math:`\sum_{j: k(j) = k} y_j =
n_k`. Every plan has exactly one count vector, so the parts partition the plans: the least of the
parts' optima is the branch's optimum and the least of their bounds a bound on it (exact).

Why (measured at 50 x 500 on the cheapest boost option's branch, budget 10,000): the LP is 3.1 %
below the optimum and the gap sits in the budget trade between 900-unit sensors, 1,000-unit
midcourse sites and rounds (relaxing the shots alone loses nothing; relaxing sites or rounds
keeps most of it). The LP buys fractions of sensors and sites; HiGHS branches on single columns and
took 413 s. With both counts fixed at the optimum's (one sensor, two midcourse sites) the same
branch solved in 65 – 130 s (by run, under load), and every other part's LP was above the plan
found: pruned without a MILP. Either count alone: 154 – 162 s.

How (:func:`solve_split`): the LPs run on one HiGHS model whose count rows only change bounds
(dual simplex hot start, presolve off). The unsplit LP gives a starting sensor count; for every
count of the scarce types (least LP bound first) the sensor count is scanned outwards in both
directions. A part whose LP bound is not below the best plan so far (within HiGHS's gaps) is
closed; the others are solved as MILPs at once, cut off at the best plan so far (HiGHS
``objective_bound``). The LP bound is convex in the right-hand side :math:`n_z`, so once it has
risen to the threshold every part further out is closed unseen (and past an infeasible part, all
are infeasible). A part stopped early keeps its LP bound. Only models small enough for a cheap
LP are split (:data:`SPLIT_MAX_COLS`, first LP within :data:`LP_SHARE` of the limit); the others
go to HiGHS whole. :func:`~models.engagement.solve.solve_engagement` splits only the branches
under a cutoff (measured: the first branch, with no plan to prune against, solved faster whole).
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from models import engines
from models.engagement.instance import EngagementInstance
from models.engagement.presolve import max_open
from models.engines.base import EngineRun
from models.engines.highs_engine import build_highs
from models.formulations.engagement import Y, Z
from models.linear import LinearModel
from models.result import SolutionStatus, SolveOptions, Termination

SPLIT_TYPE_MAX = 3
"""Types whose site count is split on: those with at most this many sites open."""
SPLIT_MAX_COLS = 40_000
"""Largest model split (its LP is solved once per part; the 200 x 2,000 branch's takes ~80 s)."""
LP_SHARE = 0.25
"""Most of the time limit the parts' LPs may take (else the model goes to HiGHS whole)."""
PART = "part_count"
"""Constraint block of a part's count rows."""
ABS_GAP = 1e-6
"""HiGHS's absolute gap (``mip_abs_gap``, its default): a part or branch closed by a cutoff is proven
only to within the larger of the relative gap and this one."""


@dataclass(frozen=True)
class Parts:
    """The count rows (over ``y`` and ``z``) and every count vector to try."""

    a_y: sp.csr_array
    a_z: sp.csr_array
    counts: list[tuple[int, ...]]


def parts(inst: EngagementInstance, free_sensors: np.ndarray, boost_cost: float = 0.0) -> Parts:
    """Count rows and the count vectors a plan can have (budget and type maxima, module docstring)."""
    assert inst.existing_sites is not None and inst.existing_sensors is not None
    left = inst.budget - boost_cost - inst.site_cost[inst.existing_sites].sum()
    left -= inst.sensor_cost[inst.existing_sensors].sum()
    left += 1e-6 * max(1.0, abs(inst.budget))
    new = np.sort(inst.sensor_cost[free_sensors & ~inst.existing_sensors])
    n_ex = int(inst.existing_sensors.sum())
    ranges = [range(n_ex, n_ex + int(np.searchsorted(np.cumsum(new), left, side="right")) + 1)]
    m = max_open(inst)
    types = [k for k in range(m.size) if m[k] <= SPLIT_TYPE_MAX]
    rows = []
    for k in types:
        mine = inst.site_type == k
        ranges.append(range(int((mine & inst.existing_sites).sum()), int(m[k]) + 1))
        rows.append(mine.astype(float))
    n_r = 1 + len(types)
    a_y = (
        sp.csr_array(np.vstack([np.zeros(inst.n_sites), *rows])) if rows else sp.csr_array((1, inst.n_sites))
    )
    a_z = sp.csr_array(
        (np.ones(inst.n_sensors), (np.zeros(inst.n_sensors, int), np.arange(inst.n_sensors))),
        shape=(n_r, inst.n_sensors),
    )
    return Parts(sp.csr_array(a_y), a_z, [tuple(c) for c in itertools.product(*ranges)])


def _with_counts(model: LinearModel, p: Parts, counts: tuple[int, ...] | None) -> LinearModel:
    """A copy of ``model`` (blocks shared) with the count rows: equal to ``counts``, or free."""
    out = LinearModel(model.name, model.sense)
    out.var_blocks, out.con_blocks = dict(model.var_blocks), dict(model.con_blocks)
    out.objective, out.objective_offset = model.objective, model.objective_offset
    out.num_cols, out.num_rows = model.num_cols, model.num_rows
    c = np.asarray(counts, float) if counts is not None else None
    out.add_constraints(
        PART,
        [f"count{i}" for i in range(p.a_z.shape[0])],
        {model.var(Y): p.a_y, model.var(Z): p.a_z},
        lb=-math.inf if c is None else c,
        ub=math.inf if c is None else c,
    )
    return out


class PartLP:
    """LP relaxations of the parts on one HiGHS model whose count rows change bounds (hot start)."""

    def __init__(self, model: LinearModel, p: Parts, time_limit_s: float | None) -> None:
        import highspy

        self._hs = highspy
        base = _with_counts(model, p, None)
        h = build_highs(base)
        n = base.num_cols
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kContinuous))
        h.setOptionValue("threads", 1)
        h.setOptionValue("presolve", "off")  # keep the basis from part to part (hot start)
        self.h, self.p = h, p
        self.rows = np.arange(base.num_rows - p.a_z.shape[0], base.num_rows, dtype=np.int32)
        self.deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
        self.counts: dict[tuple[int, ...], float] = {}
        self.free_counts = self._run()  # the unsplit LP: counts at its optimum, where to start

    def _run(self) -> np.ndarray:
        h = self.h
        if self.deadline is not None:
            left = self.deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError
            h.setOptionValue("time_limit", h.getRunTime() + left)  # HiGHS's run clock adds up over runs
        h.run()
        st = h.getModelStatus()
        if st == self._hs.HighsModelStatus.kInfeasible:
            return np.full(self.rows.size, math.inf)
        if st != self._hs.HighsModelStatus.kOptimal:
            raise TimeoutError
        return np.asarray(h.getSolution().row_value)[self.rows]

    def value(self, c: tuple[int, ...]) -> float:
        """LP bound of the part with counts ``c`` (``inf``: infeasible); ``TimeoutError`` past the limit."""
        if c not in self.counts:
            cc = np.asarray(c, float)
            self.h.changeRowsBounds(self.rows.size, self.rows, cc, cc)
            feasible = np.isfinite(self._run()).all()
            self.counts[c] = float(self.h.getInfo().objective_function_value) if feasible else math.inf
        return self.counts[c]


def _counts_of(p: Parts, model: LinearModel, start: np.ndarray | None) -> tuple[int, ...] | None:
    if start is None:
        return None
    y, z = start[model.var(Y).cols], start[model.var(Z).cols]
    if not (np.isfinite(y).all() and np.isfinite(z).all()):
        return None
    return tuple(int(round(v)) for v in p.a_y @ y + p.a_z @ z)


def _threshold(best: float, gap: float) -> float:
    """Least bound that closes a part against the plan ``best`` (HiGHS's relative or absolute gap)."""
    return min(best * (1 - gap), best - ABS_GAP) if math.isfinite(best) else math.inf


def _part_bound(run: EngineRun, lp: float, cut: float, gap: float) -> tuple[float, bool]:
    """``(bound, closed)`` of one part's MILP run with cutoff ``cut`` (inf: none); its LP bound ``lp``."""
    if run.termination is Termination.INFEASIBLE:
        return math.inf, True
    below = run.objective is not None and run.objective < cut
    if run.termination is Termination.OPTIMAL:
        got = run.bound if below and run.bound is not None else _threshold(cut, gap)
        return max(lp, got), True
    got = run.bound if below and run.bound is not None and math.isfinite(run.bound) else -math.inf
    return max(lp, got), False  # stopped early: the LP bound always stands


class _Search:
    """Parts visited so far: their bounds, whether closed, and the best plan (one split solve)."""

    def __init__(self, model: LinearModel, p: Parts, lp: PartLP, engine: str, options: SolveOptions) -> None:
        self.model, self.p, self.lp, self.engine, self.options = model, p, lp, engine, options
        self.best = math.inf
        self.best_run: EngineRun | None = None
        self.bounds: dict[tuple[int, ...], float] = {}
        self.closed: dict[tuple[int, ...], bool] = {}
        self.start: np.ndarray | None = None
        self.own: tuple[int, ...] | None = None
        self.t0 = time.perf_counter()
        self.version, self.nodes = "", 0

    def visit(self, c: tuple[int, ...]) -> float:
        """LP bound of part ``c``; its MILP is solved (cut off at the best plan) when that is below it."""
        v = self.lp.value(c)
        if c in self.bounds:
            return v
        if v >= _threshold(self.best, self.options.mip_rel_gap):
            self.bounds[c], self.closed[c] = v, True
            return v
        limit = self.options.time_limit_s
        left = None if limit is None else limit - (time.perf_counter() - self.t0)
        if left is not None and left <= 0:
            raise TimeoutError
        cut = {"solver_options": {"objective_bound": self.best}} if math.isfinite(self.best) else {}
        run = engines.get(self.engine, **cut).solve(
            _with_counts(self.model, self.p, c),
            replace(self.options, time_limit_s=left),
            self.start if self.own == c else None,
        )
        self.version, self.nodes = run.solver_version, self.nodes + (run.node_count or 0)
        self.bounds[c], self.closed[c] = _part_bound(run, v, self.best, self.options.mip_rel_gap)
        if run.values is not None and run.objective is not None and run.objective < self.best:
            self.best, self.best_run = run.objective, run
        return v

    def scan(self, tail: tuple[int, ...], ks: list[int]) -> None:
        """Visit ``(k, *tail)`` for ``k`` in ``ks`` (one direction) until convexity closes the rest.

        The LP bound is convex in the right-hand side ``k``: once it has risen to the threshold,
        every part further on is at least as high; past an infeasible part all are infeasible.
        """
        prev = self.visit((ks[0], *tail))
        for k in ks[1:]:
            v = self.visit((k, *tail))
            thr = _threshold(self.best, self.options.mip_rel_gap)
            if (math.isfinite(v) and v >= thr and v >= prev) or (
                not math.isfinite(v) and math.isfinite(prev)
            ):
                return
            prev = v


def solve_split(
    model: LinearModel,
    p: Parts,
    engine: str,
    options: SolveOptions,
    start: np.ndarray | None = None,
    cutoff: float | None = None,
) -> EngineRun | None:
    """Solve ``model`` part by part (module docstring); ``None`` when the first LP did not fit the time.

    ``cutoff``: only plans below it are of interest (the branch's ``objective_bound``); when no part
    has one, the run ends optimal with no plan, as HiGHS does under its cutoff. Parts are visited
    per count of the scarce types (least LP bound first), from the sensor count of the unsplit LP
    outwards in both directions (:meth:`_Search.scan`).
    """
    limit = options.time_limit_s
    t0 = time.perf_counter()
    try:
        lp = PartLP(model, p, None if limit is None else LP_SHARE * limit)
    except TimeoutError:
        return None
    free_bound = float(lp.h.getInfo().objective_function_value)
    # Only the first LP is held to LP_SHARE (else the model goes whole); the parts' LPs share the limit.
    lp.deadline = None if limit is None else t0 + limit
    search = _Search(model, p, lp, engine, options)
    search.t0 = t0  # the first LP's time counts in the limit and the wall time
    search.best = math.inf if cutoff is None else cutoff
    search.start, search.own = start, _counts_of(p, model, start)
    ks = sorted({c[0] for c in p.counts})
    tails = sorted({c[1:] for c in p.counts})
    k0 = (
        ks[int(np.argmin(np.abs(np.asarray(ks) - lp.free_counts[0])))]
        if np.isfinite(lp.free_counts).all()
        else ks[0]
    )
    complete = True
    try:
        first = {t: lp.value((k0, *t)) for t in tails}
        for t in sorted(tails, key=first.__getitem__):
            search.scan(t, [k for k in ks if k >= k0])
            search.scan(t, [k for k in ks if k <= k0][::-1])
    except TimeoutError:
        complete = False
    return _result(search, engine, complete, free_bound, cutoff, len(p.counts))


def _result(
    s: _Search, engine: str, complete: bool, free_bound: float, cutoff: float | None, n_parts: int
) -> EngineRun:
    """The split's run: the best part's plan, the least bound, optimal when every part is closed."""
    done = complete and all(s.closed.values())
    bound = min(s.bounds.values(), default=math.inf) if complete else free_bound
    if s.best_run is None:
        if done:
            term = Termination.OPTIMAL if cutoff is not None else Termination.INFEASIBLE
        else:
            term = Termination.TIME_LIMIT
    else:
        term = Termination.OPTIMAL if done else Termination.TIME_LIMIT
        bound = min(bound, s.best)
    values = None if s.best_run is None else s.best_run.values
    status = (
        SolutionStatus.NONE if values is None else SolutionStatus.OPTIMAL if done else SolutionStatus.FEASIBLE
    )
    return EngineRun(
        termination=term,
        solution_status=status,
        objective=None if s.best_run is None else s.best,
        bound=bound if math.isfinite(bound) else None,
        values=values,
        wall_time_s=time.perf_counter() - s.t0,
        solver=engine,
        solver_version=s.version,
        node_count=s.nodes,
        raw_status=f"split: {len(s.bounds)} of {n_parts} parts visited, {len(s.lp.counts)} LPs",
    )
