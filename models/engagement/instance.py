r"""Engagement instances and plans as arrays: threats, interceptor sites, sensors, shots.

No geography: :mod:`geodata.killchain` turns tracks and sites into the sparse shot-opportunity
matrix once, and the planner packs it here.

Notation
    Threats :math:`t \in T` (one missile each) with value :math:`v_t` lost when it leaks;
    interceptor sites :math:`j \in J` with site cost :math:`c_j`, cost per round :math:`c^r_j`,
    magazine :math:`M_j`, single-shot kill probability :math:`p_j` and layer; sensors
    :math:`s \in S` with cost :math:`c^s_s`; shot opportunities :math:`n_{tj} \in \{0, 1, 2\}`
    (0: no window; 2: shoot-look-shoot fits); fire control :math:`F_{tj} \subseteq S`, the
    sensors whose track of :math:`t` is good enough to launch site :math:`j` at :math:`t`;
    boost options :math:`o` with cost :math:`c^b_o` and survival :math:`\sigma_{ot}` (at most
    one bought, none means :math:`\sigma = 1`); budget :math:`B`.

    A plan buys sites :math:`y_j`, sensors :math:`z_s`, rounds :math:`r_j \le M_j y_j`, a boost
    option :math:`b_o`, and fires :math:`x_{tj} \le n_{tj}` shots with
    :math:`\sum_t x_{tj} \le r_j`, only when some :math:`s \in F_{tj}` is bought. Shots are
    independent, so threat :math:`t` leaks with probability

    .. math:: P(\text{leak}_t) = \sigma_{bt}\prod_j (1 - p_j)^{x_{tj}}.

Fire control is kept per shot opportunity (per threat *and* site), not per defended point:
``fire_control`` has one row per stored entry of ``max_shots`` (CSR order, see
:attr:`EngagementInstance.pairs`) and one column per sensor; entry :math:`f_{tjs}` is the number of
shots sensor :math:`s`'s track allows site :math:`j` at :math:`t` (a late cue may leave room for
one shot where an early one allows shoot-look-shoot), so :math:`x_{tj} \le \max_{s \text{ built}}
f_{tjs}`. When a caller only knows "sensor :math:`s` tracks :math:`t`" (a ``(T, S)`` 0/1 matrix),
:func:`fire_control_from_track` broadcasts it to every site that can engage :math:`t` with the
full :math:`n_{tj}` shots — a simplification the caller should document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

LAYERS: tuple[str, ...] = ("boost", "midcourse", "terminal")
"""Layer names; ``layer[j]`` holds an index into this tuple."""

NO_BOOST = -1
"""``EngagementPlan.boost`` when no boost option is bought."""


def _vec(a: object, n: int | None, name: str, dtype: type = float) -> np.ndarray:
    arr: np.ndarray = np.atleast_1d(np.asarray(a, dtype=dtype))
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        raise ValueError(f"{name} has shape {arr.shape}, expected ({n},)")
    if dtype is float and not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite")
    return arr


def _ids(ids: np.ndarray | None, prefix: str, n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = [f"{prefix}{k}" for k in range(n)] if ids is None else list(ids)
    return out


def fire_control_from_track(max_shots: sp.sparray, track: sp.sparray) -> sp.csr_array:
    """Per-opportunity fire control from a per-threat track matrix.

    ``track[t, s] = 1`` when sensor ``s`` holds a fire-control track of threat ``t`` during the
    windows of every site that can engage ``t`` (the simplification). Returns the
    ``(n_pairs, S)`` matrix whose row ``p`` is ``n_p * track[t_p]`` (every shot allowed).
    """
    ms = sp.csr_array(max_shots, dtype=np.int64)
    ms.sum_duplicates()
    ms.eliminate_zeros()
    ms.sort_indices()
    t = np.repeat(np.arange(ms.shape[0]), np.diff(ms.indptr))
    tr = sp.csr_array(sp.csr_array(track, dtype=np.int64)[t])
    tr.data[:] = 1
    return sp.csr_array(tr.multiply(ms.data[:, None]), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class EngagementInstance:
    r"""A raid against a set of candidate interceptor sites and sensors (module docstring).

    Attributes
    ----------
    v
        ``(T,)`` value lost if threat ``t`` leaks (e.g. the target's weight), non-negative.
    area, target
        ``(T,)`` launch-area and target-point index of each threat (labels for reports).
    site_cost, round_cost
        ``(J,)`` cost of building site ``j`` and of each round stocked there.
    magazine
        ``(J,)`` maximum rounds at site ``j`` (integer).
    sspk
        ``(J,)`` single-shot kill probability of site ``j``'s interceptor, in ``[0, 1)``.
    layer
        ``(J,)`` index into :data:`LAYERS`.
    site_type, type_max
        ``(J,)`` type index of each site; ``(K,)`` maximum number of sites built per type.
    sensor_cost
        ``(S,)`` cost of each candidate sensor.
    max_shots
        ``(T, J)`` sparse integer shot opportunities (0 no window, 1, 2 with shoot-look-shoot).
        Canonical CSR, zeros eliminated; its stored entries are the *pairs*.
    fire_control
        ``(n_pairs, S)`` sparse integer: shots sensor ``s``'s track allows at pair ``p`` (capped
        at ``n_p``; 0 none); ``None`` means no sensor is needed to fire.
    boost_cost, boost_survival
        ``(O,)`` and ``(O, T)``: optional boost-layer options (at most one is bought).
    budget
        Total budget :math:`B` (same unit as every cost).
    existing_sites, existing_sensors
        Boolean masks of assets already in place: always built; their costs count as given
        (set them to 0 for sunk costs).
    threat_ids, site_ids, sensor_ids, type_names, boost_ids
        Labels.
    shots_per_threat_max
        Doctrine: at most this many shots at one threat over all layers (``None``: no limit).
    """

    v: np.ndarray
    area: np.ndarray
    target: np.ndarray
    site_cost: np.ndarray
    round_cost: np.ndarray
    magazine: np.ndarray
    sspk: np.ndarray
    layer: np.ndarray
    site_type: np.ndarray
    type_max: np.ndarray
    sensor_cost: np.ndarray
    max_shots: sp.csr_array
    fire_control: sp.csr_array | None
    budget: float
    boost_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    boost_survival: np.ndarray | None = None
    existing_sites: np.ndarray | None = None
    existing_sensors: np.ndarray | None = None
    threat_ids: np.ndarray | None = None
    site_ids: np.ndarray | None = None
    sensor_ids: np.ndarray | None = None
    type_names: tuple[str, ...] = ()
    boost_ids: np.ndarray | None = None
    shots_per_threat_max: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        n_t = _vec(self.v, None, "v").shape[0]
        n_j = _vec(self.site_cost, None, "site_cost").shape[0]
        n_s = _vec(self.sensor_cost, None, "sensor_cost").shape[0]
        for name, n, dt in (
            ("v", n_t, float),
            ("area", n_t, np.int64),
            ("target", n_t, np.int64),
            ("site_cost", n_j, float),
            ("round_cost", n_j, float),
            ("magazine", n_j, np.int64),
            ("sspk", n_j, float),
            ("layer", n_j, np.int64),
            ("site_type", n_j, np.int64),
            ("type_max", None, np.int64),
            ("sensor_cost", n_s, float),
            ("boost_cost", None, float),
        ):
            set_(self, name, _vec(getattr(self, name), n, name, dt))
        if (self.v < 0).any() or (self.site_cost < 0).any() or (self.round_cost < 0).any():
            raise ValueError("values and costs must be non-negative")
        if ((self.sspk < 0) | (self.sspk >= 1)).any():
            raise ValueError("sspk must lie in [0, 1)")
        if (self.magazine < 0).any() or ((self.layer < 0) | (self.layer >= len(LAYERS))).any():
            raise ValueError("magazine must be >= 0 and layer an index into LAYERS")
        if n_j and (self.site_type.min() < 0 or self.site_type.max() >= self.type_max.shape[0]):
            raise ValueError("site_type refers to a type outside type_max")
        ms = sp.csr_array(self.max_shots, dtype=np.int64)
        if ms.shape != (n_t, n_j):
            raise ValueError(f"max_shots has shape {ms.shape}, expected {(n_t, n_j)}")
        ms.sum_duplicates()
        ms.eliminate_zeros()
        ms.sort_indices()
        if (ms.data < 0).any():
            raise ValueError("max_shots must be non-negative")
        set_(self, "max_shots", ms)
        if self.fire_control is not None:
            fc = sp.csr_array(self.fire_control, dtype=np.int64)
            if fc.shape != (ms.nnz, n_s):
                raise ValueError(f"fire_control has shape {fc.shape}, expected {(ms.nnz, n_s)}")
            fc = sp.csr_array(fc.minimum(sp.csr_array(fc != 0).multiply(ms.data[:, None])), dtype=np.int64)
            fc.eliminate_zeros()
            if (fc.data < 0).any():
                raise ValueError("fire_control must be non-negative")
            set_(self, "fire_control", fc)
        n_o = self.boost_cost.shape[0]
        bs = np.ones((n_o, n_t)) if self.boost_survival is None else np.asarray(self.boost_survival, float)
        if bs.shape != (n_o, n_t) or ((bs < 0) | (bs > 1)).any():
            raise ValueError(f"boost_survival must be ({n_o}, {n_t}) probabilities")
        set_(self, "boost_survival", bs)
        for name, n in (("existing_sites", n_j), ("existing_sensors", n_s)):
            m = getattr(self, name)
            set_(self, name, np.zeros(n, bool) if m is None else _vec(m, n, name, bool))
        for name, prefix, n in (
            ("threat_ids", "t", n_t),
            ("site_ids", "j", n_j),
            ("sensor_ids", "s", n_s),
            ("boost_ids", "o", n_o),
        ):
            set_(self, name, _ids(getattr(self, name), prefix, n))
        if not self.type_names:
            set_(self, "type_names", tuple(f"type{k}" for k in range(self.type_max.shape[0])))

    @property
    def n_threats(self) -> int:
        """Number of threats :math:`|T|`."""
        return int(self.v.shape[0])

    @property
    def n_sites(self) -> int:
        """Number of candidate interceptor sites :math:`|J|`."""
        return int(self.site_cost.shape[0])

    @property
    def n_sensors(self) -> int:
        """Number of candidate sensors :math:`|S|`."""
        return int(self.sensor_cost.shape[0])

    @property
    def n_boost(self) -> int:
        """Number of boost-layer options."""
        return int(self.boost_cost.shape[0])

    @property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """``(t, j)`` of every shot opportunity, in ``max_shots``' CSR order."""
        ms = self.max_shots
        return np.repeat(np.arange(ms.shape[0]), np.diff(ms.indptr)), ms.indices.astype(np.int64)

    @property
    def log_miss(self) -> np.ndarray:
        r"""``(J,)`` kill weight :math:`\lambda_j = -\ln(1 - p_j)` of one shot from site ``j``."""
        return -np.log1p(-self.sspk)


