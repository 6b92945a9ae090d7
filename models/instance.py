"""Problem instances as arrays: what every formulation and engine sees.

``models`` never sees geography: ``geodata`` turns it into sparse matrices once, and
``planner`` packs them into these frozen instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp


def _as_csr(a: sp.sparray | sp.spmatrix, shape: tuple[int, int], name: str) -> sp.csr_array:
    """0/1 ``int8`` copy of ``a``: every nonzero entry is coverage, stored zeros are not."""
    a = sp.csr_array(a, copy=True)  # its own dtype: a cast to int8 first would turn 0.5 into 0
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, expected {shape}")
    a.sum_duplicates()
    a.eliminate_zeros()
    return sp.csr_array((np.ones(a.nnz, dtype=np.int8), a.indices, a.indptr), shape=a.shape)


def _normalise(inst: Any, matrices: tuple[str, ...]) -> tuple[int, int]:
    """Coerce an instance's weights, costs, coverage matrices and ids in place; return ``(m, n)``."""
    w = np.asarray(inst.w, dtype=float)
    c = np.asarray(inst.c, dtype=float)
    m, n = w.shape[0], c.shape[0]
    if (w < 0).any() or (c < 0).any() or not (np.isfinite(w).all() and np.isfinite(c).all()):
        raise ValueError("weights and costs must be finite and non-negative")
    set_ = object.__setattr__
    set_(inst, "w", w)
    set_(inst, "c", c)
    for name in matrices:
        set_(inst, name, _as_csr(getattr(inst, name), (m, n), name))
    set_(inst, "demand_ids", _object_ids(inst.demand_ids, "d", m))
    set_(inst, "site_ids", _object_ids(inst.site_ids, "s", n))
    return m, n


def _normalise_types(inst: Any, n: int) -> None:
    """Check and coerce ``site_type`` (one per site) against ``type_max``; name unnamed types."""
    st = np.asarray(inst.site_type, dtype=np.int64)
    tm = np.asarray(inst.type_max, dtype=np.int64)
    if st.shape != (n,):
        raise ValueError(f"site_type has shape {st.shape}, expected {(n,)}")
    if n and (st.min() < 0 or st.max() >= tm.shape[0]):
        raise ValueError("site_type refers to a type outside type_max")
    object.__setattr__(inst, "site_type", st)
    object.__setattr__(inst, "type_max", tm)
    if not inst.type_names:
        object.__setattr__(inst, "type_names", tuple(f"type{t}" for t in range(tm.shape[0])))


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
    demand_ids: np.ndarray = field(default=None)  # type: ignore[arg-type]  # None: ids made in __post_init__
    site_ids: np.ndarray = field(default=None)  # type: ignore[arg-type]  # None: ids made in __post_init__
    type_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _, n = _normalise(self, ("a_sensor", "a_interceptor"))
        _normalise_types(self, n)

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


def _object_ids(ids: np.ndarray | None, prefix: str, k: int) -> np.ndarray:
    if ids is None:
        return np.array([f"{prefix}{i}" for i in range(k)], dtype=object)
    out = np.asarray(ids, dtype=object)
    if out.shape != (k,):
        raise ValueError(f"ids have shape {out.shape}, expected {(k,)}")
    return out


