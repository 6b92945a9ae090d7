"""The ``pyomo`` engine: each block becomes a readable, indexed Pyomo component.

``x[j]`` is ``m.x[j]``, ``sensor_cover[i]`` is ``m.sensor_cover[i]`` (index = position in the
block; ids stay in the :class:`~models.linear.LinearModel`). Rows are built from the CSR arrays
(one ``LinearExpression`` per row, iterating ``indptr``), never from dense matrices.

Solvers of Pyomo's newer interface (``pyomo.contrib.solver``: ``highs``, ``gurobi_direct``,
``scip_direct`` ...) are driven through it; any other name (``cbc``, ``glpk``, ``cplex`` ...)
through the legacy ``pyomo.environ.SolverFactory``.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from models.engines.base import EngineRun, EngineUnavailableError, binary_values
from models.linear import LinearModel, Sense, VarKind
from models.result import SolutionStatus, SolveOptions, Termination

# How each solver spells "random seed" (newer interface: passed in solver_options).
_SEED_OPTION = {
    "highs": "random_seed",
    "gurobi_direct": "Seed",
    "gurobi_persistent": "Seed",
    "scip_direct": "randomization/randomseedshift",
    "scip_persistent": "randomization/randomseedshift",
}
# Legacy interface: (time limit, relative gap, threads, seed) option names per solver.
_LEGACY_OPTIONS: dict[str, tuple[str, str, str | None, str | None]] = {
    "cbc": ("sec", "ratio", "threads", "randomCbcSeed"),
    "glpk": ("tmlim", "mipgap", None, None),
    "cplex": ("timelimit", "mipgap", "threads", "randomseed"),
    "gurobi": ("TimeLimit", "MIPGap", "Threads", "Seed"),
    "scip": ("limits/time", "limits/gap", None, "randomization/randomseedshift"),
}


def _pyomo() -> Any:
    try:
        import pyomo.environ as pyo
    except ImportError as exc:  # pragma: no cover - pyomo is a runtime dependency
        raise EngineUnavailableError("the pyomo engine needs Pyomo: pip install pyomo") from exc
    return pyo


def _termination_map() -> dict[Any, Termination]:
    from pyomo.contrib.solver.common.results import TerminationCondition as TC

    return {
        TC.convergenceCriteriaSatisfied: Termination.OPTIMAL,
        TC.maxTimeLimit: Termination.TIME_LIMIT,
        TC.iterationLimit: Termination.ITERATION_LIMIT,
        TC.provenInfeasible: Termination.INFEASIBLE,
        TC.locallyInfeasible: Termination.INFEASIBLE,
        TC.unbounded: Termination.UNBOUNDED,
        TC.infeasibleOrUnbounded: Termination.INFEASIBLE_OR_UNBOUNDED,
        TC.interrupted: Termination.INTERRUPTED,
        TC.error: Termination.ERROR,
        TC.licensingProblems: Termination.ERROR,
        TC.minStepLength: Termination.ERROR,
        # objectiveLimit, emptyModel and unknown have no Termination of their own: UNKNOWN,
        # with the raw status kept.
    }


def _legacy_termination_map() -> dict[Any, Termination]:
    from pyomo.opt import TerminationCondition as LTC

    return {
        LTC.optimal: Termination.OPTIMAL,
        LTC.maxTimeLimit: Termination.TIME_LIMIT,
        LTC.maxIterations: Termination.ITERATION_LIMIT,
        LTC.maxEvaluations: Termination.ITERATION_LIMIT,
        LTC.infeasible: Termination.INFEASIBLE,
        LTC.unbounded: Termination.UNBOUNDED,
        LTC.infeasibleOrUnbounded: Termination.INFEASIBLE_OR_UNBOUNDED,
        LTC.userInterrupt: Termination.INTERRUPTED,
        LTC.error: Termination.ERROR,
        LTC.solverFailure: Termination.ERROR,
        LTC.internalSolverError: Termination.ERROR,
        LTC.licensingProblems: Termination.ERROR,
    }


def build_pyomo_model(model: LinearModel) -> tuple[Any, list[Any]]:
    """Return ``(ConcreteModel, columns)``: the Pyomo twin of ``model`` and its variables in order.

    Every variable block is an indexed ``Var`` and every constraint block an indexed
    ``Constraint`` carrying the block's name, so ``m.pprint()`` reads like the formulation.
    """
    pyo = _pyomo()
    from pyomo.core.expr.numeric_expr import LinearExpression

    m = pyo.ConcreteModel(name=model.name)
    columns: list[Any] = []
    domains = {VarKind.BINARY: pyo.Binary, VarKind.INTEGER: pyo.Integers, VarKind.CONTINUOUS: pyo.Reals}
    for vb in model.var_blocks.values():
        lb = [None if math.isinf(v) else float(v) for v in vb.lb]
        ub = [None if math.isinf(v) else float(v) for v in vb.ub]
        var = pyo.Var(
            range(vb.size), domain=domains[vb.kind], bounds=lambda _m, k, lb=lb, ub=ub: (lb[k], ub[k])
        )
        m.add_component(vb.name, var)
        columns.extend(var[k] for k in range(vb.size))

    arr = model.arrays
    indptr, indices, data = arr.a.indptr, arr.a.indices, arr.a.data
    for con in model.con_blocks.values():
        start = con.start
        lo = [None if math.isinf(v) else float(v) for v in con.lb]
        hi = [None if math.isinf(v) else float(v) for v in con.ub]

        def rule(_m: Any, r: int, start: int = start, lo: list = lo, hi: list = hi) -> Any:
            s, e = indptr[start + r], indptr[start + r + 1]
            body = LinearExpression(
                constant=0.0,
                linear_coefs=data[s:e].tolist(),
                linear_vars=[columns[k] for k in indices[s:e]],
            )
            return (lo[r], body, hi[r])

        m.add_component(con.name, pyo.Constraint(range(con.size), rule=rule))

    nz = np.flatnonzero(arr.c)
    obj = LinearExpression(
        constant=arr.offset,
        linear_coefs=arr.c[nz].tolist(),
        linear_vars=[columns[k] for k in nz],
    )
    sense = pyo.maximize if model.sense is Sense.MAXIMIZE else pyo.minimize
    m.objective = pyo.Objective(expr=obj, sense=sense)
    return m, columns


class PyomoEngine:
    """Solve through Pyomo with any solver it knows by name (HiGHS by default).

    Parameters
    ----------
    solver
        A name of Pyomo's newer interface (``highs``, ``gurobi_direct``, ``scip_direct`` ...)
        or of the legacy ``SolverFactory`` (``cbc``, ``glpk``, ``cplex`` ...).
    solver_options
        Extra options passed verbatim to the solver.
    """

    name = "pyomo"

    def __init__(self, solver: str = "highs", solver_options: dict[str, Any] | None = None) -> None:
        self.solver = solver
        self.solver_options = dict(solver_options or {})

    def _is_new_interface(self) -> bool:
        _pyomo()
        from pyomo.contrib.solver.common.factory import SolverFactory

        return self.solver in SolverFactory

    def _new_solver(self) -> Any:
        from pyomo.contrib.solver.common.factory import SolverFactory

        return SolverFactory(self.solver)

    def available(self) -> bool:
        """Whether Pyomo and the chosen solver are usable."""
        try:
            if self._is_new_interface():
                return bool(self._new_solver().available())
            return bool(_pyomo().SolverFactory(self.solver).available(exception_flag=False))
        except Exception:  # noqa: BLE001 - any failure to probe means "not available"
            return False

    def version(self) -> str:
        """Version of the chosen solver."""
        try:
            if self._is_new_interface():
                v = self._new_solver().version()
            else:
                v = _pyomo().SolverFactory(self.solver).version()
        except Exception:  # noqa: BLE001
            return "unknown"
        return ".".join(str(p) for p in v) if isinstance(v, tuple) else str(v)

    def solve(
        self,
        model: LinearModel,
        options: SolveOptions,
        start: np.ndarray | None = None,
    ) -> EngineRun:
        """Build the Pyomo twin of ``model`` and solve it."""
        if not self.available():
            raise EngineUnavailableError(
                f"Pyomo solver {self.solver!r} is not available; install it or choose another "
                "(the default 'highs' needs highspy)"
            )
        t0 = time.perf_counter()
        m, columns = build_pyomo_model(model)
        build_s = time.perf_counter() - t0
        if self._is_new_interface():
            run = self._solve_new(model, m, columns, options, start)
        else:
            run = self._solve_legacy(model, m, columns, options)
        run.extra["pyomo_build_s"] = build_s
        return run

    def _solve_new(
        self,
        model: LinearModel,
        m: Any,
        columns: list[Any],
        options: SolveOptions,
        start: np.ndarray | None,
    ) -> EngineRun:
        opt = self._new_solver()
        solver_options = dict(self.solver_options)
        if self.solver in _SEED_OPTION:
            solver_options.setdefault(_SEED_OPTION[self.solver], int(options.seed))
        kwargs: dict[str, Any] = {
            "load_solutions": False,
            "raise_exception_on_nonoptimal_result": False,
            "tee": bool(options.verbose),
            "rel_gap": float(options.mip_rel_gap),
            "solver_options": solver_options,
        }
        if options.time_limit_s is not None:
            kwargs["time_limit"] = float(options.time_limit_s)
        if options.threads is not None:
            kwargs["threads"] = int(options.threads)
        warm = False
        if start is not None and self.solver == "highs":
            warm = self._highs_warm_start(opt, m, columns, start)
        t0 = time.perf_counter()
        res = opt.solve(m, **kwargs)
        wall = time.perf_counter() - t0

        from pyomo.contrib.solver.common.results import SolutionStatus as PSS

        term = _termination_map().get(res.termination_condition, Termination.UNKNOWN)
        status = {
            PSS.optimal: SolutionStatus.OPTIMAL,
            PSS.feasible: SolutionStatus.FEASIBLE,
        }.get(res.solution_status, SolutionStatus.NONE)
        values = None
        if status is not SolutionStatus.NONE:
            primals = res.solution_loader.get_vars()
            values = np.array(
                [primals[v] if v in primals else max(v.lb or 0.0, 0.0) for v in columns],
                dtype=float,
            )
            values = binary_values(values, model)
        nodes = getattr(res.extra_info, "mip_node_count", None)
        return EngineRun(
            termination=term,
            solution_status=status,
            objective=res.incumbent_objective,
            bound=res.objective_bound,
            values=values,
            wall_time_s=wall,
            solver=self.solver,
            solver_version=self.version(),
            node_count=int(nodes) if nodes is not None and nodes >= 0 else None,
            raw_status=f"{res.termination_condition.name}/{res.solution_status.name}",
            extra={"warm_start_passed": warm},
        )

    @staticmethod
    def _highs_warm_start(opt: Any, m: Any, columns: list[Any], start: np.ndarray) -> bool:
        """Hand ``start`` to HiGHS as a MIP start; the interface has no public hook for it.

        ``set_instance`` is public; the variable map and ``highspy`` object are not, so this is
        best effort and reports whether it succeeded.
        """
        try:
            opt.set_instance(m)
            vmap = opt._pyomo_var_to_solver_var_map  # noqa: SLF001
            h = opt._solver_model  # noqa: SLF001
            idx, val = [], []
            for v, s in zip(columns, start, strict=True):
                k = vmap.get(id(v))
                if k is not None:
                    idx.append(k)
                    val.append(float(s))
            h.setSolution(len(idx), np.array(idx, dtype=np.int32), np.array(val, dtype=float))
            return True
        except Exception:  # noqa: BLE001 - a warm start is an optimisation, never a failure
            return False

    def _solve_legacy(
        self, model: LinearModel, m: Any, columns: list[Any], options: SolveOptions
    ) -> EngineRun:
        pyo = _pyomo()
        opt = pyo.SolverFactory(self.solver)
        names = _LEGACY_OPTIONS.get(self.solver)
        if names is not None:
            tl, gap, threads, seed = names
            if options.time_limit_s is not None:
                opt.options[tl] = options.time_limit_s
            opt.options[gap] = options.mip_rel_gap
            if threads and options.threads is not None:
                opt.options[threads] = options.threads
            if seed:
                opt.options[seed] = options.seed
        for k, v in self.solver_options.items():
            opt.options[k] = v
        t0 = time.perf_counter()
        res = opt.solve(m, load_solutions=False, tee=bool(options.verbose))
        wall = time.perf_counter() - t0
        tc = res.solver.termination_condition
        term = _legacy_termination_map().get(tc, Termination.UNKNOWN)
        values = None
        if len(res.solution) > 0:
            m.solutions.load_from(res)
            values = binary_values(
                np.array([v.value if v.value is not None else 0.0 for v in columns]), model
            )
        objective = model.objective_value(values) if values is not None else None
        ub, lb = res.problem.upper_bound, res.problem.lower_bound
        bound = ub if model.sense is Sense.MAXIMIZE else lb
        bound = float(bound) if bound is not None and math.isfinite(float(bound)) else None
        if values is None:
            status = SolutionStatus.NONE
        elif term is Termination.OPTIMAL:
            status = SolutionStatus.OPTIMAL
        else:
            status = SolutionStatus.FEASIBLE
        return EngineRun(
            termination=term,
            solution_status=status,
            objective=objective,
            bound=bound,
            values=values,
            wall_time_s=wall,
            solver=self.solver,
            solver_version=self.version(),
            raw_status=str(tc),
            extra={"warm_start_passed": False},
        )
