"""The tools planners use today, run on the same coverage as domeplan (for ``bench/solve.py``).

* spopt 0.7 (PySAL): ``MCLP`` / ``LSCP.from_cost_matrix`` solved with PuLP's CBC. spopt takes a
  dense cost matrix; it gets ``0`` where a site covers a point and ``2 r`` elsewhere, so its
  coverage (``cost <= r``) is exactly ours.
* A straightforward Pyomo model (one ``y[i]`` per point, one ``x[j]`` per site, a ``cover[i]``
  constraint built from each point's covering sites) solved by HiGHS through Pyomo's newer
  interface, with HiGHS's default options.

* In-process highspy on the plain model with ``mip_lp_solver=ipm, presolve=off`` (the tuning
  measured in STACK-NOTES: ~7× faster than HiGHS's defaults on maximal covering).

Each peer returns ``{"build_s", "solve_s", "objective", "status", "chosen"}``. Run as a script,
``python -m bench.peers spopt-mclp FILE.npz`` runs spopt in a separate process, so the caller
can stop it at a time limit.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import numpy as np
import scipy.sparse as sp


def save_instance(path: str, a: sp.csr_array, w: np.ndarray, c: np.ndarray, p: int) -> None:
    """Write an instance for a peer process."""
    a = sp.csr_array(a)
    np.savez(path, indptr=a.indptr, indices=a.indices, shape=np.array(a.shape), w=w, c=c, p=np.array(p))


def load_instance(path: str) -> tuple[sp.csr_array, np.ndarray, np.ndarray, int]:
    """Read an instance written by :func:`save_instance`."""
    z = np.load(path)
    m, n = (int(v) for v in z["shape"])
    a = sp.csr_array((np.ones(z["indices"].size, np.int8), z["indices"], z["indptr"]), shape=(m, n))
    return a, z["w"], z["c"], int(z["p"])


def spopt(kind: str, a: sp.csr_array, w: np.ndarray, p: int, time_limit_s: float | None) -> dict[str, Any]:
    """spopt's MCLP (``kind="mclp"``) or LSCP (``"lscp"``) on the coverage ``a``, PuLP CBC."""
    import pulp
    from spopt.locate import LSCP, MCLP

    t0 = time.perf_counter()
    radius = 1.0
    cost = np.where(a.toarray() > 0, 0.0, 2 * radius)
    if kind == "mclp":
        model = MCLP.from_cost_matrix(cost, w, service_radius=radius, p_facilities=p)
    else:
        model = LSCP.from_cost_matrix(cost, service_radius=radius)
    t1 = time.perf_counter()
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=1e-4, threads=1))
    t2 = time.perf_counter()
    chosen = [j for j in range(a.shape[1]) if model.fac_vars[j].value() and model.fac_vars[j].value() > 0.5]
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "objective": pulp.value(model.problem.objective),
            "status": pulp.LpStatus[model.problem.status], "chosen": chosen}


