r"""Benders optimality cuts of maximal covering in closed form, and the bound they give.

Maximal covering with a site count,
:math:`\max \sum_i w_i z_i` s.t. :math:`z_i \le \sum_j a_{ij} y_j`, :math:`0 \le z \le 1`,
:math:`\sum_j y_j \le p`, :math:`y \in \{0,1\}^n`: for fixed :math:`y` the subproblem in
:math:`z` has the dual :math:`\min \sum_i (w_i - \lambda_i) + \sum_i \lambda_i \sum_j a_{ij} y_j`
over :math:`\lambda \in [0, w]`, so every such :math:`\lambda` gives the Benders optimality cut
(Cordeau, Furini & Ljubić 2019)

.. math::

    \theta \le \sum_i (w_i - \lambda_i) + \sum_j s_j y_j, \qquad s = A^\top \lambda .

The closed-form cut at a point :math:`\bar y` (integer or fractional) takes
:math:`\lambda_i = w_i` where :math:`\sum_j a_{ij} \bar y_j < 1` and :math:`\lambda_i = 0`
elsewhere; it is tight at :math:`\bar y`. Maximising a cut over the count gives the
Lagrangian bound

.. math::

    U(\lambda) = \sum_i (w_i - \lambda_i) + \sum_{j \in T(\lambda)} s_j^+ ,

:math:`T(\lambda)` the :math:`p` largest scores; forcing site :math:`j \notin T` into a plan
bounds that plan by :math:`U - \tau + s_j`, :math:`\tau` the :math:`p`-th largest positive
score, so :math:`\bar c_j = s_j - \tau` is the reduced score used for fixing.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def benders_cut(w: np.ndarray, a: sp.csr_array, y_bar: np.ndarray) -> tuple[float, np.ndarray]:
    r"""The closed-form cut at ``y_bar``.

    Returns ``(constant, coefficients)`` of
    :math:`\theta \le \text{constant} + \text{coefficients} \cdot y`.
    """
    lam = np.where(a @ np.asarray(y_bar, dtype=float) < 1.0 - 1e-9, w, 0.0)
    return float((w - lam).sum()), np.asarray(a.T @ lam, dtype=float)


def count_bound(
    w: np.ndarray, at: sp.csr_array, lam: np.ndarray, p: int, s: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    r"""Return :math:`U(\lambda)` and the reduced scores :math:`\bar c`.

    ``at`` is :math:`A^\top`; ``s``, when given, is :math:`A^\top\lambda` already computed by the
    caller.
    """
    s = np.asarray(at @ lam if s is None else s, dtype=float)
    k = min(p, s.shape[0])
    top = np.argpartition(-s, k - 1)[:k] if k > 0 else np.zeros(0, dtype=np.int64)
    top = top[s[top] > 0]
    tau = float(s[top].min()) if top.size == k and k > 0 else 0.0
    return float((w - lam).sum() + s[top].sum()), s - tau


def subgradient_bound(
    w: np.ndarray,
    at: sp.csr_array,
    lam: np.ndarray,
    p: int,
    lower: float,
    *,
    iterations: int = 200,
    seconds: float | None = None,
    gap: float = 0.0,
) -> tuple[float, np.ndarray, np.ndarray]:
    r"""Lower :math:`U(\lambda)` by projected subgradient steps from ``lam``.

    Returns the best bound, its reduced scores and multipliers.

    At :math:`\lambda` with top set :math:`T`, :math:`g_i = \sum_{j \in T} a_{ij} - 1` is a
    subgradient of :math:`U`; the step is Polyak's, :math:`t = (U - \text{lower}) / \lVert g
    \rVert^2`, halved after 20 steps without improvement, and :math:`\lambda` is projected back
    on :math:`[0, w]`, so every iterate gives a valid bound (the best one is returned). Stops
    after ``iterations`` steps, after ``seconds``, or once the best bound is within ``gap`` of
    ``lower`` (nothing left to prove). One sparse product :math:`A^\top\lambda` per step: a
    cheap dual for when the LP is slow.
    """
    import time

    t_end = None if seconds is None else time.perf_counter() + seconds
    lam = np.clip(np.asarray(lam, dtype=float), 0.0, w)
    best_u, best_rc = count_bound(w, at, lam, p)
    best_lam, u, rc, scale, stall = lam, best_u, best_rc, 1.0, 0
    for _ in range(iterations):
        if t_end is not None and time.perf_counter() > t_end:
            break
        top = np.flatnonzero(rc >= 0)  # the sites in T (reduced score s_j - tau >= 0, s_j > 0)
        top = top[np.argsort(-rc[top])[:p]]
        g = np.asarray(at[top].sum(axis=0)).ravel() - 1.0  # rows of A^T: fast in CSR
        g[((lam <= 0) & (g < 0)) | ((lam >= w) & (g > 0))] = 0.0  # directions leaving [0, w]
        norm = float(g @ g)
        if norm == 0.0 or best_u <= lower * (1 + gap):
            break
        lam = np.clip(lam - scale * (u - lower) / norm * g, 0.0, w)
        u, rc = count_bound(w, at, lam, p)
        if u < best_u - 1e-9 * abs(best_u):
            best_u, best_rc, best_lam, stall = u, rc, lam, 0
        else:
            stall += 1
            if stall >= 20:
                scale, stall = scale / 2, 0
    return best_u, best_rc, best_lam
