"""One normalised solve result for every engine.

Modelled on Pyomo's newer solver interface (``pyomo.contrib.solver.common``): the result
separates *why the solver stopped* (:class:`Termination`) from *what solution you hold*
(:class:`SolutionStatus`), and carries the incumbent objective, the best bound and the gap.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # annotations only: both modules build on this one
    from models.diagnose import Diagnosis
    from models.presolve import PresolveReport


class Termination(StrEnum):
    """Why the engine stopped."""

    OPTIMAL = "optimal"
    """Proven optimal within the requested relative gap."""
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    INTERRUPTED = "interrupted"
    ERROR = "error"
    UNKNOWN = "unknown"
    """A status the adapter does not recognise; the raw status is kept in ``SolveResult.raw_status``."""


class SolutionStatus(StrEnum):
    """What solution the result holds."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    NONE = "none"


@dataclass(frozen=True)
class SolveOptions:
    """Options shared by every engine.

    Attributes
    ----------
    time_limit_s
        Wall-clock limit in seconds; ``None`` for no limit. An engine stopped by it returns its
        incumbent with the gap, never nothing.
    mip_rel_gap
        Relative optimality gap at which the search stops, ``|obj - bound| / max(|obj|, 1e-10)``.
    threads
        Worker threads; ``None`` lets the engine choose.
    seed
        Random seed, passed to every engine for reproducible runs.
    verbose
        Stream the engine's log to stdout.
    """

    time_limit_s: float | None = 60.0
    mip_rel_gap: float = 1e-4
    threads: int | None = None
    seed: int = 0
    verbose: bool = False


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """Return ``|objective - bound| / max(|objective|, 1e-10)``, HiGHS's definition, or ``None``."""
    if objective is None or bound is None or not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-10)


@dataclass(frozen=True)
class SolveResult:
    """The outcome of one solve, the same shape for every engine.

    Attributes
    ----------
    termination
        Why the engine stopped.
    solution_status
        What the result holds: a proven optimum, a feasible incumbent, or nothing.
    objective
        Objective value of the incumbent (in the model's own units), ``None`` without one.
    bound
        Best proven bound on the objective (upper bound when maximising), ``None`` if unknown.
    gap
        Relative gap between ``objective`` and ``bound``.
    wall_time_s
        Wall-clock seconds spent in the engine (model build excluded unless stated).
    engine
        Engine name in the registry (``"pyomo"``, ``"highs"``, ``"cpsat"``).
    solver
        The solver that ran (``"highs"``, ``"gurobi"``, ``"cp-sat"`` ...).
    solver_version
        Version string of that solver.
    x
        Chosen sites as a boolean mask over the instance's sites (length ``n``), ``None`` without
        an incumbent.
    node_count
        Branch-and-bound nodes, when the engine reports them.
    raw_status
        The engine's own status string, kept for diagnosis.
    build_time_s
        Seconds spent building the model before the engine ran.
    diagnosis
        For an infeasible model: the constraints that cannot hold together
        (:class:`models.diagnose.Diagnosis`), ``None`` otherwise or when not diagnosed.
    presolve
        What presolve removed (:class:`models.presolve.PresolveReport`), ``None`` without presolve.
    extra
        Engine-specific figures (presolve reductions, scaling error, ...).
    """

    termination: Termination
    solution_status: SolutionStatus
    objective: float | None
    bound: float | None
    gap: float | None
    wall_time_s: float
    engine: str
    solver: str
    solver_version: str
    x: np.ndarray | None = None
    node_count: int | None = None
    raw_status: str = ""
    build_time_s: float = 0.0
    diagnosis: Diagnosis | None = None
    presolve: PresolveReport | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        """Whether the result holds a plan (optimal or feasible)."""
        return self.solution_status is not SolutionStatus.NONE and self.x is not None

    @property
    def status(self) -> str:
        """One word for users: ``optimal``, ``feasible``, ``infeasible``, ``unbounded``, ``no_solution``."""
        if self.solution_status is SolutionStatus.OPTIMAL:
            return "optimal"
        if self.solution_status is SolutionStatus.FEASIBLE:
            return "feasible"
        if self.termination in (Termination.INFEASIBLE, Termination.UNBOUNDED):
            return self.termination.value
        if self.termination is Termination.INFEASIBLE_OR_UNBOUNDED:
            return "infeasible"
        return "no_solution"

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready dict of the result (without the solution vector)."""
        d = asdict(self)
        d.pop("x")
        d["diagnosis"] = None if self.diagnosis is None else self.diagnosis.to_dict()
        d["termination"] = self.termination.value
        d["solution_status"] = self.solution_status.value
        d["status"] = self.status
        return d
