"""Starting plans: ratio greedy, swap (interchange) local search, greedy set cover.

They give every solve a feasible plan before the solver starts (a warm start, and the answer
of last resort when the solver is stopped without an incumbent). All gains are computed for
every candidate site at once with sparse matrix-vector products over coverage *counts*, so
one greedy step or one swap pass costs a few ``A.T @ v`` products.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp

_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class SiteRules:
    """Side constraints on a set of sites, checked move by move.

    Attributes
    ----------
    c
        Site costs.
    budget
        Total budget, ``None`` for none.
    count
        Maximum number of sites, ``None`` for none.
    site_type, type_max
        Type of each site and maximum count per type (``None`` for no type limits).
    existing
        Sites that must stay in the plan.
    exclusive
        ``(k, 2)`` array of site pairs that exclude each other.
    """

    c: np.ndarray
    budget: float | None = None
    count: int | None = None
    site_type: np.ndarray | None = None
    type_max: np.ndarray | None = None
    existing: np.ndarray | None = None
    exclusive: np.ndarray | None = None
    _conflicts: sp.csr_array = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = self.c.shape[0]
        pairs = np.zeros((0, 2), dtype=np.int64) if self.exclusive is None else self.exclusive
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
        conf = sp.csr_array((np.ones(rows.shape[0]), (rows, cols)), shape=(n, n))
        object.__setattr__(self, "_conflicts", conf)

    @property
    def n(self) -> int:
        """Number of sites."""
        return int(self.c.shape[0])

    def start(self) -> np.ndarray:
        """The plan every heuristic starts from: the existing sites."""
        if self.existing is None:
            return np.zeros(self.n, dtype=bool)
        return np.asarray(self.existing, dtype=bool).copy()

    def can_add(self, x: np.ndarray) -> np.ndarray:
        """Boolean mask of the sites that can be added to ``x`` without breaking a rule."""
        ok = ~x
        if self.budget is not None:
            ok &= self.c <= self.budget - self.c[x].sum() + 1e-9 * max(1.0, abs(self.budget))
        if self.count is not None and x.sum() >= self.count:
            ok[:] = False
        if self.type_max is not None and self.site_type is not None:
            used = np.bincount(self.site_type[x], minlength=self.type_max.shape[0])
            ok &= (self.type_max - used)[self.site_type] > 0
        if self._conflicts.nnz:
            ok &= (self._conflicts @ x.astype(float)) == 0
        return ok

    def is_feasible(self, x: np.ndarray) -> bool:
        """Whether ``x`` satisfies every rule."""
        x = np.asarray(x, dtype=bool)
        if self.budget is not None and self.c[x].sum() > self.budget + 1e-9 * max(1.0, abs(self.budget)):
            return False
        if self.count is not None and x.sum() > self.count:
            return False
        if self.type_max is not None and self.site_type is not None:
            used = np.bincount(self.site_type[x], minlength=self.type_max.shape[0])
            if (used > self.type_max).any():
                return False
        if self.existing is not None and (np.asarray(self.existing, bool) & ~x).any():
            return False
        xf = x.astype(float)
        return not (self._conflicts.nnz and float(xf @ (self._conflicts @ xf)) > 0)


class CoverageObjective(Protocol):
    """A monotone coverage value of a site set, kept as per-point counts."""

    def counts(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per-point coverage counts of plan ``x``."""
        ...

    def value(self, state: tuple[np.ndarray, ...]) -> float:
        """Objective of the plan whose counts are ``state``."""
        ...

    def add_gains(self, state: tuple[np.ndarray, ...]) -> np.ndarray:
        """Objective gained by adding each site (meaningful for unchosen sites)."""
        ...

    def hint_gains(self, state: tuple[np.ndarray, ...]) -> np.ndarray:
        """A secondary score used when no site gains anything on its own."""
        ...

    def update(self, state: tuple[np.ndarray, ...], j: int, sign: int) -> tuple[np.ndarray, ...]:
        """Counts after adding (``sign=1``) or removing (``sign=-1``) site ``j``."""
        ...


def _col(a: sp.csc_array, j: int) -> np.ndarray:
    return a.indices[a.indptr[j] : a.indptr[j + 1]]