def pyomo_highs(kind: str, a: sp.csr_array, w: np.ndarray, c: np.ndarray, p: int,
                time_limit_s: float | None) -> dict[str, Any]:
    """The straightforward Pyomo MCLP (``"mclp"``) or min-cost cover (``"mincost"``), HiGHS."""
    import pyomo.environ as pyo
    from pyomo.contrib.solver.common.factory import SolverFactory

    t0 = time.perf_counter()
    a = sp.csr_array(a)
    m_pts, n_sites = a.shape
    covering = [a.indices[a.indptr[i] : a.indptr[i + 1]].tolist() for i in range(m_pts)]
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, m_pts - 1)
    m.J = pyo.RangeSet(0, n_sites - 1)
    m.x = pyo.Var(m.J, domain=pyo.Binary)
    if kind == "mclp":
        m.y = pyo.Var(m.I, bounds=(0, 1))
        m.cover = pyo.Constraint(m.I, rule=lambda m, i: m.y[i] <= sum(m.x[j] for j in covering[i]))
        m.count = pyo.Constraint(expr=sum(m.x[j] for j in m.J) == p)
        m.obj = pyo.Objective(expr=sum(float(w[i]) * m.y[i] for i in m.I), sense=pyo.maximize)
    else:
        m.cover = pyo.Constraint(m.I, rule=lambda m, i: sum(m.x[j] for j in covering[i]) >= 1)
        m.obj = pyo.Objective(expr=sum(float(c[j]) * m.x[j] for j in m.J), sense=pyo.minimize)
    t1 = time.perf_counter()
    opt = SolverFactory("highs")
    kw: dict[str, Any] = {"rel_gap": 1e-4, "threads": 1, "load_solutions": False,
                          "raise_exception_on_nonoptimal_result": False}
    if time_limit_s is not None:
        kw["time_limit"] = time_limit_s
    res = opt.solve(m, **kw)
    t2 = time.perf_counter()
    chosen: list[int] = []
    if res.incumbent_objective is not None:
        res.solution_loader.load_vars()
        chosen = [j for j in range(n_sites) if (m.x[j].value or 0) > 0.5]
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "objective": res.incumbent_objective,
            "bound": res.objective_bound, "status": res.termination_condition.name, "chosen": chosen}


def highs_tuned(a: sp.csr_array, w: np.ndarray, p: int, time_limit_s: float | None) -> dict[str, Any]:
    """Plain maximal covering in in-process highspy, tuned: ``mip_lp_solver=ipm, presolve=off``.

    The model is built straight from the arrays (one ``y_i`` per point, one binary ``x_j`` per
    site, :math:`y_i \\le \\sum_j a_{ij} x_j`, :math:`\\sum_j x_j \\le p`); no presolve, no
    starting plan, no decomposition: what an OR engineer would write in ten lines.
    """
    import highspy

    t0 = time.perf_counter()
    a = sp.csr_array(a)
    m_pts, n_sites = a.shape
    # Columns: x (n_sites) then y (m_pts); rows: cover (m_pts) then count.
    cover = sp.hstack([-sp.csc_array(a, dtype=float), sp.eye_array(m_pts, format="csc")], format="csc")
    count = sp.csc_array(np.concatenate([np.ones(n_sites), np.zeros(m_pts)])[None, :])
    mat = sp.csc_array(sp.vstack([cover, count], format="csc"))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_sites + m_pts, m_pts + 1
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(n_sites), np.asarray(w, dtype=float)])
    lp.col_lower_ = np.zeros(n_sites + m_pts)
    lp.col_upper_ = np.ones(n_sites + m_pts)
    lp.row_lower_ = np.full(m_pts + 1, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(m_pts), [float(p)]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_sites + [highspy.HighsVarType.kContinuous] * m_pts
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in {"mip_lp_solver": "ipm", "presolve": "off", "mip_rel_gap": 1e-4, "threads": 1,
                       "random_seed": 0}.items():
        h.setOptionValue(key, value)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    h.passModel(lp)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    chosen: list[int] = []
    objective = None
    if info.primal_solution_status > 0:
        x = np.array(h.getSolution().col_value)[:n_sites] > 0.5
        chosen = np.flatnonzero(x).tolist()
        objective = float(w[(a @ x.astype(np.int64)) > 0].sum())
    return {"build_s": t1 - t0, "solve_s": t2 - t1, "objective": objective,
            "bound": info.mip_dual_bound, "status": status, "chosen": chosen}


if __name__ == "__main__":
    which, path = sys.argv[1], sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else None
    a_, w_, c_, p_ = load_instance(path)
    if which == "spopt-mclp":
        out = spopt("mclp", a_, w_, p_, limit)
    elif which == "spopt-lscp":
        out = spopt("lscp", a_, w_, p_, limit)
    else:
        raise SystemExit(f"unknown peer {which!r}")
    sys.stdout.write(json.dumps(out) + "\n")
