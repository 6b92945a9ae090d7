"""The fire control both engagement models share: sensor dominance and the per-level rows.

References written here: the adversary model's former dominance rule (dense, sensor by sensor)
and its former per-level rows (``fc[rows] >= k``), on seeded random instances.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models.engagement.fire_control import dominated, fire_control_levels


def _old_adversary_keep(f: np.ndarray, cost: np.ndarray, existing: np.ndarray | None) -> np.ndarray:
    """``AdversaryInstance.undominated_sensors`` as it was before the shared rule."""
    n = f.shape[1]
    keep = np.ones(n, bool)
    idx = np.arange(n)
    for s in idx:
        geq = np.all(f >= f[:, [s]], axis=0) & (cost <= cost[s])
        strict = np.any(f > f[:, [s]], axis=0) | (cost < cost[s]) | (idx < s)
        keep[s] = not np.any(geq & strict & (idx != s))
    if existing is not None:
        keep |= existing
    return keep


def _instance(seed: int, step: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    rng = np.random.default_rng(seed)
    n_p, n_s = int(rng.integers(1, 30)), int(rng.integers(1, 9))
    f = rng.integers(0, 4, size=(n_p, n_s)) * step * (rng.random((n_p, n_s)) < 0.6)
    dup = rng.integers(0, n_s, size=n_s // 2)  # copies and weakened copies: ties and dominance
    for a, b in zip(rng.integers(0, n_s, size=dup.size), dup, strict=True):
        f[:, a] = np.maximum(f[:, b] - step * (rng.random(n_p) < 0.3), 0)
    cost = rng.choice([1.0, 2.0, 3.0], size=n_s)
    existing = rng.random(n_s) < 0.2 if rng.random() < 0.5 else None
    return f, cost, existing


@pytest.mark.parametrize("step", [1.0, 0.5])
def test_shared_dominance_equals_the_old_adversary_rule(step: float) -> None:
    n_dominated = 0
    for seed in range(300):
        f, cost, existing = _instance(seed, step)
        got = ~dominated(sp.csr_array(f), cost, existing)
        np.testing.assert_array_equal(got, _old_adversary_keep(f, cost, existing), err_msg=f"seed {seed}")
        n_dominated += int((~got).sum())
    assert n_dominated > 100  # the instances do exercise dominance


def test_levels_are_the_old_per_level_rows() -> None:
    for seed in range(100):
        f, _cost, _existing = _instance(seed)
        fc = sp.csr_array(f)
        n_max = np.minimum(f.max(axis=1), np.random.default_rng(seed).integers(0, 4, f.shape[0]))
        pair, level, sets = fire_control_levels(fc, n_max)
        assert np.all(np.diff(level) >= 0)
        for k in range(1, int(n_max.max(initial=0)) + 1):
            rows = np.flatnonzero(n_max >= k)
            at = np.flatnonzero(level == k)
            np.testing.assert_array_equal(pair[at], rows)
            old = sp.csr_array(fc[rows] >= k, dtype=float).toarray()
            np.testing.assert_array_equal(sets[at].toarray(), old, err_msg=f"seed {seed} k {k}")
        assert len(pair) == int(n_max.sum())