@dataclass(frozen=True, eq=False)
class EngagementPlan:
    """Sites, sensors and rounds bought, boost option, and shots assigned.

    Attributes
    ----------
    sites
        ``(J,)`` bool, interceptor sites built.
    sensors
        ``(S,)`` bool, sensors built.
    rounds
        ``(J,)`` int, rounds stocked per site.
    shots
        ``(T, J)`` sparse int, shots ``x[t, j]`` fired by site ``j`` at threat ``t``.
    boost
        Index of the boost option bought, :data:`NO_BOOST` for none.
    """

    sites: np.ndarray
    sensors: np.ndarray
    rounds: np.ndarray
    shots: sp.csr_array
    boost: int = NO_BOOST

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "sites", np.asarray(self.sites, dtype=bool))
        set_(self, "sensors", np.asarray(self.sensors, dtype=bool))
        set_(self, "rounds", np.asarray(np.rint(self.rounds), dtype=np.int64))
        x = sp.csr_array(self.shots, dtype=np.int64)
        x.sum_duplicates()
        x.eliminate_zeros()
        set_(self, "shots", x)
        set_(self, "boost", int(self.boost))


def leak_probability(inst: EngagementInstance, plan: EngagementPlan) -> np.ndarray:
    r"""``(T,)`` exact :math:`P(\text{leak}_t) = \sigma_{bt}\prod_j (1 - p_j)^{x_{tj}}`."""
    x = sp.csr_array(plan.shots, dtype=float)
    if x.shape != (inst.n_threats, inst.n_sites):
        raise ValueError(f"shots has shape {x.shape}, expected {(inst.n_threats, inst.n_sites)}")
    survive = np.exp(-(x @ inst.log_miss))
    if plan.boost != NO_BOOST:
        assert inst.boost_survival is not None  # filled by EngagementInstance.__post_init__
        survive = survive * inst.boost_survival[plan.boost]
    return survive


