r"""Monte Carlo engagement simulator: the plan flown against the raid, written apart from the optimiser.

It shares no code with :mod:`geodata.killchain` or the MILP. From the sampled tracks it
recomputes, with its own geometry (Earth-centred Cartesian positions and arcs; the refracted
horizon from the shared ray-trace primitive of :mod:`geodata.refraction`), when each built
fire-control sensor first
holds each threat and when each built site can intercept it. Then, over independent trials,
every planned shot is fired in launch-time order: a shot leaves only if the threat is still
alive (the look of shoot-look-shoot, and between layers) and its site has a round left
(magazines deplete); it kills with probability SSPK.

Its expected leakers carry a 99 % confidence interval :math:`\bar X \pm 2.576\,s/\sqrt n`;
the analytic figure of the optimiser must fall inside, or the plan is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from geodata.refraction import line_of_sight_arc_km

R_EARTH_KM = 6371.0088
Z99 = 2.5758293035489004


def _ecef(lon: np.ndarray, lat: np.ndarray, h: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    r = R_EARTH_KM + np.asarray(h, dtype=float)
    return np.stack([r * np.cos(la) * np.cos(lo), r * np.cos(la) * np.sin(lo), r * np.sin(la)], axis=-1)


def _in_view(p_sensor: np.ndarray, p_obj: np.ndarray, sensor: SensorParams, alt_km: np.ndarray) -> np.ndarray:
    """Line of sight: the ground arc between sensor and object within the refracted horizon.

    The horizon for the object's altitude comes from the standard-atmosphere ray trace above the
    sensor's minimum elevation (:func:`geodata.refraction.line_of_sight_arc_km`, the shared physics
    primitive); the arc is measured here from the Cartesian positions.
    """
    r1 = np.linalg.norm(p_sensor, axis=-1)
    r2 = np.linalg.norm(p_obj, axis=-1)
    cosang = np.clip(np.sum(p_sensor * p_obj, axis=-1) / (r1 * r2), -1.0, 1.0)
    arc = R_EARTH_KM * np.arccos(cosang)
    horizon = line_of_sight_arc_km(sensor.height_km, np.maximum(alt_km, 0.0), sensor.min_elevation_deg)
    return arc <= horizon * (1 + 1e-9)


@dataclass(frozen=True)
class SiteParams:
    """A built interceptor site as the simulator sees it."""

    lon: float
    lat: float
    speed_kms: float
    min_alt_km: float
    max_alt_km: float
    max_slant_km: float
    reaction_s: float
    assess_s: float
    sspk: float
    boost_layer: bool
    rounds: int


@dataclass(frozen=True)
class SensorParams:
    """A built fire-control sensor."""

    lon: float
    lat: float
    height_km: float
    range_km: float
    min_elevation_deg: float = 0.0


@dataclass(frozen=True)
class MonteCarloResult:
    """Simulated leakers against the design raid."""

    trials: int
    expected_leakers: float
    ci99: tuple[float, float]
    analytic_leakers: float
    shots_fired_mean: float
    planned_shots_without_window: int

    @property
    def agrees(self) -> bool:
        """Whether the analytic figure lies inside the simulation's 99 % interval."""
        return self.ci99[0] <= self.analytic_leakers <= self.ci99[1]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready facts."""
        return {
            "trials": self.trials,
            "expected_leakers": self.expected_leakers,
            "ci99": list(self.ci99),
            "analytic_expected_leakers": self.analytic_leakers,
            "contains_analytic": self.agrees,
            "shots_fired_mean": self.shots_fired_mean,
            "planned_shots_without_window": self.planned_shots_without_window,
        }


def _cue(track: dict[str, np.ndarray], sensors: list[SensorParams]) -> float:
    """First time a built sensor holds the track (inf if none)."""
    pos = _ecef(track["lon"], track["lat"], track["alt"])
    best = np.inf
    for s in sensors:
        p = _ecef(np.array(s.lon), np.array(s.lat), np.array(s.height_km))
        seen = _in_view(np.broadcast_to(p, pos.shape), pos, s, track["alt"]) & (
            np.linalg.norm(pos - p, axis=-1) <= s.range_km
        )
        if seen.any():
            best = min(best, float(track["time"][np.argmax(seen)]))
    return best


def _shot_times(track: dict[str, np.ndarray], site: SiteParams, cue: float, boost_end: float) -> list[float]:
    """Launch times of up to two shots (second after the look), by brute force over samples."""
    pos = _ecef(track["lon"], track["lat"], track["alt"])
    dist = np.linalg.norm(pos - _ecef(np.array(site.lon), np.array(site.lat), np.array(0.0)), axis=-1)
    t, h = track["time"], track["alt"]
    phase = (t <= boost_end) if site.boost_layer else (t > boost_end)
    launch = t - dist / site.speed_kms
    ok = (h >= site.min_alt_km) & (h <= site.max_alt_km) & (dist <= site.max_slant_km) & phase
    ok &= launch >= cue + site.reaction_s
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return []
    first = idx[0]
    later = idx[launch[idx] >= t[first] + site.assess_s]
    return [float(launch[first])] + ([float(launch[later[0]])] if later.size else [])


def simulate(
    tracks: list[dict[str, np.ndarray]],
    boost_end_s: np.ndarray,
    sites: list[SiteParams],
    sensors: list[SensorParams],
    shots: np.ndarray,
    analytic_leakers: float,
    *,
    trials: int = 4000,
    seed: int = 0,
    space_survival: np.ndarray | None = None,
) -> MonteCarloResult:
    """Fly the plan against the raid ``trials`` times.

    ``tracks[t]`` holds ``lon``, ``lat``, ``alt`` (km) and ``time`` (s) samples of threat ``t``;
    ``shots[t, j]`` the shots the plan assigns built site ``j`` at threat ``t``. With a space
    interceptor layer bought, threat ``t`` first survives it with probability ``space_survival[t]``
    (from the layer's availability over a day, :mod:`geodata.sbi`), drawn per trial.
    """
    events, missing = [], 0
    for t, tr in enumerate(tracks):
        cue = _cue(tr, sensors)
        for j in np.flatnonzero(shots[t]).tolist():
            times = _shot_times(tr, sites[j], cue, float(boost_end_s[t]))[: int(shots[t, j])]
            missing += int(shots[t, j]) - len(times)
            events += [(lt, t, int(j)) for lt in times]
    events.sort()
    rng = np.random.default_rng(seed)
    alive = np.ones((trials, len(tracks)), dtype=bool)
    if space_survival is not None:
        alive &= rng.random((trials, len(tracks))) < np.asarray(space_survival, dtype=float)
    rounds = np.tile(np.array([s.rounds for s in sites], np.int64), (trials, 1))
    fired = np.zeros(trials)
    for _, t, j in events:
        fire = alive[:, t] & (rounds[:, j] > 0)
        kill = rng.random(trials) < sites[j].sspk
        alive[:, t] &= ~(fire & kill)
        rounds[:, j] -= fire
        fired += fire
    leak = alive.sum(axis=1).astype(float)
    mean, sd = float(leak.mean()), float(leak.std(ddof=1)) if trials > 1 else 0.0
    half = Z99 * sd / np.sqrt(trials)
    return MonteCarloResult(
        trials, mean, (mean - half, mean + half), float(analytic_leakers), float(fired.mean()), missing
    )
