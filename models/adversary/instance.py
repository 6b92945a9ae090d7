"""Arrays of the attacker–defender models: threat classes, interceptor sites, sensors, plans, raids.

A *threat class* ``c`` is a (launch area, target) pair: every missile of the class flies the same
track, so the defender's engagement opportunities and the value it threatens are the same for all
of them. Everything here is arrays and ids; geography stays in ``geodata`` / ``planner``.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from models.engagement.fire_control import dominated


class AdversaryError(ValueError):
    """An instance, plan or raid was declared inconsistently."""


@dataclass(frozen=True, eq=False)
class AdversaryInstance:
    r"""A defended region against a reading adversary (arrays only).

    Attributes
    ----------
    area_names
        Launch areas :math:`a \in A`.
    inventory
        :math:`M_a`, missiles area ``a`` can launch (``(A,)`` int).
    target_names, value
        Targets :math:`i \in I` and their values :math:`v_i` (e.g. people).
    class_area, class_target
        Threat classes :math:`c = (a(c), i(c))` (``(C,)`` int each).
    shots
        :math:`s_{cj}`: most shots site ``j`` can fire at one missile of class ``c`` (its
        engagement window), ``(C, J)`` sparse int.
    site_ids, site_cost, round_cost, magazine, site_kind
        Interceptor sites ``j``: fixed cost, cost per round, most rounds :math:`R_j`, and the kind
        :math:`q(j)` (an interceptor type: sites of one kind share an SSPK).
    kind_names, kind_pk, kind_max_shots
        Per kind: name, single-shot kill probability :math:`p_q`, and the doctrine's most shots
        of that kind at one missile :math:`\bar n_q`.
    sensor_ids, sensor_cost, track
        Fire-control sensors ``k`` (radars, satellite layers) and :math:`\tau_{ck} = 1` when
        sensor ``k`` holds a fire-control track on class ``c`` (``(C, K)`` sparse 0/1), good for
        every site that can engage ``c``. With no sensors (``K = 0``) every class counts as
        tracked.
    fire_control
        Instead of ``track``, fire control per shot opportunity: ``(nnz(shots), K)`` integer,
        :math:`f_{pk}` the shots sensor ``k``'s track allows site :math:`j_p` at a missile of
        class :math:`c_p` (a late cue may leave room for one shot where an early one allows
        shoot-look-shoot), pairs in the CSR order of ``shots`` as
        :class:`models.engagement.EngagementInstance` keeps them. ``track`` gives every tracking
        sensor the full :math:`s_{cj}`.
    max_shots_per_missile
        Doctrine: most shots at one missile over all kinds (``None``: only the per-kind caps).
    site_type, type_max
        Optional per-site type and most sites built per type.
    existing_sites, existing_sensors
        Assets already in place: every plan keeps them.
    budget
        :math:`B`: most the plan (sites, rounds and sensors) may cost.
    """

    area_names: tuple[str, ...]
    inventory: np.ndarray
    target_names: tuple[str, ...]
    value: np.ndarray
    class_area: np.ndarray
    class_target: np.ndarray
    shots: sp.csr_array
    site_ids: tuple[str, ...]
    site_cost: np.ndarray
    round_cost: np.ndarray
    magazine: np.ndarray
    site_kind: np.ndarray
    kind_names: tuple[str, ...]
    kind_pk: np.ndarray
    kind_max_shots: np.ndarray
    sensor_ids: tuple[str, ...] = ()
    sensor_cost: np.ndarray = field(default_factory=lambda: np.zeros(0))
    track: sp.csr_array | None = None
    fire_control: sp.csr_array | None = None
    max_shots_per_missile: int | None = None
    site_type: np.ndarray | None = None
    type_max: np.ndarray | None = None
    existing_sites: np.ndarray | None = None
    existing_sensors: np.ndarray | None = None
    budget: float = float("inf")

    def __post_init__(self) -> None:
        n_c, n_j, n_k = len(self.class_area), len(self.site_ids), len(self.sensor_ids)
        shots = sp.csr_array(self.shots, dtype=np.int64)
        shots.sum_duplicates()
        shots.eliminate_zeros()
        shots.sort_indices()
        object.__setattr__(self, "shots", shots)
        if shots.shape != (n_c, n_j):
            raise AdversaryError(f"shots has shape {shots.shape}, expected {(n_c, n_j)}")
        if n_k and self.fire_control is None:
            if self.track is None or self.track.shape != (n_c, n_k):
                raise AdversaryError(f"track must have shape {(n_c, n_k)}")
            rows = np.repeat(np.arange(n_c), np.diff(shots.indptr))
            fc = sp.diags_array(shots.data.astype(float)) @ sp.csr_array(self.track, dtype=float)[rows]
            object.__setattr__(self, "fire_control", sp.csr_array(fc))
        if n_k:
            fc = sp.csr_array(self.fire_control, dtype=float)
            rows = np.repeat(np.arange(fc.shape[0]), np.diff(fc.indptr))
            fc.data = np.minimum(fc.data, shots.data[rows] if len(rows) else fc.data)
            object.__setattr__(self, "fire_control", fc)
        if n_k and fc.shape != (shots.nnz, n_k):  # fc: the fire_control just stored
            raise AdversaryError(f"fire_control must have shape {(shots.nnz, n_k)}")
        if np.any((self.kind_pk < 0) | (self.kind_pk >= 1)):
            raise AdversaryError("every SSPK must lie in [0, 1)")
        if len(self.inventory) != len(self.area_names):
            raise AdversaryError("one inventory per launch area")

    @property
    def n_classes(self) -> int:
        """Number of threat classes ``C``."""
        return int(len(self.class_area))

    @property
    def n_sites(self) -> int:
        """Number of interceptor sites ``J``."""
        return len(self.site_ids)

    @property
    def n_sensors(self) -> int:
        """Number of fire-control sensors ``K``."""
        return len(self.sensor_ids)

    @cached_property
    def class_value(self) -> np.ndarray:
        """:math:`v_{i(c)}` per class."""
        return np.asarray(self.value, float)[self.class_target]

    @cached_property
    def value_scale(self) -> float:
        """The largest class value, by which every model divides values.

        HiGHS's absolute tolerances are then relative ones, whatever the unit of value (people).
        """
        top = float(np.max(self.class_value, initial=0.0))
        return top if top > 0 else 1.0

    @cached_property
    def kind_matrix(self) -> sp.csr_array:
        """``(Q, J)`` 0/1: row ``q`` selects the sites of kind ``q``."""
        n_j = self.n_sites
        return sp.csr_array(
            (np.ones(n_j), (self.site_kind, np.arange(n_j))), shape=(len(self.kind_names), n_j)
        )

    @cached_property
    def kind_shots(self) -> np.ndarray:
        r""":math:`S_{cq} = \min(\bar n_q, \sum_{j: q(j) = q} s_{cj})`, ``(C, Q)`` int."""
        total = (
            (self.shots @ self.kind_matrix.T).toarray()
            if self.n_sites
            else np.zeros((self.n_classes, len(self.kind_names)))
        )
        return np.minimum(total, self.kind_max_shots[None, :]).astype(int)

    @cached_property
    def pair_class(self) -> np.ndarray:
        """Class of every shot opportunity (stored entry of ``shots``, CSR order)."""
        return np.repeat(np.arange(self.n_classes), np.diff(self.shots.indptr))

    def allowed(self, sites: np.ndarray, sensors: np.ndarray) -> np.ndarray:
        r"""Shots a plan may fire at one missile per pair: :math:`\max_{k \text{ built}} f_{pk}`."""
        out = self.shots.data.astype(float) * np.asarray(sites, bool)[self.shots.indices]
        if self.n_sensors:
            assert self.fire_control is not None  # __post_init__ sets it whenever there are sensors
            fc = sp.csr_array(self.fire_control.multiply(np.asarray(sensors, float)[None, :]))
            held = fc.max(axis=1).toarray().ravel() if fc.shape[1] else np.zeros(len(out))
            out = np.minimum(out, held)
        return out.astype(int)

    def undominated_sensors(self) -> np.ndarray:
        """Mask of sensors not dominated by another (exact for plans that lose no sensor).

        The rule shared with the kill-chain MILP, :func:`models.engagement.fire_control.dominated`
        (a cheaper-or-equal sensor allowing at least as many shots at every pair; ties: the lower
        index stays). Existing sensors are kept.
        """
        if not self.n_sensors:
            return np.ones(0, bool)
        assert self.fire_control is not None  # __post_init__ sets it whenever there are sensors
        return ~dominated(self.fire_control, self.sensor_cost, self.existing_sensors)

    def relevant(self) -> tuple[AdversaryInstance, np.ndarray, np.ndarray]:
        """The instance without the sites and sensors that can never fire at any class.

        Returns ``(instance, kept sites, kept sensors)`` (index arrays into this instance). Exact:
        a site with no shot opportunity, or a sensor giving fire control for none, changes no
        engagement; existing assets are kept (they count in every plan's cost).
        """
        ex_s = (
            np.zeros(self.n_sites, bool) if self.existing_sites is None else np.asarray(self.existing_sites)
        )
        ex_k = np.zeros(self.n_sensors, bool) if self.existing_sensors is None else self.existing_sensors
        sites = np.flatnonzero((np.bincount(self.shots.indices, minlength=self.n_sites) > 0) | ex_s)
        sens = np.arange(0)
        fc = None
        if self.n_sensors:
            assert self.fire_control is not None  # __post_init__ sets it whenever there are sensors
            used = np.asarray((self.fire_control > 0).sum(axis=0)).ravel() > 0
            sens = np.flatnonzero(used | np.asarray(ex_k, bool))
            fc = sp.csr_array(self.fire_control[:, sens])
        remap = np.full(self.n_sites, -1)
        remap[sites] = np.arange(len(sites))
        shots = sp.csr_array((self.shots.data, remap[self.shots.indices], self.shots.indptr),
                             shape=(self.n_classes, len(sites)))  # fmt: skip
        pick = lambda a, idx: None if a is None else np.asarray(a)[idx]  # noqa: E731
        inst = dataclasses.replace(
            self, shots=shots, site_ids=tuple(self.site_ids[j] for j in sites),
            site_cost=self.site_cost[sites], round_cost=self.round_cost[sites],
            magazine=self.magazine[sites], site_kind=self.site_kind[sites],
            sensor_ids=tuple(self.sensor_ids[k] for k in sens), sensor_cost=self.sensor_cost[sens],
            track=None, fire_control=fc, site_type=pick(self.site_type, sites),
            existing_sites=pick(self.existing_sites, sites),
            existing_sensors=pick(self.existing_sensors, sens),
        )  # fmt: skip
        return inst, sites, sens

    def patterns(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        r"""Shot patterns :math:`\pi` of class ``c`` and their leak probabilities.

        A pattern is a vector of shots per kind, :math:`0 \le \pi_q \le S_{cq}`; one missile
        engaged with it leaks with probability :math:`Q_\pi = \prod_q (1 - p_q)^{\pi_q}`.
        Returns ``(P, Q)`` with ``P`` of shape ``(n_patterns, kinds)``, the empty pattern first.
        """
        return _patterns(
            tuple(self.kind_shots[c].tolist()), tuple(self.kind_pk.tolist()), self.max_shots_per_missile
        )


@dataclass(frozen=True, eq=False)
class DefencePlan:
    """A defender's plan: sites built, rounds stocked at each, sensors built."""

    sites: np.ndarray
    rounds: np.ndarray
    sensors: np.ndarray

    @staticmethod
    def full(inst: AdversaryInstance, sites: np.ndarray, sensors: np.ndarray | None = None) -> DefencePlan:
        """The plan of ``sites`` (and ``sensors``, default all) with full magazines."""
        s = np.asarray(sites, bool)
        k = np.ones(inst.n_sensors, bool) if sensors is None else np.asarray(sensors, bool)
        return DefencePlan(s, np.where(s, inst.magazine, 0).astype(int), k)

    def cost(self, inst: AdversaryInstance) -> float:
        """Fixed, round and sensor cost of the plan."""
        return float(
            inst.site_cost @ self.sites + inst.round_cost @ self.rounds + inst.sensor_cost @ self.sensors
        )

    def without(self, lost_sites: np.ndarray, lost_sensors: np.ndarray) -> DefencePlan:
        """The plan after the given assets are lost (their rounds with them)."""
        keep = self.sites & ~np.asarray(lost_sites, bool)
        return DefencePlan(
            keep, np.where(keep, self.rounds, 0), self.sensors & ~np.asarray(lost_sensors, bool)
        )


@dataclass(frozen=True, eq=False)
class Raid:
    """A laydown: missiles per threat class (``(C,)`` int)."""

    counts: np.ndarray

    @property
    def size(self) -> int:
        """Missiles in the raid."""
        return int(np.sum(self.counts))

    def missile_class(self) -> np.ndarray:
        """Class of every missile, classes in order (``(size,)`` int)."""
        return np.repeat(np.arange(len(self.counts)), self.counts.astype(int))

    def laydown(self, inst: AdversaryInstance) -> dict[str, dict[str, int]]:
        """``{launch area: {target: missiles}}`` (nonzero entries only)."""
        out: dict[str, dict[str, int]] = {}
        for c in np.flatnonzero(self.counts):
            area = inst.area_names[inst.class_area[c]]
            out.setdefault(area, {})[inst.target_names[inst.class_target[c]]] = int(self.counts[c])
        return out


def _patterns(
    caps: tuple[int, ...], pk: tuple[float, ...], total: int | None
) -> tuple[np.ndarray, np.ndarray]:
    grid = np.array(list(itertools.product(*(range(n + 1) for n in caps))), dtype=int)
    grid = grid.reshape(-1, len(caps))
    if total is not None:
        grid = grid[grid.sum(axis=1) <= total]
    leak = np.prod(np.power(1.0 - np.asarray(pk)[None, :], grid), axis=1)
    return grid, leak


def check_raid_size(inst: AdversaryInstance, n_missiles: int) -> None:
    """Raise when the launch areas cannot field ``n_missiles`` missiles."""
    attackable = np.zeros(len(inst.area_names), bool)
    attackable[np.unique(inst.class_area)] = True
    can = int(np.sum(np.asarray(inst.inventory)[attackable]))
    if n_missiles > can:
        raise AdversaryError(f"raid of {n_missiles} missiles exceeds the launch areas' inventories ({can})")
