r"""Core membership of an allocation, the coalition that would object, and the least core.

Definitions (sign convention of :mod:`models.costshare.nucleolus_lp`): for a cost game an allocation
``x`` is in the core iff it is efficient, :math:`x(N) = c(N)`, and no coalition pays more than it
would alone, :math:`x(S) ≤ c(S)` for every ``S``; for a value game iff :math:`x(N) = v(N)` and
:math:`x(S) ≥ v(S)`. The *violation* of ``S`` is its excess :math:`e(S, x)` (``x(S) − c(S)``, or
``v(S) − x(S)``); the coalition that would object is the one with the largest violation, when it
is positive. Comparisons use a tolerance of ``1e-7 · max(1, max |c|)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from models.costshare.game import Game, all_masks, popcount
from models.costshare.nucleolus_lp import MAX_NUCLEOLUS_PLAYERS, least_core

__all__ = ["CoreCheck", "core_check", "is_core_empty", "tolerance"]


def tolerance(game: Game) -> float:
    """Absolute tolerance for core comparisons: ``1e-7 · max(1, max |values|)``."""
    return 1e-7 * max(1.0, float(np.abs(game.values).max()))


@dataclass(frozen=True)
class CoreCheck:
    """The result of checking one allocation against the core.

    Attributes
    ----------
    in_core
        Efficient (``|x(N) − c(N)| ≤ tol``) and no coalition's violation exceeds ``tol``.
    least_core_epsilon
        The *game's* least-core ``ε*`` (not the allocation's): the smallest ``ε`` such that some
        efficient ``x`` has ``e(S, x) ≤ ε`` for all proper ``S``. ``ε* ≤ 0`` iff the core is
        non-empty. ``None`` beyond ``MAX_NUCLEOLUS_PLAYERS`` players (the LP has ``2^n`` rows).
    blocking_coalition
        The proper coalition with the largest violation (the smallest such coalition on ties)
        when that violation exceeds ``tol``; otherwise ``N`` itself when it is short-changed
        (a cost game over-collected, a value game under-distributed); otherwise ``None``.
    max_violation
        The largest violation over proper coalitions ``∅ ≠ S ⊊ N`` (``0.0`` for one player):
        ``≤ 0`` iff no proper coalition objects, and then ``−max_violation`` is the margin by
        which ``x`` is stable.
    efficiency_gap
        ``x(N) − c(N)`` (or ``x(N) − v(N)``); beyond ``tol`` the allocation is not efficient and
        not in the core.
    """

    in_core: bool
    least_core_epsilon: float | None
    blocking_coalition: tuple[str, ...] | None
    max_violation: float
    efficiency_gap: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict (``blocking_coalition`` as a list or ``None``)."""
        return {
            "in_core": self.in_core,
            "least_core_epsilon": self.least_core_epsilon,
            "blocking_coalition": None if self.blocking_coalition is None else list(self.blocking_coalition),
            "max_violation": self.max_violation,
            "efficiency_gap": self.efficiency_gap,
        }


def excesses(game: Game, x: np.ndarray) -> np.ndarray:
    """Return ``e(S, x)`` for every mask ``S`` (index 0, the empty coalition, is 0)."""
    masks = all_masks(game.n)
    paid = np.zeros(masks.size)
    for i in range(game.n):  # n vectorised passes keep memory at O(2^n), not O(n 2^n)
        paid += ((masks >> i) & 1) * x[i]
    return game.sign * (paid - game.values)


def core_check(game: Game, allocation: Mapping[str, float], *, epsilon: float | None = None) -> CoreCheck:
    """Check ``allocation`` against the core of ``game`` (see the module docstring).

    ``epsilon`` lets a caller checking several allocations pass the game's least-core ``ε*``
    once instead of re-solving its LP.
    """
    x = game.as_vector(allocation)
    tol = tolerance(game)
    e = excesses(game, x)
    gap = float(x.sum() - game.grand)
    proper = e[1:-1]
    max_violation = float(proper.max()) if proper.size else 0.0
    blocking: tuple[str, ...] | None = None
    if max_violation > tol:
        # Ties (within tol): the smallest coalition, the sharpest objection, then the lowest mask.
        masks = all_masks(game.n)[1:-1]
        near = np.flatnonzero(proper >= max_violation - tol)
        blocking = game.members(int(masks[near[np.lexsort((masks[near], popcount(masks[near])))[0]]]))
    elif e[-1] > tol:  # over-collection (cost) or under-distribution (value): N itself objects
        blocking = game.players
    if epsilon is not None:
        eps: float | None = float(epsilon)
    else:
        eps = least_core(game)[0] if game.n <= MAX_NUCLEOLUS_PLAYERS else None
    return CoreCheck(
        in_core=abs(gap) <= tol and max_violation <= tol,
        least_core_epsilon=eps,
        blocking_coalition=blocking,
        max_violation=max_violation,
        efficiency_gap=gap,
    )


def is_core_empty(game: Game) -> bool:
    """Whether the core is empty: the least-core ``ε*`` is positive (beyond tolerance)."""
    return least_core(game)[0] > tolerance(game)