class LayeredObjective:
    """Defended weight: a point counts when some chosen sensor *and* interceptor cover it."""

    def __init__(self, w: np.ndarray, a_sensor: sp.sparray, a_interceptor: sp.sparray) -> None:
        self.w = np.asarray(w, dtype=float)
        self.aS = sp.csc_array(a_sensor, dtype=float)
        self.aK = sp.csc_array(a_interceptor, dtype=float)
        self.aSK = sp.csc_array(self.aS.multiply(self.aK))
        self.aS_t = sp.csr_array(self.aS.T)
        self.aK_t = sp.csr_array(self.aK.T)
        self.aSK_t = sp.csr_array(self.aSK.T)

    def counts(self, x: np.ndarray) -> tuple[np.ndarray, ...]:  # noqa: D102
        xf = np.asarray(x, dtype=float)
        return (self.aS @ xf, self.aK @ xf)

    def value(self, state: tuple[np.ndarray, ...]) -> float:  # noqa: D102
        s, k = state
        return float(self.w[(s > 0.5) & (k > 0.5)].sum())

    def add_gains(self, state: tuple[np.ndarray, ...]) -> np.ndarray:  # noqa: D102
        s0, k0 = state[0] > 0.5, state[1] > 0.5
        w = self.w
        # A point not yet defended becomes defended by site j when j supplies the missing
        # layer(s): the interceptor, the sensor, or both.
        return self.aK_t @ (w * (s0 & ~k0)) + self.aS_t @ (w * (~s0 & k0)) + self.aSK_t @ (w * (~s0 & ~k0))

    def hint_gains(self, state: tuple[np.ndarray, ...]) -> np.ndarray:  # noqa: D102
        # Half credit per newly reached layer: lets greedy start a sensor/interceptor pair
        # when sensor-only and interceptor-only sites gain nothing alone.
        s0, k0 = state[0] > 0.5, state[1] > 0.5
        return 0.5 * (self.aS_t @ (self.w * ~s0) + self.aK_t @ (self.w * ~k0))

    def update(self, state: tuple[np.ndarray, ...], j: int, sign: int) -> tuple[np.ndarray, ...]:  # noqa: D102
        s, k = state[0].copy(), state[1].copy()
        s[_col(self.aS, j)] += sign
        k[_col(self.aK, j)] += sign
        return (s, k)


class LevelObjective:
    r"""Weighted coverage by levels: point ``i`` covered ``k`` times is worth ``w_i g(k)``.

    ``g(k) = sum_{l <= min(k, L)} inc[l]``: maximal covering is ``inc = [1]``, backup coverage
    ``[theta, 1 - theta]``, expected coverage ``p (1 - p)^{l-1}``.
    """

    def __init__(self, w: np.ndarray, a: sp.sparray, increments: np.ndarray) -> None:
        self.w = np.asarray(w, dtype=float)
        self.a = sp.csc_array(a, dtype=float)
        self.a_t = sp.csr_array(self.a.T)
        self.g = np.concatenate([[0.0], np.cumsum(np.asarray(increments, dtype=float))])

    def _g(self, k: np.ndarray) -> np.ndarray:
        return self.g[np.clip(np.rint(k).astype(np.int64), 0, self.g.shape[0] - 1)]

    def counts(self, x: np.ndarray) -> tuple[np.ndarray, ...]:  # noqa: D102
        return (self.a @ np.asarray(x, dtype=float),)

    def value(self, state: tuple[np.ndarray, ...]) -> float:  # noqa: D102
        return float(self.w @ self._g(state[0]))

    def add_gains(self, state: tuple[np.ndarray, ...]) -> np.ndarray:  # noqa: D102
        k = state[0]
        return self.a_t @ (self.w * (self._g(k + 1) - self._g(k)))

    def hint_gains(self, state: tuple[np.ndarray, ...]) -> np.ndarray:  # noqa: D102
        return np.zeros(self.a.shape[1])

    def update(self, state: tuple[np.ndarray, ...], j: int, sign: int) -> tuple[np.ndarray, ...]:  # noqa: D102
        k = state[0].copy()
        k[_col(self.a, j)] += sign
        return (k,)


