"""The yearly core LP on games small enough to solve by hand."""

from __future__ import annotations

import numpy as np
import pytest

from models.costshare import Game
from models.costshare.yearly import yearly_core_split


def test_two_years_by_hand():
    # Year 0 (spend 10): only A's points are served, so B alone would have paid nothing.
    # Year 1 (spend 10, 20 so far): each alone would have paid 12.
    g0 = Game(("A", "B"), "cost", np.array([0.0, 10.0, 0.0, 10.0]))
    g1 = Game(("A", "B"), "cost", np.array([0.0, 12.0, 12.0, 20.0]))
    equal = {0: {"A": 5.0, "B": 5.0}, 1: {"A": 5.0, "B": 5.0}}
    split = yearly_core_split([0, 1], [g0, g1], np.array([10.0, 10.0]), equal)
    # Year 0 is forced to (10, 0); then A's total must stay within [8, 12]: year 1 gives A at most 2.
    assert split.all_years_in_core
    assert split.epsilon == pytest.approx(0.0, abs=1e-7)
    assert split.contributions[0] == pytest.approx({"A": 10.0, "B": 0.0}, abs=1e-5)
    assert split.contributions[1] == pytest.approx({"A": 2.0, "B": 8.0}, abs=1e-5)
    assert split.deviation_musd == pytest.approx(16.0, abs=1e-4)


def test_empty_core_gives_the_least_core_epsilon():
    # Three players, pairs 5, singles 4, N 10: x(pairs) sum to 2 x(N) = 20 > 15, so no core;
    # the least core has epsilon = 5/3 (every pair paying 5 + 5/3 at the equal split).
    values = np.zeros(8)
    for mask in range(1, 8):
        values[mask] = {1: 4.0, 2: 5.0, 3: 10.0}[bin(mask).count("1")]
    game = Game(("A", "B", "C"), "cost", values)
    ref = {2030: {"A": 4.0, "B": 3.0, "C": 3.0}}
    split = yearly_core_split([2030], [game], np.array([10.0]), ref)
    assert not split.all_years_in_core
    assert split.epsilon == pytest.approx(5.0 / 3.0)
    x = split.contributions[2030]
    assert sum(x.values()) == pytest.approx(10.0)
    assert max(x[a] + x[b] for a, b in (("A", "B"), ("A", "C"), ("B", "C"))) <= 5 + 5 / 3 + 1e-6
