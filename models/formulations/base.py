"""What a formulation function returns: the model plus what the solve pipeline needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.linear import LinearModel, VarBlock


@dataclass(frozen=True, eq=False)
class Formulation:
    """A built model and the plan-level functions that surround it.

    Attributes
    ----------
    model
        The engine-neutral linear model.
    sites
        The block of site variables ``x``; a plan is a boolean mask over it.
    complete
        Site mask → full column vector (the other blocks at their best values), for warm starts.
    value
        Site mask → objective, recomputed from the instance alone (independent of the solver).
    feasible
        Site mask → whether the plan satisfies every constraint of the model.
    heuristic
        Returns a starting plan (greedy + swaps) or ``None``; it may be infeasible (checked).
    extra
        Facts about the build (e.g. number of levels), copied into ``SolveResult.extra``.
    """

    model: LinearModel
    sites: VarBlock
    complete: Callable[[np.ndarray], np.ndarray]
    value: Callable[[np.ndarray], float]
    feasible: Callable[[np.ndarray], bool]
    heuristic: Callable[[], np.ndarray | None]
    extra: dict[str, Any] = field(default_factory=dict)


def labels(items: list[Any]) -> np.ndarray:
    """An object array of ids, safe for tuple ids (``np.asarray`` would make a 2-D array)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def type_matrix(site_type: np.ndarray, num_types: int) -> sp.csr_array:
    """``(T, n)`` 0/1 matrix: row ``t`` selects the sites of type ``t``."""
    n = site_type.shape[0]
    return sp.csr_array((np.ones(n), (site_type, np.arange(n))), shape=(num_types, n))
