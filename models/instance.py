"""Problem instances as arrays: what every formulation and engine sees.

``models`` never sees geography: ``geodata`` turns it into sparse matrices once, and
``planner`` packs them into these frozen instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


def _as_csr(a: sp.sparray | sp.spmatrix, shape: tuple[int, int], name: str) -> sp.csr_array:
    a = sp.csr_array(a, dtype=np.int8)
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, expected {shape}")
    a.sum_duplicates()
    a.data[:] = 1
    return a


@dataclass(frozen=True, eq=False)
class LayeredInstance:
    r"""An instance of the budgeted layered maximal-covering problem.

    Demand points :math:`i \in I` with weights :math:`w_i`; candidate sites :math:`j \in J` with
    costs :math:`c_j` and asset types :math:`t(j)`; sensor coverage :math:`a^S_{ij}` and
    interceptor coverage :math:`a^K_{ij}` (a site of a sensor-only type has an empty column in
    ``a_interceptor``); per-type maximum counts :math:`M_t`; budget :math:`B`.

    Attributes
    ----------
    w
        Demand weights, shape ``(m,)``, non-negative.
    c
        Site costs, shape ``(n,)``, non-negative.
    a_sensor
        ``(m, n)`` 0/1 CSR matrix, ``a_sensor[i, j] = 1`` when a sensor at site ``j`` covers ``i``.
    a_interceptor
        ``(m, n)`` 0/1 CSR matrix for interceptor coverage.
    site_type
        Type index of each site, shape ``(n,)``, values in ``range(len(type_max))``.
    type_max
        Maximum number of sites of each type, shape ``(T,)``.
    budget
        Total budget :math:`B`, same unit as ``c``.
    demand_ids, site_ids, type_names
        Labels, kept so diagnostics speak the scenario's language.
    """

    w: np.ndarray
    c: np.ndarray
    a_sensor: sp.csr_array
    a_interceptor: sp.csr_array
    site_type: np.ndarray
    type_max: np.ndarray
    budget: float
    demand_ids: np.ndarray = field(default=None)  # type: ignore[assignment]
    site_ids: np.ndarray = field(default=None)  # type: ignore[assignment]
    type_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        w = np.asarray(self.w, dtype=float)
        c = np.asarray(self.c, dtype=float)
        m, n = w.shape[0], c.shape[0]
        set_ = object.__setattr__
        set_(self, "w", w)
        set_(self, "c", c)
        set_(self, "a_sensor", _as_csr(self.a_sensor, (m, n), "a_sensor"))
        set_(self, "a_interceptor", _as_csr(self.a_interceptor, (m, n), "a_interceptor"))
        st = np.asarray(self.site_type, dtype=np.int64)
        tm = np.asarray(self.type_max, dtype=np.int64)
        if st.shape != (n,):
            raise ValueError(f"site_type has shape {st.shape}, expected {(n,)}")
        if n and (st.min() < 0 or st.max() >= tm.shape[0]):
            raise ValueError("site_type refers to a type outside type_max")
        set_(self, "site_type", st)
        set_(self, "type_max", tm)
        if (w < 0).any() or (c < 0).any():
            raise ValueError("weights and costs must be non-negative")
        if self.demand_ids is None:
            set_(self, "demand_ids", np.array([f"d{i}" for i in range(m)], dtype=object))
        if self.site_ids is None:
            set_(self, "site_ids", np.array([f"s{j}" for j in range(n)], dtype=object))
        if not self.type_names:
            set_(self, "type_names", tuple(f"type{t}" for t in range(tm.shape[0])))

    @property
    def m(self) -> int:
        """Number of demand points."""
        return int(self.w.shape[0])

    @property
    def n(self) -> int:
        """Number of candidate sites."""
        return int(self.c.shape[0])

    def defended(self, x: np.ndarray) -> np.ndarray:
        """Return the boolean mask of points defended by the sites selected in ``x``.

        A point is defended when at least one chosen sensor and one chosen interceptor cover it.
        """
        x = np.asarray(x, dtype=np.int64)
        return (self.a_sensor @ x > 0) & (self.a_interceptor @ x > 0)

    def evaluate(self, x: np.ndarray) -> tuple[float, float]:
        """Return ``(defended weight, cost)`` of a plan, computed from the matrices alone."""
        x = np.asarray(x, dtype=bool)
        return float(self.w[self.defended(x)].sum()), float(self.c[x].sum())

    def is_feasible(self, x: np.ndarray, tol: float = 1e-6) -> bool:
        """Whether ``x`` respects the budget and every per-type maximum count."""
        x = np.asarray(x, dtype=bool)
        counts = np.bincount(self.site_type[x], minlength=self.type_max.shape[0])
        return bool(self.c[x].sum() <= self.budget + tol and (counts <= self.type_max).all())
