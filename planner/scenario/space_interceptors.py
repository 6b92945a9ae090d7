"""Scenario block ``space_interceptors``: a boost-phase layer of space-based interceptors (SBIs).

Every default is notional and illustrative, derived from public figures, not from any real system:

- CBO, May 2026 (as quoted in issue #12): about $22 M per SBI, a 5-year life, launch at about
  $500/kg, orbits of 300-500 km, a boost phase of 3-5 minutes, about 10 missiles engaged at once.
  Defaults: ``unit_cost_musd`` 22, ``life_years`` 5, ``launch_usd_per_kg`` 500, ``altitude_km``
  400 (mid-range), ``boost_duration_s`` 240 (mid-range), ``salvo_size`` 1.
- Kill vehicle: ``delta_v_mps`` 4,000 and ``acceleration_mps2`` 100 (≈ 10 g) are round numbers of
  the order used in the American Physical Society's boost-phase studies (2003, 2025); ``mass_kg``
  1,000 is domeplan's assumption (no public figure), which with $500/kg adds $0.5 M per launch.
- Latencies (detection 30 s, decision 30 s, KV launch 0 s) and the intercept altitude (200 km,
  near burnout of a liquid-fuel ICBM) are domeplan's round numbers; change them in the scenario.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from planner.scenario.strict import StrictModel, check_walker_menu


class BoostPhase(StrictModel):
    """The threat's boost phase and the defence's latencies before the kill vehicle flies."""

    boost_duration_s: float = Field(default=240.0, gt=0, allow_inf_nan=False)
    """Burn time of the missile (CBO: 3-5 minutes; a solid-fuel ICBM ~170-180 s)."""
    detection_latency_s: float = Field(default=30.0, ge=0, allow_inf_nan=False)
    """From launch to a track good enough to commit."""
    decision_latency_s: float = Field(default=30.0, ge=0, allow_inf_nan=False)
    """From track to release of the kill vehicle (command and control)."""
    launch_latency_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """From release to the start of the kill vehicle's burn."""
    intercept_altitude_km: float = Field(default=200.0, ge=0, allow_inf_nan=False)
    """Altitude of the missile where it is met (near burnout)."""


class KillVehicle(StrictModel):
    """The kill vehicle each satellite carries (one shot per satellite)."""

    delta_v_mps: float = Field(default=4000.0, gt=0, allow_inf_nan=False)
    """Speed the kill vehicle adds to its satellite's."""
    acceleration_mps2: float = Field(default=100.0, gt=0, allow_inf_nan=False)
    """Mean acceleration while it burns (100 m/s² ≈ 10 g)."""
    sspk: float = Field(default=0.7, ge=0, le=1)
    """Single-shot kill probability (notional)."""


class SbiLaunchArea(StrictModel):
    """A launch area: a point, or a polygon sampled on a grid."""

    name: str = Field(min_length=1, max_length=64)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    polygon: tuple[tuple[float, float], ...] | None = Field(default=None, min_length=3)
    """Exterior ring as ``[lon, lat]`` pairs, degrees."""
    spacing_km: float = Field(default=200.0, gt=0, allow_inf_nan=False)
    """Spacing of launch points inside a polygon."""

    @model_validator(mode="after")
    def _point_or_polygon(self) -> SbiLaunchArea:
        point = self.lon is not None and self.lat is not None
        if point == (self.polygon is not None) or (self.lon is None) != (self.lat is None):
            raise ValueError(f"launch area '{self.name}': give lon and lat, or a polygon")
        return self


class SpaceInterceptors(StrictModel):
    """A boost-phase layer of space-based interceptors, sized by the constellation's geometry.

    Each option of ``constellations`` is evaluated; with ``search`` the smallest shell meeting
    ``target_probability`` for every launch area is also searched.
    """

    name: str = Field(default="sbi", min_length=1, max_length=64)
    """Name of the layer in results."""
    altitude_km: float = Field(default=400.0, gt=0, allow_inf_nan=False)
    """Circular orbit altitude (CBO: 300-500 km)."""
    constellations: tuple[str, ...] = ()
    """Menu of Walker patterns ``i:t/p/f`` to evaluate."""
    search: Literal["off", "planes"] = "planes"
    """``planes``: also search ``inclinations_deg`` × ``planes`` for the smallest shell."""
    inclinations_deg: tuple[float, ...] = (45.0,)
    """Inclinations tried by the search."""
    planes: tuple[int, ...] = (12, 24, 36, 48)
    """Plane counts tried by the search."""
    reach_km: float | None = Field(default=None, gt=0, lt=10000)
    """Ground reach from the sub-satellite point to the launch point; ``None``: from ``boost`` and
    ``kill_vehicle``."""
    boost: BoostPhase = BoostPhase()
    kill_vehicle: KillVehicle = KillVehicle()
    launch_areas: tuple[SbiLaunchArea, ...] = ()
    """Where salvos come from; empty: the scenario's ``threats.launch_areas``."""
    salvo_size: int = Field(default=1, ge=1, le=50)
    """Missiles launched together from one area."""
    shots_per_missile: int = Field(default=1, ge=1, le=4)
    """Interceptors fired at each missile."""
    target_probability: float = Field(default=0.9, gt=0, lt=1)
    """P(at least salvo_size × shots_per_missile in reach) the sizing must reach in every area."""
    unit_cost_musd: float = Field(default=22.0, gt=0, allow_inf_nan=False)
    """Cost of one satellite with its kill vehicle, M USD (CBO: ~$22 M)."""
    mass_kg: float = Field(default=1000.0, gt=0, allow_inf_nan=False)
    """Launch mass of one satellite (domeplan's assumption)."""
    launch_usd_per_kg: float = Field(default=500.0, ge=0, allow_inf_nan=False)
    """Launch price (CBO: ~$500/kg with heavy-lift reusable rockets)."""
    life_years: float = Field(default=5.0, gt=0, allow_inf_nan=False)
    """Service life: the constellation is replaced this often (CBO: 5 years)."""
    horizon_years: float = Field(default=20.0, gt=0, allow_inf_nan=False)
    """Planning horizon of the life-cycle cost (CBO: 20 years)."""
    operations_musd_per_year: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Operations and support per year (CBO: ~$1 B/yr for 7,800 SBIs)."""
    time_steps: int = Field(default=1440, ge=48, le=20000)
    """Samples over one sidereal day (1440: one a minute)."""

    @field_validator("constellations")
    @classmethod
    def _walker(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_walker_menu(value)

    @model_validator(mode="after")
    def _something_to_do(self) -> SpaceInterceptors:
        if not self.constellations and self.search == "off":
            raise ValueError("give constellations, or search: planes")
        return self


INTERCEPTOR_ROLE_REFUSED = (
    "a space asset is a sensor layer only; role '{role}' no longer means 'a satellite above the "
    "defended point': describe space-based interceptors in the scenario's space_interceptors block "
    "(altitude_km, constellations, boost, kill_vehicle, launch_areas, salvo_size)"
)
"""One-line refusal of the old meaning of ``role: interceptor`` on a space asset."""
