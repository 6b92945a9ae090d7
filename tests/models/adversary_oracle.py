"""Brute-force oracles for the attacker–defender models: itertools, no solver.

Written apart from ``models.adversary``: the defender's response enumerates every shot vector
of every missile, the attacker every laydown or loss set, the min–max every plan.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp

from models.adversary import AdversaryInstance, DefencePlan, Raid


def random_instance(
    seed: int, *, sensors: int = 1, budget: float = 9.0, per_pair: bool = False, total: int | None = None
) -> AdversaryInstance:
    """Two launch areas, two targets (four classes), two sites of two kinds, ``sensors``.

    ``per_pair``: fire control drawn per (class, site) pair instead of per class; ``total``: a
    doctrine cap on shots per missile.
    """
    rng = np.random.default_rng(seed)
    n_c, n_j = 4, 2
    shots = rng.integers(1, 3, (n_c, n_j)) * (rng.random((n_c, n_j)) < 0.75)
    track = (rng.random((n_c, sensors)) < 0.7).astype(float)
    return AdversaryInstance(
        area_names=("north", "south"),
        inventory=np.array([2, 2]),
        target_names=("A", "B"),
        value=rng.integers(1, 10, 2).astype(float),
        class_area=np.array([0, 0, 1, 1]),
        class_target=np.array([0, 1, 0, 1]),
        shots=sp.csr_array(shots),
        site_ids=("s0", "s1"),
        site_cost=np.array([3.0, 4.0]),
        round_cost=np.array([1.0, 1.0]),
        magazine=np.array([2, 2]),
        site_kind=np.array([0, 1]),
        kind_names=("midcourse", "terminal"),
        kind_pk=np.array([0.6, 0.8]),
        kind_max_shots=np.array([2, 1]),
        sensor_ids=tuple(f"k{k}" for k in range(sensors)),
        sensor_cost=np.full(sensors, 1.0),
        track=sp.csr_array(track) if sensors and not per_pair else None,
        fire_control=sp.csr_array(rng.integers(0, 3, (int((shots > 0).sum()), sensors)).astype(float))
        if sensors and per_pair
        else None,
        max_shots_per_missile=total,
        budget=budget,
    )


def defender_value(
    inst: AdversaryInstance,
    plan: DefencePlan,
    counts: np.ndarray,
    lost_sites: np.ndarray | None = None,
    lost_sensors: np.ndarray | None = None,
) -> float:
    """Least expected value lost over every shot assignment (every missile, every site)."""
    sites = plan.sites & ~(np.zeros(inst.n_sites, bool) if lost_sites is None else lost_sites)
    sensors = plan.sensors & ~(np.zeros(inst.n_sensors, bool) if lost_sensors is None else lost_sensors)
    rounds = np.where(sites, plan.rounds, 0)
    miss = 1.0 - inst.kind_pk[inst.site_kind]
    held = fire_control(inst, sensors)
    options, leaks, values = [], [], []
    for c in np.repeat(np.arange(len(counts)), counts):
        ranges = [range(int(held[c, j]) + 1) if sites[j] else range(1) for j in range(inst.n_sites)]
        opts = [
            o
            for o in itertools.product(*ranges)
            if all(
                sum(o[j] for j in range(inst.n_sites) if inst.site_kind[j] == q) <= inst.kind_max_shots[q]
                for q in range(len(inst.kind_names))
            )
        ]
        opts_a = np.array(opts, float)
        options.append(opts_a)
        leaks.append(np.prod(miss[None, :] ** opts_a, axis=1))
        values.append(inst.class_value[c])
    best = float(np.sum(values)) if values else 0.0
    for pick in itertools.product(*(range(len(o)) for o in options)):
        used = sum(options[t][p] for t, p in enumerate(pick))
        if np.any(used > rounds):
            continue
        best = min(best, float(sum(values[t] * leaks[t][p] for t, p in enumerate(pick))))
    return best


def fire_control(inst: AdversaryInstance, sensors: np.ndarray) -> np.ndarray:
    """``(C, J)``: most shots the built sensors' tracks allow site ``j`` at a class-``c`` missile."""
    out = np.zeros((inst.n_classes, inst.n_sites), int)
    fc: np.ndarray | None = None
    if inst.n_sensors:
        assert inst.fire_control is not None  # __post_init__ sets it whenever there are sensors
        fc = inst.fire_control.toarray()
    for p, (c, j) in enumerate(zip(inst.pair_class, inst.shots.indices, strict=True)):
        s = int(inst.shots.data[p])
        out[c, j] = s if fc is None else min(s, int(max((fc[p] * sensors).max(initial=0), 0)))
    return out


def laydowns(inst: AdversaryInstance, n: int) -> list[np.ndarray]:
    """Every laydown of ``n`` missiles on the classes within the areas' inventories."""
    out = []
    for combo in itertools.combinations_with_replacement(range(inst.n_classes), n):
        counts = np.bincount(combo, minlength=inst.n_classes)
        per_area = np.bincount(inst.class_area, weights=counts, minlength=len(inst.area_names))
        if np.all(per_area <= inst.inventory):
            out.append(counts)
    return out


def worst_raid_value(inst: AdversaryInstance, plan: DefencePlan, n: int) -> float:
    """The attacker's best laydown value, by enumeration."""
    return max(defender_value(inst, plan, m) for m in laydowns(inst, n))


def plans(inst: AdversaryInstance) -> list[DefencePlan]:
    """Every plan (sites, rounds, sensors) within budget."""
    out = []
    for x in itertools.product([False, True], repeat=inst.n_sites):
        xs = np.array(x, bool)
        ranges = [range(int(inst.magazine[j]) + 1) if x[j] else range(1) for j in range(inst.n_sites)]
        for r in itertools.product(*ranges):
            for y in itertools.product([False, True], repeat=inst.n_sensors):
                p = DefencePlan(xs, np.array(r, int), np.array(y, bool))
                if p.cost(inst) <= inst.budget + 1e-9:
                    out.append(p)
    return out


def loss_sets(inst: AdversaryInstance, plan: DefencePlan, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every set of ``min(k, assets)`` of the plan's sites and sensors."""
    assets = [("s", j) for j in np.flatnonzero(plan.sites)] + [("k", j) for j in np.flatnonzero(plan.sensors)]
    out = []
    for combo in itertools.combinations(assets, min(k, len(assets))):
        ls, lk = np.zeros(inst.n_sites, bool), np.zeros(inst.n_sensors, bool)
        for kind, j in combo:
            (ls if kind == "s" else lk)[j] = True
        out.append((ls, lk))
    return out


def raid(counts: list[int]) -> Raid:
    """A raid from a list of counts."""
    return Raid(np.array(counts, int))
