r"""How long and how finely to sample a Walker constellation for per-point time statistics.

Horizon
    Per-point coverage depends on longitude through the phase of the ground track, so it must be
    averaged over a horizon long enough for the constellation to sweep every longitude: by default
    one sidereal day :math:`D = 2\pi/\omega_E` (86,164 s), or the constellation's ground-track
    repeat cycle when that is shorter (then the statistics are exactly periodic). One orbit from an
    arbitrary epoch is not enough: at 30°N a 53:24/3/1 shell at 550 km gives 0-100 % depending on
    longitude over one orbit, 37.6 % over a day.

Time step
    A point is covered while a satellite is within the footprint angle :math:`\lambda`; a pass
    through the centre lasts the crossing time :math:`t_c = 2\lambda / n`. The default step is
    :math:`\Delta t = t_c / 40` (22 s at 1,200 km and 10°, 12 s at 550 km), so every pass of more
    than a few percent of :math:`t_c` is sampled and each pass boundary costs at most
    :math:`\Delta t` (measured error of the day-average against a 1 s propagation: see tests).

Symmetry (Walker delta :math:`i:t/p/f`)
    Advancing time by :math:`\Delta = m T / t`, :math:`m = \gcd(f, p)` (with :math:`\gcd(0, p) = p`),
    moves every satellite :math:`m` slot phasings ahead, which is where the planes'
    :math:`-q` neighbours' satellites were (:math:`fq \equiv m \pmod p`): the inertial
    constellation at :math:`t + \Delta` is the one at :math:`t` turned by
    :math:`\theta = -2\pi q / p` about the pole; rotations by :math:`2\pi / m` alone map it onto
    itself. Over a rotating
    Earth the count therefore obeys

    .. math:: N(\varphi, \lambda, t + \Delta) = N(\varphi, \lambda - \phi, t), \qquad
              \phi = \theta - \omega_E \Delta

    and the Earth-fixed pattern repeats after :math:`k\Delta` when :math:`k\phi \equiv 0
    \pmod{2\pi/m}`. :func:`repeat_cycle_s` finds the shortest such :math:`k\Delta` below a day;
    :func:`walker_symmetry` gives :math:`(\Delta, \phi)` (tests check the identity above).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geodata.geometry import footprint_central_angle_deg
from geodata.orbits import OMEGA_EARTH_RAD_S, Walker, mean_motion_rad_s, orbital_period_s

SIDEREAL_DAY_S: float = 2.0 * np.pi / OMEGA_EARTH_RAD_S
"""One turn of the Earth relative to the stars, s (86,164.1 s)."""

STEPS_PER_CROSSING: int = 40
"""Default samples per footprint crossing time :math:`t_c = 2\\lambda/n`."""

REPEAT_TOLERANCE_RAD: float = 1e-5
"""Longitude drift (rad, 64 m on the ground) below which the ground track counts as repeating."""


@dataclass(frozen=True)
class SamplingPlan:
    """Sample times of a constellation's time statistics.

    Attributes
    ----------
    horizon_s
        Length of the averaged interval, s.
    time_step_s
        Spacing of the samples, s (``horizon_s / n_steps``).
    n_steps
        Number of samples ``t_k = k * time_step_s``, ``k = 0 .. n_steps - 1``.
    basis
        Why this horizon: ``"sidereal day"``, ``"repeat cycle"`` (then the statistics are
        periodic) or ``"given"``.
    """

    horizon_s: float
    time_step_s: float
    n_steps: int
    basis: str

    @property
    def periodic(self) -> bool:
        """True when the horizon is a ground-track repeat cycle."""
        return self.basis == "repeat cycle"

    def times(self) -> np.ndarray:
        """The sample times, s."""
        return np.arange(self.n_steps) * self.time_step_s

    def describe(self) -> str:
        """One line for reports, e.g. ``"horizon 86,164 s (sidereal day), step 21.9 s"``."""
        return f"horizon {self.horizon_s:,.0f} s ({self.basis}), step {self.time_step_s:.1f} s"


def crossing_time_s(altitude_km: float, min_elevation_deg: float) -> float:
    r"""Time a satellite takes to cross its footprint through the centre, :math:`2\lambda / n`, s."""
    lam = math.radians(float(footprint_central_angle_deg(altitude_km, min_elevation_deg)))
    return 2.0 * lam / mean_motion_rad_s(altitude_km)


def walker_symmetry(walker: Walker, altitude_km: float) -> tuple[float, float, int]:
    r"""Time shift :math:`\Delta`, Earth-fixed rotation :math:`\phi` (rad) and the order :math:`m`.

    :math:`N(\varphi, \lambda, t + \Delta) = N(\varphi, \lambda - \phi, t)`; rotations by
    :math:`2\pi/m` leave the pattern unchanged (module docstring).
    """
    p, f = walker.p, walker.f
    m = math.gcd(f, p)  # gcd(0, p) = p
    q = next(q for q in range(p) if (f * q - m) % p == 0)
    delta = m * orbital_period_s(altitude_km) / walker.t
    phi = -2.0 * np.pi * q / p - OMEGA_EARTH_RAD_S * delta
    return delta, phi, m


def repeat_cycle_s(walker: Walker, altitude_km: float, limit_s: float = SIDEREAL_DAY_S) -> float | None:
    """Shortest ground-track repeat cycle of the constellation below ``limit_s``, else ``None``."""
    delta, phi, m = walker_symmetry(walker, altitude_km)
    k = np.arange(1, int(limit_s // delta) + 1)
    period = 2.0 * np.pi / m
    drift = np.abs((k * phi + period / 2) % period - period / 2)
    hit = np.flatnonzero(drift <= REPEAT_TOLERANCE_RAD)
    return float(k[hit[0]] * delta) if hit.size else None


def sampling_plan(
    walker: Walker,
    altitude_km: float,
    min_elevation_deg: float,
    horizon_s: float | None = None,
    time_step_s: float | None = None,
    n_steps: int | None = None,
) -> SamplingPlan:
    """The horizon and step for a constellation's statistics (module docstring for the defaults).

    ``horizon_s`` ``None``: one sidereal day, or the ground-track repeat cycle when shorter.
    ``time_step_s`` ``None``: the crossing time over :data:`STEPS_PER_CROSSING`. The step is then
    shortened so that a whole number of steps fills the horizon. ``n_steps`` (overrides the step):
    exactly that many equal steps.
    """
    if horizon_s is None:
        cycle = repeat_cycle_s(walker, altitude_km)
        horizon, basis = (cycle, "repeat cycle") if cycle is not None else (SIDEREAL_DAY_S, "sidereal day")
    else:
        horizon, basis = float(horizon_s), "given"
    if not horizon > 0:
        raise ValueError(f"the horizon must be positive, got {horizon} s")
    step = crossing_time_s(altitude_km, min_elevation_deg) / STEPS_PER_CROSSING
    step = step if time_step_s is None else float(time_step_s)
    if not step > 0:
        raise ValueError(f"the time step must be positive, got {step} s")
    n = max(1, math.ceil(horizon / step - 1e-9)) if n_steps is None else int(n_steps)
    if n < 1:
        raise ValueError(f"n_steps must be at least 1, got {n}")
    return SamplingPlan(horizon, horizon / n, n, basis)
