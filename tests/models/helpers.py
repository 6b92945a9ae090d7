"""Seeded instance generators and brute-force oracles for the models tests."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp

from models import CoverInstance, LayeredInstance


def random_layered(
    seed: int, m: int = 30, n: int = 10, density: float = 0.25, budget_frac: float = 0.4
) -> LayeredInstance:
    """Random layered instance: three types (sensor, interceptor, both), integer costs."""
    rng = np.random.default_rng(seed)
    site_type = rng.integers(0, 3, n)
    a_s = (rng.random((m, n)) < density) & (site_type != 1)[None, :]
    a_k = (rng.random((m, n)) < density) & (site_type != 0)[None, :]
    c = rng.integers(1, 10, n).astype(float)
    return LayeredInstance(
        w=rng.integers(0, 20, m).astype(float),
        c=c,
        a_sensor=sp.csr_array(a_s.astype(np.int8)),
        a_interceptor=sp.csr_array(a_k.astype(np.int8)),
        site_type=site_type,
        type_max=rng.integers(1, 4, 3),
        budget=float(np.round(budget_frac * c.sum())),
    )


def random_cover(
    seed: int,
    m: int = 30,
    n: int = 10,
    density: float = 0.25,
    budget_frac: float | None = 0.4,
    count: int | None = None,
    required_frac: float = 0.0,
    types: int = 0,
) -> CoverInstance:
    """Random single-layer instance with integer weights and costs."""
    rng = np.random.default_rng(seed)
    a = rng.random((m, n)) < density
    c = rng.integers(1, 10, n).astype(float)
    required = rng.random(m) < required_frac if required_frac else None
    site_type = rng.integers(0, types, n) if types else None
    type_max = rng.integers(1, 4, types) if types else None
    return CoverInstance(
        w=rng.integers(0, 20, m).astype(float),
        c=c,
        a=sp.csr_array(a.astype(np.int8)),
        required=required,
        budget=None if budget_frac is None else float(np.round(budget_frac * c.sum())),
        count=count,
        site_type=site_type,
        type_max=type_max,
    )


def cover_of_kind(seed: int, m: int, n: int, density: float, budget_frac: float, count: int) -> CoverInstance:
    """A :func:`random_cover` whose limits rotate with the seed: a count (``seed % 3 == 0``), a
    budget, or a count and a budget with type limits."""
    kind = seed % 3
    return random_cover(
        seed,
        m=m,
        n=n,
        density=density,
        budget_frac=None if kind == 0 else budget_frac,
        count=count if kind != 1 else None,
        types=2 if kind == 2 else 0,
    )


def all_plans(n: int) -> np.ndarray:
    """Every subset of ``n`` sites as rows of a boolean matrix (2**n × n)."""
    return np.array(list(itertools.product([False, True], repeat=n)), dtype=bool)


def brute_force_layered(inst: LayeredInstance, feasible=None) -> float:
    """Best defended weight over every feasible subset of sites."""
    plans = all_plans(inst.n)
    xs = plans.T.astype(np.int64)
    defended = ((inst.a_sensor @ xs) > 0) & ((inst.a_interceptor @ xs) > 0)
    values = inst.w @ defended
    ok = np.array([inst.is_feasible(p) and (feasible is None or feasible(p)) for p in plans])
    return float(values[ok].max())


def brute_force_levels(inst: CoverInstance, increments, feasible) -> float:
    """Best sum_i w_i g(k_i) over every feasible subset (k_i = coverage count)."""
    plans = all_plans(inst.n)
    counts = inst.a @ plans.T.astype(np.int64)
    g = np.concatenate([[0.0], np.cumsum(increments)])
    values = inst.w @ g[np.minimum(counts, len(increments))]
    ok = np.array([feasible(p) for p in plans])
    return float(values[ok].max())


def brute_force_min_cost(inst: CoverInstance, feasible) -> float | None:
    """Least cost over every feasible subset, ``None`` when none is feasible."""
    plans = all_plans(inst.n)
    costs = plans.astype(float) @ inst.c
    ok = np.array([feasible(p) for p in plans])
    return float(costs[ok].min()) if ok.any() else None
