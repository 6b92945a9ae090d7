"""Allocation rules against textbook games with known answers."""

import itertools
import math

import numpy as np
import pytest

from models.costshare import (
    Game,
    GameError,
    equal,
    nucleolus,
    proportional_to_benefit,
    proportional_to_standalone,
    proportional_to_weights,
    scrb,
    shapley,
    shapley_sampled,
)
from models.costshare.rules import weight_shares


def airport(costs: list[float]) -> Game:
    """Runway game: a coalition pays for the longest runway any member needs."""
    players = [f"p{i}" for i in range(len(costs))]
    by = dict(zip(players, costs, strict=True))
    return Game.from_function(players, "cost", lambda s: max(by[p] for p in s))


def bankruptcy(estate: float, claims: list[float]) -> Game:
    """v(S) = max(0, E − Σ_{i∉S} d_i): what S gets after paying everyone else in full."""
    players = [f"c{d:g}" for d in claims]
    by = dict(zip(players, claims, strict=True))
    return Game.from_function(
        players, "value", lambda s: max(0.0, estate - sum(by[p] for p in players if p not in s))
    )


def brute_shapley(game: Game) -> np.ndarray:
    """Average marginal contribution over all n! orders (independent of the bitmask code)."""
    phi = np.zeros(game.n)
    orders = list(itertools.permutations(range(game.n)))
    for order in orders:
        mask = 0
        for i in order:
            phi[i] += game.values[mask | 1 << i] - game.values[mask]
            mask |= 1 << i
    return phi / len(orders)


def vec(alloc: dict[str, float]) -> np.ndarray:
    return np.array(list(alloc.values()))


# -- Shapley --------------------------------------------------------------------------------------
def test_airport_shapley_is_sequential_equal_sharing():
    # Runways 1, 2, 4: the first unit is shared by 3, the next by 2, the last 2 by plane 3 alone.
    got = vec(shapley(airport([1, 2, 4])))
    assert got == pytest.approx([1 / 3, 1 / 3 + 1 / 2, 1 / 3 + 1 / 2 + 2])


def test_airport_shapley_formula_on_six_planes():
    costs = [2.0, 3.0, 3.0, 7.0, 8.0, 12.0]
    n = len(costs)
    increments = np.diff([0.0, *costs])
    expected = np.cumsum(increments / (n - np.arange(n)))  # increment k is shared by planes k..n
    assert vec(shapley(airport(costs))) == pytest.approx(expected)


def test_shapley_matches_permutation_brute_force():
    rng = np.random.default_rng(7)
    values = rng.integers(-5, 30, size=32).astype(float)
    game = Game(tuple("abcde"), "value", values)
    assert vec(shapley(game)) == pytest.approx(brute_shapley(game))


def test_shapley_sampled_converges_within_its_interval():
    rng = np.random.default_rng(3)
    game = Game(tuple("abcdef"), "cost", rng.uniform(0, 10, size=64))
    exact = vec(shapley(game))
    small = shapley_sampled(game, 400, seed=11)
    big = shapley_sampled(game, 6400, seed=11)
    for est in (small, big):
        assert sum(est.values.values()) == pytest.approx(game.grand)  # each order is efficient
        # 2 half-widths ≈ 3.9 σ: a fixed seed, and a margin against a 1-in-20 miss per player.
        assert np.all(np.abs(vec(est.values) - exact) <= 2 * vec(est.half_width))
    # 16× the samples: the interval shrinks by about 4 (CLT).
    ratio = vec(small.half_width) / vec(big.half_width)
    assert np.all((ratio > 3) & (ratio < 5.5))
    assert big.n_evaluated == 63  # every coalition visited at this sample size


def test_shapley_sampled_is_reproducible_and_needs_two_orders():
    game = airport([1, 2, 4])
    assert shapley_sampled(game, 50, seed=1) == shapley_sampled(game, 50, seed=1)
    with pytest.raises(GameError):
        shapley_sampled(game, 1, seed=1)


