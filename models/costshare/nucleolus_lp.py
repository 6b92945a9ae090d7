r"""The least core and the nucleolus, by a sequence of LPs on HiGHS (``scipy.optimize.linprog``).

Sign convention (one for both kinds of game, see :attr:`Game.sign`): the *excess* of a coalition
``S`` at an allocation ``x`` is

.. math::
    e(S, x) = x(S) − c(S)\ \text{(cost game)}, \qquad e(S, x) = v(S) − x(S)\ \text{(value game)},

how much worse off ``S`` is under ``x`` than alone; a positive excess is a complaint. Allocations
are efficient, :math:`x(N) = c(N)` (or :math:`v(N)`).

* Least core: :math:`ε^* = \min_x \max_{∅≠S⊊N} e(S, x)`. The core is non-empty iff
  :math:`ε^* ≤ 0`.
* Nucleolus (Schmeidler 1969): the allocation whose vector of excesses, sorted in decreasing
  order, is lexicographically smallest. Computed as in Maschler, Peleg & Shapley (1979): round
  ``k`` solves

  .. math::
      \min ε \ \text{s.t.}\ e(S, x) ≤ ε\ (S ∈ F_k),\quad e(S, x) = ε_S\ (S ∈ T_k),\quad x(N) = c(N)

  then moves to ``T`` every coalition whose constraint has a positive dual (such a constraint is
  tight in *every* optimal solution, by complementary slackness), fixing its excess at the round's
  optimum, and drops from ``F`` every coalition whose indicator vector lies in the span of the
  fixed ones (its excess is then constant). It stops when the fixed coalitions span
  :math:`\mathbb R^n`: ``x`` is then unique. At most ``n`` rounds, each an LP with
  :math:`2^n − 2` rows, so practical up to about 15 players.

By default the nucleolus is taken over *imputations* (adding :math:`e(\{i\}, x) ≤ 0`, individual
rationality) when that set is non-empty, and otherwise over all efficient allocations (the
pre-nucleolus); when the core is non-empty the two coincide and lie in it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from models.costshare.game import Game, GameError, membership

MAX_NUCLEOLUS_PLAYERS = 16
"""Largest game for the LP sequence (2^16 − 2 rows per LP)."""
_DUAL_TOL = 1e-8  # duals of the excess rows sum to 1, so an absolute tolerance is meaningful
_SPAN_TOL = 1e-9


def _scale(game: Game) -> float:
    return max(1.0, float(np.abs(game.values).max()))


def _solve(
    game: Game,
    a_free: np.ndarray,
    b_free: np.ndarray,
    a_fixed: np.ndarray,
    b_fixed: np.ndarray,
    individually_rational: bool,
) -> tuple[np.ndarray, float, np.ndarray]:
    """Solve ``min ε`` over ``(x, ε)`` in excess form; return ``x``, ``ε`` and the free rows' duals.

    Rows: ``s·A_S x − ε ≤ s·c(S)`` for free ``S``; ``s·A_S x = s·c(S) + ε_S`` for fixed ``S``;
    ``1ᵀx = c(N)``; with IR, ``s·x_i ≤ s·c({i})``.
    """
    n, s = game.n, game.sign
    ub_a = sp.hstack([sp.csr_array(s * a_free), sp.csr_array(-np.ones((len(a_free), 1)))])
    ub_b = s * b_free
    if individually_rational:
        ub_a = sp.vstack([ub_a, sp.hstack([sp.csr_array(s * np.eye(n)), sp.csr_array((n, 1))])])
        ub_b = np.concatenate([ub_b, s * game.standalone()])
    eq_a = np.vstack([np.append(np.ones(n), 0.0), np.hstack([s * a_fixed, np.zeros((len(a_fixed), 1))])])
    eq_b = np.concatenate([[game.grand], s * b_fixed])
    cost = np.zeros(n + 1)
    cost[-1] = 1.0
    res = linprog(
        cost,
        A_ub=sp.csr_array(ub_a),
        b_ub=ub_b,
        A_eq=sp.csr_array(eq_a),
        b_eq=eq_b,
        bounds=[(None, None)] * (n + 1),
        method="highs",
    )
    if res.status != 0:
        raise GameError(f"nucleolus LP failed on HiGHS: {res.message}", field="nucleolus")
    duals = -np.asarray(res.ineqlin.marginals)[: len(a_free)]
    return np.asarray(res.x[:n]), float(res.x[-1]), duals


def least_core(game: Game) -> tuple[float, dict[str, float]]:
    """Return the least-core ``ε*`` and one allocation attaining it (an efficient ``x`` only).

    ``ε* ≤ 0`` iff the core is non-empty. A one-player game has no proper coalition: its
    ``ε*`` is reported as ``0.0`` (its core is ``{c(N)}``).
    """
    if game.n == 1:
        return 0.0, game.as_dict(np.array([game.grand]))
    _check_size(game)
    a = membership(game.n)[1:-1]
    x, eps, _ = _solve(game, a, game.values[1:-1], np.zeros((0, game.n)), np.zeros(0), False)
    return eps, game.as_dict(x)


def imputations_exist(game: Game) -> bool:
    """Whether some efficient allocation is individually rational: ``Σ_i e({i}) ≤ 0`` attainable."""
    return game.sign * (game.grand - game.standalone().sum()) <= 1e-9 * _scale(game)


def nucleolus(game: Game, *, imputations: bool | None = None) -> dict[str, float]:
    """Return the nucleolus (see the module docstring for the definition and the LP sequence).

    Parameters
    ----------
    game
        A cost or value game with at most :data:`MAX_NUCLEOLUS_PLAYERS` players.
    imputations
        ``True``: over imputations (raises if there are none); ``False``: the pre-nucleolus, over
        all efficient allocations; ``None`` (default): imputations when they exist, else the
        pre-nucleolus.
    """
    n = game.n
    if n == 1:
        return game.as_dict(np.array([game.grand]))
    _check_size(game)
    exist = imputations_exist(game)
    if imputations and not exist:
        raise GameError(
            "the game has no imputation (the stand-alone values cannot all be met)", field="nucleolus"
        )
    ir = exist if imputations is None else imputations
    a_all = membership(n)
    free = np.arange(1, (1 << n) - 1)
    fixed: list[int] = []
    fixed_eps: list[float] = []
    basis = np.ones((1, n)) / np.sqrt(n)  # orthonormal rows spanning the fixed indicators and N
    x = np.zeros(n)
    while free.size and basis.shape[0] < n:
        x, eps, duals = _solve(
            game,
            a_all[free],
            game.values[free],
            a_all[fixed],
            game.values[fixed] + game.sign * np.asarray(fixed_eps),
            ir,
        )
        tight = duals > _DUAL_TOL
        if not tight.any():  # numerically tiny duals: the largest is still a tight row
            tight = duals == duals.max()
        for mask in free[tight]:
            fixed.append(int(mask))
            fixed_eps.append(eps)
            basis = _extend(basis, a_all[mask])
        residual = a_all[free] - (a_all[free] @ basis.T) @ basis
        free = free[~tight & (np.linalg.norm(residual, axis=1) > _SPAN_TOL)]
    if basis.shape[0] < n:  # every coalition fixed or spanned: one more solve pins x down
        x, _, _ = _solve(
            game,
            np.zeros((0, n)),
            np.zeros(0),
            a_all[fixed],
            game.values[fixed] + game.sign * np.asarray(fixed_eps),
            ir,
        )
    return game.as_dict(x)


def _extend(basis: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Add ``row`` to an orthonormal row basis (Gram–Schmidt) unless it is already spanned."""
    r = row - (basis @ row) @ basis
    norm = np.linalg.norm(r)
    return basis if norm <= _SPAN_TOL else np.vstack([basis, r / norm])


def _check_size(game: Game) -> None:
    if game.n > MAX_NUCLEOLUS_PLAYERS:
        raise GameError(
            f"the LP sequence handles at most {MAX_NUCLEOLUS_PLAYERS} players", field="players", value=game.n
        )