def expected_leakage(inst: EngagementInstance, plan: EngagementPlan) -> tuple[float, float]:
    r"""``(expected leakers, expected value lost)``: :math:`\sum_t P_t` and :math:`\sum_t v_t P_t`."""
    p = leak_probability(inst, plan)
    return float(p.sum()), float(inst.v @ p)


def plan_cost(inst: EngagementInstance, plan: EngagementPlan) -> float:
    """Total cost: sites, rounds, sensors and the boost option."""
    cost = inst.site_cost @ plan.sites + inst.round_cost @ plan.rounds + inst.sensor_cost @ plan.sensors
    return float(cost + (inst.boost_cost[plan.boost] if plan.boost != NO_BOOST else 0.0))


def engaged(inst: EngagementInstance, plan: EngagementPlan) -> np.ndarray:
    """``(T,)`` bool: threats that receive at least one shot or face a bought boost layer.

    "Engaged" is not "defeated": an engaged threat still leaks with :func:`leak_probability`.
    """
    shot = np.asarray(plan.shots.sum(axis=1)).ravel() > 0
    if plan.boost != NO_BOOST:
        assert inst.boost_survival is not None  # filled by EngagementInstance.__post_init__
        shot |= inst.boost_survival[plan.boost] < 1
    return shot


def plan_violations(inst: EngagementInstance, plan: EngagementPlan, tol: float = 1e-6) -> list[str]:
    """Every constraint the plan breaks, one line each (empty when feasible)."""
    out: list[str] = []
    x = plan.shots
    if ((x - inst.max_shots).data > 0).any() or (x.data < 0).any():
        out.append("shots outside the shot opportunities (x > max_shots)")
    fired = np.asarray(x.sum(axis=0)).ravel()
    if (fired > plan.rounds).any():
        out.append(f"sites fire more than their rounds: {np.flatnonzero(fired > plan.rounds).tolist()}")
    if (plan.rounds > inst.magazine * plan.sites).any():
        out.append("rounds above magazine, or at a site not built")
    if (inst.existing_sites & ~plan.sites).any() or (inst.existing_sensors & ~plan.sensors).any():
        out.append("an existing asset is not in the plan")
    built = np.bincount(inst.site_type[plan.sites], minlength=inst.type_max.shape[0])
    if (built > inst.type_max).any():
        out.append("more sites of a type than its maximum count")
    if inst.shots_per_threat_max is not None and x.nnz:
        if (np.asarray(x.sum(axis=1)).ravel() > inst.shots_per_threat_max).any():
            out.append(f"more than {inst.shots_per_threat_max} shots at one threat")
    if not NO_BOOST <= plan.boost < inst.n_boost:
        out.append(f"boost option {plan.boost} out of range")
    if plan_cost(inst, plan) > inst.budget * (1 + tol) + tol:
        out.append(f"cost {plan_cost(inst, plan):.6g} above budget {inst.budget:.6g}")
    if inst.fire_control is not None and x.nnz:
        t, j = inst.pairs
        shot = np.asarray(x[t, j]).ravel()
        allowed = sp.csr_array(inst.fire_control.multiply(plan.sensors[None, :].astype(np.int64)))
        held = np.asarray(allowed.max(axis=1).toarray()).ravel() if allowed.shape[1] else 0 * shot
        if (shot > held).any():
            out.append("more shots than the built sensors' fire-control tracks allow")
    return out