# -- Nucleolus ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("estate", "expected"),
    [(100, [100 / 3] * 3), (200, [50, 75, 75]), (300, [50, 100, 150])],
)
def test_bankruptcy_nucleolus_is_the_talmud_rule(estate, expected):
    # Aumann & Maschler (1985), claims 100, 200, 300: the Talmud's division is the nucleolus.
    assert vec(nucleolus(bankruptcy(estate, [100, 200, 300]))) == pytest.approx(expected, abs=1e-6)


def test_airport_nucleolus_littlechild():
    # Littlechild (1974): x1 = min_k c_k/(k+1) = min(1/2, 2/3, 4/4) = 1/2; then planes 2, 3 split
    # the remaining costs (1.5, 3.5): x2 = min(1.5/2, 3.5/3) = 0.75; x3 = 4 − 1.25 = 2.75.
    assert vec(nucleolus(airport([1, 2, 4]))) == pytest.approx([0.5, 0.75, 2.75], abs=1e-7)


def test_majority_game_nucleolus_is_equal_split():
    game = Game.from_function("abc", "value", lambda s: float(len(s) >= 2))
    assert vec(nucleolus(game)) == pytest.approx([1 / 3] * 3, abs=1e-7)


def test_two_player_nucleolus_is_the_standard_solution():
    # Split the surplus over stand-alone values equally; the same for cost and value kinds.
    for kind in ("cost", "value"):
        game = Game(("a", "b"), kind, np.array([0.0, 3.0, 5.0, 6.0]))
        surplus = 6.0 - 8.0
        assert vec(nucleolus(game)) == pytest.approx([3 + surplus / 2, 5 + surplus / 2], abs=1e-7)


def test_nucleolus_and_prenucleolus_coincide_when_the_core_is_non_empty():
    # v(23) = 10, v(N) = 11, all else 0. By symmetry x2 = x3 = (11 − x1)/2; the largest excesses are
    # e(1) = −x1 and e(23) = x1 − 1, balanced at x1 = 1/2.
    values = {6: 10, 7: 11}
    game = Game(("1", "2", "3"), "value", np.array([values.get(m, 0) for m in range(8)], float))
    assert vec(nucleolus(game)) == pytest.approx([0.5, 5.25, 5.25], abs=1e-6)
    assert vec(nucleolus(game, imputations=False)) == pytest.approx([0.5, 5.25, 5.25], abs=1e-6)


def test_nucleolus_over_imputations_differs_from_prenucleolus():
    # v(ab) = 8, v(ac) = 6, v(bc) = 5, v(N) = 2, singletons 0 (empty core).
    # Pre-nucleolus: the three pair excesses sum to 19 − 2·2 = 15, balanced at 5 each:
    #   x_a + x_b = 3, x_a + x_c = 1, x_b + x_c = 0 → (2, 1, −1), not individually rational.
    # Over imputations (x ≥ 0): e(ab) = 6 + x_c is smallest at x_c = 0; then balance
    #   e(ac) = 4 + x_b and e(bc) = 3 + x_a with x_a + x_b = 2 → (1.5, 0.5, 0).
    game = Game(tuple("abc"), "value", np.array([0, 0, 0, 8, 0, 6, 5, 2], float))
    assert vec(nucleolus(game, imputations=False)) == pytest.approx([2, 1, -1], abs=1e-6)
    assert vec(nucleolus(game)) == pytest.approx([1.5, 0.5, 0], abs=1e-6)


def test_nucleolus_without_imputations_falls_back_or_refuses():
    # Σ v(i) = 3 > v(N) = 1: no imputation exists.
    game = Game(tuple("ab"), "value", np.array([0, 1, 2, 1], float))
    assert vec(nucleolus(game)) == pytest.approx(vec(nucleolus(game, imputations=False)))
    assert vec(nucleolus(game)) == pytest.approx([0, 1], abs=1e-7)
    with pytest.raises(GameError, match="no imputation"):
        nucleolus(game, imputations=True)


