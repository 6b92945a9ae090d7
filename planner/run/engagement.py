"""Pipeline stage: a raid against the kill chain — plan, leakage curve, Monte Carlo verification.

Scenario ``threats.engagement`` + :class:`~planner.problem.build.CoverageProblem` (its tracks and
candidate sites) ──raid──▶ threats ──geodata.killchain──▶ shot opportunities ──models──▶
:class:`EngagementInstance` ──solve──▶ plan ──curve, simulation──▶ :class:`EngagementOutcome`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from geodata.killchain import Windows, cue_times, intercept_windows, shot_matrices
from geodata.threats import ThreatTracks
from models.engagement import LAYERS, EngagementInstance, EngagementPlan, plan_violations
from planner.errors import InputError
from planner.problem.build import CoverageProblem
from planner.scenario.schema import Scenario, SpaceAsset
from planner.scenario.threats import Engagement, check_engagement_names


def dhondt(n: int, weights: np.ndarray) -> np.ndarray:
    """``n`` items split in proportion to ``weights``, one at a time to the highest ``w / (k + 1)``.

    House-monotone: the split of ``n + 1`` adds one item to the split of ``n``, so raids nest
    and the heaviest targets come first (ties to the lower index).
    """
    w = np.asarray(weights, dtype=float)
    k = np.zeros(w.size, np.int64)
    for _ in range(int(n)):
        k[int(np.argmax(w / (k + 1)))] += 1
    return k


@dataclass(frozen=True, eq=False)
class Raid:
    """Threats of one raid: the track each flies, its launch area, target and value."""

    track: np.ndarray
    area: np.ndarray
    target: np.ndarray
    value: np.ndarray

    @property
    def size(self) -> int:
        """Missiles in the raid."""
        return int(self.track.size)


def lay_down(tracks: ThreatTracks, weight: np.ndarray, per_area: dict[str, int]) -> Raid:
    """Aim each launch area's missiles by target weight (D'Hondt), cycling over its launch points."""
    tr, ar, tg = [], [], []
    first = np.zeros(len(tracks.area_names) + 1, np.int64)
    n_pts = np.bincount(tracks.area, minlength=len(tracks.area_names)) // max(tracks.n_targets, 1)
    first[1:] = np.cumsum(n_pts)
    for a, name in enumerate(tracks.area_names):
        counts = dhondt(per_area.get(name, 0), weight)
        targets = np.repeat(np.arange(weight.size), counts)
        order = np.argsort(-weight[targets], kind="stable")  # heaviest first
        for k, t in enumerate(targets[order]):
            point = first[a] + k % max(n_pts[a], 1)
            tr.append(point * tracks.n_targets + t)
            ar.append(a)
            tg.append(t)
    track = np.asarray(tr, np.int64)
    return Raid(track, np.asarray(ar, np.int64), np.asarray(tg, np.int64), weight[np.asarray(tg, np.int64)])


def scaled_raid(design: dict[str, int], total: int) -> dict[str, int]:
    """The design raid scaled to ``total`` missiles across launch areas (D'Hondt, nested)."""
    names = list(design)
    counts = dhondt(total, np.array([design[n] for n in names], float))
    return dict(zip(names, counts.tolist(), strict=True))


@dataclass(frozen=True, eq=False)
class ChainAssets:
    """Candidate interceptor sites and fire-control sensors of the chain, with their parameters."""

    site_rows: np.ndarray
    sensor_rows: np.ndarray
    site_kind: np.ndarray
    sensor_kind: np.ndarray
    spec: Engagement

    def interceptor(self, j: int) -> Any:
        """The interceptor type of candidate site ``j``."""
        return self.spec.interceptors[int(self.site_kind[j])]


def chain_assets(scenario: Scenario, problem: CoverageProblem) -> ChainAssets:
    """Pick the candidate sites of the chain's interceptor and fire-control sensor types."""
    assert scenario.threats is not None and scenario.threats.engagement is not None  # stage runs if set
    spec = scenario.threats.engagement
    check_engagement_names(scenario)
    assets = {a.name: a for a in scenario.asset_types}
    site_type = problem.sites["asset_type"].to_numpy()
    rows, kinds, srows, skinds = [], [], [], []
    for k, it in enumerate(spec.interceptors):
        a = assets.get(it.asset_type)
        if a is None or a.domain == "space" or a.role not in ("interceptor", "both"):
            raise InputError(
                f"no land or sea interceptor asset type named '{it.asset_type}'",
                field="threats.engagement.interceptors.asset_type",
                value=it.asset_type,
            )
        r = np.flatnonzero(site_type == it.asset_type)
        rows.append(r)
        kinds.append(np.full(r.size, k))
    for k, st in enumerate(spec.sensors):
        a = assets.get(st.asset_type)
        if a is None or a.domain == "space" or a.role not in ("sensor", "both"):
            raise InputError(
                f"no land or sea sensor asset type named '{st.asset_type}'",
                field="threats.engagement.sensors.asset_type",
                value=st.asset_type,
            )
        if st.role == "fire_control":
            r = np.flatnonzero(site_type == st.asset_type)
            srows.append(r)
            skinds.append(np.full(r.size, k))
    cat = lambda xs: np.concatenate(xs) if xs else np.empty(0, np.int64)  # noqa: E731
    return ChainAssets(cat(rows), cat(srows), cat(kinds), cat(skinds), spec)


@dataclass(frozen=True, eq=False)
class ChainGeometry:
    """Windows and cues of every track the raids fly, computed once."""

    windows: Windows
    cue: np.ndarray


def chain_geometry(scenario: Scenario, problem: CoverageProblem, assets: ChainAssets) -> ChainGeometry:
    """Intercept windows of every track against every candidate site, and sensor cue times."""
    spec, tracks, sites = assets.spec, problem.tracks, problem.sites
    assert tracks is not None
    cls = {c.name: c for c in spec.missile_classes}
    boost_end = np.array([cls[spec.launch_area_class[n]].boost_duration_s for n in tracks.area_names])
    its = [assets.interceptor(j) for j in range(assets.site_rows.size)]
    p = lambda f: np.array([f(i) for i in its], float)  # noqa: E731
    lon, lat = sites["lon"].to_numpy(), sites["lat"].to_numpy()
    w = intercept_windows(
        tracks,
        lon[assets.site_rows],
        lat[assets.site_rows],
        p(lambda i: i.avg_flyout_speed_mps),
        p(lambda i: i.min_intercept_altitude_km),
        p(lambda i: i.max_intercept_altitude_km),
        p(lambda i: i.max_slant_range_km),
        p(lambda i: i.reaction_time_s),
        p(lambda i: i.assessment_time_s),
        boost_end_s=boost_end[tracks.area],
        boost_layer=np.array([i.layer == "boost" for i in its]),
    )
    hmast = {a.name: getattr(a, "mast_height_m", 0.0) for a in scenario.asset_types}
    elev = {a.name: getattr(a, "min_elevation_deg", 0.0) for a in scenario.asset_types}
    sens = [spec.sensors[int(k)] for k in assets.sensor_kind]
    height = np.array([hmast[s.asset_type] for s in sens])
    reach = np.array([s.range_km for s in sens])
    eps = np.array([elev[s.asset_type] for s in sens])
    cue = cue_times(tracks, lon[assets.sensor_rows], lat[assets.sensor_rows], height, reach, eps)
    return ChainGeometry(w, cue)


def boost_options(space: Any, area_names: Sequence[str]) -> dict[str, Any]:
    """The space interceptor layer as the raid's boost layer: one option per constellation.

    ``space`` is the space-interceptor stage's result (:mod:`planner.run.space_interceptors`).
    Option ``o`` costs one generation of its constellation, satellites × (unit + launch), the same
    acquisition basis as the other assets of this single-period budget (its life-cycle cost is in
    the space-interceptor section). A threat survives the boost layer of option ``o`` with its
    launch area's salvo survival, computed for ``salvo_size`` simultaneous missiles; threats from an
    area the layer does not cover survive it with probability 1.
    """
    cost = np.array(
        [
            o.life_cycle_cost.n_satellites
            * (o.life_cycle_cost.unit_cost_musd + o.life_cycle_cost.launch_cost_musd)
            for o in space.options
        ]
    )
    survival = np.ones((len(space.options), len(area_names)))
    for i, o in enumerate(space.options):
        by_area = {a.area: a.boost_survival for a in o.areas}
        survival[i] = [by_area.get(name, 1.0) for name in area_names]
    return {
        "boost_ids": np.array([o.pattern for o in space.options], dtype=object),
        "boost_cost": cost,
        "boost_survival": survival,
    }


def build_instance(
    scenario: Scenario,
    problem: CoverageProblem,
    assets: ChainAssets,
    geo: ChainGeometry,
    raid: Raid,
    space: Any = None,
) -> EngagementInstance:
    """The engagement instance of one raid (arrays only); ``space`` adds the boost layer."""
    spec, sites = assets.spec, problem.sites
    boost = {} if space is None else boost_options(space, [problem.tracks.area_names[a] for a in raid.area])
    its = [assets.interceptor(j) for j in range(assets.site_rows.size)]
    max_shots, fc = shot_matrices(geo.windows, geo.cue, raid.track, assets.site_rows.size)
    kinds = np.arange(len(spec.interceptors))
    return EngagementInstance(
        v=raid.value,
        area=raid.area,
        target=raid.target,
        site_cost=sites["cost_musd"].to_numpy(float)[assets.site_rows],
        round_cost=np.array([i.cost_per_round_musd for i in its]),
        magazine=np.array([i.rounds_per_site for i in its], np.int64),
        sspk=np.array([i.sspk for i in its]),
        layer=np.array([LAYERS.index(i.layer) for i in its], np.int64),
        site_type=assets.site_kind.astype(np.int64),
        type_max=np.array([_max_count(scenario, spec.interceptors[k].asset_type) for k in kinds], np.int64),
        sensor_cost=sites["cost_musd"].to_numpy(float)[assets.sensor_rows],
        max_shots=max_shots,
        fire_control=fc,
        budget=spec.budget_musd or scenario.budget_musd,
        existing_sites=sites["existing"].to_numpy(bool)[assets.site_rows],
        existing_sensors=sites["existing"].to_numpy(bool)[assets.sensor_rows],
        site_ids=sites["site_id"].to_numpy(object)[assets.site_rows],
        sensor_ids=sites["site_id"].to_numpy(object)[assets.sensor_rows],
        type_names=tuple(i.asset_type for i in spec.interceptors),
        shots_per_threat_max=spec.shots_per_threat_max,
        **boost,
    )


def _max_count(scenario: Scenario, name: str) -> int:
    ground = (a for a in scenario.asset_types if not isinstance(a, SpaceAsset))  # land/sea: chain_assets
    return int(next(a.max_count for a in ground if a.name == name))


def trimmed(inst: EngagementInstance, plan: EngagementPlan) -> EngagementPlan:
    """The same leakage at no more cost: rounds cut to the shots fired, unused assets dropped."""
    fired = np.asarray(plan.shots.sum(axis=0)).ravel()
    assert inst.existing_sites is not None and inst.existing_sensors is not None  # set by __post_init__
    sites = (fired > 0) | inst.existing_sites
    sensors = inst.existing_sensors.copy()
    if inst.fire_control is not None and plan.shots.nnz:
        t, j = inst.pairs
        x = np.asarray(plan.shots[t, j]).ravel()
        fc = inst.fire_control.tocoo()
        # Keep, per fired pair, the cheapest built sensor that allows its shots.
        ok = plan.sensors[fc.col] & (fc.data >= x[fc.row]) & (x[fc.row] > 0)
        order = np.lexsort((inst.sensor_cost[fc.col[ok]], fc.row[ok]))
        rows, cols = fc.row[ok][order], fc.col[ok][order]
        first = np.r_[True, rows[1:] != rows[:-1]] if rows.size else np.zeros(0, bool)
        sensors[cols[first]] = True
    out = EngagementPlan(sites, sensors, fired, plan.shots, plan.boost)
    return out if not plan_violations(inst, out) else plan
