"""What every engine returns, and the small protocol it implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from models.linear import LinearModel
from models.result import SolutionStatus, SolveOptions, Termination


class EngineError(RuntimeError):
    """An engine could not run (missing solver, unsupported model)."""


class EngineUnavailableError(EngineError):
    """The engine or the solver it drives is not installed."""


class UnsupportedModelError(EngineError):
    """The engine cannot represent the model (e.g. CP-SAT and a truly continuous variable)."""


@dataclass(frozen=True)
class EngineRun:
    """One engine run on a :class:`~models.linear.LinearModel`, before mapping back to sites.

    ``values`` is the full column vector of the incumbent (``None`` without one); ``objective``
    and ``bound`` are in the model's units and sense.
    """

    termination: Termination
    solution_status: SolutionStatus
    objective: float | None
    bound: float | None
    values: np.ndarray | None
    wall_time_s: float
    solver: str
    solver_version: str
    node_count: int | None = None
    raw_status: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Engine(Protocol):
    """An engine solves a :class:`~models.linear.LinearModel` under shared options."""

    name: str

    def available(self) -> bool:
        """Whether the engine can run on this machine."""
        ...

    def version(self) -> str:
        """Version string of the underlying solver."""
        ...

    def solve(
        self,
        model: LinearModel,
        options: SolveOptions,
        start: np.ndarray | None = None,
    ) -> EngineRun:
        """Solve ``model``; ``start`` is a full feasible column vector used as a warm start."""
        ...


def binary_values(values: np.ndarray, model: LinearModel) -> np.ndarray:
    """Round integer columns of a solver's vector (HiGHS returns 0.9999999 for 1)."""
    out = np.asarray(values, dtype=float).copy()
    integer = model.arrays.is_integer
    out[integer] = np.round(out[integer])
    return out
