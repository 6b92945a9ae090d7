"""Hooks for expensive coalition values: caching, size order, parallel, sampling beyond 12."""

import threading

import numpy as np
import pytest

from models.costshare import CoalitionCache, GameError, build_game, shapley, shapley_estimate

RUNWAY = {f"p{i}": float(c) for i, c in enumerate([1, 2, 2, 3, 5, 8, 8, 9, 11, 12, 13, 15, 17, 20])}


def runway(coalition: frozenset[str]) -> float:
    return max(RUNWAY[p] for p in coalition)


def airport_shapley(costs: list[float]) -> np.ndarray:
    n = len(costs)
    return np.cumsum(np.diff([0.0, *costs]) / (n - np.arange(n)))


class Recorder:
    def __init__(self) -> None:
        self.calls: list[frozenset[str]] = []
        self.lock = threading.Lock()

    def __call__(self, coalition: frozenset[str]) -> float:
        with self.lock:
            self.calls.append(coalition)
        return runway(coalition)


@pytest.mark.parametrize("workers", [1, 3])
def test_build_game_evaluates_each_coalition_once_smallest_first(workers):
    players = list(RUNWAY)[:6]
    rec = Recorder()
    cache = CoalitionCache(rec)
    game = build_game(players, cache, "cost", workers=workers)
    assert len(rec.calls) == 63 and len(set(rec.calls)) == 63
    sizes = [len(c) for c in rec.calls]
    if workers == 1:
        assert sizes == sorted(sizes)
    assert list(shapley(game).values()) == pytest.approx(airport_shapley([RUNWAY[p] for p in players]))
    # A second build (e.g. another rule's game) reuses the cache: no new evaluation.
    build_game(players, cache, "cost", workers=workers)
    assert len(rec.calls) == 63


def test_size_levels_complete_before_the_next_in_parallel():
    players = list(RUNWAY)[:5]
    seen_sizes: list[int] = []
    cache_holder: list[CoalitionCache] = []

    def needs_subsets(coalition: frozenset[str]) -> float:
        # A warm start reads every subset one smaller from the cache: it must already be there.
        for p in coalition:
            if len(coalition) > 1:
                assert coalition - {p} in cache_holder[0]
        seen_sizes.append(len(coalition))
        return runway(coalition)

    cache = CoalitionCache(needs_subsets)
    cache_holder.append(cache)
    build_game(players, cache, "cost", workers=2)
    assert len(seen_sizes) == 31


def test_process_workers_give_the_same_game():
    players = list(RUNWAY)[:4]
    serial = build_game(players, runway, "cost")
    parallel = build_game(players, runway, "cost", workers=2, executor="process")
    assert np.array_equal(serial.values, parallel.values)


def test_beyond_the_exact_limit_build_game_refuses_and_shapley_samples():
    players = list(RUNWAY)  # 14 players: 16,383 coalitions
    with pytest.raises(GameError, match="shapley_estimate"):
        build_game(players, runway, "cost")
    rec = Recorder()
    est = shapley_estimate(players, rec, n_permutations=300, seed=5)
    assert est.method == "sampled" and est.n_permutations == 300
    assert len(rec.calls) == est.n_evaluated < (1 << 14) - 1  # only visited coalitions, once each
    exact = airport_shapley(list(RUNWAY.values()))
    got = np.array([est.values[p] for p in players])
    half = np.array([est.half_width[p] for p in players])
    assert np.all(np.abs(got - exact) <= 2 * half + 1e-12)
    assert got.sum() == pytest.approx(max(RUNWAY.values()))


def test_shapley_estimate_is_exact_up_to_the_limit():
    players = list(RUNWAY)[:5]
    est = shapley_estimate(players, runway)
    assert est.method == "exact" and est.n_evaluated == 31
    assert list(est.values.values()) == pytest.approx(airport_shapley([1, 2, 2, 3, 5]))
    assert set(est.half_width.values()) == {0.0}
