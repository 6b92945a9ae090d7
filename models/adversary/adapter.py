"""From the engagement model's arrays (:mod:`models.engagement`) to the adversary's.

An :class:`~models.engagement.EngagementInstance` lists single threats; the attacker chooses how
many missiles fly each *track*. Threats whose (launch area, target, value, shot opportunities,
fire control) coincide fly the same track as far as the defence can tell, and become one threat
class. Sites of equal SSPK form one kind (the leak depends only on shots per SSPK value, so this
grouping is exact). The boost layer is not carried over (the adversary models assume none).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from models.adversary.instance import AdversaryError, AdversaryInstance, DefencePlan
from models.engagement import NO_BOOST, EngagementInstance, EngagementPlan

DEFAULT_SHOTS_PER_MISSILE = 4
"""Doctrine cap on shots at one missile when the engagement instance sets none."""


def _class_keys(inst: EngagementInstance) -> list[tuple]:
    ms = inst.max_shots
    fc = inst.fire_control
    keys = []
    for t in range(inst.n_threats):
        lo, hi = ms.indptr[t], ms.indptr[t + 1]
        f = () if fc is None else tuple(map(tuple, fc[lo:hi].toarray().astype(int).tolist()))
        keys.append(
            (
                int(inst.area[t]),
                int(inst.target[t]),
                float(inst.v[t]),
                tuple(ms.indices[lo:hi].tolist()),
                tuple(ms.data[lo:hi].tolist()),
                f,
            )
        )
    return keys


def from_engagement(
    inst: EngagementInstance,
    area_names: Sequence[str],
    target_names: Sequence[str],
    inventory: Sequence[int] | np.ndarray,
    *,
    max_shots_per_missile: int | None = None,
) -> tuple[AdversaryInstance, np.ndarray]:
    """The adversary's instance, and the class of every threat of the engagement instance.

    ``area_names`` and ``target_names`` label ``inst.area`` and ``inst.target``; ``inventory``
    gives each launch area's missiles.

    Raises
    ------
    AdversaryError
        When the instance carries a boost option (not modelled here).
    """
    if inst.n_boost:
        raise AdversaryError("the adversary models do not carry boost-layer options")
    keys = _class_keys(inst)
    assert inst.site_ids is not None and inst.sensor_ids is not None  # set by its __post_init__
    uniq = list(dict.fromkeys(keys))
    index = {k: c for c, k in enumerate(uniq)}
    cls = np.array([index[k] for k in keys], int)
    first = np.array([keys.index(k) for k in uniq], int)
    pk, kind = np.unique(inst.sspk, return_inverse=True)
    cap = inst.shots_per_threat_max or max_shots_per_missile or DEFAULT_SHOTS_PER_MISSILE
    values = np.zeros(len(target_names))
    values[inst.target[first]] = inst.v[first]
    fc = None
    if inst.fire_control is not None:
        ptr = inst.max_shots.indptr
        rows: np.ndarray | list[int] = (
            np.concatenate([np.arange(ptr[t], ptr[t + 1]) for t in first]) if len(first) else []
        )
        fc = sp.csr_array(inst.fire_control[np.asarray(rows, int)], dtype=float)
    adv = AdversaryInstance(
        area_names=tuple(area_names), inventory=np.asarray(inventory, int),
        target_names=tuple(target_names), value=values,
        class_area=inst.area[first].astype(int), class_target=inst.target[first].astype(int),
        shots=sp.csr_array(inst.max_shots[first]), site_ids=tuple(map(str, inst.site_ids)),
        site_cost=inst.site_cost, round_cost=inst.round_cost, magazine=inst.magazine,
        site_kind=kind.astype(int), kind_names=tuple(f"sspk {p:g}" for p in pk), kind_pk=pk,
        kind_max_shots=np.full(len(pk), cap), sensor_ids=tuple(map(str, inst.sensor_ids)),
        sensor_cost=inst.sensor_cost, fire_control=fc if inst.n_sensors else None,
        max_shots_per_missile=cap, site_type=inst.site_type, type_max=inst.type_max,
        existing_sites=inst.existing_sites, existing_sensors=inst.existing_sensors,
        budget=float(inst.budget),
    )  # fmt: skip
    # values per class, not per target: two classes on one target may carry different v
    if not np.allclose(adv.class_value, inst.v[first]):
        raise AdversaryError("threats on one target carry different values")
    return adv, cls


def plan_from_engagement(plan: EngagementPlan) -> DefencePlan:
    """The sites, rounds and sensors of an engagement plan (shots are re-optimised here)."""
    if plan.boost != NO_BOOST:
        raise AdversaryError("the adversary models do not carry boost-layer options")
    return DefencePlan(plan.sites.copy(), plan.rounds.astype(int), plan.sensors.copy())
