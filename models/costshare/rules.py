"""Allocation rules: who pays (cost game) or receives (value game) what of the grand value.

Every rule is a function ``(game, ...) -> dict[player, amount]`` whose amounts sum to the grand
value ``c(N)`` or ``v(N)`` (efficiency); its docstring carries its definition. Notation: ``N`` the
players, ``n = |N|``, ``c`` the characteristic function of a cost game, ``v`` of a value game
(formulas written for ``c`` hold for ``v`` unless stated), ``x(S) = Σ_{i∈S} x_i``.

The nucleolus (a sequence of LPs) lives in :mod:`models.costshare.nucleolus_lp` and is re-exported
here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from models.costshare.game import Game, GameError, all_masks, popcount
from models.costshare.nucleolus_lp import nucleolus

__all__ = [
    "SampledShapley",
    "equal",
    "nucleolus",
    "proportional_to_benefit",
    "proportional_to_standalone",
    "proportional_to_weights",
    "scrb",
    "shapley",
    "shapley_from_lookup",
    "shapley_sampled",
]


def _proportional(game: Game, key: np.ndarray, what: str) -> dict[str, float]:
    total = float(key.sum())
    if not total > 0:
        raise GameError(f"{what} sum to {total:g}: a proportional split needs a positive total")
    return game.as_dict(game.grand * key / total)


def equal(game: Game) -> dict[str, float]:
    r"""Split the grand value equally: :math:`x_i = c(N) / n`."""
    return game.as_dict(np.full(game.n, game.grand / game.n))


def weight_shares(weights: ArrayLike, cap: float | None = None) -> np.ndarray:
    r"""Return shares :math:`s_i = w_i / Σ_j w_j`, with an optional cap on every share.

    With a cap :math:`\bar s`, shares above it are set to :math:`\bar s` and the excess is
    redistributed to the others in proportion to their weights, repeatedly until no share exceeds
    the cap (the way NATO's common-funding formula caps its largest contributors): with ``C`` the
    capped set, :math:`s_i = \bar s` on ``C`` and
    :math:`s_i = (1 − |C|\bar s)\, w_i / Σ_{j∉C} w_j` elsewhere.

    Raises
    ------
    GameError
        If the weights do not have a positive sum, or the cap cannot be met
        (:math:`n\bar s < 1`, or only zero-weight players are left to absorb the excess).
    """
    w = np.asarray(weights, dtype=np.float64)
    if not w.sum() > 0 or np.any(w < 0):
        raise GameError("weights must be non-negative with a positive sum", field="weights")
    shares = w / w.sum()
    if cap is None:
        return shares
    if not 0 < cap <= 1 or cap * w.size < 1 - 1e-12:
        raise GameError(f"a cap must lie in [1/n, 1] = [{1 / w.size:g}, 1]", field="cap",
                        value=cap)
    capped = np.zeros(w.size, dtype=bool)
    while True:
        over = ~capped & (shares > cap * (1 + 1e-12))
        if not over.any():
            return shares
        capped |= over
        rest = w[~capped].sum()
        if not rest > 0:
            raise GameError("the cap leaves the excess to zero-weight players only",
                            field="cap", value=cap)
        shares = np.where(capped, cap, (1 - cap * capped.sum()) * w / rest)


def proportional_to_weights(
    game: Game, weights: Mapping[str, float] | None = None, *, cap: float | None = None
) -> dict[str, float]:
    r"""Split in proportion to a weight such as GDP or national income, optionally capped.

    :math:`x_i = s_i\, c(N)` with the shares of :func:`weight_shares` (the capped version
    redistributes every share above ``cap`` proportionally among the rest). ``weights`` defaults
    to ``game.weights``.
    """
    weights = game.weights if weights is None else weights
    if weights is None:
        raise GameError("the weight rule needs a weight per player (e.g. GDP)", field="weights")
    w = np.array([float(weights[p]) for p in game.players])
    return game.as_dict(game.grand * weight_shares(w, cap))


def proportional_to_benefit(
    game: Game, benefits: Mapping[str, float] | None = None
) -> dict[str, float]:
    r"""Split in proportion to each player's benefit: :math:`x_i = c(N)\, b_i / Σ_j b_j`."""
    benefits = game.benefits if benefits is None else benefits
    if benefits is None:
        raise GameError("the benefit rule needs a benefit per player", field="benefits")
    return _proportional(game, np.array([float(benefits[p]) for p in game.players]), "benefits")


def proportional_to_standalone(game: Game) -> dict[str, float]:
    r"""Split in proportion to stand-alone values: :math:`x_i = c(N)\, c(\{i\}) / Σ_j c(\{j\})`."""
    return _proportional(game, game.standalone(), "stand-alone values")


def shapley(game: Game) -> dict[str, float]:
    r"""Exact Shapley value, vectorised over coalitions.

    .. math::
        φ_i = \sum_{S ⊆ N∖\{i\}} \frac{|S|!\,(n−|S|−1)!}{n!}\,\bigl(c(S ∪ \{i\}) − c(S)\bigr),

    the average of ``i``'s marginal contribution over all ``n!`` orders of arrival. The weight is
    :math:`1 / (n \binom{n-1}{|S|})`. Cost ``O(n 2^n)``: about a second at 20 players.
    """
    n, v = game.n, game.values
    masks = all_masks(n)
    size = popcount(masks)
    weight = np.array([1.0 / (n * math.comb(n - 1, k)) for k in range(n)])
    phi = np.empty(n)
    for i in range(n):  # n passes, each vectorised over the 2^(n-1) coalitions without i
        without = masks[((masks >> i) & 1) == 0]
        phi[i] = weight[size[without]] @ (v[without | (1 << i)] - v[without])
    return game.as_dict(phi)


@dataclass(frozen=True)
class SampledShapley:
    """A Shapley value estimated from random orders of arrival, with its 95 % confidence interval.

    Attributes
    ----------
    values
        Mean marginal contribution per player over the sampled orders. The estimates sum to the
        grand value exactly (each order's marginals do).
    half_width
        Half-width of the 95 % confidence interval per player, ``1.96 · s_i / √m`` (CLT).
    n_permutations
        ``m``, the number of orders sampled.
    n_evaluated
        Number of distinct coalitions whose value was needed.
    """

    values: dict[str, float]
    half_width: dict[str, float]
    n_permutations: int
    n_evaluated: int


def shapley_from_lookup(
    players: Sequence[str],
    lookup: Callable[[np.ndarray], np.ndarray],
    n_permutations: int,
    seed: int,
    *,
    batch: int = 4096,
) -> SampledShapley:
    r"""Estimate the Shapley value from ``m`` random orders, evaluating coalitions via ``lookup``.

    Method: draw ``m`` orders uniformly (seeded ``numpy.random.default_rng``); in each, player
    ``i``'s marginal contribution is :math:`c(P_i ∪ \{i\}) − c(P_i)` with :math:`P_i` its
    predecessors. The estimate is the sample mean, and by the central limit theorem the 95 %
    confidence half-width is :math:`1.96\, s_i/\sqrt m` with :math:`s_i` the sample standard
    deviation. ``lookup`` maps an int64 array of coalition bitmasks to their values, so a caller
    can evaluate only the coalitions the sample visits (see ``coalitions.shapley_estimate``).
    """
    n, m = len(players), int(n_permutations)
    if m < 2:
        raise GameError("at least 2 permutations are needed for a confidence interval",
                        field="n_permutations", value=m)
    rng = np.random.default_rng(seed)
    total, total_sq = np.zeros(n), np.zeros(n)
    seen: set[int] = set()
    for start in range(0, m, batch):
        k = min(batch, m - start)
        order = rng.permuted(np.tile(np.arange(n), (k, 1)), axis=1)
        bits = np.int64(1) << order
        after = np.cumsum(bits, axis=1)  # distinct bits: the running sum is the running union
        before = after - bits
        uniq, inverse = np.unique(np.concatenate([after, before]).ravel(), return_inverse=True)
        vals = np.asarray(lookup(uniq), dtype=np.float64)[inverse].reshape(2 * k, n)
        seen.update(uniq.tolist())
        marginal = np.empty((k, n))
        np.put_along_axis(marginal, order, vals[:k] - vals[k:], axis=1)
        total += marginal.sum(axis=0)
        total_sq += (marginal**2).sum(axis=0)
    mean = total / m
    var = np.maximum(total_sq - m * mean**2, 0.0) / (m - 1)
    half = 1.96 * np.sqrt(var / m)
    seen.discard(0)
    return SampledShapley(
        values={p: float(x) for p, x in zip(players, mean, strict=True)},
        half_width={p: float(h) for p, h in zip(players, half, strict=True)},
        n_permutations=m,
        n_evaluated=len(seen),
    )


def shapley_sampled(game: Game, n_permutations: int, seed: int) -> SampledShapley:
    """Shapley value estimated from ``n_permutations`` random orders (see :func:`shapley_from_lookup`)."""
    return shapley_from_lookup(game.players, lambda masks: game.values[masks], n_permutations, seed)


def scrb(game: Game, benefits: Mapping[str, float] | None = None) -> dict[str, float]:
    r"""Separable costs – remaining benefits (US water-resources practice; Young et al. 1982).

    For a cost game, with benefit :math:`b_i` (``benefits`` or ``game.benefits``; without them
    :math:`b_i = +∞`, i.e. the justifiable expenditure is the stand-alone cost):

    * separable cost :math:`SC_i = c(N) − c(N∖\{i\})` (what ``i``'s joining adds);
    * remaining benefit :math:`RB_i = \max(0, \min(b_i, c(\{i\})) − SC_i)` (clipped at zero, as
      practice does for a purpose whose separable cost exceeds its justifiable expenditure);
    * non-separable cost :math:`NSC = c(N) − Σ_j SC_j`;
    * :math:`x_i = SC_i + NSC · RB_i / Σ_j RB_j`.

    For a value game the rule is applied to the cost game :math:`c = −v` and negated back
    (benefits ignored): separable value :math:`SV_i = v(N) − v(N∖\{i\})`, margin
    :math:`r_i = \max(0, SV_i − v(\{i\}))`, and
    :math:`x_i = SV_i − (Σ_j SV_j − v(N))\, r_i / Σ_j r_j` — each player gets its marginal
    contribution less a share of the over-promise in proportion to its margin above going alone.

    Raises
    ------
    GameError
        If every remaining benefit is zero while a non-zero non-separable cost is left to share.
    """
    s, n, v = game.sign, game.n, game.values
    c = s * v  # the cost game: c itself, or −v
    grand = game.grand_mask
    sc = c[grand] - c[grand ^ (1 << np.arange(n))]
    alone = c[1 << np.arange(n)]
    benefits = game.benefits if benefits is None else benefits
    if benefits is not None and game.kind == "cost":
        alone = np.minimum(alone, [float(benefits[p]) for p in game.players])
    rb = np.maximum(alone - sc, 0.0)
    nsc = c[grand] - sc.sum()
    scale = max(1.0, float(np.abs(c).max()))
    if rb.sum() > 0:
        x = sc + nsc * rb / rb.sum()
    elif abs(nsc) <= 1e-9 * scale:
        x = sc.astype(np.float64)
    else:
        raise GameError(f"SCRB is undefined: every remaining benefit is zero and the "
                        f"non-separable cost is {nsc:g}", field="scrb")
    return game.as_dict(s * x)