def greedy(obj: CoverageObjective, rules: SiteRules, *, ratio: bool = True) -> np.ndarray:
    """Add sites one at a time, best gain (per unit cost if ``ratio``) first, while rules allow.

    Sites that gain nothing on their own are ranked by the objective's hint score, so a
    sensor and an interceptor can be started as a pair. Returns a boolean site mask.
    """
    x = rules.start()
    state = obj.counts(x)
    cost = np.maximum(rules.c, 1e-12) if ratio else np.ones(rules.n)
    while True:
        ok = rules.can_add(x)
        if not ok.any():
            break
        gain = obj.add_gains(state)
        score = np.where(ok & (gain > _TOL), gain / cost, -np.inf)
        if not np.isfinite(score).any():
            hint = obj.hint_gains(state)
            score = np.where(ok & (hint > _TOL), hint / cost, -np.inf)
            if not np.isfinite(score).any():
                break
        j = int(np.argmax(score))
        x[j] = True
        state = obj.update(state, j, +1)
    return x


def swap_search(
    obj: CoverageObjective,
    rules: SiteRules,
    x: np.ndarray,
    *,
    max_passes: int = 50,
    deadline: float | None = None,
) -> np.ndarray:
    """Improve ``x`` by single additions and one-for-one swaps (Teitz–Bart interchange).

    Each pass removes each chosen site in turn, computes the gain of every replacement at once,
    and keeps the best strictly improving move. Stops at a local optimum, after ``max_passes``
    passes, or once ``time.perf_counter()`` passes ``deadline`` (checked before each move; the
    plan held is always feasible and never worse than ``x``). Existing sites are never removed.
    """
    x = np.asarray(x, dtype=bool).copy()
    fixed = rules.start()
    state = obj.counts(x)
    value = obj.value(state)
    for _ in range(max_passes):
        improved = False
        # Additions first: free budget is never worth leaving unused.
        ok = rules.can_add(x)
        gain = np.where(ok, obj.add_gains(state), -np.inf)
        if ok.any() and gain.max() > _TOL * max(1.0, value):
            j = int(np.argmax(gain))
            x[j] = True
            state = obj.update(state, j, +1)
            value += float(gain[j])
            continue
        for j in np.flatnonzero(x & ~fixed).tolist():
            if deadline is not None and time.perf_counter() > deadline:
                return x
            x[j] = False
            st = obj.update(state, j, -1)
            base = obj.value(st)
            ok = rules.can_add(x)
            ok[j] = False
            gain = np.where(ok, obj.add_gains(st), -np.inf)
            k = int(np.argmax(gain)) if ok.any() else -1
            if k >= 0 and base + gain[k] > value + _TOL * max(1.0, value):
                x[k] = True
                state = obj.update(st, k, +1)
                value = base + float(gain[k])
                improved = True
            else:
                x[j] = True
        if not improved:
            break
    return x


def best_plan(
    obj: CoverageObjective, rules: SiteRules, *, swaps: bool = True, deadline: float | None = None
) -> np.ndarray:
    """The better of ratio greedy and plain-gain greedy, then improved by swap search.

    The swaps stop at ``deadline`` (a ``time.perf_counter()`` value) when given.
    """
    plans = [greedy(obj, rules, ratio=True), greedy(obj, rules, ratio=False)]
    values = [obj.value(obj.counts(p)) for p in plans]
    x = plans[int(np.argmax(values))]
    return swap_search(obj, rules, x, deadline=deadline) if swaps else x


def greedy_set_cover(
    a: sp.sparray, c: np.ndarray, required: np.ndarray, rules: SiteRules
) -> np.ndarray | None:
    """Chvátal's greedy for covering every required row at least cost, then drop redundant sites.

    Returns ``None`` when the rules stop it before every required row is covered.
    """
    a = sp.csc_array(a, dtype=float)
    a_t = sp.csr_array(a.T)
    req = np.asarray(required, dtype=bool)
    x = rules.start()
    covered = (a @ x.astype(float)) > 0.5
    while (req & ~covered).any():
        ok = rules.can_add(x)
        new = a_t @ (req & ~covered).astype(float)
        score = np.where(ok & (new > 0.5), np.maximum(c, 0.0) / np.maximum(new, 1.0), np.inf)
        if not np.isfinite(score).any():
            return None
        j = int(np.argmin(score))
        x[j] = True
        covered[_col(a, j)] = True
    # Reverse pass: a site whose rows are all covered by others is redundant.
    count = a @ x.astype(float)
    fixed = rules.start()
    for j in np.flatnonzero(x & ~fixed)[np.argsort(-c[x & ~fixed], kind="stable")]:
        rows = _col(a, j)
        rows = rows[req[rows]]
        if (count[rows] >= 2).all():
            x[j] = False
            count[_col(a, j)] -= 1
    return x
