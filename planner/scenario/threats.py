"""Scenario block ``threats.engagement``: missile classes, raids, interceptors and sensors in the kill chain.

Every parameter is notional and illustrative (round numbers from public physics and public
budget documents); none describes a real system. Units are in the field names.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, model_validator

from planner.scenario.strict import StrictModel

_Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", max_length=64)]
_Pos = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class MissileClass(StrictModel):
    """A notional missile class: how long it boosts and how high it burns out.

    The tracks themselves follow ``threats.trajectory`` (one two-body model for every launch area);
    give it the same boost (e.g. ``missile_class: icbm``, 180 s to 200 km) so the two agree.
    """

    name: _Name
    boost_duration_s: _Pos = 180.0
    """Powered flight; only a ``boost``-layer interceptor engages before it ends, the others after."""
    burnout_altitude_km: _Pos = 200.0
    """Altitude at burnout (reported; the track's burnout comes from ``threats.trajectory``)."""


class InterceptorType(StrictModel):
    """An interceptor in the kill chain: the asset type placing it and its engagement parameters."""

    asset_type: _Name
    """Name of a land or sea asset type with role ``interceptor`` (its sites and cost per site)."""
    layer: Literal["boost", "midcourse", "terminal"]
    """Layer of the defence it belongs to."""
    avg_flyout_speed_mps: _Pos
    """Average speed from launch to intercept (fly-out time = slant distance / this)."""
    min_intercept_altitude_km: float = Field(ge=0, allow_inf_nan=False)
    """Lowest intercept altitude."""
    max_intercept_altitude_km: _Pos
    """Highest intercept altitude."""
    max_slant_range_km: _Pos
    """Farthest intercept, straight-line from the site."""
    reaction_time_s: float = Field(default=30.0, ge=0, allow_inf_nan=False)
    """From a fire-control track to launch."""
    assessment_time_s: float = Field(default=60.0, ge=0, allow_inf_nan=False)
    """From an intercept to the kill assessment that cues a second shot (shoot-look-shoot)."""
    sspk: float = Field(gt=0, lt=1)
    """Single-shot kill probability."""
    rounds_per_site: int = Field(ge=1)
    """Magazine: most rounds a site can hold."""
    cost_per_round_musd: float = Field(ge=0, allow_inf_nan=False)
    """Cost of one round, beside the asset type's cost per site (``unit_cost_musd``)."""

    @model_validator(mode="after")
    def _band(self) -> InterceptorType:
        if self.min_intercept_altitude_km >= self.max_intercept_altitude_km:
            raise ValueError(
                f"interceptor '{self.asset_type}': min_intercept_altitude_km "
                f"{self.min_intercept_altitude_km} >= max_intercept_altitude_km "
                f"{self.max_intercept_altitude_km}"
            )
        return self


class SensorType(StrictModel):
    """A sensor's role in the kill chain."""

    asset_type: _Name
    """Name of a land or sea asset type with role ``sensor``."""
    role: Literal["detect", "track", "fire_control"] = "fire_control"
    """Only ``fire_control`` tracks are good enough to launch on; ``detect`` and ``track``
    sensors give warning (reported), not shots."""
    range_km: _Pos
    """Range at which it holds a track of that quality (also limited by the radar horizon)."""


class Engagement(StrictModel):
    """A raid against the kill chain: what to optimise and report as leakage."""

    enabled: StrictBool = True
    """Run the raid stage (its own plan, leakage curve, Monte Carlo; seconds to tens of seconds a
    run on the default scenario, depending on the budget). ``false`` keeps the block, still
    validated, and skips the stage: no engagement block in the summary, no raid section in the
    report, no ``engagement_s`` timing; a batch sweeping what the raid does not answer (budgets of
    the placement plan) turns it off. ``true``/``false`` only."""
    missile_classes: tuple[MissileClass, ...] = Field(min_length=1)
    """Notional missile classes."""
    launch_area_class: dict[str, str]
    """Missile class of each launch area (by name; every launch area listed)."""
    design_raid: dict[str, int]
    """Missiles launched from each launch area in the design raid (the plan is sized for it)."""
    raid_sizes: tuple[int, ...] = Field(min_length=1)
    """Total raid sizes of the leakage curve (the design raid scaled across launch areas)."""
    laydown: Literal["by_weight"] = "by_weight"
    """How a launch area's missiles are aimed: in proportion to target weight (largest
    remainders), the heaviest targets first."""
    interceptors: tuple[InterceptorType, ...] = Field(min_length=1)
    """Interceptor types in the chain."""
    sensors: tuple[SensorType, ...] = Field(min_length=1)
    """Sensor types in the chain."""
    budget_musd: _Pos | None = None
    """Budget of the engagement plan; ``None``: the scenario's ``budget_musd``."""
    shots_per_threat_max: int = Field(default=4, ge=1, le=8)
    """Doctrine: most shots at one missile over all layers."""
    time_limit_s: _Pos = 60.0
    """Time limit of each engagement solve."""
    monte_carlo_trials: int = Field(default=4000, ge=100, le=1_000_000)
    """Simulated raids verifying the plan (seeded with ``solver.seed``)."""

    @model_validator(mode="after")
    def _consistent(self) -> Engagement:
        classes = {c.name for c in self.missile_classes}
        bad = sorted(set(self.launch_area_class.values()) - classes)
        if bad:
            raise ValueError(f"launch_area_class names unknown missile classes: {bad}")
        if any(n < 0 for n in self.design_raid.values()) or sum(self.design_raid.values()) < 1:
            raise ValueError("design_raid needs non-negative counts, at least one missile")
        if any(n < 1 for n in self.raid_sizes) or list(self.raid_sizes) != sorted(set(self.raid_sizes)):
            raise ValueError("raid_sizes must be positive and strictly increasing")
        names = [i.asset_type for i in self.interceptors] + [s.asset_type for s in self.sensors]
        if len(set(names)) != len(names):
            raise ValueError("an asset type is listed twice among interceptors and sensors")
        return self

    @property
    def design_raid_size(self) -> int:
        """Missiles in the design raid."""
        return int(sum(self.design_raid.values()))


def check_engagement_names(scenario: Any) -> None:
    """Refuse a raid that names launch areas or asset types the scenario does not have.

    Checked before any work (``validate``, the start of ``run``) and again by the kill chain.

    Raises
    ------
    planner.errors.InputError
        Naming the field (with its index) and the first unknown value.
    """
    from planner.errors import InputError

    threats = scenario.threats
    if threats is None or threats.engagement is None:
        return
    spec = threats.engagement
    areas = {a.name for a in threats.launch_areas}
    for field, names in (
        ("launch_area_class", set(spec.launch_area_class)),
        ("design_raid", set(spec.design_raid)),
    ):
        if names - areas:
            raise InputError(
                f"unknown launch area(s) {sorted(names - areas)}; launch areas: {sorted(areas)}",
                field=f"threats.engagement.{field}",
                value=sorted(names - areas)[0],
            )
    if areas - set(spec.launch_area_class):
        raise InputError(
            "every launch area needs a missile class",
            field="threats.engagement.launch_area_class",
            value=sorted(areas - set(spec.launch_area_class))[0],
        )
    assets = {a.name: a for a in scenario.asset_types}
    for group, role in (("interceptors", "interceptor"), ("sensors", "sensor")):
        for k, item in enumerate(getattr(spec, group)):
            a = assets.get(item.asset_type)
            if a is None or a.domain == "space" or a.role not in (role, "both"):
                raise InputError(
                    f"no land or sea {role} asset type named '{item.asset_type}'",
                    field=f"threats.engagement.{group}[{k}].asset_type",
                    value=item.asset_type,
                )