@dataclass(frozen=True, eq=False)
class CoverInstance:
    r"""A single-layer covering instance: points, candidate sites and who covers whom.

    Demand points :math:`i` with weights :math:`w_i` (and optionally *required* points that every
    plan must cover); sites :math:`j` with costs :math:`c_j`; coverage :math:`a_{ij} \in \{0,1\}`.
    Limits on a plan: a budget :math:`B`, a count :math:`p`, per-type maxima :math:`M_t`
    (each optional).

    Attributes
    ----------
    w
        Demand weights, shape ``(m,)``, non-negative.
    c
        Site costs, shape ``(n,)``, non-negative.
    a
        ``(m, n)`` 0/1 CSR matrix, ``a[i, j] = 1`` when site ``j`` covers point ``i``.
    required
        Boolean mask of points that must be covered, ``None`` for none.
    budget
        Total budget, ``None`` for none.
    count
        Maximum number of sites, ``None`` for none.
    site_type, type_max
        Type index of each site and maximum count per type (both ``None`` for no type limits).
    demand_ids, site_ids, type_names
        Labels for diagnostics and outputs.
    """

    w: np.ndarray
    c: np.ndarray
    a: sp.csr_array
    required: np.ndarray | None = None
    budget: float | None = None
    count: int | None = None
    site_type: np.ndarray | None = None
    type_max: np.ndarray | None = None
    demand_ids: np.ndarray = field(default=None)  # type: ignore[arg-type]  # None: ids made in __post_init__
    site_ids: np.ndarray = field(default=None)  # type: ignore[arg-type]  # None: ids made in __post_init__
    type_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        m, n = _normalise(self, ("a",))
        set_ = object.__setattr__
        if self.required is not None:
            req = np.asarray(self.required, dtype=bool)
            if req.shape != (m,):
                raise ValueError(f"required has shape {req.shape}, expected {(m,)}")
            set_(self, "required", req)
        if (self.site_type is None) != (self.type_max is None):
            raise ValueError("give both site_type and type_max, or neither")
        if self.site_type is not None:
            _normalise_types(self, n)
        if self.budget is not None and not np.isfinite(self.budget):
            set_(self, "budget", None)
        if self.count is not None:
            set_(self, "count", int(self.count))

    @property
    def m(self) -> int:
        """Number of demand points."""
        return int(self.w.shape[0])

    @property
    def n(self) -> int:
        """Number of candidate sites."""
        return int(self.c.shape[0])

    @property
    def required_mask(self) -> np.ndarray:
        """Boolean mask of required points (all ``False`` when none are)."""
        return np.zeros(self.m, bool) if self.required is None else self.required

    def coverage_counts(self, x: np.ndarray) -> np.ndarray:
        """Number of chosen sites covering each point."""
        return self.a @ np.asarray(x, dtype=np.int64)

    def evaluate(self, x: np.ndarray) -> tuple[float, float]:
        """Return ``(covered weight, cost)`` of a plan, computed from the matrix alone."""
        x = np.asarray(x, dtype=bool)
        return float(self.w[self.coverage_counts(x) > 0].sum()), float(self.c[x].sum())

    def is_feasible(self, x: np.ndarray, tol: float = 1e-6) -> bool:
        """Whether ``x`` covers every required point and respects budget, count and type limits."""
        x = np.asarray(x, dtype=bool)
        if self.budget is not None and self.c[x].sum() > self.budget + tol:
            return False
        if self.count is not None and x.sum() > self.count:
            return False
        if self.site_type is not None and self.type_max is not None:  # given together (__post_init__)
            counts = np.bincount(self.site_type[x], minlength=self.type_max.shape[0])
            if (counts > self.type_max).any():
                return False
        return not (self.required_mask & (self.coverage_counts(x) == 0)).any()


@dataclass(frozen=True, eq=False)
class PlanRules:
    """Side rules a plan must respect, on top of an instance's own limits.

    Attributes
    ----------
    existing
        Boolean mask of sites already in place: they must stay in the plan (their cost counts).
    exclusive
        ``(k, 2)`` integer array of site index pairs that exclude each other.
    type_min
        Minimum number of sites of each type (a quota), shape ``(T,)``.
    partner
        Partner group of each demand point, shape ``(m,)``, ``-1`` for none.
    min_share
        Minimum defended (covered) share of each group's total weight, shape ``(P,)``, in [0, 1].
    partner_names
        Labels of the partner groups.
    """

    existing: np.ndarray | None = None
    exclusive: np.ndarray | None = None
    type_min: np.ndarray | None = None
    partner: np.ndarray | None = None
    min_share: np.ndarray | None = None
    partner_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.existing is not None:
            set_(self, "existing", np.asarray(self.existing, dtype=bool))
        if self.exclusive is not None:
            set_(self, "exclusive", np.asarray(self.exclusive, dtype=np.int64).reshape(-1, 2))
        if self.type_min is not None:
            set_(self, "type_min", np.asarray(self.type_min, dtype=np.int64))
        if (self.partner is None) != (self.min_share is None):
            raise ValueError("give both partner and min_share, or neither")
        if self.partner is not None:
            p = np.asarray(self.partner, dtype=np.int64)
            s = np.asarray(self.min_share, dtype=float)
            if p.size and p.max() >= s.shape[0]:
                raise ValueError("partner refers to a group outside min_share")
            if ((s < 0) | (s > 1)).any():
                raise ValueError("min_share values must lie in [0, 1]")
            set_(self, "partner", p)
            set_(self, "min_share", s)
            if not self.partner_names:
                set_(self, "partner_names", tuple(f"partner{k}" for k in range(s.shape[0])))

    @property
    def is_empty(self) -> bool:
        """Whether no rule is set (existing assets, exclusive pairs, quotas, partner shares)."""
        return (
            (self.existing is None or not self.existing.any())
            and (self.exclusive is None or not self.exclusive.size)
            and (self.type_min is None or not (self.type_min > 0).any())
            and (self.partner is None or self.min_share is None or not (self.min_share > 0).any())
        )

    def check_sizes(self, m: int, n: int, num_types: int) -> None:
        """Raise ``ValueError`` when an array does not fit an instance of that size."""
        if self.existing is not None and self.existing.shape != (n,):
            raise ValueError(f"existing has shape {self.existing.shape}, expected {(n,)}")
        if (
            self.exclusive is not None
            and self.exclusive.size
            and (self.exclusive.min() < 0 or self.exclusive.max() >= n)
        ):
            raise ValueError("exclusive refers to a site index outside the instance")
        if self.type_min is not None and self.type_min.shape != (num_types,):
            raise ValueError(f"type_min has shape {self.type_min.shape}, expected {(num_types,)}")
        if self.partner is not None and self.partner.shape != (m,):
            raise ValueError(f"partner has shape {self.partner.shape}, expected {(m,)}")
