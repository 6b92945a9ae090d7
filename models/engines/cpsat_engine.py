"""The ``cpsat`` engine: OR-Tools CP-SAT on the integer-scaled model.

**Scaling (owned here).** CP-SAT needs integer coefficients. Each row is multiplied by the
smallest power of ten (up to ``10**max_row_digits``) that makes its coefficients and bounds
integral; a row that no such power makes integral is rounded *conservatively* (``≤`` rows:
coefficients up, right-hand side down; ``≥`` rows the other way) so every plan CP-SAT accepts
is feasible for the original model — but CP-SAT may then miss plans within the rounding slack,
and its bound is no longer a bound of the original model (reported as ``None``). The objective
is scaled by a power of ten chosen so that its total stays below 2**53; if that still leaves
fractions they are rounded and ``extra["cpsat_objective_error_bound"]`` gives the largest
possible error on any plan (the reported bound is widened by it). The reported objective is
recomputed from the plan in the original units.

**Where CP-SAT is weak.** Weighted maximal covering has a tight LP relaxation that a MILP solver
exploits and CP-SAT's propagation does not: measured here, CP-SAT did not prove the optimum of a
2,000 × 500 weighted maximal-covering instance in 300 s that HiGHS proves in 0.2 s. It is a
strong primal heuristic at scale and the natural home of logical side constraints and integer
cost shares; seed it with a hint (the solve pipeline always passes its starting plan).

**A separate process.** OR-Tools 9.15 ships its own HiGHS 1.12 as ``libhighs.so.1``, the same
soname as highspy 1.15's library, so the two cannot be loaded in one process (whichever comes
second fails with an undefined symbol; google/or-tools#5246). Unless CP-SAT is already loaded
here, the engine therefore runs in a worker process (``python -m models.engines.cpsat_worker``,
model and result pickled over pipes; ~0.6 s of start-up, reported as
``extra["cpsat_process_s"]``). Never import ``ortools`` in a process that uses highspy.

Continuous variables are accepted only when marked ``integral_at_optimum`` (e.g. ``y`` in
covering models), and are then declared integer.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import math
import sys
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.engines.base import (
    EngineRun,
    EngineUnavailableError,
    UnsupportedModelError,
)
from models.linear import LinearModel, Sense
from models.result import SolutionStatus, SolveOptions, Termination

_INT_LIMIT = 2**53


def _cp_model() -> Any:
    try:
        from ortools.sat.python import cp_model
    except ImportError as exc:  # pragma: no cover - ortools is a runtime dependency
        raise EngineUnavailableError("the cpsat engine needs OR-Tools: pip install ortools") from exc
    return cp_model


def _is_integral(v: np.ndarray) -> np.ndarray:
    return np.abs(v - np.rint(v)) <= 1e-9 * np.maximum(1.0, np.abs(v))


def _row_scales(a: sp.csr_array, lb: np.ndarray, ub: np.ndarray, max_digits: int) -> np.ndarray:
    """Smallest ``10**d`` (``d <= max_digits``) making each row integral, ``nan`` if none does."""
    m = a.shape[0]
    scale = np.full(m, np.nan)
    row_of = np.repeat(np.arange(m), np.diff(a.indptr))
    for d in range(max_digits + 1):
        s = 10.0**d
        bad = np.zeros(m, dtype=bool)
        np.logical_or.at(bad, row_of, ~_is_integral(a.data * s))
        for b in (lb, ub):
            fin = np.isfinite(b)
            bad[fin] |= ~_is_integral(b[fin] * s)
        new = np.isnan(scale) & ~bad
        scale[new] = s
        if not np.isnan(scale).any():
            break
    return scale


def scale_objective(c: np.ndarray, span: np.ndarray, max_digits: int = 9) -> tuple[float, np.ndarray, float]:
    """Return ``(scale, integer coefficients, error bound)`` for an objective ``c · v``.

    ``span`` is the largest ``|v_j|`` per column. The scale is the smallest power of ten that
    makes ``c`` integral, capped so that ``sum |c_j| span_j scale < 2**53``.
    """
    total = float(np.abs(c) @ span)
    cap = math.floor(math.log10(_INT_LIMIT / total)) if total > 0 else max_digits
    digits = min(max_digits, cap)
    chosen = digits
    for d in range(min(0, digits), digits + 1):
        if _is_integral(c * 10.0**d).all():
            chosen = d
            break
    s = 10.0**chosen
    ci = np.rint(c * s)
    err = float(np.abs(c * s - ci) @ span) / s
    return s, ci.astype(np.int64), err


class CpSatEngine:
    """Solve with OR-Tools CP-SAT on the integer-scaled model.

    Parameters
    ----------
    solver_options
        Raw CP-SAT parameters (``{"linearization_level": 2}`` ...).
    max_row_digits
        Largest power of ten tried to make a constraint row integral before rounding it.
    """

    name = "cpsat"

    def __init__(
        self,
        solver_options: dict[str, Any] | None = None,
        max_row_digits: int = 6,
        isolate: bool | None = None,
    ) -> None:
        self.solver_options = dict(solver_options or {})
        self.max_row_digits = max_row_digits
        self.isolate = isolate

    def available(self) -> bool:
        """Whether OR-Tools is installed (checked without importing it here)."""
        return importlib.util.find_spec("ortools") is not None

    def version(self) -> str:
        """OR-Tools version."""
        try:
            return importlib.metadata.version("ortools")
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def isolated(self) -> bool:
        """Whether this engine runs CP-SAT in a separate process (never beside highspy)."""
        if self.isolate is not None:
            return self.isolate
        return "ortools.sat.python.cp_model" not in sys.modules

    def run_in_worker(self, task: str, **kwargs: Any) -> Any:
        """Run ``task`` (a method name) in a fresh Python process and return its result."""
        from models.engines.cpsat_worker import call

        t0 = time.perf_counter()
        result = call("models.engines.cpsat_engine:run_task",
                      (self.solver_options, self.max_row_digits), task, kwargs)
        if isinstance(result, EngineRun):
            result.extra["cpsat_process_s"] = time.perf_counter() - t0
        return result

    def build(
        self, model: LinearModel, *, enforce: bool = False
    ) -> tuple[Any, list[Any], dict[str, Any], list[Any]]:
        """Return ``(CpModel, variables, scaling report, enforcement literals)``.

        With ``enforce``, every constraint block gets one literal per row that switches the row
        on, for infeasibility cores (``add_assumptions``).
        """
        cp_model = _cp_model()
        arr = model.arrays
        bad = ~arr.is_integer & ~arr.integral_at_optimum
        if bad.any():
            block, _ = model.col_label(int(np.flatnonzero(bad)[0]))
            raise UnsupportedModelError(
                f"CP-SAT needs integer variables; block {block!r} is continuous "
                "(use the highs or pyomo engine)"
            )
        lb = np.ceil(np.maximum(arr.col_lb, -_INT_LIMIT) - 1e-9)
        ub = np.floor(np.minimum(arr.col_ub, _INT_LIMIT) + 1e-9)
        cp = cp_model.CpModel()
        variables: list[Any] = []
        for vb in model.var_blocks.values():
            for k in range(vb.size):
                col = vb.start + k
                name = f"{vb.name}[{k}]"
                if lb[col] >= 0 and ub[col] <= 1:
                    v = cp.new_bool_var(name)
                    if lb[col] == ub[col]:
                        cp.add(v == int(lb[col]))
                else:
                    v = cp.new_int_var(int(lb[col]), int(ub[col]), name)
                variables.append(v)

        a = arr.a
        scales = _row_scales(a, arr.row_lb, arr.row_ub, self.max_row_digits)
        rounded = np.isnan(scales)
        if rounded.any() and (lb[np.unique(a[rounded].indices)] < 0).any():
            raise UnsupportedModelError("CP-SAT rounding needs non-negative variables in rounded rows")
        report: dict[str, Any] = {"rows_rounded": {}}
        literals: list[Any] = []
        big = 10.0**self.max_row_digits
        for r in range(model.num_rows):
            s, e = a.indptr[r], a.indptr[r + 1]
            idx, coef = a.indices[s:e], a.data[s:e]
            lo, hi = arr.row_lb[r], arr.row_ub[r]
            if not rounded[r]:
                sc = scales[r]
                c_lo = np.rint(coef * sc)
                c_hi = c_lo
                lo_i = int(round(lo * sc)) if np.isfinite(lo) else None
                hi_i = int(round(hi * sc)) if np.isfinite(hi) else None
            else:
                block, _ = model.row_label(r)
                report["rows_rounded"][block] = report["rows_rounded"].get(block, 0) + 1
                sc = big / max(float(np.abs(coef).max(initial=1.0)), 1e-12)
                # Conservative: any integer plan meeting the rounded row meets the original.
                c_hi, c_lo = np.ceil(coef * sc - 1e-9), np.floor(coef * sc + 1e-9)
                lo_i = math.ceil(lo * sc - 1e-9) if np.isfinite(lo) else None
                hi_i = math.floor(hi * sc + 1e-9) if np.isfinite(hi) else None
            vs = [variables[k] for k in idx]
            lit = cp.new_bool_var(f"on[{r}]") if enforce else None
            # Exact rows: one constraint. Rounded rows: each finite side with its own rounding.
            parts = [(c_lo, lo_i, hi_i)] if not rounded[r] else [(c_hi, None, hi_i), (c_lo, lo_i, None)]
            for coefs, bnd_lo, bnd_hi in parts:
                if bnd_lo is None and bnd_hi is None:
                    continue
                expr = cp_model.LinearExpr.weighted_sum(vs, coefs.astype(np.int64).tolist())
                ct = cp.add_linear_constraint(
                    expr,
                    bnd_lo if bnd_lo is not None else -(2**62),
                    bnd_hi if bnd_hi is not None else 2**62,
                )
                if lit is not None:
                    ct.only_enforce_if(lit)
            if lit is not None:
                literals.append(lit)

        span = np.maximum(np.abs(lb), np.abs(ub))
        s, ci, err = scale_objective(arr.c, span)
        nz = np.flatnonzero(ci)
        obj = cp_model.LinearExpr.weighted_sum([variables[k] for k in nz], ci[nz].tolist())
        if model.sense is Sense.MAXIMIZE:
            cp.maximize(obj)
        else:
            cp.minimize(obj)
        report.update({"objective_scale": s, "objective_error_bound": err})
        return cp, variables, report, literals

    def core_here(self, model: LinearModel, time_limit_s: float = 30.0) -> list[int]:
        """Rows of an infeasible ``model`` that cannot hold together (CP-SAT assumptions)."""
        cp_model = _cp_model()
        cp, _, _, literals = self.build(model, enforce=True)
        cp.clear_objective()
        cp.add_assumptions(literals)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = float(time_limit_s)
        solver.parameters.num_workers = 1
        if solver.solve(cp) != cp_model.INFEASIBLE:
            return []
        row_of = {lit.index: r for r, lit in enumerate(literals)}
        return sorted(row_of[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in row_of)

    def solve(
        self,
        model: LinearModel,
        options: SolveOptions,
        start: np.ndarray | None = None,
    ) -> EngineRun:
        """Scale ``model`` to integers, hint it with ``start``, and run CP-SAT."""
        if not self.available():
            raise EngineUnavailableError("the cpsat engine needs OR-Tools: pip install ortools")
        if self.isolated():
            return self.run_in_worker("solve_here", model=model, options=options, start=start)
        return self.solve_here(model, options, start)

    def solve_here(
        self,
        model: LinearModel,
        options: SolveOptions,
        start: np.ndarray | None = None,
    ) -> EngineRun:
        """:meth:`solve` in this process (loads OR-Tools here: see the module docstring)."""
        cp_model = _cp_model()
        t0 = time.perf_counter()
        cp, variables, report, _ = self.build(model)
        if start is not None:
            for v, val in zip(variables, np.rint(start).astype(np.int64).tolist(), strict=True):
                cp.add_hint(v, val)
        build_s = time.perf_counter() - t0
        solver = cp_model.CpSolver()
        p = solver.parameters
        if options.time_limit_s is not None:
            p.max_time_in_seconds = float(options.time_limit_s)
        p.relative_gap_limit = float(options.mip_rel_gap)
        if options.threads is not None:
            p.num_workers = int(options.threads)
        p.random_seed = int(options.seed)
        p.log_search_progress = bool(options.verbose)
        for key, value in self.solver_options.items():
            setattr(p, key, value)
        t1 = time.perf_counter()
        st = solver.solve(cp)
        wall = time.perf_counter() - t1
        name = solver.status_name(st)
        values = None
        if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = np.array([solver.value(v) for v in variables], dtype=float)
        stopped_by_time = options.time_limit_s is not None and wall >= 0.95 * options.time_limit_s
        term = {
            cp_model.OPTIMAL: Termination.OPTIMAL,
            cp_model.INFEASIBLE: Termination.INFEASIBLE,
            cp_model.MODEL_INVALID: Termination.ERROR,
        }.get(st)
        if term is None:  # FEASIBLE or UNKNOWN: a limit stopped the search
            term = Termination.TIME_LIMIT if stopped_by_time else Termination.UNKNOWN
        if report["rows_rounded"] and term is Termination.INFEASIBLE:
            # The rounded model is a restriction: its infeasibility proves nothing.
            term = Termination.UNKNOWN
        err = report["objective_error_bound"]
        scale = report["objective_scale"]
        objective = model.objective_value(values) if values is not None else None
        bound = None
        if values is not None or st == cp_model.UNKNOWN:
            raw = float(solver.best_objective_bound) / scale + model.arrays.offset
            if math.isfinite(raw) and not report["rows_rounded"]:
                bound = raw + err if model.sense is Sense.MAXIMIZE else raw - err
        if values is None:
            sol_status = SolutionStatus.NONE
        elif term is Termination.OPTIMAL and err == 0.0 and not report["rows_rounded"]:
            sol_status = SolutionStatus.OPTIMAL
        else:
            sol_status = SolutionStatus.FEASIBLE
        return EngineRun(
            termination=term,
            solution_status=sol_status,
            objective=objective,
            bound=bound,
            values=values,
            wall_time_s=wall,
            solver="cp-sat",
            solver_version=self.version(),
            node_count=int(solver.num_branches),
            raw_status=name,
            extra={
                "cpsat_build_s": build_s,
                "cpsat_objective_scale": scale,
                "cpsat_objective_error_bound": err,
                "cpsat_rows_rounded": report["rows_rounded"],
                "warm_start_passed": start is not None,
            },
        )


def run_task(config: tuple[dict[str, Any], int], task: str, kwargs: dict[str, Any]) -> Any:
    """Worker side of :meth:`CpSatEngine.run_in_worker`: the engine's ``task`` in this process."""
    solver_options, digits = config
    engine = CpSatEngine(solver_options=solver_options, max_row_digits=digits, isolate=False)
    return getattr(engine, task)(**kwargs)
