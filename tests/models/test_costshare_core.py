"""Core check, least core and empty-core detection."""

import numpy as np
import pytest

from models.costshare import Game, core_check, is_core_empty, least_core, nucleolus, shapley


def airport() -> Game:
    by = {"A": 1.0, "B": 2.0, "C": 4.0}
    return Game.from_function("ABC", "cost", lambda s: max(by[p] for p in s))


def majority() -> Game:
    return Game.from_function("abc", "value", lambda s: float(len(s) >= 2))


def test_majority_game_has_an_empty_core():
    game = majority()
    assert is_core_empty(game)
    eps, x = least_core(game)
    # x = 1/3 each leaves every pair 1/3 short; no efficient x does better (pairs sum to 2·x(N)).
    assert eps == pytest.approx(1 / 3)
    check = core_check(game, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert not check.in_core and check.least_core_epsilon == pytest.approx(1 / 3)
    assert check.blocking_coalition == ("a", "b")  # every pair ties: the lowest mask is named
    assert check.max_violation == pytest.approx(1 / 3)


def test_airport_equal_split_is_blocked_by_the_small_planes():
    # Equal split 4/3 each: {A} pays 1/3 too much, {A, B} pays 8/3 − 2 = 2/3 too much (the worst).
    game = airport()
    check = core_check(game, {p: 4 / 3 for p in "ABC"})
    assert not check.in_core
    assert check.blocking_coalition == ("A", "B")
    assert check.max_violation == pytest.approx(2 / 3)
    assert check.efficiency_gap == pytest.approx(0)


def test_airport_shapley_is_in_the_core_and_least_core_is_negative():
    game = airport()
    check = core_check(game, shapley(game))
    assert check.in_core and check.blocking_coalition is None
    # Least core: slacks c(S) − x(S) include {A}: 1 − x_A and {B, C}: 4 − x_B − x_C = x_A, so
    # the smallest slack is at most 1/2; x = (1/2, 1, 5/2) attains 1/2 everywhere: ε* = −1/2.
    assert check.least_core_epsilon == pytest.approx(-0.5)
    assert not is_core_empty(game)
    # Shapley: {A} slack 2/3, {A,B} slack 2 − 7/6 = 5/6, {B} 7/6, {C} 7/6, {A,C} 5/6, {B,C} 1/3.
    assert check.max_violation == pytest.approx(-1 / 3)


def test_inefficient_allocations_are_not_in_the_core():
    game = airport()
    over = core_check(game, {"A": 1, "B": 1, "C": 3})  # collects 5 > 4: N itself objects
    assert not over.in_core and over.blocking_coalition == ("A", "B", "C")
    assert over.efficiency_gap == pytest.approx(1)
    under = core_check(game, {"A": 0.5, "B": 0.5, "C": 2})  # 3 < 4: nobody objects, not efficient
    assert not under.in_core and under.blocking_coalition is None


def test_value_game_signs():
    # Value game: a coalition objects when it receives less than it could get alone.
    game = Game(tuple("ab"), "value", np.array([0, 2, 1, 5], float))
    assert core_check(game, {"a": 3, "b": 2}).in_core
    bad = core_check(game, {"a": 1, "b": 4})
    assert bad.blocking_coalition == ("a",) and bad.max_violation == pytest.approx(1)
    assert bad.least_core_epsilon == pytest.approx(-1)  # surplus 2 split: each 1 above alone


def test_nucleolus_is_in_the_least_core():
    game = majority()
    x = nucleolus(game)
    assert core_check(game, x).max_violation == pytest.approx(least_core(game)[0], abs=1e-7)


def test_one_player_game():
    game = Game(("solo",), "cost", np.array([0.0, 7.0]))
    check = core_check(game, {"solo": 7.0})
    assert check.in_core and check.least_core_epsilon == 0.0 and check.max_violation == 0.0
    assert nucleolus(game) == {"solo": 7.0} and shapley(game) == {"solo": 7.0}
