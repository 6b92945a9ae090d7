"""The ``highs`` engine: the model stacked as CSC arrays and passed to highspy in one call.

No per-element Python object is created: the :class:`~models.linear.ModelArrays` become a
``HighsLp`` (``a_matrix_`` start/index/value, bounds, costs, integrality) and ``passModel``
hands it over. The fastest route from a formulation to HiGHS, and the default engine.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.engines.base import EngineRun, EngineUnavailableError, binary_values
from models.linear import LinearModel, Sense
from models.result import SolutionStatus, SolveOptions, Termination


def _highspy() -> Any:
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - highspy is a runtime dependency
        raise EngineUnavailableError("the highs engine needs highspy: pip install highspy") from exc
    return highspy


def highs_version() -> str:
    """Version of the HiGHS library highspy wraps."""
    h = _highspy()
    return f"{h.HIGHS_VERSION_MAJOR}.{h.HIGHS_VERSION_MINOR}.{h.HIGHS_VERSION_PATCH}"


def _termination(status: Any, num_cols: int) -> Termination:
    hs = _highspy().HighsModelStatus
    table = {
        hs.kNotset: Termination.UNKNOWN,
        hs.kLoadError: Termination.ERROR,
        hs.kModelError: Termination.ERROR,
        hs.kPresolveError: Termination.ERROR,
        hs.kSolveError: Termination.ERROR,
        hs.kPostsolveError: Termination.ERROR,
        hs.kMemoryLimit: Termination.ERROR,
        hs.kOptimal: Termination.OPTIMAL,
        hs.kInfeasible: Termination.INFEASIBLE,
        hs.kUnboundedOrInfeasible: Termination.INFEASIBLE_OR_UNBOUNDED,
        hs.kUnbounded: Termination.UNBOUNDED,
        hs.kTimeLimit: Termination.TIME_LIMIT,
        hs.kIterationLimit: Termination.ITERATION_LIMIT,
        # mip_max_nodes / mip_max_leaves / improving-solution limits: a work limit.
        hs.kSolutionLimit: Termination.ITERATION_LIMIT,
        hs.kInterrupt: Termination.INTERRUPTED,
        hs.kHighsInterrupt: Termination.INTERRUPTED,
        # kObjectiveBound, kObjectiveTarget and kUnknown: UNKNOWN, raw status kept.
    }
    if status == hs.kModelEmpty:
        return Termination.OPTIMAL if num_cols == 0 else Termination.UNKNOWN
    return table.get(status, Termination.UNKNOWN)


def build_highs(model: LinearModel, options: SolveOptions | None = None) -> Any:
    """Return a ``highspy.Highs`` holding ``model`` (passed as one ``HighsLp`` of CSC arrays)."""
    highspy = _highspy()
    arr = model.arrays
    inf = highspy.kHighsInf
    csc = sp.csc_array(arr.a)
    lp = highspy.HighsLp()
    lp.num_col_ = model.num_cols
    lp.num_row_ = model.num_rows
    lp.sense_ = highspy.ObjSense.kMaximize if model.sense is Sense.MAXIMIZE else highspy.ObjSense.kMinimize
    lp.offset_ = arr.offset
    lp.col_cost_ = arr.c
    lp.col_lower_ = np.clip(arr.col_lb, -inf, inf)
    lp.col_upper_ = np.clip(arr.col_ub, -inf, inf)
    lp.row_lower_ = np.clip(arr.row_lb, -inf, inf)
    lp.row_upper_ = np.clip(arr.row_ub, -inf, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    if arr.is_integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous for f in arr.is_integer
        ]
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(options.verbose) if options else False)
    h.passModel(lp)
    return h


def apply_options(h: Any, options: SolveOptions, solver_options: dict[str, Any]) -> None:
    """Set the shared options (and any raw HiGHS options) on a ``Highs`` object."""
    h.setOptionValue("output_flag", bool(options.verbose))
    if options.time_limit_s is not None:
        h.setOptionValue("time_limit", float(options.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    if options.threads is not None:
        h.setOptionValue("threads", int(options.threads))
    h.setOptionValue("random_seed", int(options.seed))
    for key, value in solver_options.items():
        h.setOptionValue(key, value)


class HighsEngine:
    """Solve with HiGHS through highspy's array API.

    Parameters
    ----------
    solver_options
        Raw HiGHS options (e.g. ``{"mip_lp_solver": "ipm", "presolve": "off"}``).
    """

    name = "highs"

    def __init__(self, solver_options: dict[str, Any] | None = None) -> None:
        self.solver_options = dict(solver_options or {})

    def available(self) -> bool:
        """Whether highspy imports."""
        try:
            _highspy()
        except EngineUnavailableError:
            return False
        return True

    def version(self) -> str:
        """HiGHS version."""
        return highs_version()

    def solve(
        self,
        model: LinearModel,
        options: SolveOptions,
        start: np.ndarray | None = None,
    ) -> EngineRun:
        """Pass ``model`` to HiGHS as arrays, warm-start it with ``start``, and run it."""
        highspy = _highspy()
        t0 = time.perf_counter()
        h = build_highs(model, options)
        apply_options(h, options, self.solver_options)
        warm = False
        if start is not None and model.num_cols:
            # NaN entries are left out: HiGHS completes a partial start (the integer columns given).
            val = np.asarray(start, dtype=float)
            idx = np.flatnonzero(np.isfinite(val)).astype(np.int32)
            warm = h.setSolution(idx.size, idx, val[idx]) == highspy.HighsStatus.kOk
        build_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        h.run()
        wall = time.perf_counter() - t1
        status = h.getModelStatus()
        info = h.getInfo()
        term = _termination(status, model.num_cols)
        has_sol = info.primal_solution_status == 2 or (term is Termination.OPTIMAL)
        values = None
        objective = None
        if has_sol and model.num_cols:
            values = binary_values(np.array(h.getSolution().col_value, dtype=float), model)
            objective = float(info.objective_function_value)
        elif has_sol:
            values = np.zeros(0)
            objective = float(model.arrays.offset)
        bound = None
        if info.mip_node_count >= 0 and model.arrays.is_integer.any():
            bound = float(info.mip_dual_bound)
        elif term is Termination.OPTIMAL:
            bound = objective
        if values is None:
            sol_status = SolutionStatus.NONE
        elif term is Termination.OPTIMAL:
            sol_status = SolutionStatus.OPTIMAL
        else:
            sol_status = SolutionStatus.FEASIBLE
        nodes = int(info.mip_node_count) if info.mip_node_count >= 0 else None
        return EngineRun(
            termination=term,
            solution_status=sol_status,
            objective=objective,
            bound=bound,
            values=values,
            wall_time_s=wall,
            solver="highs",
            solver_version=highs_version(),
            node_count=nodes,
            raw_status=h.modelStatusToString(status),
            extra={"warm_start_passed": bool(warm), "highs_build_s": build_s},
        )
