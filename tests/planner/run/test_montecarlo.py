"""Analytic leakage vs the independent Monte Carlo simulator on seeded random small scenarios."""

from __future__ import annotations

import numpy as np
import pytest

from geodata.killchain import cue_times, intercept_windows, shot_matrices
from geodata.threats import LaunchArea, ballistic_tracks
from models.engagement import EngagementInstance, expected_leakage
from models.engagement.solve import solve_engagement
from models.result import SolveOptions
from planner.run.montecarlo import SensorParams, SiteParams, simulate

SPEED, LO, HI, RMAX, REACT, ASSESS, SSPK = 2500.0, 40.0, 300.0, 400.0, 15.0, 20.0, 0.6


def random_case(seed: int):
    rng = np.random.default_rng(seed)
    tlon, tlat = rng.uniform(-110, -80, 3), rng.uniform(33, 45, 3)
    tracks = ballistic_tracks([LaunchArea.point("a", 140.0, 45.0)], tlon, tlat, n_samples=96)
    slon = np.repeat(tlon, 3) + rng.normal(0, 1.0, 9)
    slat = np.repeat(tlat, 3) + rng.normal(0, 1.0, 9)
    rlon, rlat = tlon + rng.normal(0, 2.0, 3), tlat + rng.normal(0, 2.0, 3)
    w = intercept_windows(tracks, slon, slat, SPEED, LO, HI, RMAX, REACT, ASSESS)
    cue = cue_times(tracks, rlon, rlat, 30.0, 2500.0)
    threat_track = np.repeat(np.arange(3), 2)  # two missiles at each target
    ms, fc = shot_matrices(w, cue, threat_track, 9)
    inst = EngagementInstance(
        v=np.ones(6),
        area=np.zeros(6),
        target=threat_track,
        site_cost=np.full(9, 3.0),
        round_cost=np.ones(9),
        magazine=np.full(9, 3),
        sspk=np.full(9, SSPK),
        layer=np.full(9, 2),
        site_type=np.zeros(9, int),
        type_max=np.array([9]),
        sensor_cost=np.full(3, 2.0),
        max_shots=ms,
        fire_control=fc,
        budget=float(rng.integers(12, 25)),
        shots_per_threat_max=3,
    )
    return tracks, threat_track, (slon, slat), (rlon, rlat), inst


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_simulation_interval_contains_analytic(seed):
    tracks, tt, (slon, slat), (rlon, rlat), inst = random_case(seed)
    sol = solve_engagement(inst, SolveOptions(time_limit_s=30, mip_rel_gap=1e-9))
    plan = sol.plan
    assert plan is not None and plan.shots.nnz > 0  # the case engages something
    built = np.flatnonzero(plan.sites)
    sites = [
        SiteParams(
            slon[j], slat[j], SPEED / 1000, LO, HI, RMAX, REACT, ASSESS, SSPK, False, int(plan.rounds[j])
        )
        for j in built
    ]
    sensors = [SensorParams(rlon[s], rlat[s], 0.03, 2500.0) for s in np.flatnonzero(plan.sensors)]
    trs = [
        {"lon": tracks.lon[k], "lat": tracks.lat[k], "alt": tracks.alt_km[k], "time": tracks.time_s[k]}
        for k in tt
    ]
    analytic = expected_leakage(inst, plan)[0]
    mc = simulate(
        trs, np.zeros(6), sites, sensors, plan.shots.toarray()[:, built], analytic, trials=4000, seed=seed
    )
    assert mc.planned_shots_without_window == 0  # the simulator's own windows agree
    assert mc.agrees, (analytic, mc.ci99)
    # A wrong analytic figure (one missile off) is refused.
    wrong = simulate(
        trs,
        np.zeros(6),
        sites,
        sensors,
        plan.shots.toarray()[:, built],
        analytic + 0.5,
        trials=4000,
        seed=seed,
    )
    assert not wrong.agrees


def test_magazines_deplete_in_simulation():
    # One site, one round, two threats each assigned a shot: the second shot never leaves.
    t = np.arange(10.0) * 10
    track = {"lon": np.zeros(10), "lat": np.zeros(10), "alt": 100 - 10 * t / 10, "time": t}
    site = SiteParams(0.0, 0.0, 1.0, 20.0, 80.0, 1000.0, 5.0, 10.0, 0.5, False, 1)
    sensor = SensorParams(0.0, 0.0, 0.01, 1000.0)
    mc = simulate(
        [track, track], np.zeros(2), [site], [sensor], np.array([[1], [1]]), 1.5, trials=4000, seed=3
    )
    assert mc.shots_fired_mean == pytest.approx(1.0)
    assert mc.expected_leakers == pytest.approx(1.5, abs=0.05)