# -- SCRB ------------------------------------------------------------------------------------------
def test_scrb_worked_example_with_benefits():
    # c: A 6, B 8, C 10, AB 12, AC 13, BC 15, ABC 18; benefits A 5, B 9, C 11.
    # SC = 18 − c(N∖i): A 18−15 = 3, B 18−13 = 5, C 18−12 = 6;  Σ SC = 14, NSC = 18 − 14 = 4.
    # justifiable min(b, c_i): A 5, B 8, C 10;  RB = A 2, B 3, C 4;  Σ RB = 9.
    # x = SC + NSC·RB/ΣRB: A 3 + 8/9, B 5 + 12/9, C 6 + 16/9  (sum 18).
    values = np.array([0, 6, 8, 12, 10, 13, 15, 18], float)
    game = Game(tuple("ABC"), "cost", values, benefits={"A": 5, "B": 9, "C": 11})
    assert vec(scrb(game)) == pytest.approx([3 + 8 / 9, 5 + 12 / 9, 6 + 16 / 9])


def test_scrb_airport_without_benefits():
    # SC = (0, 0, 2), RB = c_i − SC = (1, 2, 2), NSC = 2 → (0.4, 0.8, 2.8).
    assert vec(scrb(airport([1, 2, 4]))) == pytest.approx([0.4, 0.8, 2.8])


def test_scrb_value_game_by_hand_and_as_negated_cost_game():
    # v: singletons 0, AB 4, AC 2, BC 0, ABC 5. SV = v(N) − v(N∖i) = (5, 3, 1), Σ = 9, over-promise 4,
    # margins r = SV − v(i) = (5, 3, 1): x = SV − 4 r/9 = (25/9, 15/9, 5/9).
    values = np.array([0, 0, 0, 4, 0, 2, 0, 5], float)
    game = Game(tuple("ABC"), "value", values)
    assert vec(scrb(game)) == pytest.approx([25 / 9, 15 / 9, 5 / 9])
    negated = Game(tuple("ABC"), "cost", -values)
    assert vec(scrb(game)) == pytest.approx(-vec(scrb(negated)))


# -- Proportional rules ------------------------------------------------------------------------
def test_equal_and_standalone_and_benefit_rules():
    game = Game(
        tuple("ABC"),
        "cost",
        np.array([0, 6, 8, 12, 10, 13, 15, 18], float),
        benefits={"A": 1, "B": 1, "C": 2},
    )
    assert vec(equal(game)) == pytest.approx([6, 6, 6])
    assert vec(proportional_to_standalone(game)) == pytest.approx(np.array([6, 8, 10]) * 18 / 24)
    assert vec(proportional_to_benefit(game)) == pytest.approx([4.5, 4.5, 9])


def test_weight_shares_with_cap_redistribute_proportionally():
    assert weight_shares([60, 30, 10], cap=0.5) == pytest.approx([0.5, 0.375, 0.125])
    # Redistribution pushes B over the cap in turn: A .4, B .4, C takes the rest.
    assert weight_shares([50, 40, 10], cap=0.4) == pytest.approx([0.4, 0.4, 0.2])
    assert weight_shares([50, 40, 10]) == pytest.approx([0.5, 0.4, 0.1])
    with pytest.raises(GameError, match="cap"):
        weight_shares([1, 1, 1], cap=0.3)


def test_weight_rule_uses_game_weights_and_cap():
    game = Game(tuple("ABC"), "cost", np.arange(8, dtype=float), weights={"A": 60, "B": 30, "C": 10})
    assert vec(proportional_to_weights(game)) == pytest.approx([4.2, 2.1, 0.7])
    assert vec(proportional_to_weights(game, cap=0.5)) == pytest.approx([3.5, 2.625, 0.875])
    with pytest.raises(GameError, match="weights"):
        proportional_to_weights(Game(tuple("AB"), "cost", np.arange(4.0)))


def test_standalone_rule_refuses_zero_total():
    game = Game.from_function("abc", "value", lambda s: float(len(s) >= 2))
    with pytest.raises(GameError, match="stand-alone"):
        proportional_to_standalone(game)


def test_shapley_and_scrb_on_a_sixteen_player_additive_game():
    # Additive game: every rule in the Shapley family returns the stand-alone values.
    n = 16
    w = np.arange(1, n + 1, dtype=float)
    masks = np.arange(1 << n)
    values = ((masks[:, None] >> np.arange(n)) & 1) @ w
    game = Game(tuple(f"p{i}" for i in range(n)), "cost", values)
    assert vec(shapley(game)) == pytest.approx(w)
    assert math.isclose(sum(scrb(game).values()), w.sum())
