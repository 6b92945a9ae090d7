"""Axioms of the rules on random games (hypothesis): efficiency, symmetry, dummy, core."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.costshare import (
    Game,
    GameError,
    core_check,
    equal,
    is_core_empty,
    least_core,
    nucleolus,
    scrb,
    shapley,
    shapley_sampled,
)
from models.costshare.core import excesses
from models.costshare.game import all_masks

FAST = settings(max_examples=40, deadline=None)
kinds = st.sampled_from(["cost", "value"])


@st.composite
def games(draw, min_n: int = 2, max_n: int = 5) -> Game:
    n = draw(st.integers(min_n, max_n))
    values = draw(st.lists(st.integers(-20, 40), min_size=1 << n, max_size=1 << n))
    return Game(tuple(f"p{i}" for i in range(n)), draw(kinds), np.array(values, float))


def _swap01(masks: np.ndarray) -> np.ndarray:
    b0, b1 = masks & 1, (masks >> 1) & 1
    return (masks & ~np.int64(3)) | (b0 << 1) | b1


@st.composite
def symmetric_games(draw) -> Game:
    """Players p0 and p1 interchangeable: v(S) = f(S) + f(swap(S))."""
    n = draw(st.integers(2, 5))
    f = np.array(draw(st.lists(st.integers(0, 20), min_size=1 << n, max_size=1 << n)), float)
    masks = all_masks(n)
    return Game(tuple(f"p{i}" for i in range(n)), draw(kinds), f + f[_swap01(masks)])


@st.composite
def games_with_dummy(draw) -> tuple[Game, float]:
    """The last player adds exactly a to every coalition: v(S ∪ d) = v(S) + a."""
    n = draw(st.integers(2, 5))
    base = np.array(draw(st.lists(st.integers(0, 20), min_size=1 << (n - 1), max_size=1 << (n - 1))), float)
    base[0] = 0
    a = float(draw(st.integers(-5, 10)))
    values = np.concatenate([base, base + a])
    return Game(tuple(f"p{i}" for i in range(n)), draw(kinds), values), a


@st.composite
def games_with_core(draw) -> tuple[Game, np.ndarray]:
    """A core point by construction: x(S) ≤ c(S) (cost) or ≥ v(S) (value), x(N) = the grand value."""
    n = draw(st.integers(2, 5))
    kind = draw(kinds)
    x = np.array(draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)), float)
    slack = np.array(draw(st.lists(st.integers(0, 10), min_size=1 << n, max_size=1 << n)), float)
    masks = all_masks(n)
    paid = ((masks[:, None] >> np.arange(n)) & 1) @ x
    sign = 1 if kind == "cost" else -1
    values = paid + sign * slack
    values[-1] = x.sum()
    return Game(tuple(f"p{i}" for i in range(n)), kind, values), x


def _total(alloc: dict[str, float]) -> float:
    return sum(alloc.values())


@FAST
@given(games())
def test_efficiency(game):
    for rule in (equal, shapley, nucleolus):
        assert _total(rule(game)) == pytest.approx(game.grand, abs=1e-6)
    try:
        assert _total(scrb(game)) == pytest.approx(game.grand, abs=1e-6)
    except GameError:
        pass  # every remaining benefit zero with a cost left over: refused, by design
    assert _total(shapley_sampled(game, 20, seed=0).values) == pytest.approx(game.grand)


@FAST
@given(symmetric_games())
def test_symmetric_players_get_the_same(game):
    for rule in (shapley, nucleolus, scrb):
        try:
            x = rule(game)
        except GameError:
            continue
        assert x["p0"] == pytest.approx(x["p1"], abs=1e-6)


@FAST
@given(games_with_dummy())
def test_dummy_player_gets_its_stand_alone_value(case):
    game, a = case
    dummy = game.players[-1]
    assert shapley(game)[dummy] == pytest.approx(a)
    assert nucleolus(game)[dummy] == pytest.approx(a, abs=1e-6)
    try:
        assert scrb(game)[dummy] == pytest.approx(a, abs=1e-9)  # SC = a, RB = 0
    except GameError:
        pass  # no remaining benefit anywhere: refused, by design


@FAST
@given(games_with_core())
def test_nucleolus_lies_in_a_non_empty_core_and_is_lexicographically_best(case):
    game, x_core = case
    assert not is_core_empty(game)
    nu = game.as_vector(nucleolus(game))
    assert core_check(game, game.as_dict(nu)).in_core
    # The nucleolus minimises the decreasingly sorted excess vector: it beats the known core point.
    inner = slice(1, -1)
    e_nu = np.sort(excesses(game, nu)[inner])[::-1]
    e_x = np.sort(excesses(game, x_core)[inner])[::-1]
    diff = e_x - e_nu
    first = np.flatnonzero(np.abs(diff) > 1e-6)
    assert first.size == 0 or diff[first[0]] > 0
    # Its largest excess is the least-core ε*.
    assert e_nu[0] == pytest.approx(least_core(game)[0], abs=1e-6)


@FAST
@given(games())
def test_core_check_agrees_with_least_core(game):
    eps, x = least_core(game)
    check = core_check(game, x)
    assert check.max_violation == pytest.approx(eps, abs=1e-6)
    assert check.in_core == (eps <= 1e-7 * max(1.0, np.abs(game.values).max()))
    assert is_core_empty(game) == (not check.in_core)


def _lex_not_worse(game: Game, x: np.ndarray, y: np.ndarray) -> bool:
    """Whether x's decreasingly sorted proper excesses are lexicographically ≤ y's (within 1e-6)."""
    ex = np.sort(excesses(game, x)[1:-1])[::-1]
    ey = np.sort(excesses(game, y)[1:-1])[::-1]
    diff = ey - ex
    first = np.flatnonzero(np.abs(diff) > 1e-6)
    return first.size == 0 or diff[first[0]] > 0


@FAST
@given(games(min_n=3, max_n=5), st.integers(0, 2**32 - 1))
def test_prenucleolus_beats_every_other_efficient_allocation(game, seed):
    # Definition check, independent of the LP sequence: nearby efficient points (where a wrong
    # answer in a flat region would lose) and other rules' allocations never do better.
    pre = game.as_vector(nucleolus(game, imputations=False))
    rng = np.random.default_rng(seed)
    steps = rng.normal(size=(30, game.n))
    steps -= steps.mean(axis=1, keepdims=True)  # keep x(N) fixed
    scales = np.repeat([1e-3, 1e-1, 1.0], 10)[:, None]
    rivals = [pre + s for s in steps * scales]
    rivals += [game.as_vector(shapley(game)), game.as_vector(least_core(game)[1])]
    assert all(_lex_not_worse(game, pre, y) for y in rivals)
