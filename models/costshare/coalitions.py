"""Hooks for games whose coalition values are expensive (each one a placement solve).

The pipeline gives a ``coalition_value(S: frozenset[str]) -> float`` and the players; this module
evaluates it once per coalition (cached), in parallel when asked, in order of coalition size —
every coalition of size ``k`` is done before any of size ``k + 1``, so ``coalition_value`` may warm
start from its subsets' results through the same :class:`CoalitionCache`.

* Up to ``exact_up_to`` players (12 by default: 4,095 coalitions) the whole game is built and every
  rule is exact (:func:`build_game`).
* Beyond, the Shapley value is *sampled* (:func:`shapley_estimate`): ``m`` uniformly random orders
  of arrival, the marginal contributions along each, their mean, and a 95 % CLT confidence
  half-width ``1.96 s/√m``; only the coalitions on the sampled orders are evaluated (at most
  ``m (n − 1)`` of them, typically far fewer than ``2^n``). The nucleolus and the core check need
  every coalition and are not offered beyond the exact limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.costshare.game import Game, GameError, GameKind, all_masks
from models.costshare.rules import shapley, shapley_from_lookup

__all__ = ["CoalitionCache", "ShapleyEstimate", "build_game", "evaluate", "shapley_estimate"]

CoalitionValue = Callable[[frozenset[str]], float]
EXACT_UP_TO = 12


class CoalitionCache:
    """A thread-safe memo of ``coalition_value``: each coalition is evaluated at most once.

    The empty coalition is worth 0 and never evaluated. ``hits`` and ``misses`` count look-ups.
    """

    def __init__(self, coalition_value: CoalitionValue) -> None:
        self.coalition_value = coalition_value
        self._values: dict[frozenset[str], float] = {frozenset(): 0.0}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __contains__(self, coalition: frozenset[str]) -> bool:
        return coalition in self._values

    def __len__(self) -> int:
        return len(self._values) - 1

    def get(self, coalition: frozenset[str]) -> float | None:
        """Return the cached value of ``coalition`` or ``None`` (no evaluation)."""
        return self._values.get(coalition)

    def put(self, coalition: frozenset[str], value: float) -> None:
        """Store a value computed elsewhere (e.g. by a worker process)."""
        with self._lock:
            self._values[coalition] = float(value)

    def __call__(self, coalition: frozenset[str]) -> float:
        """Return the value of ``coalition``, evaluating it on first use."""
        with self._lock:
            if coalition in self._values:
                self.hits += 1
                return self._values[coalition]
            self.misses += 1
        value = float(self.coalition_value(coalition))
        self.put(coalition, value)
        return value


def _make_executor(workers: int, executor: Literal["thread", "process"]) -> Executor:
    if executor == "process":
        return ProcessPoolExecutor(max_workers=workers)
    return ThreadPoolExecutor(max_workers=workers)


def evaluate(
    coalitions: Iterable[frozenset[str]],
    cache: CoalitionCache,
    *,
    workers: int = 1,
    executor: Literal["thread", "process"] = "thread",
) -> None:
    """Evaluate every uncached coalition into ``cache``, smallest coalitions first.

    ``workers > 1`` evaluates each size level concurrently: threads suit solvers that release the
    GIL (HiGHS, CP-SAT); ``"process"`` needs a picklable ``coalition_value`` and suits
    Python-heavy model building.
    """
    todo = sorted({c for c in coalitions if c not in cache}, key=lambda c: (len(c), sorted(c)))
    if not todo:
        return
    if workers <= 1:
        for c in todo:
            cache(c)
        return
    with _make_executor(workers, executor) as pool:
        for size in sorted({len(c) for c in todo}):
            level = [c for c in todo if len(c) == size]
            for c, value in zip(level, pool.map(cache.coalition_value, level), strict=True):
                cache.put(c, value)
            cache.misses += len(level)


def _coalition(players: Sequence[str], mask: int) -> frozenset[str]:
    return frozenset(p for i, p in enumerate(players) if (mask >> i) & 1)


def build_game(
    players: Sequence[str],
    coalition_value: CoalitionValue | CoalitionCache,
    kind: GameKind,
    *,
    workers: int = 1,
    executor: Literal["thread", "process"] = "thread",
    exact_up_to: int = EXACT_UP_TO,
    benefits: Mapping[str, float] | None = None,
    weights: Mapping[str, float] | None = None,
) -> Game:
    """Evaluate every non-empty coalition (cached, optionally in parallel) and return the game.

    Raises
    ------
    GameError
        Beyond ``exact_up_to`` players: use :func:`shapley_estimate`, which samples.
    """
    players = tuple(players)
    if len(players) > exact_up_to:
        raise GameError(
            f"{len(players)} players exceed the exact limit of {exact_up_to} "
            "(2^n coalitions): use shapley_estimate, which samples orders",
            field="players",
            value=len(players),
        )
    cache = (
        coalition_value if isinstance(coalition_value, CoalitionCache) else CoalitionCache(coalition_value)
    )
    masks = all_masks(len(players))[1:]
    coalitions = [_coalition(players, int(m)) for m in masks]
    evaluate(coalitions, cache, workers=workers, executor=executor)
    values = np.zeros(1 << len(players))
    values[masks] = [cache(c) for c in coalitions]
    return Game(players, kind, values, benefits=benefits, weights=weights)


@dataclass(frozen=True)
class ShapleyEstimate:
    """A Shapley value, exact or sampled, with the method said.

    Attributes
    ----------
    values
        Amount per player.
    half_width
        95 % confidence half-width per player (0 when exact).
    method
        ``"exact"`` (every coalition evaluated) or ``"sampled"`` (random orders, CLT interval).
    n_permutations
        Orders sampled (0 when exact).
    n_evaluated
        Distinct non-empty coalitions evaluated.
    """

    values: dict[str, float]
    half_width: dict[str, float]
    method: Literal["exact", "sampled"]
    n_permutations: int
    n_evaluated: int


def shapley_estimate(
    players: Sequence[str],
    coalition_value: CoalitionValue | CoalitionCache,
    *,
    kind: GameKind = "cost",
    exact_up_to: int = EXACT_UP_TO,
    n_permutations: int = 2000,
    seed: int = 0,
    workers: int = 1,
    executor: Literal["thread", "process"] = "thread",
) -> ShapleyEstimate:
    """Exact Shapley value up to ``exact_up_to`` players, sampled beyond (see module docstring)."""
    players = tuple(players)
    cache = (
        coalition_value if isinstance(coalition_value, CoalitionCache) else CoalitionCache(coalition_value)
    )
    n = len(players)
    if n <= exact_up_to:
        game = build_game(players, cache, kind, workers=workers, executor=executor, exact_up_to=exact_up_to)
        return ShapleyEstimate(shapley(game), dict.fromkeys(players, 0.0), "exact", 0, (1 << n) - 1)

    def lookup(masks: np.ndarray) -> np.ndarray:
        coalitions = [_coalition(players, int(m)) for m in masks]
        evaluate(coalitions, cache, workers=workers, executor=executor)
        return np.array([cache(c) for c in coalitions])

    est = shapley_from_lookup(players, lookup, n_permutations, seed)
    return ShapleyEstimate(est.values, est.half_width, "sampled", est.n_permutations, est.n_evaluated)
