r"""A build-out over years as arrays: the instance of the multi-period model and its life-cycle arithmetic.

Years are indexed :math:`\tau = 0 … T-1`. A site :math:`j` of type :math:`t = t(j)` funded in year
:math:`s` follows its type's life cycle, a function of the age :math:`d = \tau - s` only:

* acquisition :math:`c_j\,\alpha_t(d)`, with :math:`\alpha_t(d) = 1/L_t` for :math:`0 \le d < L_t`,
  :math:`L_t = \max(\ell_t, 1)` (equal instalments over the lead time :math:`\ell_t`);
* in service :math:`\sigma_t(d) = 1` for :math:`d \ge \ell_t` (and, without replacement,
  :math:`d < \ell_t + \lambda_t`, :math:`\lambda_t` the service life);
* operations and support :math:`o_j\,\sigma_t(d)`;
* replacement :math:`c_j\,\rho_t(d)`, :math:`\rho_t(d) = f_t / L_t` for
  :math:`k\lambda_t \le d < k\lambda_t + L_t`, :math:`k = 1, 2, …` (funded so the new unit enters
  service as the old one retires; :math:`f_t` the replacement cost fraction).

A site already in place (*existing*) is taken as funded in year :math:`-\ell_t` (in service from
year 0); payments before year 0 are sunk. Nothing here knows geography or calendar years.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.instance import LayeredInstance

CATEGORIES = ("acquisition", "operations", "replacement")
"""Spending categories, in the order budget offices present them."""


@dataclass(frozen=True, eq=False)
class ScheduleInstance:
    r"""An instance of the multi-period build-out model (see :func:`models.formulations.schedule.schedule`).

    Attributes
    ----------
    base
        The single-period layered instance: weights :math:`w_i`, unit costs :math:`c_j`, coverage
        :math:`a^S, a^K`, types :math:`t(j)`, maxima :math:`M_t` (its ``budget`` is not used).
    budget
        Budget :math:`B_\tau` of each year, shape ``(T,)``.
    carry_over
        Unspent money carries over: :math:`\sum_{\tau' \le \tau} \text{spend}_{\tau'} \le
        \sum_{\tau' \le \tau} B_{\tau'}` instead of :math:`\text{spend}_\tau \le B_\tau`.
    discount
        Weight :math:`\delta_\tau` of each year in the objective, shape ``(T,)``.
    lead, life, replace, replacement_fraction
        Per type: lead time :math:`\ell_t` (years), service life :math:`\lambda_t` (0: none),
        whether units are replaced, :math:`f_t`.
    om
        Operations and support per year in service of each site :math:`o_j`, shape ``(n,)``.
    existing
        Sites already in place, shape ``(n,)``.
    share_milestones
        ``(year index, share)``: from that year on, defended weight :math:`\ge` share × ``total_weight``.
    type_milestones
        ``(year index, type index, count)``: from that year on, at least ``count`` units of the
        type in service.
    total_weight
        :math:`W`, the weight shares refer to (default: the sum of ``base.w``; a presolved
        instance keeps the original's).
    """

    base: LayeredInstance
    budget: np.ndarray
    carry_over: bool
    discount: np.ndarray
    lead: np.ndarray
    life: np.ndarray
    replace: np.ndarray
    replacement_fraction: np.ndarray
    om: np.ndarray
    existing: np.ndarray | None = None
    share_milestones: tuple[tuple[int, float], ...] = ()
    type_milestones: tuple[tuple[int, int, int], ...] = ()
    total_weight: float | None = None
    year_labels: tuple[int, ...] = field(default=())

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n, k = self.base.n, self.base.type_max.shape[0]
        set_(self, "budget", np.asarray(self.budget, dtype=float).ravel())
        t = self.budget.shape[0]
        if t < 1:
            raise ValueError("a schedule needs at least one year")
        set_(self, "discount", np.broadcast_to(np.asarray(self.discount, float), (t,)).copy())
        for name, dt in (
            ("lead", np.int64),
            ("life", np.int64),
            ("replace", bool),
            ("replacement_fraction", float),
        ):
            arr = np.broadcast_to(np.asarray(getattr(self, name), dtype=dt), (k,)).copy()
            set_(self, name, arr)
        if (self.lead < 0).any() or (self.life < 0).any():
            raise ValueError("lead times and service lives must be non-negative")
        set_(self, "om", np.broadcast_to(np.asarray(self.om, float), (n,)).copy())
        ex = np.zeros(n, bool) if self.existing is None else np.asarray(self.existing, bool)
        if ex.shape != (n,):
            raise ValueError(f"existing has shape {ex.shape}, expected {(n,)}")
        set_(self, "existing", ex)
        if self.total_weight is None:
            set_(self, "total_weight", float(self.base.w.sum()))
        if not self.year_labels:
            set_(self, "year_labels", tuple(range(t)))
        for y, _ in self.share_milestones:
            if not 0 <= y < t:
                raise ValueError(f"share milestone year index {y} outside 0..{t - 1}")
        for y, ty, _ in self.type_milestones:
            if not 0 <= y < t or not 0 <= ty < k:
                raise ValueError(f"type milestone ({y}, {ty}) outside the horizon or the types")

    @property
    def years(self) -> int:
        """Number of years :math:`T`."""
        return int(self.budget.shape[0])

    @property
    def n(self) -> int:
        """Number of candidate sites."""
        return self.base.n

    def profiles(self, t: int, ages: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Return :math:`(\alpha_t(d), \sigma_t(d), \rho_t(d))` at ages ``d`` (zero for ``d < 0``)."""
        d = np.asarray(ages, dtype=np.int64)
        lead, life = int(self.lead[t]), int(self.life[t])
        span = max(lead, 1)
        alpha = np.where((d >= 0) & (d < span), 1.0 / span, 0.0)
        sigma = d >= lead
        if life > 0 and not self.replace[t]:
            sigma &= d < lead + life
        rho = np.zeros(d.shape)
        if life > 0 and self.replace[t]:
            # Replacements k = 1, 2, ... paying at ages k·life ... k·life + span - 1; they overlap
            # when the life is shorter than the lead time, so count them.
            live = np.maximum(d, 0)
            paying = live // life - np.maximum((live - span) // life, 0)
            rho = np.where(d >= 0, paying * self.replacement_fraction[t] / span, 0.0)
        return alpha, sigma.astype(float), rho

    def site_profiles(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Per site, year and funding year: ``(acquisition, service, replacement)`` of shape ``(n, T, T)``.

        Entry ``[j, tau, s]`` is :math:`c_j\alpha(\tau - s)`, :math:`\sigma(\tau - s)`,
        :math:`c_j\rho(\tau - s)` (operations are :math:`o_j` times the service entry).
        """
        n, big_t = self.n, self.years
        age = np.arange(big_t)[:, None] - np.arange(big_t)[None, :]
        acq = np.zeros((n, big_t, big_t))
        srv = np.zeros((n, big_t, big_t))
        rep = np.zeros((n, big_t, big_t))
        st = self.base.site_type
        for t in range(self.base.type_max.shape[0]):
            mine = st == t
            a, s, r = self.profiles(t, age)
            acq[mine] = a
            srv[mine] = s
            rep[mine] = r
        c = self.base.c[:, None, None]
        return acq * c, srv, rep * c

    def existing_profiles(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Fixed ``(acquisition, operations, replacement, service)`` of the existing sites, ``(n, T)``."""
        n, big_t = self.n, self.years
        out = [np.zeros((n, big_t)) for _ in range(4)]
        assert self.existing is not None  # filled by __post_init__
        for j in np.flatnonzero(self.existing):
            t = int(self.base.site_type[j])
            a, s, r = self.profiles(t, np.arange(big_t) + int(self.lead[t]))
            out[0][j], out[2][j], out[3][j] = self.base.c[j] * a, self.base.c[j] * r, s
            out[1][j] = self.om[j] * s
        return out[0], out[1], out[2], out[3]

    def funding_years(self, z: np.ndarray) -> np.ndarray:
        """Funding year index of each site from a ``(n·T,)`` mask (site-major), ``-1`` for never."""
        zz = np.asarray(z, dtype=bool).reshape(self.n, self.years)
        return np.where(zz.any(axis=1), zz.argmax(axis=1), -1)

    def plan_mask(self, funded: np.ndarray) -> np.ndarray:
        """The ``(n·T,)`` mask of funding years (``-1``: never funded)."""
        funded = np.asarray(funded, dtype=np.int64)
        z = np.zeros((self.n, self.years), dtype=bool)
        on = funded >= 0
        z[np.flatnonzero(on), funded[on]] = True
        return z.ravel()

    def ledger(self, funded: np.ndarray) -> dict[str, np.ndarray]:
        """Spending by category ``(n, T)`` and service ``(n, T)`` of a schedule (existing sites included)."""
        acq, srv, rep = self.site_profiles()
        z = self.plan_mask(funded).reshape(self.n, self.years).astype(float)
        e_acq, e_om, e_rep, e_srv = self.existing_profiles()
        service = np.einsum("jts,js->jt", srv, z) + e_srv
        return {
            "acquisition": np.einsum("jts,js->jt", acq, z) + e_acq,
            "operations": self.om[:, None] * np.einsum("jts,js->jt", srv, z) + e_om,
            "replacement": np.einsum("jts,js->jt", rep, z) + e_rep,
            "service": np.minimum(service, 1.0),
        }

    def spend(self, funded: np.ndarray) -> np.ndarray:
        """Total spending of each year."""
        led = self.ledger(funded)
        return sum(led[c].sum(axis=0) for c in CATEGORIES)

    def defended_by_year(self, funded: np.ndarray) -> np.ndarray:
        """``(m, T)`` boolean: point defended (a sensor and an interceptor covering it in service)."""
        service = self.ledger(funded)["service"] > 0.5
        return np.column_stack([self.base.defended(service[:, k]) for k in range(self.years)])

    def value(self, funded: np.ndarray) -> float:
        r"""The objective :math:`\sum_\tau \delta_\tau \sum_i w_i [i \text{ defended in } \tau]`."""
        d = self.defended_by_year(funded)
        return float(self.discount @ (self.base.w @ d))

    def budget_ok(self, spend: np.ndarray, tol: float = 1e-6) -> bool:
        """Whether yearly spending fits the budgets (cumulatively with carry-over)."""
        lhs, rhs = (np.cumsum(spend), np.cumsum(self.budget)) if self.carry_over else (spend, self.budget)
        return bool((lhs <= rhs + tol * np.maximum(1.0, rhs)).all())
