r"""Cost sharing over years: is each year's cumulative split in the core, and a split that keeps it there.

A build-out spends :math:`s_t` in year :math:`t`; :math:`C_t = \sum_{\tau \le t} s_\tau`. Each year
has a cost game :math:`c_t` on what has been built so far (defined by the caller, e.g.
:mod:`planner.costshare.yearly`) with :math:`c_t(N) = C_t`. A split of the yearly bills
:math:`a_{pt}` is *stable so far* in year :math:`t` when its cumulative allocation
:math:`A_{pt} = \sum_{\tau \le t} a_{p\tau}` is in the core of :math:`c_t`: no coalition has paid
more, up to :math:`t`, than it would have paid to serve itself with what was built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from models import engines
from models.costshare.game import Game, membership
from models.formulations.base import labels
from models.linear import LinearModel, Sense, VarBlock
from models.result import SolveOptions, Termination

A = "a"
"""Partner ``p``'s contribution in year ``t``: ``a[p, t]``."""
EPS = "epsilon"
"""The largest excess over every year and proper coalition."""
DEV = "deviation"
"""``d+[p, t]``, ``d-[p, t]``: distance to the reference split."""
YEAR_BILL = "year_bill"
"""``sum_p a[p, t] = s_t``."""
YEAR_CORE = "year_core"
"""``A(S, t) - c_t(S) <= epsilon`` for every year and proper coalition."""
TO_REFERENCE = "to_reference"
"""``a[p, t] - d+[p, t] + d-[p, t] = r[p, t]``."""


@dataclass(frozen=True)
class YearlyCoreSplit:
    """The LP split of yearly bills.

    Attributes
    ----------
    contributions
        ``{year: {partner: amount}}``: what each partner pays each year.
    epsilon
        The least largest excess over every year and proper coalition: ``≤ 0`` (within
        tolerance) iff every year's cumulative split is in the core.
    all_years_in_core
        Whether ``epsilon`` is within tolerance of 0 or below.
    deviation_musd
        Total absolute deviation from the reference split.
    """

    contributions: dict[int, dict[str, float]]
    epsilon: float
    all_years_in_core: bool
    deviation_musd: float

    def to_json(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "contributions": {str(y): v for y, v in self.contributions.items()},
            "epsilon": self.epsilon,
            "all_years_in_core": self.all_years_in_core,
            "deviation_musd": self.deviation_musd,
        }


def _solve(model: LinearModel) -> np.ndarray:
    run = engines.get("highs").solve(model, SolveOptions(time_limit_s=60, threads=1), None)
    if run.termination is not Termination.OPTIMAL or run.values is None:
        raise RuntimeError(f"yearly core LP ended {run.termination.value}")
    return run.values


def yearly_core_split(
    years: Sequence[int],
    games: Sequence[Game],
    spend: np.ndarray,
    reference: Mapping[int, Mapping[str, float]],
    *,
    nonnegative: bool = True,
) -> YearlyCoreSplit:
    r"""Choose yearly contributions that keep every year's cumulative split in the core when possible.

    Players :math:`p`, years :math:`t`, yearly spending :math:`s_t`, games :math:`c_t`, a
    reference split :math:`r_{pt}` (e.g. a rule's yearly bills). Two LPs in sequence:

    .. math::

        \varepsilon^* = \min\ & \varepsilon \\
        \text{s.t. }
        & \textstyle\sum_p a_{pt} = s_t & \forall t & \quad (\texttt{year\_bill}[t]) \\
        & \textstyle\sum_{p \in S} \sum_{\tau \le t} a_{p\tau} - c_t(S) \le \varepsilon
          & \forall t,\ \emptyset \ne S \subsetneq N & \quad (\texttt{year\_core}[t, S]) \\
        & a_{pt} \ge 0 \ \text{(no refunds; optional)}

    then, with :math:`\varepsilon \le \max(\varepsilon^*, 0)`, minimise
    :math:`\sum_{p,t} (d^+_{pt} + d^-_{pt})` s.t. :math:`a_{pt} - d^+_{pt} + d^-_{pt} = r_{pt}`
    (``to_reference``): among the splits as stable as possible, the one closest to the reference.
    Efficiency of each year's cumulative split, :math:`A(N, t) = c_t(N) = C_t`, follows from the
    ``year_bill`` rows.
    """
    players = games[0].players
    n, big_t = len(players), len(years)
    spend = np.asarray(spend, dtype=float)
    members = membership(n)[1:-1]  # proper coalitions × players
    tol = 1e-7 * max(1.0, float(np.abs(spend).sum()))
    ref = np.array([[float(reference[y][p]) for y in years] for p in players])  # (n, T)

    def build(eps_cap: float | None) -> tuple[LinearModel, VarBlock, VarBlock]:
        model = LinearModel("yearly_core", Sense.MINIMIZE)
        a = model.add_vars(
            A, labels([(p, y) for p in players for y in years]), lb=0.0 if nonnegative else -np.inf
        )
        e = model.add_vars(EPS, labels(["epsilon"]), lb=-np.inf, ub=np.inf if eps_cap is None else eps_cap)
        model.add_constraints(
            YEAR_BILL,
            labels(list(years)),
            {a: sp.kron(np.ones((1, n)), sp.eye_array(big_t))},
            lb=spend,
            ub=spend,
        )
        cum = np.tril(np.ones((big_t, big_t)))
        rows, ids, rhs = [], [], []
        for t, game in enumerate(games):
            # A(S, t) = sum_{p in S} sum_{tau <= t} a[p, tau]: members ⊗ cumulative row t
            rows.append(sp.kron(members, cum[t][None, :]))
            ids += [(years[t], game.members(int(m))) for m in range(1, (1 << n) - 1)]
            rhs.append(game.values[1:-1])
        big = sp.csr_array(sp.vstack(rows, format="csr"))
        model.add_constraints(
            YEAR_CORE, labels(ids), {a: big, e: -np.ones((big.shape[0], 1))}, ub=np.concatenate(rhs)
        )
        return model, a, e

    model, a, e = build(None)
    model.set_objective({a: np.zeros(n * big_t), e: np.ones(1)})
    eps = float(_solve(model)[e.cols][0])
    model, a, e = build(max(eps, 0.0) + tol)
    d = model.add_vars(DEV, labels([(s, p, y) for s in "+-" for p in players for y in years]))
    eye = sp.eye_array(n * big_t)
    model.add_constraints(
        TO_REFERENCE, a.ids, {a: eye, d: sp.hstack([-eye, eye])}, lb=ref.ravel(), ub=ref.ravel()
    )
    model.set_objective({d: np.ones(2 * n * big_t)})
    v = _solve(model)
    x = v[a.cols].reshape(n, big_t)
    return YearlyCoreSplit(
        contributions={
            int(y): {p: float(x[k, t]) for k, p in enumerate(players)} for t, y in enumerate(years)
        },
        epsilon=eps,
        all_years_in_core=eps <= tol,
        deviation_musd=float(np.abs(x - ref).sum()),
    )
