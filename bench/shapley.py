"""Time the cost-sharing rules on synthetic games (no geography): `python bench/shapley.py`.

Coalition values are a noisy concave function of coalition size (a cost game with economies of
scale), so timings reflect the game-theory code only. The issue's target — the Shapley value for 8
partners on the default geography in under a minute — is dominated by the 255 coalition solves,
not by this code; it belongs in the pipeline's benchmark once coalition values are wired in.
"""

from __future__ import annotations

import time

import numpy as np

from models.costshare import Game, core_check, least_core, nucleolus, shapley, shapley_sampled
from models.costshare.game import all_masks, popcount


def synthetic(n: int, seed: int = 0) -> Game:
    rng = np.random.default_rng(seed)
    size = popcount(all_masks(n)).astype(float)
    return Game(tuple(f"p{i}" for i in range(n)), "cost", 10 * np.sqrt(size) + rng.uniform(0, 1, size.size))


def timed(fn, *args, **kwargs) -> tuple[object, float]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def main() -> None:
    print(
        f"{'players':>7} {'coalitions':>10} {'shapley':>9} {'sampled 2k':>10} "
        f"{'core check':>10} {'least core':>10} {'nucleolus':>10}"
    )
    for n in (8, 12, 14, 16, 20):
        game = synthetic(n)
        phi, t_shap = timed(shapley, game)
        _, t_samp = timed(shapley_sampled, game, 2000, 0)
        _, t_check = timed(core_check, game, phi, epsilon=0.0)
        lc = nc = "-"
        if n <= 16:
            lc = f"{timed(least_core, game)[1]:9.2f}s"
            nc = f"{timed(nucleolus, game)[1]:9.2f}s"
        print(f"{n:>7} {(1 << n) - 1:>10} {t_shap:8.3f}s {t_samp:9.3f}s {t_check:9.3f}s {lc:>10} {nc:>10}")


if __name__ == "__main__":
    main()
